"""Last updated, next update and the notice of a known data problem: as said on pages and in exports."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime

import polars as pl
import pytest

from soteria.analysis.compare import Selection
from soteria.outputs import pack as report
from soteria.outputs.chart_files import export_chart
from soteria.outputs.data import Analyses, store_analyses
from soteria.outputs.pack.document import esc
from soteria.outputs.registry import build
from soteria.outputs.release import Release, check_settings
from tests.browser_support import browser_test


def test_the_schedule_says_the_days_in_words_and_what_is_not_known():
    release = Release.of({"next_update": "2027-01-05"}, {"loaded_at": datetime(2026, 12, 3, 9, 30)})
    assert release.schedule_line() == "Last updated: 3 December 2026 · Next update: 5 January 2027"
    assert release.lines() == [release.schedule_line()]
    empty = Release.of({}, None)
    assert empty.schedule_line() == "Last updated: no extract loaded yet · Next update: not yet announced"
    assert Release.of({"next_update": "soon"}, None).next_update is None


def test_a_notice_goes_into_the_notes_and_the_metadata():
    release = Release.of({"notice": " Kent's May extract is incomplete. "}, None)
    assert release.lines()[-1] == "Notice of a known data problem: Kent's May extract is incomplete."
    assert ("Notice of a known data problem", "Kent's May extract is incomplete.") in release.metadata()


def test_settings_in_the_past_or_too_long_are_refused():
    today = date(2026, 12, 3)
    assert check_settings(date(2026, 12, 2), "", today) == [
        "the next update (2 December 2026) is in the past"
    ]
    assert "keep it under 600" in check_settings(None, "x" * 601, today)[0]
    assert check_settings(date(2027, 1, 5), "fine", today) == []


# ---- in every export: data files, images and the report pack ----------------------------------------

KENT = "Kent's May extract is incomplete."
RELEASE = Release(date(2026, 12, 3), date(2027, 1, 5), KENT)
SCHEDULE = "Last updated: 3 December 2026 · Next update: 5 January 2027"


@pytest.fixture(scope="module")
def data(demo_store) -> Analyses:
    return store_analyses(demo_store)


def test_data_exports_carry_the_release_schedule_and_any_notice(data) -> None:
    out = build("early_advice_requests_by_area", data, Selection())
    head = [ln for ln in export_chart(out, "csv", RELEASE).decode().splitlines() if ln.startswith("#")]
    assert f"# {SCHEDULE}" in head
    assert f"# Notice of a known data problem: {KENT}" in head
    meta = pl.read_excel(io.BytesIO(export_chart(out, "xlsx", RELEASE)), sheet_name="Metadata")
    items = dict(zip(meta["Item"], meta["Value"], strict=True))
    assert items["Next update"] == "5 January 2027"
    assert items["Notice of a known data problem"] == KENT


def test_an_image_export_says_the_schedule_and_the_notice_under_the_chart(data) -> None:
    out = build("referrals_pilot_vs_control", data, Selection())
    notes = " ".join(a.text or "" for a in out.export_figure(tuple(RELEASE.lines())).layout.annotations)
    assert "Last updated: 3 December 2026" in notes and "Kent" in notes
    plain = " ".join(a.text or "" for a in out.export_figure().layout.annotations)
    assert "Last updated" not in plain  # the shared figure is not changed by one export's notes


@browser_test
def test_svg_export_carries_the_notice(data) -> None:
    out = build("charge_rate_pilot_vs_control", data, Selection())
    root = ET.fromstring(export_chart(out, "svg", RELEASE))
    text = " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))
    assert "Last updated: 3 December 2026" in text and "Notice of a known data problem" in text


def test_the_report_pack_says_the_schedule_and_the_notice_on_its_cover(data) -> None:
    chosen = report.build_pack(data, Selection(), ["referrals_pilot_vs_control"], [], release=RELEASE)
    html = report.render(chosen, "html").decode()
    cover = html.split('<section class="chart-page"')[0]
    assert esc(SCHEDULE) in cover and esc(f"Notice of a known data problem: {KENT}") in cover
    files = report.files(chosen, ["html"])
    with zipfile.ZipFile(io.BytesIO(files[chosen.file_name("zip")])) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".xlsx")]
        meta = pl.read_excel(archive.read(name), sheet_name="Metadata")
    assert dict(zip(meta["Item"], meta["Value"], strict=True))["Notice of a known data problem"] == KENT
    without = report.build_pack(data, Selection(), ["referrals_pilot_vs_control"], [])
    assert "Notice of a known data problem" not in report.render(without, "html").decode()


@browser_test
def test_the_powerpoint_cover_says_the_notice(data) -> None:
    from pptx import Presentation

    chosen = report.build_pack(data, Selection(), ["referrals_pilot_vs_control"], [], release=RELEASE)
    deck = Presentation(io.BytesIO(report.render(chosen, "pptx")))
    cover = deck.slides[0].placeholders[1].text_frame.text
    assert f"Notice of a known data problem: {KENT}" in cover and SCHEDULE in cover
