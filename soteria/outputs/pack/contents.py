"""What a report pack holds: its title, caveats, method notes, findings and charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.data import Provenance
from soteria.outputs.release import Release

PACK_FORMATS = ("pdf", "pptx", "html")


TITLE = "Operation Soteria pilot evaluation"


CAVEATS = (
    "Pilot areas are compared with control areas; a control area counts only for periods wholly before "
    "its own pilot start, so the comparison window ends at the national rollout (10 July 2023).",
    "Descriptive charts (volumes, rates, times) are not estimates of the pilot's effect; the evaluation's "
    "estimates compare each pilot area with what the control areas predict for it.",
    "London can only be compared at CPS Area level: Metropolitan Police and City of London cases belong to "
    "both London Areas and are left out of report-to-file times at that level.",
    "Report-to-file shares are of all reported cases, closures competing (Aalen-Johansen): a case closed "
    "without a file never reaches the CPS. Open cases count until the extract date, so no figure is a "
    "median of completed cases alone.",
)


METHOD_NOTES: tuple[tuple[str, str], ...] = (
    (
        "Pilot and control",
        "The pilot group is the areas of the chosen wave(s); all their periods count. "
        "The control group is every other area of the same kind that is not excluded, counted only for "
        "periods wholly before its own pilot start (a quarter counts only if all three months are before "
        "it). A period's value for an area is the sum of its months, or missing when any month is missing.",
    ),
    (
        "Index",
        "Each arm's mean per area is indexed to its own mean over the baseline year (= 100), so that "
        "arms of different sizes and a changing control group can be compared.",
    ),
    (
        "Charge rate",
        "Charges divided by all CPS legal decisions, pooled over the arm's areas, counting an "
        "area-period only when both counts are present.",
    ),
    (
        "Report-to-file times",
        "Aalen-Johansen estimates of the share of all reported cases whose police file reached the CPS by "
        "each day since the report, closures before a file competing (they are never filed); open cases "
        "are censored at the extract date, and a case reported before its area's start at that start. "
        "Medians of time to file are given only where half of all cases were filed (otherwise the days "
        "until a quarter were filed and the shares filed within 90 days and a year). 95% intervals are "
        "log-log.",
    ),
    (
        "Evaluation",
        "Effects are staggered difference-in-differences estimates (Callaway and Sant'Anna) "
        "with randomisation inference over which areas are pilots (few treated areas make cluster-robust "
        "errors unreliable), checked by pre-start trends, synthetic controls and survival tests.",
    ),
    (
        "Disclosure control",
        dc.DisclosureNote().rule()
        + " "
        + dc.KM_RULE
        + " Symbols: "
        + "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())
        + ".",
    ),
)


@dataclass(frozen=True)
class Pack:
    """Everything a report pack shows, built once and written in any format."""

    title: str
    subtitle: str
    sel: compare.Selection
    provenance: Provenance
    outputs: tuple[ChartOutput, ...]
    findings: tuple[str, ...]
    caveats: tuple[str, ...]
    method: tuple[tuple[str, str], ...]
    created: datetime
    release: Release | None = None  # last and next update, any notice of a known data problem

    def span(self) -> tuple[date, date]:
        """The period the pack's charts cover: from the earliest chart's start to the latest's end (a
        chart of quarterly figures ends with its last quarter, not the window's end)."""
        spans = [o.span or (o.sel.start, o.sel.end) for o in self.outputs] or [(self.sel.start, self.sel.end)]
        return min(s for s, _ in spans), max(e for _, e in spans)

    def file_name(self, ext: str) -> str:
        grain = self.sel.grain.replace("_", "-")
        start, end = self.span()
        return f"soteria_report_{grain}_{start:%Y-%m}_{end:%Y-%m}.{ext}"


def data_line(pack: Pack) -> str:
    kinds = ("metrics", "cases")
    made = f"{pack.provenance.source(kinds)}. Produced {pack.created.day} {pack.created:%B %Y %H:%M}."
    return made if pack.release is None else f"{made} {pack.release.schedule_line()}."


def notice(pack: Pack) -> str:
    """An admin's notice of a known data problem, for the pack's cover ("" when there is none)."""
    return (
        f"Notice of a known data problem: {pack.release.notice}"
        if pack.release and pack.release.notice
        else ""
    )
