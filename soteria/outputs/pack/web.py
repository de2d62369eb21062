"""The pack as one self-contained HTML file: interactive charts, each with its data table, nothing
fetched from outside.
"""

from __future__ import annotations

import html
import re

from soteria.charts import style as cs
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.pack import document
from soteria.outputs.pack.contents import Pack

_CSS = """
body{font-family:Arial,'Liberation Sans',Helvetica,sans-serif;color:#222;max-width:1180px;margin:0 auto;
padding:24px;line-height:1.45}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{font-size:1.35rem;margin-top:2.2rem;border-top:1px solid #ccc;
padding-top:1rem} .cover h2{border-top:0;margin-top:1.4rem} .sub{color:#444} .banner{background:#fff3cd;
border:1px solid #b58100;padding:.6rem 1rem;font-weight:bold} .source,.note,.small{font-size:.9rem;color:#333}
table{border-collapse:collapse;font-size:.85rem} caption{text-align:left;font-weight:bold;padding:.3rem 0}
th,td{border:1px solid #bbb;padding:2px 6px;text-align:right} th{background:#f0f0f0}
td.text{text-align:left} details{margin:.6rem 0} summary{cursor:pointer;font-weight:bold}
.chart{margin-top:.6rem}
"""


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # "</script" inside the bundle would end the inline script early
    return get_plotlyjs().replace("</script", "<\\/script")


_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


def _chart(i: int, output: ChartOutput) -> str:
    """The interactive chart without its own title: the section's heading and subtitle say it once."""
    figure = cs.without_titles(output.figure)
    div = figure.to_html(
        full_html=False, include_plotlyjs=False, config=_CONFIG, div_id=f"chart-{i}", default_width="100%"
    )
    return f'<div class="chart" role="img" aria-label="{html.escape(output.summary)}">{div}</div>'


def to_html(pack: Pack) -> bytes:
    """The pack as one self-contained HTML file: works offline, fetches nothing when opened."""
    script = f'<script type="text/javascript">{_plotly_js()}</script>'
    return document.document(pack, _chart, css=_CSS, head=script).encode("utf-8")


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
