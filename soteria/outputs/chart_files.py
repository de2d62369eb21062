"""A chart as a file: PNG, SVG or PDF through the export server, its data as CSV or Excel."""

from __future__ import annotations

from collections.abc import Callable

from soteria import disclosure as dc
from soteria.domain import DEMO_LABEL
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.release import Release

EXPORT_FORMATS: dict[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# Called with (file name, bytes) after every chart export and report pack: an audit hook (the test
# suite scans every export it makes for small counts through it).
EXPORT_OBSERVERS: list[Callable[[str, bytes], None]] = []


def observe(file_name: str, data: bytes) -> bytes:
    for observer in list(EXPORT_OBSERVERS):
        observer(file_name, data)
    return data


def csv_notes(output: ChartOutput, release: Release | None = None) -> list[str]:
    """The `# ` lines a CSV starts with: what it is, where from, when updated (and any notice of a known
    data problem), and which disclosure rule applied."""
    lines = [
        output.text.title,
        output.text.subtitle,
        output.text.source,
        *(release.lines() if release else []),
    ]
    if output.synthetic:
        lines.insert(0, DEMO_LABEL)
    lines += [output.table.note.text(), "Symbols: " + "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())]
    return [line for line in lines if line]


def export_chart(output: ChartOutput, fmt: str, release: Release | None = None) -> bytes:
    """The chart as PNG/SVG/PDF (server-side Chromium) or its published data as CSV/XLSX; `release`
    adds when the figures were last updated, the next update and any notice, to the image's notes and
    the data files' notes alike."""
    from soteria.outputs import export

    if fmt in export.FORMATS:
        figure = output.export_figure(tuple(release.lines()) if release else ())
        data = export.figure_to_image(figure, fmt)  # type: ignore[arg-type]
    elif fmt == "csv":
        data = export.table_to_csv(output.table.display(), csv_notes(output, release))
    elif fmt == "xlsx":
        data = export.table_to_xlsx(
            output.table.rounded(),
            (*output.metadata, *(release.metadata() if release else ())),
            headings=dict(output.table.labels),
            symbols=output.table.symbols,
        )
    else:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    return observe(output.file_name(fmt), data)
