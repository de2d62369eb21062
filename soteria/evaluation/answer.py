"""The Overview's answer first: up to three sentences on "is the pilot working?", each with its interval
and a confidence word that follows from the statistics, and the caveats that matter (pure).

Colour only where the evidence is clear: green when the clear effect goes the way the pilot intends
(more referrals, more files within a year, a higher charge rate), red when it goes the other way, grey
otherwise. The words say the same, so nothing rests on colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from soteria.evaluation import text
from soteria.evaluation.outcome import EvaluationResult, OutcomeResult

# CPS Areas that ran their own rape improvement work during the pilot (domain brief: CPS South East's
# Rape Response Improvement group, CPS Wessex): as controls they would make the pilot look weaker.
CONTAMINATED_CPS_AREAS = ("CPS-SE", "CPS-WX")
INTENDED = {"referrals": 1, "report_to_file": 1, "charge_rate": 1}  # the direction the pilot aims for
ORDER = ("referrals", "report_to_file", "charge_rate")


@dataclass(frozen=True)
class Answer:
    outcome: str
    word: str  # "Clear evidence", ...: shown on the badge
    colour: str  # "green" | "red" | "gray"
    sentence: str


def _subject(o: OutcomeResult) -> str:
    return {
        "referrals": "Police referrals to the CPS",
        "report_to_file": "Police files reaching the CPS within a year of the report",
        "charge_rate": "The charge rate",
    }[o.outcome]


def answer(o: OutcomeResult) -> Answer:
    h = o.headline
    if o.verdict == "fails":
        reason = next(c.message for c in o.checks if c.ok is False)
        return Answer(o.outcome, "Not a finding", "gray", f"{_subject(o)}: no answer yet. {reason}")
    good = h.estimate * INTENDED[o.outcome] > 0
    colour = ("green" if good else "red") if o.verdict == "clear" else "gray"
    if o.verdict == "none":
        claim = "no clear difference from what the control areas predict"
    else:
        way = "higher" if h.estimate > 0 else "lower"
        claim = f"{text.value(abs(h.estimate), o.unit, signed=False)} {way} than the control areas predict"
    return Answer(
        o.outcome,
        text.WORDS[o.verdict],
        colour,
        f"{_subject(o)}: {claim} ({text.interval(h, o.unit)}). {text.cases_sentence(o)}".rstrip(),
    )


def answers(result: EvaluationResult) -> list[Answer]:
    return [answer(result.outcomes[k]) for k in ORDER if k in result.outcomes]


def _names(frame: pl.DataFrame, grain: str) -> str:
    prefix = "CPS " if grain == "cps_area" else ""
    names = [prefix + n for n in frame.get_column("area_name").sort().to_list()]
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""


def contaminated(force_cps_area: pl.DataFrame) -> list[str]:
    """Area codes of the comparison's grain that lie in a CPS Area that ran its own improvement work."""
    codes = set(CONTAMINATED_CPS_AREAS)
    forces = force_cps_area.filter(pl.col("cps_area_code").is_in(codes)).get_column("force_code").to_list()
    return sorted(codes | set(forces))


def caveats(result: EvaluationResult, force_cps_area: pl.DataFrame) -> str:
    """Window, the areas excluded or left out, contamination of the control group and how much of a
    departure from parallel trends each clear finding survives, in words."""
    d, sel = result.design, result.selection
    start, end = (date.fromisoformat(sel[k]).strftime("%-d %B %Y") for k in ("start", "end"))
    parts = [f"Compared from {start} to {end}: after that every area had started, so no control remains"]
    excluded = d.filter(pl.col("role") == "excluded")
    if excluded.height:
        parts.append(f"{_names(excluded, sel['grain'])} excluded from the control group")
    dropped = d.filter(pl.col("role") == "dropped")
    if dropped.height:
        parts.append(f"{dropped.height} area{'s' if dropped.height > 1 else ''} left out for missing data")
    in_control = pl.col("role").is_in(["control", "not_yet"])
    risky = d.filter(in_control, pl.col("area_code").is_in(contaminated(force_cps_area)))
    if risky.height:
        parts.append(
            f"the controls include {_names(risky, sel['grain'])}, which ran their own improvement work: that "
            "would make the pilot look weaker than it is (exclude them in the sidebar to check)"
        )
    parts += [c for k in ORDER if k in result.outcomes and (c := text.clear_only_if(result.outcomes[k]))]
    return "; ".join(parts) + "."


def markdown(result: EvaluationResult, force_cps_area: pl.DataFrame) -> str:
    """The answer as the Overview shows it: one line per outcome with its badge, then the caveats."""
    lines = [f"- :{a.colour}-badge[{a.word}] {a.sentence}" for a in answers(result)]
    return "\n".join(lines) + f"\n\n**Caveats.** {caveats(result, force_cps_area)}"
