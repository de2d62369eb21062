"""The report pack: chosen charts and headline findings as one PDF, one PowerPoint deck or one
self-contained HTML report (pure: no streamlit).

- HTML and PDF are one document (`document.py`): a cover (headline findings in plain English, caveats,
  data version), a section per chart (title, subtitle, chart, summary, source, notes, data table) and
  the method notes, where the disclosure rule is said once.
- HTML: plotly.js inlined, interactive charts, nothing fetched from outside the file.
- PDF: tagged PDF/UA-1 from WeasyPrint on A4 landscape pages, each chart a vector SVG with its summary
  as alternative text, the data tables as tagged tables in an appendix.
- PowerPoint: a title slide, a findings slide, one titled slide per chart (print-resolution PNG, the
  summary as alternative text and in the speaker notes), caveats and method slides.
Every chart and table comes from `soteria.outputs.registry.build`, after disclosure control."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

from soteria.outputs import chart_files
from soteria.outputs.pack.contents import PACK_FORMATS, TITLE, Pack
from soteria.outputs.pack.findings import HEADLINES, build_pack, findings
from soteria.outputs.pack.pdf import to_pdf
from soteria.outputs.pack.pptx import to_pptx
from soteria.outputs.pack.web import external_references, to_html

__all__ = [
    "HEADLINES",
    "PACK_FORMATS",
    "PACK_MIME",
    "TITLE",
    "Pack",
    "build_pack",
    "external_references",
    "files",
    "findings",
    "render",
    "to_html",
    "to_pdf",
    "to_pptx",
    "write",
]


def render(pack: Pack, fmt: str) -> bytes:
    """The pack in one format (each file goes past `chart_files.EXPORT_OBSERVERS`)."""
    writers: dict[str, Callable[[Pack], bytes]] = {"pdf": to_pdf, "pptx": to_pptx, "html": to_html}
    if fmt not in writers:
        raise ValueError(f"format must be one of {', '.join(PACK_FORMATS)}, not {fmt!r}")
    return chart_files.observe(pack.file_name(fmt), writers[fmt](pack))


def write(pack: Pack, path: Path) -> Path:
    """Write the pack in the format its suffix names (.pdf, .pptx or .html)."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in PACK_FORMATS:
        raise ValueError(f"the output file must end in .pdf, .pptx or .html, not {path.name!r}")
    path.write_bytes(render(pack, fmt))
    return path


PACK_MIME = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "html": "text/html",
    "zip": "application/zip",
}


def files(pack: Pack, formats: Sequence[str]) -> dict[str, bytes]:
    """The pack in each chosen format, plus a ZIP of them all with every chart's data (Excel)."""
    import zipfile

    out = {pack.file_name(fmt): render(pack, fmt) for fmt in formats}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in out.items():
            archive.writestr(name, data)
        for output in pack.outputs:
            archive.writestr(
                f"data/{output.file_name('xlsx')}", chart_files.export_chart(output, "xlsx", pack.release)
            )
    out[pack.file_name("zip")] = buffer.getvalue()
    return out
