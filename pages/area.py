"""One area: its referrals against its control group and England and Wales, and its most similar areas."""

import polars as pl
import streamlit as st

from soteria import ui
from soteria.analysis import area_view, areas, similar
from soteria.charts import area
from soteria.charts.figures import ChartText
from soteria.domain import GRAINS, METRICS

ui.page_header(
    "One area",
    "One area against its control group (the control areas of the comparison chosen in the sidebar) and "
    "England and Wales, and the areas most like it before the pilot began.",
)
sel = ui.selection_sidebar(keep_params=("area",))
register = ui.register().filter(pl.col("area_kind") == sel.grain)
names = dict(zip(register["area_code"], register["area_name"], strict=True))
options = sorted(names, key=lambda k: names[k])
ui.address_choice("area", options, None)
code = st.selectbox(
    f"Area ({GRAINS[sel.grain]})",
    options,
    format_func=lambda k: names[k],
    placeholder="Choose an area",
    key="area",
)
if code is None:
    st.info("Choose an area above, or a tile on the [area explorer](areas), to see it here.")
    st.stop()
ui.remember_choice("area", code)
name = names[code]

role = area_view.role(ui.register(), sel, code)
st.subheader(name)
st.markdown(area_view.role_sentence(role, sel))
cols = st.columns(len(areas.MEASURES))
for col, view in zip(cols, areas.MEASURES, strict=True):
    tile = ui.analyses().tile_measure(sel, view)
    figure, note = areas.shown(tile.values.filter(pl.col("area_code") == code).row(0, named=True))
    col.metric(areas.MEASURES[view], figure, help=tile.subtitle)
    if note:
        col.caption(note)

by_area = ui.chart_output(f"{sel.metric}_by_area", sel).table
arms = ui.chart_output(f"{sel.metric}_pilot_vs_control", sel).table
lines = area_view.area_lines(by_area.frame, arms.frame, ui.analyses().per_area(sel), code, sel.baseline_year)
metric = METRICS[sel.metric].label
text = ChartText(
    f"{metric}: {name} against its control group and England and Wales",
    sel.describe(names),
)
fig = area.area_chart(lines, name, area_view.start_in_window(role, sel), text)
summary = area_view.summary(lines, name, sel.baseline_year)
ui.chart_block(fig, area_view.table(lines, name), f"area_{code}", sel, summary, text)

st.subheader("Most similar areas before the pilot")
before = similar.first_pilot_start(ui.register())
try:
    nearest = ui.analyses().most_similar(sel.grain, code, before)
except ValueError as exc:
    st.info(str(exc))
else:
    st.markdown(
        f"The areas closest to {name} in the years before the first pilot start ({before:%B %Y}) on "
        "three things: how many referrals a month, their trend, and the charge rate. "
        "Similar areas make fair comparisons, since they started from the same place."
    )
    for row in nearest.iter_rows(named=True):
        st.page_link(
            "pages/area.py", label=f"{row['rank']}. {row['area_name']}",
            query_params={**sel.to_query_params(), "area": row["area_code"]},
        )  # fmt: skip
        st.caption(row["why"].capitalize())
    with st.expander("How similarity is measured"):
        st.markdown(similar.METHOD)
