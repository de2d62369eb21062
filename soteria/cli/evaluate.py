"""`python -m soteria evaluate`: pilot against control for one or more outcomes, as text or JSON.

Registered on ``soteria.cli.common.app``; kept in its own module so that the evaluation's imports (scipy and
the engine) load only when the command runs. Exit codes as for every command: 0 success, 2 invalid
input (a bad --outcome, --grain, --control, --window-end or --exclude), 1 any other failure.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from soteria.cli.common import existing_store, fail, guarded

if TYPE_CHECKING:  # the heavy modules load when the command runs
    from soteria.analysis.compare import Selection
    from soteria.evaluation.outcome import EvaluationResult

OUTCOME_CHOICES = ("referrals", "charge_rate", "report_to_file")


def _selection(grain: str, exclude: list[str], window_end: str | None, waves: list[str]) -> Selection:
    """The Selection for the command, or exit 2 naming what is wrong."""
    from soteria.analysis.compare import Selection

    if grain not in ("force", "cps_area"):
        fail(f"--grain must be 'force' or 'cps_area', not {grain!r}", 2)
    end = Selection().end
    if window_end is not None:
        try:
            end = date.fromisoformat(window_end)
        except ValueError:
            fail(f"--window-end must be a date like 2023-07-10, not {window_end!r}", 2)
    try:
        sel = Selection(grain=grain, end=end, excluded_controls=tuple(exclude))
        return replace(sel, pilot_waves=tuple(waves)) if waves else sel
    except ValueError as exc:
        fail(f"invalid choice: {exc}", 2)


def evaluate(
    ctx: typer.Context,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="referrals, charge_rate or report_to_file (repeat; default: all)."),
    ] = None,
    grain: Annotated[str, typer.Option("--grain", help="force or cps_area.")] = "cps_area",
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Area code to leave out of the controls (repeat).")
    ] = None,
    window_end: Annotated[
        str | None, typer.Option("--window-end", help="Last day of the window (default 2023-07-10).")
    ] = None,
    control: Annotated[
        str, typer.Option("--control", help="notyet (later starters until their own start) or never.")
    ] = "notyet",
    wave: Annotated[
        list[str] | None, typer.Option("--wave", help="Pilot wave (repeat; default: 2021 pathfinder).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Pilot against control: estimates, intervals, p-values and the checks on the method."""

    path: Path = ctx.obj
    outcomes = tuple(dict.fromkeys(outcome or OUTCOME_CHOICES))
    bad = [o for o in outcomes if o not in OUTCOME_CHOICES]
    if bad:
        fail(f"--outcome must be one of {', '.join(OUTCOME_CHOICES)}, not {', '.join(bad)}", 2)
    if control not in ("notyet", "never"):
        fail(f"--control must be 'notyet' or 'never', not {control!r}", 2)
    sel = _selection(grain, exclude or [], window_end, wave or [])

    def run() -> None:
        from soteria.domain import METRICS
        from soteria.evaluation.run import run_evaluation

        store = existing_store(path)
        register = store.pilot_register()
        known = set(register.filter(register["area_kind"] == grain)["area_code"].to_list())
        unknown = [c for c in sel.excluded_controls if c not in known]
        if unknown:
            fail(f"--exclude: no {grain} area has the code {', '.join(unknown)}", 2)
        needs_cases = "report_to_file" in outcomes
        try:
            result = run_evaluation(
                store.metric_values(list(METRICS), grain),
                store.cases() if needs_cases else None,
                register,
                store.force_cps_area() if needs_cases else None,
                sel,
                control,
                outcomes,
                curves=False,
            )
        except ValueError as exc:
            fail(f"no evaluation for these choices: {exc}", 2)
        if as_json:
            typer.echo(json.dumps(result.to_dict(), indent=2, allow_nan=False))
        else:
            typer.echo(text_report(result))

    guarded(run)


def text_report(result: EvaluationResult) -> str:
    from soteria.evaluation import text as et

    lines = [et.plain(et.design_sentence(result))]
    for o in result.outcomes.values():
        lines += ["", f"{et.SHORT[o.outcome]}: {et.WORDS[o.verdict].lower()}"]
        lines.append("  " + et.plain(et.headline_sentence(o)))
        for c in o.checks:
            mark = {True: "holds", False: "FAILS", None: "not checked"}[c.ok]
            lines.append(f"  - {c.name} ({mark}): {et.plain(c.message)}")
        if o.secondary.get("rmst_days") is not None:
            lines.append("  " + et.plain(et.secondary_sentence(o)))
    return "\n".join(lines)
