"""The registry of publishable charts: name -> builder, shared by the pages, the exports, the CLI and the
report pack (pure: no streamlit).

Each builder turns a data source and a Selection into a `ChartOutput`: the figure, the table behind it as
published (after disclosure control, `soteria.disclosure`), a one-sentence summary, the text an exported
image needs to stand on its own, and the metadata an Excel download carries. Pages, downloads, the
`export` and `report` commands and the report pack all call `build`, so what a viewer sees is exactly
what an export publishes."""

from __future__ import annotations

from typing import Any

from soteria.analysis import compare
from soteria.domain import METRICS
from soteria.outputs.chart_output import ChartOutput, ChartSpec
from soteria.outputs.data import Analyses
from soteria.outputs.descriptive_charts import (
    MEASURES,
    by_area_builder,
    charge_rate_chart,
    pilot_vs_control_builder,
)
from soteria.outputs.evaluation_charts import evaluation_specs
from soteria.outputs.km_chart import km_chart
from soteria.outputs.victims_charts import victims_specs


def _registry() -> dict[str, ChartSpec]:
    specs: list[ChartSpec] = []
    for metric, m in METRICS.items():
        specs.append(
            ChartSpec(
                f"{metric}_pilot_vs_control",
                f"{m.label}: pilot against control",
                pilot_vs_control_builder(metric),
                options={"measure": tuple(MEASURES)},
            )
        )
    specs.append(
        ChartSpec("charge_rate_pilot_vs_control", "Charge rate: pilot against control", charge_rate_chart)
    )
    specs.append(
        ChartSpec(
            "report_to_file_share_filed",
            "Report to file: share of all cases filed (closures competing)",
            km_chart,
            kinds=("cases",),
            options={"estimator": ("aalen_johansen", "kaplan_meier")},
        )
    )
    for metric, m in METRICS.items():
        specs.append(ChartSpec(f"{metric}_by_area", f"{m.label} by area", by_area_builder(metric)))
    specs.extend(evaluation_specs())
    specs.extend(victims_specs())
    return {s.name: s for s in specs}


CHARTS: dict[str, ChartSpec] = _registry()


# The report pack a user gets without choosing: the effect first, then the descriptive charts.
DEFAULT_PACK: tuple[str, ...] = (
    "pilot_effects",
    "referrals_pilot_vs_control",
    "referrals_by_area",
    "early_advice_requests_pilot_vs_control",
    "charging_decisions_pilot_vs_control",
    "charges_pilot_vs_control",
    "charge_rate_pilot_vs_control",
    "victim_withdrawals_pilot_vs_control",
    "report_to_file_share_filed",
)


def build(name: str, data: Analyses, sel: compare.Selection, **options: Any) -> ChartOutput:
    """The chart `name` for `sel`; raises KeyError naming the charts when `name` is unknown."""
    spec = CHARTS.get(name)
    if spec is None:
        raise KeyError(f"unknown chart {name!r}; choose from: {', '.join(CHARTS)}")
    allowed = {k: v for k, v in options.items() if v is not None and (k in spec.options or k == "threshold")}
    for key, value in allowed.items():
        if key in spec.options and value not in spec.options[key]:
            raise ValueError(f"{key} must be one of {', '.join(spec.options[key])}, not {value!r}")
    return spec.builder(data, sel, allowed)
