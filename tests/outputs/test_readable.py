"""Tables as people read them: headings, cells and the width that decides grid or wrapping table."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from soteria.outputs.readable import MISSING, cell_text, heading, readable, text_width


def test_headings_are_words_and_names_written_for_people_are_kept() -> None:
    assert heading("loaded_by") == "Loaded by"
    assert heading("is_assumption") == "Assumption"
    assert heading("sha256") == "SHA-256"
    assert heading("rows") == "Rows"
    assert heading("p-value") == "p-value"
    assert heading("Robust 95% interval") == "Robust 95% interval"
    assert heading("change %") == "Change %"


def test_cells_read_as_published() -> None:
    assert cell_text(datetime(2024, 7, 31)) == "31 Jul 2024"  # no midnight time
    assert cell_text(datetime(2026, 12, 4, 13, 8, 59)) == "4 Dec 2026 13:08"
    assert cell_text(date(2024, 1, 5)) == "5 Jan 2024"
    assert cell_text(True) == "Yes" and cell_text(False) == "No"
    assert cell_text(150000) == "150,000"
    assert cell_text(175.0) == "175" and cell_text(102.3391812865497) == "102.34"
    assert cell_text(None) == "" and cell_text(None, MISSING) == "—"
    assert cell_text("[c]") == "[c]"


def test_readable_turns_every_cell_into_text_with_a_dash_for_missing() -> None:
    frame = pl.DataFrame(
        {
            "as_of": [date(2024, 7, 31), None],
            "is_assumption": [True, None],
            "rows": [22968, 6],
            "layout": ["case timelines", None],
        }
    )
    out = readable(frame)
    assert out.columns == ["As of", "Assumption", "Rows", "Layout"]
    assert out.rows() == [("31 Jul 2024", "Yes", "22,968", "case timelines"), ("—", "—", "6", "—")]
    assert set(out.schema.values()) == {pl.String}
    assert readable(pl.DataFrame({"n": []}, schema={"n": pl.Int64})).columns == ["Cases"]


def test_text_width_counts_the_wider_of_heading_and_cells() -> None:
    frame = pl.DataFrame({"a": ["x" * 30], "loaded_by": ["ann"]})
    assert text_width(frame) == (30 + 2) + (len("Loaded by") + 2)
    assert text_width(pl.DataFrame({"rows": [1_000_000]})) == len("1,000,000") + 2
