"""The pack as one self-contained HTML file: interactive charts, each with its data table, nothing
fetched from outside.
"""

from __future__ import annotations

import html
import re

from soteria import disclosure as dc
from soteria.domain import DEMO_LABEL
from soteria.evaluation.text.words import plain
from soteria.outputs.pack.contents import Pack, data_line

_CSS = """
body{font-family:Arial,'Liberation Sans',Helvetica,sans-serif;color:#222;max-width:1180px;margin:0 auto;
padding:24px;line-height:1.45}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{font-size:1.35rem;margin-top:2.2rem;border-top:1px solid #ccc;
padding-top:1rem} .sub{color:#444} .banner{background:#fff3cd;border:1px solid #b58100;padding:.6rem 1rem;
font-weight:bold} .source,.note{font-size:.9rem;color:#333} table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #bbb;padding:2px 6px;text-align:right} th{background:#f0f0f0}
td.text{text-align:left} details{margin:.6rem 0} summary{cursor:pointer;font-weight:bold}
.chart{margin-top:.6rem}
"""


def _table_html(table: dc.Published, limit: int = 2000) -> str:
    shown = table.display()
    count_attr = ' data-count="true"'
    head = "".join(
        f'<th scope="col"{count_attr if c in table.counts else ""}>{html.escape(table.labels.get(c, c))}</th>'
        for c in shown.columns
    )
    rows = []
    for row in shown.head(limit).iter_rows():
        cells = []
        for value in row:
            text = (
                ""
                if value is None
                else (f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value))
            )
            cls = "" if isinstance(value, int | float) or text in dc.SYMBOLS else ' class="text"'
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<p class="note">First {limit:,} of {shown.height:,} rows; the Excel download has them all.</p>'
        if shown.height > limit
        else ""
    )
    legend = "".join(f"<li>{html.escape(line)}</li>" for line in table.legend())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}" + (
        f'<ul class="note">{legend}</ul>' if legend else ""
    )


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # "</script" inside the bundle would end the inline script early
    return get_plotlyjs().replace("</script", "<\\/script")


def to_html(pack: Pack) -> bytes:
    """The pack as one self-contained HTML file: works offline, fetches nothing when opened."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(pack.title)}</title><style>{_CSS}</style>",
        f'<script type="text/javascript">{_plotly_js()}</script></head><body><main>',
        f'<h1>{html.escape(pack.title)}</h1><p class="sub">{html.escape(pack.subtitle)}</p>',
    ]
    if pack.provenance.synthetic:
        parts.append(f'<p class="banner">{html.escape(DEMO_LABEL)}</p>')
    parts.append(
        "<section><h2>Headline findings</h2><ul>"
        + "".join(f"<li>{html.escape(plain(f))}</li>" for f in pack.findings)
        + "</ul>"
    )
    parts.append(
        "<h3>Caveats</h3><ul>"
        + "".join(f"<li>{html.escape(c)}</li>" for c in pack.caveats)
        + f'</ul><p class="source">{html.escape(data_line(pack))}</p></section>'
    )
    config = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}
    for i, output in enumerate(pack.outputs, start=1):
        div = output.figure.to_html(
            full_html=False, include_plotlyjs=False, config=config, div_id=f"chart-{i}", default_width="100%"
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in output.text.notes)
        parts.append(
            f'<section aria-labelledby="h-{i}"><h2 id="h-{i}">{i}. {html.escape(output.text.title)}</h2>'
            f'<p class="sub">{html.escape(output.text.subtitle)}</p>'
            f'<div class="chart" role="img" aria-label="{html.escape(output.summary)}">{div}</div>'
            f"<p>{html.escape(output.summary)}</p>"
            f'<p class="source">{html.escape(output.text.source)}</p><ul class="note">{notes}</ul>'
            f"<details><summary>Data table for this chart</summary>{_table_html(output.table)}</details>"
            "</section>"
        )
    parts.append(
        "<section><h2>Method notes</h2>"
        + "".join(f"<h3>{html.escape(h)}</h3><p>{html.escape(t)}</p>" for h, t in pack.method)
        + "</section></main></body></html>"
    )
    return "\n".join(parts).encode("utf-8")


EXTERNAL_URL = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
    re.IGNORECASE,
)


def external_references(document: str) -> list[str]:
    """Attributes or CSS in `document` (outside inline scripts) that would fetch something from outside."""
    outside = re.sub(r"<script\b[^>]*>.*?</script>", "", document, flags=re.DOTALL | re.IGNORECASE)
    scripts = re.findall(r"<script\b([^>]*)>", document, flags=re.IGNORECASE)
    found = [m.group(0) for m in EXTERNAL_URL.finditer(outside)]
    found += [s for s in scripts if re.search(r"\bsrc\s*=", s, re.IGNORECASE)]
    return found
