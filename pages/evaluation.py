"""Evaluation: the pilot's effect on each outcome against control areas, and the checks on the method."""

import streamlit as st

from soteria import ui
from soteria.evaluation import text

ui.page_header(
    "Pilot against control: the evaluation",
    "What the pilot changed, measured against what the control areas predict for the pilot areas, with "
    "how sure we can be. A result is called a finding only when the checks on the method hold.",
)
sel = ui.selection_sidebar(metric_choice=False, frequency_choice=False, keep_params=("control",))
control = ui.control_choice()
result = ui.evaluation(sel, control)
names = text.area_names(result)

st.subheader("Headline")
for o in result.outcomes.values():
    with st.container(border=True):
        st.markdown(f"**{text.SHORT[o.outcome]}**")
        if o.verdict == "fails":
            st.warning(text.verdict_sentence(o), icon=":material/warning:")
        else:
            st.markdown(text.headline_sentence(o))
            st.markdown(text.verdict_sentence(o))
st.caption(text.design_sentence(result))

st.subheader("Before and after the start, period by period")
outcome = st.radio(
    "Outcome",
    ["referrals", "charge_rate"],
    format_func=lambda k: text.SHORT[k],
    horizontal=True,
    key="outcome",
)
o = result.outcomes[outcome]
spec = ui.evaluation_chart(sel, control, f"event_study/{outcome}")
ui.chart_block(spec.fig, spec.table, spec.name, sel, spec.summary, spec.text)
st.markdown(f"**Trends before the start.** {text.pretrend_sentence(o)}")
if o.evaluation.sensitivity is not None:
    st.markdown(f"**If trends were not parallel.** {text.sensitivity_sentence(o)}")
    ui.text_table(text.sensitivity_table(o))
st.markdown("**The staggered estimate beside the naive one** (plain two-way fixed effects):")
ui.text_table(text.comparison_table(o))

st.subheader("Synthetic control, pilot area by pilot area")
if o.synth:
    st.markdown(text.synth_overview(o))
    if o.synth_did is not None:
        st.markdown(text.synth_did_sentence(o))
    ui.text_table(text.synth_table(o, names))
    treated = [r.treated for r in o.synth]
    code: str = st.selectbox("Pilot area", treated, format_func=lambda k: names[k]) or treated[0]
    spec = ui.evaluation_chart(sel, control, f"synthetic/{outcome}/{code}")
    ui.chart_block(spec.fig, spec.table, spec.name, sel, spec.summary, spec.text)
    st.markdown("**Donor weights** (areas making up the synthetic control)")
    ui.text_table(text.weights_table(text.synth_for(o, code), names))
else:
    st.info("No synthetic control: it needs at least two control areas not treated inside the window.")

st.subheader("Report to file")
o = result.outcomes["report_to_file"]
estimator = st.radio(
    "Curves", ["aalen_johansen", "kaplan_meier"], format_func=lambda k: text.ESTIMATORS[k], horizontal=True
)
spec = ui.evaluation_chart(sel, control, f"report_to_file/{estimator}")
ui.chart_block(spec.fig, spec.table, spec.name, sel, spec.summary, spec.text, kinds=("cases",))
ui.show_table(ui.evaluation_survival_table(sel, o, control))
st.markdown(text.secondary_sentence(o))
st.markdown("\n".join(f"- {s}" for s in text.logrank_sentences(o)))

with st.expander("Methods: assumptions and what would break them", expanded=True):
    st.markdown(text.methods_markdown(result))
with st.expander("Which areas take part"):
    ui.text_table(text.design_table(result))
