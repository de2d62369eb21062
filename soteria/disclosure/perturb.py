"""Cell key perturbation of the base cells, so that no selection can be subtracted from another to
recover a small count (pure).

The base cells are the finest counts anything is built from: an area's count of a metric in a month,
and the cases of a force reported in a month with one outcome and one stretch of follow-up. Each base
cell of 1 to 4 gets a key from a keyed hash (BLAKE2b with the database's secret) of what identifies it
(for cases: the sum of its cases' keys) and the key picks its published value from `small_table`:
always 1 to 4, within 1 of the count, with mean change zero, and every published value reachable from
at least two counts. Zeros and counts of 5 or more
are kept. Every published count (a total over areas or months, a quarter, an arm, a CPS Area built from
its forces) is then a sum of perturbed base cells, so the difference of any two published counts is
itself a sum of perturbed base cells, never a true small count: what differencing gives an attacker is
at most the perturbed value, which two or more counts could have given. The same cell gets the same
value in every table, export and session (the key depends only on the cell and the secret).

This is the cell key method of the ABS TableBuilder and ONS Census 2021 (record keys summed into a cell
key that indexes a perturbation table) applied to the base cells rather than to each output cell: an
output cell's noise is then the sum of its base cells' noise, which is what makes totals and their
differences consistent. Estimates (effects, intervals, p-values) are computed on the exact counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import polars as pl

from soteria.disclosure.note import THRESHOLD

BOUND = 1  # largest change of a base cell
# How often a middle small count moves to each neighbour. Any share above 0 leaves every published value
# two or more possible counts; 0.2 each way keeps 60% of twos and threes and an attacker who knows the
# table unsure of most of them, while totals of many small cells stay close (variance 0.4 per cell).
MOVE = 0.2


def small_table(threshold: int = THRESHOLD) -> dict[int, dict[int, float]]:
    """Published value -> probability for each true count of 1 to threshold - 1 (the perturbation table).

    Every change is of mean zero (totals stay unbiased) and at most 1, the published value is again a
    small count, and every published value could have come from two or more counts: the smallest and
    largest small counts keep their value, the others move to either neighbour with probability `MOVE`
    (so a 1 may be a 1 or a 2, a 4 a 3 or a 4). With a threshold of 3 ones and twos swap (a bias of 0.3
    either way); with a threshold of 2 only ones are withheld, and a withheld count is a 1 whatever is
    done."""
    top = threshold - 1
    if top == 2:
        return {1: {1: 0.7, 2: 0.3}, 2: {1: 0.3, 2: 0.7}}
    table: dict[int, dict[int, float]] = {}
    for count in range(1, top + 1):
        table[count] = (
            {count: 1.0} if count in (1, top) else {count - 1: MOVE, count: 1 - 2 * MOVE, count + 1: MOVE}
        )
    return table


SMALL_TABLE = small_table()
SMALL = (1, THRESHOLD - 1)  # the counts perturbed by default (and never published as themselves)


def possible_counts(published: int, threshold: int = THRESHOLD) -> list[int]:
    """The true counts of a base cell that could have been published as `published` (by the table)."""
    table = small_table(threshold)
    if published not in table:
        return [published]
    return [true for true, row in table.items() if row.get(published, 0.0) > 0.0]


def uniform_keys(identities: Sequence[str], secret: str) -> np.ndarray:
    """A number in [0, 1) per identity from a keyed hash: the cell key (secret, so not predictable)."""
    key = hashlib.blake2b(secret.encode(), digest_size=32).digest()
    digests = b"".join(hashlib.blake2b(t.encode(), key=key, digest_size=8).digest() for t in identities)
    return np.frombuffer(digests, dtype=">u8").astype(np.float64) / 2.0**64


def _lookup(true: np.ndarray, u: np.ndarray, threshold: int) -> np.ndarray:
    out = true.copy()
    for count, row in small_table(threshold).items():
        hit = true == count
        if not hit.any():
            continue
        values = np.array(list(row), dtype=np.int64)
        edges = np.cumsum(list(row.values()))
        out[hit] = values[np.minimum(np.searchsorted(edges, u[hit], side="right"), len(values) - 1)]
    return out


def perturbed(true: np.ndarray, keys: np.ndarray, threshold: int = THRESHOLD) -> np.ndarray:
    """Each count's published value for its cell key in [0, 1) (counts of 0 or `threshold` and more
    unchanged)."""
    return _lookup(np.asarray(true, dtype=np.int64), np.asarray(keys, dtype=np.float64), threshold)


def record_keys(records: pl.Series, secret: str) -> pl.Series:
    """A key in [0, 1) per record (a case reference): a cell's key is the fractional part of the sum of
    its records' keys, so the same records make the same key in every table (the ABS construction)."""
    return pl.Series("record_key", uniform_keys(records.cast(pl.String).to_list(), secret))


def cell_keys(sums_of_record_keys: np.ndarray) -> np.ndarray:
    return np.mod(np.asarray(sums_of_record_keys, dtype=np.float64), 1.0)


def perturb(
    frame: pl.DataFrame,
    identity: Sequence[str],
    value: str,
    secret: str,
    kind: str,
    threshold: int = THRESHOLD,
) -> pl.DataFrame:
    """`frame` with `value` replaced by its perturbed count (nulls stay null; the dtype is kept).

    For cells without records (an extract's monthly count): `identity` names the columns that identify
    the cell; with `kind` and the count itself they make its key, as the records would."""
    counts = frame.get_column(value)
    true = counts.fill_null(0).round(0).cast(pl.Int64).to_numpy()
    small = np.flatnonzero((true >= 1) & (true < threshold) & counts.is_not_null().to_numpy())
    if small.size == 0:
        return frame
    rows = frame.select(identity)[small.tolist()]
    parts = [rows.get_column(c).cast(pl.String).fill_null("").to_list() for c in identity]
    names = [f"{kind}|" + "|".join(p[i] for p in parts) + f"|{true[j]}" for i, j in enumerate(small)]
    out = true.copy()
    out[small] = _lookup(true[small], uniform_keys(names, secret), threshold)
    return frame.with_columns(
        pl.when(counts.is_null())
        .then(None)
        .otherwise(pl.lit(pl.Series(value, out)))
        .cast(counts.dtype)
        .alias(value)
    )
