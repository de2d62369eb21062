"""The rules and their words: the threshold, the symbols and the note every published table carries."""

from __future__ import annotations

import os
from dataclasses import dataclass

from soteria.domain import MIN_CASES

THRESHOLD = 5  # counts 1 .. THRESHOLD-1 are withheld


THRESHOLD_ENV = "SOTERIA_SUPPRESS_BELOW"


CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE = "[c]", "[x]", "[z]"


# The method and its bound, said in every export's note, the README and the pages.
PERTURBATION = (
    "Every count is built from base cells (an area's count for a month, a force's cases of a month by "
    "outcome) in which counts of 1 to 4 are perturbed by a cell key method, the same way in every "
    "table: each such cell may differ from its true value by up to 1, so a total may differ from the "
    "true total by up to 1 for each small cell in it (zeros and larger cells are exact). Differences "
    "between any two tables or selections therefore give no small count away."
)


SYMBOLS: dict[str, str] = {
    CONFIDENTIAL: "confidential: withheld to protect people's identities (a count of 1 to 4, a figure "
    "derived from one, or a figure based on fewer than 10 cases)",
    NOT_AVAILABLE: "not available (missing from the extract, or not reached)",
    NOT_APPLICABLE: "not applicable (for example no area in that arm for that period)",
}


# Every column name that holds a count of cases or people in any published table. The test suite scans
# every export it makes and checks that no such column shows a count from 1 to threshold - 1.
COUNT_COLUMNS = frozenset(
    {
        "total",
        "value",
        "charges",
        "charging_decisions",
        "cases",
        "filed",
        "closed_before_file",
        "still_open",
        "at_risk",
        "actual",
    }
)


def threshold_from_env(default: int = THRESHOLD) -> int:
    """The suppression threshold: $SOTERIA_SUPPRESS_BELOW if set (an integer of at least 2), else 5."""
    raw = os.environ.get(THRESHOLD_ENV, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 2:
        raise ValueError(f"{THRESHOLD_ENV} must be a whole number of at least 2, not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class DisclosureNote:
    """Which rule was applied, and how many cells it withheld (for the export's notes and metadata)."""

    threshold: int = THRESHOLD
    min_cases: int = MIN_CASES
    primary: int = 0  # counts withheld as small
    derived: int = 0  # means, indices, rates and medians withheld
    extra: tuple[str, ...] = ()  # table-specific rules (e.g. how survival curves are cut)

    @property
    def withheld(self) -> int:
        return self.primary + self.derived

    def rule(self) -> str:
        text = (
            f"Disclosure control: counts of 1 to {self.threshold - 1} are withheld ([c]) and zeros are "
            f"published. {PERTURBATION} Figures derived from withheld counts, and medians, means and rates "
            f"from fewer than {self.min_cases} cases, are withheld."
        )
        return " ".join((text, *self.extra))

    def summary(self) -> str:
        if not self.withheld:
            return "No cell needed to be withheld."
        parts = [f"{self.primary} small count(s)", f"{self.derived} derived figure(s)"]
        return "Withheld in this table: " + ", ".join(parts) + "."

    def text(self) -> str:
        return f"{self.rule()} {self.summary()}"

    def __add__(self, other: DisclosureNote) -> DisclosureNote:
        return DisclosureNote(
            self.threshold,
            self.min_cases,
            self.primary + other.primary,
            self.derived + other.derived,
            tuple(dict.fromkeys(self.extra + other.extra)),
        )
