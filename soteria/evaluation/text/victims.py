"""Victims' groups in words: the range of the groups' report-to-file effects, and whether the effect
differs between groups, with the caution that many comparisons need (pure)."""

from __future__ import annotations

import polars as pl

from soteria.evaluation.text.words import number, p_is

ALPHA = 0.05
CAUTION = (
    "Many comparisons are made here (every group of every field): about one in twenty looks different "
    "by chance, so a difference is a lead to check with more data, not a finding on its own."
)


def effect_words(estimate: float, lower: float, upper: float) -> str:
    """'+5.4 points (95% interval 1.9 to 9.1)'."""
    return f"{number(estimate, 1, True)} points (95% interval {number(lower, 1)} to {number(upper, 1)})"


UNRECORDED = ("not_known", "not_stated", "not_recorded")  # left out of the range: no victims' group


def effects_sentence(frame: pl.DataFrame, field_label: str, all_cases: float | None) -> str:
    """The recorded groups' effects on the share filed within a year, smallest and largest, against all
    cases. ``frame``: group, label, estimate, lower, upper (null where none could be made)."""
    recorded = frame.filter(~pl.col("group").is_in(UNRECORDED))
    known = recorded.filter(pl.col("estimate").is_not_null()).sort("estimate")
    overall = "" if all_cases is None else f"; all cases {number(all_cases, 1, True)} points"
    if known.is_empty():
        return f"By {field_label.lower()}: no group has enough cases for an estimate{overall}."
    low, high = known.row(0, named=True), known.row(-1, named=True)
    if known.height == 1:
        return (
            f"Effect on the share of cases filed within a year, by {field_label.lower()}: {low['label']} "
            f"{effect_words(low['estimate'], low['lower'], low['upper'])}{overall}."
        )
    return (
        f"Effect on the share of cases filed within a year, by {field_label.lower()}: from "
        f"{effect_words(low['estimate'], low['lower'], low['upper'])} for {low['label']} to "
        f"{effect_words(high['estimate'], high['lower'], high['upper'])} for {high['label']}{overall}."
    )


def difference_sentence(frame: pl.DataFrame) -> str:
    """Whether the effect differs between groups, from each group's gap to all other cases (its
    randomisation p-value and the Holm-adjusted one). ``frame``: label, gap, gap_lower, gap_upper, gap_p,
    gap_p_holm."""
    tested = frame.filter(pl.col("gap_p").is_not_null()).sort("gap_p")
    if tested.height < 2:
        return "Too few groups have enough cases to ask whether the effect differs between them."
    k = tested.height
    best = tested.row(0, named=True)
    gap = effect_words(best["gap"], best["gap_lower"], best["gap_upper"])
    said = (
        f"{best['label']}: the pilot changed its gap to other cases by {gap}, {p_is(best['gap_p'])}, "
        f"{p_is(best['gap_p_holm'])} after allowing for {k} comparisons (Holm)"
    )
    if best["gap_p_holm"] is not None and best["gap_p_holm"] < ALPHA:
        return f"There is evidence that the effect differs between groups. {said}."
    if best["gap_p"] < ALPHA:
        return (
            f"The effect may differ for one group, but not clearly once the number of comparisons is "
            f"allowed for. {said}."
        )
    return f"No group's effect differs clearly from the rest's; the largest difference: {said}."
