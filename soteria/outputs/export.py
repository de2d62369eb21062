"""Server-side export: charts to PNG/SVG/PDF through one long-lived Kaleido (Chromium), frames to CSV.

Kaleido is not thread-safe and a cold start launches a browser (~3-4 s), so the process holds one
Kaleido instance on a private event-loop thread, started lazily on the first export, reused by every
later export (~0.3 s) and stopped at interpreter exit. One lock serialises starting, rendering and
stopping, because Streamlit runs each session in its own thread.
"""

from __future__ import annotations

import asyncio
import atexit
import io
import os
import re
import threading
import time
import unicodedata
from collections.abc import Coroutine, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import date, datetime
from typing import Any, Literal

import kaleido
import plotly.graph_objects as go
import polars as pl
from kaleido.errors import BrowserClosedError, BrowserFailedError, ChromeNotFoundError

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1100, 620
START_TIMEOUT_S = 60  # browser launch
RENDER_TIMEOUT_S = 60  # one image
LOCK_TIMEOUT_S = 180  # waiting behind other sessions' exports

NO_BROWSER_MESSAGE = (
    "Chart export is unavailable: it needs the Chromium browser on the server, and none was found. "
    "Install it (Debian: `apt-get install chromium`, or run scripts/setup.sh) or set BROWSER_PATH "
    "to a Chrome/Chromium executable, then restart the dashboard. The data behind the chart can "
    "still be downloaded as CSV."
)


IDLE_STOP_S = float(os.environ.get("SOTERIA_EXPORT_IDLE_S", "300"))


class ExportUnavailable(RuntimeError):
    """A chart could not be exported; the message is written for the person who clicked."""


class _Renderer:
    """One Kaleido on its own event loop thread; every call goes through `self._lock`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: kaleido.Kaleido | None = None
        self._last_used = 0.0
        self._idle_timer: threading.Timer | None = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise

    def _start(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="soteria-kaleido", daemon=True)
        self._thread.start()

        async def open_kaleido() -> kaleido.Kaleido:
            # mathjax=False: no LaTeX in our charts, and no fetch from a CDN on every start.
            k = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_S, mathjax=False)
            await k.open()
            return k

        try:
            self._kaleido = self._run(open_kaleido(), START_TIMEOUT_S)
        except ChromeNotFoundError as e:
            self._stop_loop()
            raise ExportUnavailable(NO_BROWSER_MESSAGE) from e
        except (BrowserFailedError, BrowserClosedError, FutureTimeout, OSError) as e:
            self._stop_loop()
            raise ExportUnavailable(f"Chart export is unavailable: the browser did not start ({e}).") from e

    def _stop_loop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        if self._loop is not None and not self._loop.is_running():
            self._loop.close()
        self._loop, self._thread, self._kaleido = None, None, None

    def _stop_unlocked(self) -> None:
        if self._kaleido is not None:
            try:
                self._run(self._kaleido.close(), 15)
            except Exception:  # noqa: BLE001 - closing a browser that already died
                pass
        self._stop_loop()

    def stop(self) -> None:
        with self._lock:
            self._stop_unlocked()

    def render(self, fig: dict[str, Any], opts: dict[str, Any]) -> bytes:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise ExportUnavailable("Chart export is busy with other requests; please try again shortly.")
        try:
            if self._kaleido is None:
                self._start()
            assert self._kaleido is not None
            self._last_used = time.monotonic()
            self._arm_idle_timer()
            try:
                return self._run(self._kaleido.calc_fig(fig, opts=opts), RENDER_TIMEOUT_S + 5)
            except (BrowserClosedError, BrowserFailedError, FutureTimeout, OSError) as e:
                self._stop_unlocked()  # the next export starts a fresh browser
                raise ExportUnavailable(f"Chart export failed: the browser stopped responding ({e}).") from e
            except Exception as e:
                raise ExportUnavailable(f"Chart export failed: this chart could not be drawn ({e}).") from e
        finally:
            self._lock.release()

    def _arm_idle_timer(self) -> None:
        # The browser holds about 1 GB across its processes: let it go when nobody has exported for a while.
        if self._idle_timer is None:
            self._idle_timer = threading.Timer(IDLE_STOP_S, self._stop_if_idle)
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def _stop_if_idle(self) -> None:
        with self._lock:
            self._idle_timer = None
            if self._kaleido is None:
                return
            if time.monotonic() - self._last_used >= IDLE_STOP_S:
                self._stop_unlocked()
            else:
                self._arm_idle_timer()


_renderer = _Renderer()
atexit.register(_renderer.stop)


def figure_to_image(
    fig: go.Figure, fmt: Format, width: int | None = None, height: int | None = None, scale: float = 2
) -> bytes:
    """Render `fig` as PNG, SVG or PDF bytes. Thread-safe; the first call starts the browser.

    width/height are layout pixels: None uses the figure's own layout size, else 1100 x 620.
    PNG is always rendered at scale >= 2 (print quality); SVG and PDF are vector.
    Raises ExportUnavailable (clear message for the UI) when Chromium is missing or fails.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if fmt == "png" and scale < 2:
        raise ValueError("PNG exports use scale >= 2 so that they print sharply")
    opts = {
        "format": fmt,
        "width": int(width or fig.layout.width or DEFAULT_WIDTH),
        "height": int(height or fig.layout.height or DEFAULT_HEIGHT),
        "scale": scale,
    }
    return _renderer.render(fig.to_dict(), opts)


def stop_export_server() -> None:
    """Stop the browser now (it restarts on the next export). Also runs at interpreter exit."""
    _renderer.stop()


# Cells a spreadsheet would run as a formula (OWASP "CSV injection"), leading blanks or a quote allowed:
# some spreadsheets trim them before deciding.
_FORMULA_START = r"^[\s\"]*[=+\-@\t\r|%]"
# Where a spreadsheet may start a new cell inside a line or cell meant as one (a comma, semicolon or
# tab: Excel splits on the comma, European locales on the semicolon).
_CELL_BREAK = r"([,;\t]\s*\"?\s*)([=+\-@|%])"


def frame_to_csv(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV with a header. Text cells and headers starting with = + - @ | % tab or CR (after any
    blanks or quotes) get a leading `'` so a spreadsheet shows them as text; numeric columns are
    untouched (negative numbers stay numbers)."""
    frame = frame.rename({c: _neutral(c) for c in frame.columns if _neutral(c) != c})
    text_types = (pl.String, pl.Categorical, pl.Enum)
    text_cols = [name for name, dtype in frame.schema.items() if isinstance(dtype, text_types)]
    inner = {c: pl.col(c).cast(pl.String).str.replace_all(_CELL_BREAK, "${1}'${2}") for c in text_cols}
    safe = frame.with_columns(
        pl.when(inner[c].str.contains(_FORMULA_START))
        .then(pl.lit("'") + inner[c])
        .otherwise(inner[c])
        .alias(c)
        for c in text_cols
    )
    buffer = io.BytesIO()
    safe.write_csv(buffer, include_header=True)
    return buffer.getvalue()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def export_file_name(chart: str, sel_grain: str, start: date, end: date, ext: str) -> str:
    """E.g. `referrals_pilot_vs_control_cps-area_2019-01_2023-06.png`: only [a-z0-9_.-]."""
    chart_part = "_".join(_slug(part) for part in re.split(r"[\s_]+", chart.strip()) if part) or "chart"
    ext = _slug(ext.lstrip("."))
    return f"{chart_part}_{_slug(sel_grain)}_{start:%Y-%m}_{end:%Y-%m}.{ext}"


# ---- published tables: CSV with its notes, Excel with a metadata sheet -------------------------------


def _neutral(text: str) -> str:
    """A text cell a spreadsheet would run as a formula, made plain text with a leading `'` (and so
    would-be formulas after a separator inside it, for a spreadsheet that splits the cell there)."""
    text = re.sub(_CELL_BREAK, r"\1'\2", text)
    return "'" + text if re.match(_FORMULA_START, text) else text


def neutral_note(text: str) -> str:
    """A free-text line for a CSV comment: one line, and wherever a spreadsheet could start a cell
    inside it (after a comma, semicolon or tab) a would-be formula gets a leading `'`, so a file name
    such as `a,=1+2+cmd,b.csv` in a Source line cannot become a live formula."""
    return re.sub(_CELL_BREAK, r"\1'\2", " ".join(text.split()))


def sheet_name(text: str) -> str:
    """An Excel sheet name: none of []:*?/\\, no leading or trailing apostrophe, at most 31 characters."""
    name = re.sub(r"[\[\]:*?/\\]", "-", " ".join(text.split())).strip("'")[:31]
    return name or "Data"


def table_to_csv(frame: pl.DataFrame, notes: Sequence[str] = ()) -> bytes:
    """`frame_to_csv` preceded by one `# ` line per note (title, filters, data version, disclosure rule).

    Read it back with `polars.read_csv(..., comment_prefix="#")` (or skip the lines starting `#`).
    """
    head = "".join("# " + neutral_note(n) + "\n" for n in notes)
    return head.encode("utf-8") + frame_to_csv(frame)


def table_to_xlsx(
    frame: pl.DataFrame,
    metadata: Sequence[tuple[str, str]],
    *,
    headings: dict[str, str] | None = None,
    symbols: pl.DataFrame | None = None,
    sheet: str = "Data",
) -> bytes:
    """An .xlsx workbook: `sheet` with the table (numbers as numbers, dates as dates, text made safe
    against formula injection) and a second sheet "Metadata" with (item, value) rows.

    `symbols` (same height as `frame`, columns named as frame's, String or null) puts a symbol such as
    `[c]` in place of a cell's value."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    number = book.add_format({"num_format": "#,##0.##"})
    symbol = book.add_format({"align": "right"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    data = book.add_worksheet(sheet_name(sheet))
    names = [(headings or {}).get(c, c) for c in frame.columns]
    for j, name in enumerate(names):
        data.write_string(0, j, _neutral(name), bold)
        data.set_column(j, j, min(max(12, len(name) + 2), 40))
    data.freeze_panes(1, 0)
    marks = symbols if symbols is not None else pl.DataFrame()
    marked = {j: marks.get_column(c).to_list() for j, c in enumerate(frame.columns) if c in marks.columns}
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, value in enumerate(row):
            mark = marked[j][i - 1] if j in marked else None
            if mark is not None:
                data.write_string(i, j, mark, symbol)
            elif value is None:
                data.write_blank(i, j, None)
            elif isinstance(value, bool):
                data.write_boolean(i, j, value)
            elif isinstance(value, int | float):
                data.write_number(i, j, value, number)
            elif isinstance(value, date):
                data.write_datetime(i, j, datetime.combine(value, datetime.min.time()), day)
            else:
                text = str(value)
                data.write_string(i, j, _neutral(text), symbol if text in ("[c]", "[x]", "[z]") else None)
    meta = book.add_worksheet("Metadata")
    meta.set_column(0, 0, 28)
    meta.set_column(1, 1, 110)
    meta.write_string(0, 0, "Item", bold)
    meta.write_string(0, 1, "Value", bold)
    for i, (key, value) in enumerate(metadata, start=1):
        meta.write_string(i, 0, _neutral(str(key)), wrap)
        meta.write_string(i, 1, _neutral(str(value)), wrap)
    book.close()
    return buffer.getvalue()
