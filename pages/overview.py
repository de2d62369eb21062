"""Overview: the answer first, in words with its uncertainty; the headline figures; what the data covers."""

import streamlit as st

from soteria import ui
from soteria.analysis.compare import Selection
from soteria.outputs import summaries

ui.page_header(
    "Is Operation Soteria working?",
    "Pilot areas against what the control areas predict for them. Choose what to compare in the sidebar.",
)
sel = ui.selection_sidebar(metric_choice=False, frequency_choice=False, folded=True)
result = ui.evaluation(sel)

# One element for the heading and the whole answer: each element costs the browser a render before the
# chart's turn (measured by benchmarks/bench_browser.py).
st.markdown("### The answer so far\n\n" + ui.answer_markdown(sel))

ui.chart("referrals_pilot_vs_control", sel, measure="index")

st.subheader("The pilot's effect, with 95% intervals")
ui.chart("pilot_effects", sel)  # the effects drawn, each on its own scale, against the zero line
cols = st.columns(3)
for col, card in zip(cols, summaries.headline_cards(result), strict=True):
    with col.container(border=True):
        # Markdown, not st.metric: the same words with one element fewer per card and no metric bundle
        # to fetch before the page has drawn (benchmarks/bench_browser.py).
        st.markdown(card.markdown())
        # A button named for its card: three help icons all named "Help" told a screen reader nothing.
        with st.popover(f"How “{card.label}” is estimated"):
            st.markdown(card.help)
st.markdown("[How these are estimated, and the checks on them](evaluation) · [Each area on a map](areas)")

st.subheader("What the data covers")
st.markdown(summaries.coverage(ui.data_span(), ui.latest_extract()))
st.caption(
    "Raw changes in pilot areas mix the pilot's effect with the national rise in referrals, so the figures "
    "above compare each pilot area with what the control areas predict for it. "
    + ("" if sel == Selection() else "These figures follow the choices in the sidebar.")
)
