"""The base cells as published: monthly area counts and groups of cases, perturbed once (`perturb`), from
which every published count is summed (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from soteria.disclosure.note import THRESHOLD
from soteria.disclosure.perturb import cell_keys, perturb, perturbed
from soteria.domain import VICTIM_FIELDS

AT_RISK_DAYS = (0.0, 90.0, 180.0, 365.0, 730.0)  # the days the numbers at risk are published for
_OUTCOMES = {1: "filed", 2: "closed_before_file", 0: "still_open"}
_KEYS = ["area_code", "month", "metric"]


def metric_values(
    values: pl.DataFrame,
    secret: str,
    force_values: pl.DataFrame | None = None,
    force_cps_area: pl.DataFrame | None = None,
    threshold: int = THRESHOLD,
) -> pl.DataFrame:
    """Monthly values (area_code, month, metric, value, ...) with each count perturbed.

    At CPS Area grain pass the force values and the force to CPS Area map: an Area's count that equals
    the sum of its forces' counts that month (the extracts agree) is published as the sum of their
    perturbed counts, so that an Area less its forces gives no more than the forces' perturbed counts."""
    published = perturb(values, _KEYS, "value", secret, "metric", threshold)
    if force_values is None or force_cps_area is None or values.is_empty():
        return published
    home = (
        force_cps_area.group_by("force_code")
        .agg(pl.col("cps_area_code").first(), n=pl.len())
        .filter(pl.col("n") == 1)  # a force split between Areas (the Met) cannot be rolled up
        .drop("n")
    )
    members = home.group_by("cps_area_code").agg(members=pl.len())
    forces = force_values.select(*_KEYS, true="value").join(
        metric_values(force_values, secret, threshold=threshold).select(*_KEYS, rolled="value"), on=_KEYS
    )
    sums = (
        forces.join(home, left_on="area_code", right_on="force_code")
        .group_by("cps_area_code", "month", "metric")
        .agg(pl.col("true").sum(), pl.col("rolled").sum(), known=pl.col("true").is_not_null().sum())
        .join(members, on="cps_area_code")
        .filter(pl.col("known") == pl.col("members"))
        .select(pl.col("cps_area_code").alias("area_code"), "month", "metric", "true", "rolled")
    )
    out = published.join(values.select(*_KEYS, exact="value"), on=_KEYS, how="left").join(
        sums, on=_KEYS, how="left"
    )
    agree = pl.col("true").is_not_null() & (pl.col("true") == pl.col("exact"))
    value = pl.when(agree).then(pl.col("rolled")).otherwise(pl.col("value"))
    return out.with_columns(value.cast(values.schema["value"]).alias("value")).select(values.columns)


def case_cells(
    tte: pl.DataFrame, days: Sequence[float] = AT_RISK_DAYS, threshold: int = THRESHOLD
) -> pl.DataFrame:
    """The perturbed groups of cases: arm, period, event, stretch (how many of the `days` marks the
    follow-up reached), the victim fields, n. A group is the cases of one force reported in one month
    with one outcome, one stretch and one victim sex, age band and ethnic group; its key is the sum of
    its cases' `record_key` (a column of `tte`), so the same cases make the same group, with the same
    perturbation, whichever areas, waves or window a selection takes. Because the victim fields are part
    of the group, a count of all cases and a count of one victims' group are both sums of the same
    perturbed groups: all cases less every other victims' group gives no more than that group's own
    published (perturbed) count."""
    marks = np.asarray(days, dtype=np.float64)
    victims = [f for f in VICTIM_FIELDS if f in tte.columns]
    stretch = np.searchsorted(marks, tte.get_column("days").to_numpy(), side="right")
    cells = (
        tte.with_columns(
            stretch=pl.Series(stretch, dtype=pl.Int32), month=pl.col("reported_on").dt.truncate("1mo")
        )
        .group_by("force_code", "month", "arm", "period", "event", "stretch", *victims)
        .agg(n=pl.len(), key=pl.col("record_key").sum())
    )
    keys = cell_keys(cells.get_column("key").to_numpy())
    n = perturbed(cells.get_column("n").to_numpy(), keys, threshold)
    return cells.with_columns(n=pl.Series(n, dtype=pl.Int64)).drop("key")


def case_counts(cells: pl.DataFrame, by: Sequence[str] = ()) -> pl.DataFrame:
    """arm, period, cases, filed, closed_before_file, still_open: sums of the perturbed groups (per arm
    and period, and per `by`: a victim field, whose null is its own group, "not recorded")."""
    wide = cells.group_by("arm", "period", *by).agg(
        *(pl.col("n").filter(pl.col("event") == e).sum().alias(name) for e, name in _OUTCOMES.items())
    )
    return wide.with_columns(cases=pl.col("filed") + pl.col("closed_before_file") + pl.col("still_open"))


def with_counts(summary: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """A summary per arm and period with its count columns taken from `case_counts` (0 where none)."""
    names = ["cases", *_OUTCOMES.values()]
    out = summary.drop(names).join(counts.select("arm", "period", *names), on=["arm", "period"], how="left")
    out = out.with_columns(pl.col(n).fill_null(0).cast(summary.schema[n]) for n in names)
    return out.select(summary.columns)


def at_risk(cells: pl.DataFrame, days: Sequence[float] = AT_RISK_DAYS) -> pl.DataFrame:
    """arm, period, day, at_risk: sums of the perturbed groups whose follow-up reached each day."""
    parts = [
        cells.group_by("arm", "period").agg(
            day=pl.lit(float(d)), at_risk=pl.col("n").filter(pl.col("stretch") > k).sum()
        )
        for k, d in enumerate(days)
    ]
    return pl.concat(parts).sort("arm", "period", "day")
