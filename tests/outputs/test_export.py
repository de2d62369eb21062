"""Export: real Chromium through kaleido (no mocked renderer), CSV safety and file names."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from soteria.charts.figures import ChartText, pilot_vs_control_chart, with_export_text
from soteria.domain import DEMO_LABEL
from soteria.outputs import export
from soteria.outputs.export import ExportUnavailable, export_file_name, figure_to_image, frame_to_csv
from tests import browser_support
from tests.browser_support import browser_test

ROOT = Path(__file__).resolve().parents[2]
TITLE = "Police referrals: pilot vs control"


def figure(title: str = TITLE):
    periods = [date(2021, m, 1) for m in (1, 4, 7, 10)]
    series = pl.DataFrame(
        {
            "period": periods * 2,
            "arm": ["pilot"] * 4 + ["control"] * 4,
            "total": [50, 60, None, 90, 40, 42, 44, 46],
            "areas": [5] * 4 + [9] * 4,
            "mean_per_area": [10.0, 12.0, None, 18.0, 4.4, 4.7, 4.9, 5.1],
            "index": [100.0, 120.0, None, 180.0, 100.0, 105.0, 110.0, 115.0],
        }
    )
    fig = pilot_vs_control_chart(series, [date(2021, 6, 1)], "index", ChartText(title, "Index"))
    return with_export_text(fig, ChartText(title, "Index", "Demo extract 1", ("A caveat.",)), synthetic=True)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# ---- real browser ---------------------------------------------------------------------------------


@browser_test
def test_png_is_print_resolution() -> None:
    width, height = png_size(figure_to_image(figure(), "png", width=1100, height=620, scale=2))
    assert width >= 2200 and height >= 1240


@browser_test
def test_png_defaults_to_the_figures_own_size() -> None:
    fig = figure()
    width, height = png_size(figure_to_image(fig, "png"))
    assert (width, height) == (2 * 1100, 2 * fig.layout.height)


@browser_test
def test_svg_parses_and_carries_title_and_demo_label() -> None:
    svg = figure_to_image(figure(), "svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))
    assert TITLE in texts
    assert DEMO_LABEL in texts


@browser_test
def test_pdf_is_a_pdf() -> None:
    pdf = figure_to_image(figure(), "pdf")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1000


@browser_test
def test_concurrent_exports_from_threads_all_succeed() -> None:
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []
    formats = ["png", "svg", "pdf", "png"]

    def work(i: int) -> None:
        try:
            results[i] = figure_to_image(figure(f"{TITLE} {i}"), formats[i])  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == [0, 1, 2, 3]
    assert png_size(results[0])[0] >= 2200 and png_size(results[3])[0] >= 2200
    assert f"{TITLE} 1".encode() in results[1] and results[2].startswith(b"%PDF")


@browser_test
def test_server_is_reused_and_restarts_after_stop(capsys: pytest.CaptureFixture[str]) -> None:
    export.stop_export_server()
    assert not export._renderer.running
    fig = figure()
    t0 = time.perf_counter()
    figure_to_image(fig, "png")
    cold = time.perf_counter() - t0
    assert export._renderer.running
    t0 = time.perf_counter()
    figure_to_image(fig, "png")
    warm = time.perf_counter() - t0
    with capsys.disabled():  # timing is reported, not asserted (machines differ)
        print(f"\n[export timing] cold PNG {cold:.2f} s, warm PNG {warm:.2f} s")


@browser_test
def test_browser_is_stopped_at_interpreter_exit() -> None:
    # atexit runs handlers last-in first-out: the checker registered first runs after export's stop.
    script = """
import atexit
state = {}
def check():
    print("running", export._renderer.running, "browser_exit", state["proc"].poll() is not None, flush=True)
atexit.register(check)
import plotly.graph_objects as go
from soteria.outputs import export
export.figure_to_image(go.Figure(go.Scatter(y=[1, 2])), "svg")
state["proc"] = export._renderer._kaleido.subprocess
"""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    assert "running False browser_exit True" in done.stdout, done.stdout + done.stderr
    assert time.perf_counter() - t0 < 60


# ---- no browser needed ----------------------------------------------------------------------------


def test_missing_chromium_raises_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    renderer = export._Renderer()  # a private one: the shared server is untouched
    with pytest.raises(ExportUnavailable, match="needs the Chromium browser"):
        renderer.render(figure().to_dict(), {"format": "png", "width": 100, "height": 100, "scale": 2})
    assert not renderer.running and renderer._thread is None


def test_bad_format_and_low_png_scale_are_rejected() -> None:
    with pytest.raises(ValueError, match="fmt"):
        figure_to_image(figure(), "jpg")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scale"):
        figure_to_image(figure(), "png", scale=1)


def test_csv_neutralises_formula_injection_but_keeps_numbers() -> None:
    frame = pl.DataFrame(
        {
            "area_name": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rcmd", "Durham", None],
            "value": [-5, 3, -2, 0, 1, 2, 3, 4],
            "rate": [-0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
        }
    ).with_columns(pl.col("area_name").alias("arm").cast(pl.Categorical))
    data = frame_to_csv(frame)
    text = data.decode("utf-8")
    assert text.splitlines()[0] == "area_name,value,rate,arm"
    back = pl.read_csv(io.BytesIO(data))
    assert back["value"].dtype == pl.Int64 and back["value"][0] == -5
    assert back["rate"].dtype == pl.Float64 and back["rate"][0] == -0.5
    names = back["area_name"].to_list()
    assert names[:6] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rcmd"]
    assert names[6:] == ["Durham", None]
    assert back["arm"].to_list() == names


def test_csv_is_utf8_with_header() -> None:
    data = frame_to_csv(pl.DataFrame({"area_name": ["Ynys Môn"], "month": [date(2021, 6, 1)]}))
    assert data.decode("utf-8") == "area_name,month\nYnys Môn,2021-06-01\n"


def test_export_file_name_says_what_it_is_and_is_safe() -> None:
    start, end = date(2019, 1, 1), date(2023, 6, 30)
    name = export_file_name("referrals pilot_vs_control", "cps_area", start, end, "png")
    assert name == "referrals_pilot_vs_control_cps-area_2019-01_2023-06.png"
    risky = export_file_name("../Référrals: a/b", "force", date(2019, 1, 1), date(2020, 1, 1), ".PDF")
    assert risky == "referrals_a-b_force_2019-01_2020-01.pdf"
    assert "/" not in risky and ".." not in risky


def test_browser_policy_skips_locally_but_never_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_support.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    assert "needs Chromium" in (browser_support.skip_reason() or "")
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        browser_support.require_chromium()
    monkeypatch.setenv("CI", "true")
    assert browser_support.skip_reason() is None
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        browser_support.require_chromium()


def test_table_csv_starts_with_its_notes_and_reads_back() -> None:
    from soteria.outputs.export import table_to_csv

    data = table_to_csv(pl.DataFrame({"total": ["[c]", "12"]}), ["Title, with a comma", "Disclosure: rule"])
    lines = data.decode().splitlines()
    assert lines[:2] == ["# Title, with a comma", "# Disclosure: rule"]
    back = pl.read_csv(io.BytesIO(data), comment_prefix="#")
    assert back.get_column("total").to_list() == ["[c]", "12"]


def test_table_xlsx_puts_symbols_in_withheld_cells_and_keeps_numbers() -> None:
    from soteria.outputs.export import table_to_xlsx

    frame = pl.DataFrame({"period": [date(2020, 1, 1), date(2020, 4, 1)], "total": [None, 12.0]})
    symbols = pl.DataFrame({"total": ["[c]", None]})
    data = table_to_xlsx(frame, [("Data version", "1.1.0")], headings={"total": "Total"}, symbols=symbols)
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0)
    assert list(sheets) == ["Data", "Metadata"]
    assert sheets["Data"].columns == ["period", "Total"]
    assert sheets["Data"].get_column("Total").cast(pl.String).to_list() == ["[c]", "12"]
    assert sheets["Metadata"].row(0) == ("Data version", "1.1.0")


@browser_test
def test_export_browser_is_released_when_idle(monkeypatch):
    from soteria.outputs import export as export_module

    monkeypatch.setattr(export_module, "IDLE_STOP_S", 0.5)
    renderer = export_module._Renderer()
    try:
        fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
        assert renderer.render(fig.to_plotly_json(), {"format": "svg", "width": 300, "height": 200})
        assert renderer.running
        deadline = time.monotonic() + 20
        while renderer.running and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not renderer.running
    finally:
        renderer.stop()
