"""Area explorer: every area on an equal-area tile map, coloured by a chosen measure; a tile opens it."""

import streamlit as st

from soteria import ui
from soteria.analysis import areas
from soteria.charts.figures import ChartText
from soteria.domain import GRAINS

ui.page_header(
    "Areas at a glance",
    "Every police force area or CPS Area as one equal square, placed roughly where it is. Choose what "
    "colours the tiles; the outline shows each area's pilot wave. Choose a tile, or an area from the "
    "list, to open that area against its control group.",
)
sel = ui.selection_sidebar(frequency_choice=False, keep_params=("view",))
views = list(areas.MEASURES)
ui.address_choice("view", views, "change")
view = st.radio(
    "Colour the tiles by", views, format_func=lambda k: areas.MEASURES[k], horizontal=True, key="view"
)
ui.remember_choice("view", view)

measure = ui.analyses().tile_measure(sel, view)
fig = ui.tile_map(sel, view)
text = ChartText(f"{areas.MEASURES[view]}, by {GRAINS[sel.grain]}", measure.subtitle)
names = dict(zip(measure.values["area_code"], measure.values["area_name"], strict=True))
chosen = st.selectbox(
    "Open an area", sorted(names, key=lambda k: names[k]), index=None, format_func=lambda k: names[k],
    placeholder="Choose an area", help="The same as choosing its tile on the map.",
)  # fmt: skip
event = ui.chart_block(fig, measure.table, f"area_explorer_{view}", sel, measure.summary, text, "tiles")
points = event.selection.points if event else []  # type: ignore[attr-defined]  # the chart's selection event
code = chosen or next((p["customdata"][0] for p in points if p.get("customdata")), None)
if code in names:
    st.switch_page("pages/area.py", query_params={**sel.to_query_params(), "area": str(code)})
