"""Who takes part and how the evaluation works, in words: the design table and sentence, the methods."""

from __future__ import annotations

from datetime import date

import polars as pl

from soteria.domain import MIN_CASES
from soteria.evaluation.checks import MIN_CONTROLS
from soteria.evaluation.outcome import EvaluationResult
from soteria.evaluation.synthetic import SYNTH_MAX_RELATIVE_RMSPE
from soteria.evaluation.text.sentences import SHORT

ROLE_WORDS = {
    "pilot": "Pilot",
    "control": "Control (not treated in the window)",
    "not_yet": "Control until its own start",
    "excluded": "Excluded by you",
    "dropped": "Left out",
}


def design_table(result: EvaluationResult) -> pl.DataFrame:
    left: dict[str, str] = {}
    for o in result.outcomes.values():
        for code, why in o.info.get("left_out", {}).items():
            left.setdefault(code, f"{SHORT[o.outcome]}: {why}")
    d = result.design
    return d.sort(pl.col("role").replace_strict({"pilot": 0, "control": 1, "not_yet": 2, "excluded": 3,
                                                  "dropped": 4}), "area_name").select(
        pl.col("area_name").alias("Area"),
        pl.col("role").replace_strict(ROLE_WORDS).alias("Part in the comparison"),
        pl.col("wave").alias("Wave"),
        pl.col("pilot_start").alias("Start"),
        pl.coalesce(pl.col("reason"), pl.col("area_code").replace_strict(left, default=None)).alias("Note"),
    )  # fmt: skip


def design_sentence(result: EvaluationResult) -> str:
    roles = result.design["role"].value_counts()
    n = dict(roles.iter_rows())
    sel = result.selection
    control = (
        "not-yet-treated areas count as controls until their own start"
        if result.control == "notyet"
        else "only areas not treated inside the window count as controls"
    )
    return (
        f"Window {sel['start']} to {sel['end']}; {_areas(n.get('pilot', 0), 'pilot')}, "
        f"{_areas(n.get('control', 0), 'control')} and {_areas(n.get('not_yet', 0), 'later-starting')} "
        f"({control}); {n.get('excluded', 0)} excluded by you, {n.get('dropped', 0)} left out."
    )


def _areas(n: int, kind: str) -> str:
    return f"{n} {kind} area{'' if n == 1 else 's'}"


def methods_markdown(result: EvaluationResult) -> str:
    return METHODS.format(
        min_controls=MIN_CONTROLS,
        synth_max=f"{SYNTH_MAX_RELATIVE_RMSPE:.0%}",
        min_cases=MIN_CASES,
        control=(
            "Later-starting areas count as controls until their own start (not-yet-treated)."
            if result.control == "notyet"
            else "Only areas not treated at any time inside the window count as controls (never-treated)."
        ),
    )


METHODS = """
**What is compared.** Each outcome in pilot areas after their start is compared with what the control
areas predict: the pilot areas' own level in the year before the start, moved by the change the control
areas saw over the same time (difference-in-differences for staggered starts, Callaway and Sant'Anna).
{control} Areas already started are never used as controls. The window ends when no clean control is
left (10 July 2023 by default).

**Periods that straddle a start.** Referrals are compared by month, the charge rate by quarter. A
period partly before and partly after an area's start (the April-June 2021 quarter for a 1 June start:
one month of three under the pilot) is a mix of both, so it is left out of that area's comparison: it
counts neither as before nor as after, and the effect is measured from the first whole period after the
start. Counted as treated it would dilute the effect (a +5 point change would read as about 4.6).

**Assumptions, and what would break them.**
- *Parallel trends*: without the pilot, pilot areas would have changed like the control areas. Broken if
  areas were picked because their figures were already rising or falling, if something else changed in
  pilot areas at the same time, or if control areas ran their own improvement work (exclude them in the
  sidebar, e.g. CPS South East and Wessex). Checked with the estimates before the start (event study) and
  a randomisation test of them; when the test rejects (p < 0.05) the estimate is not presented as a
  finding.
- *Referrals as an index*: each area's monthly referrals are divided by its own mean before the first
  pilot start (= 100). National rises multiply every area's referrals, so in counts a large area rises
  by more than a small one and trends would not be parallel; as a share of each area's own level they
  are. Areas with under one referral a month before the start are left out (their index is noise).
- *No anticipation*: areas did not change before their start. Broken by early preparation; it shows as
  estimates moving away from zero just before the start.
- *No spill-over*: the pilot did not change control areas. Broken by shared staff or national guidance
  (London North and London South share the Metropolitan Police).
- *Randomisation inference*: the p-value asks how unusual the result is among all ways of giving the
  pilot start dates to the same areas, as if the choice had been random: every possible assignment when
  there are at most 10,000, otherwise 5,000 drawn at random (the page names which). Areas of later waves
  (controls only until their own start) keep their own start in every re-assignment, so their own treated
  months never enter the comparison whatever their effect; only when that leaves fewer than 100
  assignments are their starts re-assigned too, and then the test assumes the same effect in every
  wave. The interval assumes the same
  effect in every pilot area and period (a proportional effect for referrals, an added one for rates);
  with very unequal effects read it as approximate. With fewer than {min_controls} control areas in any
  period, or too few ways to re-assign the pilot, the page says the estimate is not a finding.
- *Synthetic control* (per pilot area): a weighted average of areas not treated in the window that
  tracks the pilot area before its start; its path after the start is the comparison. If before the
  start it misses the real area by more than {synth_max} of its level, the fit is poor and the gap is
  not a finding. The placebo p-value ranks the area's gap among the same analysis run for each donor:
  with N donors it cannot be smaller than 1/(N+1).
- *Report to file*: for each area, the share of cases reported before and after the start whose file
  reached the CPS within a year (Aalen-Johansen: cases closed without a file count as never filed; open
  cases count until the extract date). Pilot cases reported before the start are followed only until the
  start, control cases only until their own start. Areas with fewer than {min_cases} cases in a period
  are left out. There is one period before the start, so trends before it cannot be checked here.

**Plain two-way fixed effects** (area and month effects and one pilot-after-start indicator) is shown only
beside the staggered estimate, as the familiar naive comparison: with staggered starts it also compares
later starters with earlier ones and can be biased when effects grow over time. Influence-function and
bootstrap intervals assume many pilot areas and are too narrow with five.
"""


def area_names(result: EvaluationResult) -> dict[str, str]:
    return dict(result.design.select("area_code", "area_name").iter_rows())


def subtitle(result: EvaluationResult) -> str:
    sel = result.selection
    kind = "CPS Areas" if sel["grain"] == "cps_area" else "police force areas"
    controls = "not-yet-treated controls" if result.control == "notyet" else "never-treated controls"
    start, end = (date.fromisoformat(sel[k]).strftime("%-d %b %Y") for k in ("start", "end"))
    return f"{kind}, {start} to {end}; pilot: {sel['pilot_waves']}; {controls}"
