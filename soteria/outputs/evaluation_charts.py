"""The evaluation's charts in the registry: event studies and filing curves from one evaluation run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.charts import figures as charts
from soteria.outputs.chart_output import ChartOutput, ChartSpec
from soteria.outputs.chart_parts import chart_metadata, chart_text
from soteria.outputs.data import Analyses, evaluation_selection

EVALUATION_CHARTS = {
    "pilot_effects": (
        "effects",
        "The pilot's effect on each outcome, with 95% intervals (evaluation)",
        ("metrics", "cases"),
    ),
    "referrals_event_study": (
        "event_study/referrals",
        "Referrals: effect by month since the start (evaluation)",
        ("metrics",),
    ),
    "charge_rate_event_study": (
        "event_study/charge_rate",
        "Charge rate: effect by quarter since the start (evaluation)",
        ("metrics",),
    ),
    "report_to_file_aalen_johansen": (
        "report_to_file/aalen_johansen",
        "Report to file, closures competing (evaluation)",
        ("cases",),
    ),
}


def evaluation_specs() -> list[ChartSpec]:
    """The evaluation's charts, when the evaluation modules are there (soteria.charts.evaluation)."""
    try:
        from soteria.charts import evaluation as evaluation_charts
    except ImportError:  # pragma: no cover - the evaluation ships with the dashboard
        return []

    def builder(name: str, chart_id: str, kinds: tuple[str, ...]) -> Callable[..., ChartOutput]:
        def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
            result = data.evaluation(sel)
            spec = evaluation_charts.chart(result, chart_id)
            if {"day", "at_risk", "share_filed"} <= set(spec.table.columns):
                table = dc.km_curves(spec.table)
                fig = charts.km_chart(table.frame, spec.text)
                fig.update_layout(margin_t=int(fig.layout.margin.t) + 40, height=int(fig.layout.height) + 40)
                caption = dc.KM_RULE
            else:
                table = dc.estimates(spec.table)
                fig, caption = spec.fig, ""
            text = chart_text(
                data, spec.text.title, spec.text.subtitle, kinds, spec.text.notes, table, gaps=False
            )
            definition = "Estimated by the evaluation engine: " + spec.text.title
            return ChartOutput(
                name,
                name,
                fig,
                table,
                spec.summary,
                text,
                chart_metadata(
                    data,
                    evaluation_selection(sel),
                    spec.text.title,
                    spec.summary,
                    definition,
                    table,
                    kinds,
                    index=False,
                ),
                sel,
                data.provenance().synthetic,
                (sel.start, sel.end),
                caption,
            )

        return build

    return [
        ChartSpec(name, label, builder(name, chart_id, kinds), kinds=kinds, group="Evaluation")
        for name, (chart_id, label, kinds) in EVALUATION_CHARTS.items()
    ]
