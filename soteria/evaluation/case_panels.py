"""Case timelines for the evaluation: the one follow-up (soteria.analysis.survival) within the design,
and per area the share filed within a year and the restricted mean time to file.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from soteria.analysis.compare import Selection
from soteria.analysis.survival import time_to_file
from soteria.domain import MIN_CASES
from soteria.engine.survival import cumulative_incidence, restricted_mean, value_at
from soteria.evaluation.design import design

HORIZON_DAYS = 365.0


def case_frame(
    cases: pl.DataFrame,
    register: pl.DataFrame,
    force_cps_area: pl.DataFrame,
    sel: Selection,
    control: str = "notyet",
) -> pl.DataFrame:
    """case_ref, area_code, arm, period, days, event (0 open/censored, 1 filed, 2 closed before a file).

    ``soteria.analysis.survival.time_to_file`` (the one follow-up rule: untreated cases are followed only
    until their area's start) with the evaluation's design: areas that take no part are left out.
    """
    d = design(register, sel, control)
    out = d.filter(pl.col("role").is_in(["excluded", "dropped"]))["area_code"].to_list()
    kept = d.filter(pl.col("role").is_in(["pilot", "control", "not_yet"]))
    pilot_waves = tuple(sorted(set(kept.filter(pl.col("role") == "pilot")["wave"].to_list())))
    if not pilot_waves:
        raise ValueError("no pilot area starts inside the evaluation window")
    sel2 = replace(sel, pilot_waves=pilot_waves, excluded_controls=tuple(out))
    tte = time_to_file(cases, register, force_cps_area, sel2)
    return tte.filter(pl.col("area_code").is_in(kept["area_code"].implode()))


def area_survival_panel(
    tte: pl.DataFrame, horizon: float = HORIZON_DAYS
) -> tuple[pl.DataFrame, dict[str, str]]:
    """Per area and period (0 before, 1 after): per cent filed within ``horizon`` days (Aalen-Johansen,
    closures competing) and restricted mean days to file within it. Areas with fewer than MIN_CASES
    cases in either period are left out (returned with the reason)."""
    rows, dropped = [], {}
    for (code, arm), part in tte.partition_by("area_code", "arm", as_dict=True).items():
        cells = {}
        for period in ("before", "after"):
            p = part.filter(pl.col("period") == period)
            if p.height < MIN_CASES:
                break
            days, event = p["days"].to_numpy(), p["event"].cast(pl.Int64).to_numpy()
            filed = value_at(cumulative_incidence(days, event, 1), horizon, "cif")
            rm = restricted_mean(days, event, horizon, "competing")
            cells[period] = (100 * (filed or 0.0), rm.estimate, p.height)
        if len(cells) < 2:
            dropped[code] = f"fewer than {MIN_CASES} case timelines before or after the start"
            continue
        for t_i, period in enumerate(("before", "after")):
            filed, rmst, n = cells[period]
            rows.append(
                {
                    "unit": code,
                    "time": t_i,
                    "filed_365": filed,
                    "rmst_365": rmst,
                    "cases": n,
                    "first_treat": 1 if arm == "pilot" else 0,
                    "role": "pilot" if arm == "pilot" else "control",
                }
            )
    schema = {"unit": pl.String, "time": pl.Int64, "filed_365": pl.Float64, "rmst_365": pl.Float64,
              "cases": pl.Int64, "first_treat": pl.Int64, "role": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema).sort("unit", "time"), dropped
