"""Result containers: frozen dataclasses with plain fields and a JSON-safe ``to_dict()``.

Non-finite numbers become ``None`` in ``to_dict()`` (JSON has no NaN or infinity); polars frames become
lists of row dicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import numpy as np
import polars as pl


def jsonable(value: Any) -> Any:
    """Convert numpy scalars, arrays, frames and dataclasses to JSON-serialisable Python values."""
    if hasattr(value, "to_dict") and not isinstance(value, pl.DataFrame | pl.Series | dict):
        return value.to_dict()
    if isinstance(value, pl.DataFrame):
        return [jsonable(row) for row in value.to_dicts()]
    if isinstance(value, pl.Series):
        return jsonable(value.to_list())
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class Estimate(_ToDict):
    """One effect estimate with its interval.

    ``lower``/``upper`` bound a ``1 - alpha`` interval; ``p_value`` tests a zero effect. ``n_assignments``
    is set for randomisation inference (assignments compared, the observed one included).
    """

    estimate: float
    lower: float
    upper: float
    p_value: float | None
    method: str
    se: float | None = None
    n_assignments: int | None = None
    alpha: float = 0.05
    diagnostics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TestResult(_ToDict):
    """A hypothesis test: chi-squared style statistic, degrees of freedom and p-value."""

    __test__ = False  # not a pytest class

    statistic: float
    df: int
    p_value: float
    method: str
    diagnostics: dict[str, Any] = field(default_factory=dict)


def plain_number(x: float) -> int | float:
    """A start period as a table shows it: 2004, not 2004.0."""
    return int(x) if float(x).is_integer() else float(x)
