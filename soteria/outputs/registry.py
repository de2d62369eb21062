"""The registry of publishable charts: name -> builder, shared by the pages, the exports, the CLI and the
report pack (pure: no streamlit).

Each builder turns a data source and a Selection into a `ChartOutput`: the figure, the table behind it as
published (after disclosure control, `soteria.disclosure`), a one-sentence summary, the text an exported
image needs to stand on its own, and the metadata an Excel download carries. Pages, downloads, the
`export` and `report` commands and the report pack all call `build`, so what a viewer sees is exactly
what an export publishes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.charts import figures as charts
from soteria.charts.figures import ChartText
from soteria.domain import DEMO_LABEL, GRAINS, METRICS
from soteria.outputs.data import Analyses, evaluation_selection
from soteria.outputs.export import export_file_name

MEASURES = {"index": "Index (baseline year = 100)", "mean_per_area": "Mean per area", "total": "Total"}
KINDS = {"metrics": "area-month metrics", "cases": "case timelines"}


# ---- what a builder returns ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChartOutput:
    """One chart as a page shows it and an export publishes it."""

    name: str  # registry name, e.g. referrals_pilot_vs_control
    stem: str  # file name stem (name plus non-default options)
    figure: go.Figure  # the page's figure (no source block); see `export_figure`
    table: dc.Published  # the data behind the chart, after disclosure control
    summary: str  # one plain-English sentence (the chart's text alternative)
    text: ChartText  # title, subtitle, source line and notes for exports
    metadata: tuple[tuple[str, str], ...]  # Excel's second sheet
    sel: compare.Selection
    synthetic: bool = False
    span: tuple[date, date] | None = None  # the period the file name states
    caption: str = ""  # shown under the chart on a page (gaps, what is withheld)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def file_name(self, ext: str) -> str:
        start, end = self.span or (self.sel.start, self.sel.end)
        return export_file_name(self.stem, self.sel.grain, start, end, ext)

    def export_figure(self) -> go.Figure:
        """The figure with its own title, subtitle, source, notes and demo label (built once; a copy of
        the page's figure, which stays as it was). Treat it as read-only."""
        if "export" not in self._cache:
            self._cache["export"] = charts.with_export_text(self.figure, self.text, self.synthetic)
        return self._cache["export"]


@dataclass(frozen=True)
class ChartSpec:
    name: str
    label: str  # what a picker shows
    builder: Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]
    kinds: tuple[str, ...] = ("metrics",)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # option -> allowed values
    group: str = "Descriptive"


# ---- building blocks ------------------------------------------------------------------------------


def _span(sel: compare.Selection) -> tuple[date, date]:
    first, last = sel.whole_periods()
    m = last.month - 1 + sel.months
    end = date(last.year + m // 12, m % 12 + 1, 1)
    return first, date.fromordinal(end.toordinal() - 1)


GAP_NOTE = (
    "Gaps in a line are figures withheld under disclosure control ([c]) or not available ([x]); "
    "they are never zeros."
)


def _has_gaps(table: dc.Published, column: str) -> bool:
    return (
        column in table.symbols.columns
        and table.symbols.get_column(column).null_count() < table.symbols.height
    )


def chart_metadata(
    data: Analyses,
    sel: compare.Selection,
    title: str,
    summary: str,
    definition: str,
    table: dc.Published,
    kinds: tuple[str, ...],
    extra: tuple[tuple[str, str], ...] = (),
    index: bool = True,
) -> tuple[tuple[str, str], ...]:
    prov = data.provenance()
    names = data.area_names()
    first, last = _span(sel)
    rows: list[tuple[str, str]] = [
        ("Title", title),
        ("Summary", summary),
        ("Definition", definition),
        *extra,
        ("Compared by", GRAINS[sel.grain]),
        ("Period", f"{first:%d %b %Y} to {last:%d %b %Y} ({sel.frequency}ly periods)"),
        ("Pilot group", "areas that started in " + ", ".join(sel.pilot_waves)),
        (
            "Control group",
            "every other area of the grain, counted only for periods wholly before its own "
            "pilot start"
            + (
                ", excluding " + ", ".join(names.get(c, c) for c in sel.excluded_controls)
                if sel.excluded_controls
                else ""
            ),
        ),
    ]
    if index:
        rows.append(("Baseline year", f"{sel.baseline_year} (index: that year's average = 100)"))
    whole = sel == compare.Selection(metric=sel.metric)
    rows += [
        (
            "Filtered or whole",
            "The dashboard's default selection"
            if whole
            else "Filtered: the choices above differ from the dashboard's default selection",
        ),
        ("Filters (as in the page address)", "&".join(f"{k}={v}" for k, v in sel.to_query_params().items())),
        ("Data version", prov.data_version),
        ("Extracts", prov.source(kinds).removeprefix("Source: ").split("; data version")[0]),
        ("Synthetic data", DEMO_LABEL if prov.synthetic else "No"),
        ("Disclosure control", table.note.text()),
        ("Symbols", "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())),
        ("Count columns", ", ".join(table.labels.get(c, c) for c in table.counts) or "none"),
        ("Columns", "; ".join(f"{table.labels.get(c, c)} ({c})" for c in table.frame.columns)),
        ("Generated", f"{datetime.now():%Y-%m-%d %H:%M}"),
    ]
    return tuple(rows)


def chart_text(
    data: Analyses,
    title: str,
    subtitle: str,
    kinds: tuple[str, ...],
    notes: tuple[str, ...],
    table: dc.Published,
    gaps: bool,
) -> ChartText:
    prov = data.provenance()
    rule = table.note.rule()
    extra = (GAP_NOTE,) if gaps else ()
    return ChartText(title=title, subtitle=subtitle, source=prov.source(kinds), notes=(*notes, *extra, rule))


def _threshold(options: dict[str, Any]) -> int:
    return int(options.get("threshold") or dc.threshold_from_env())


# ---- published tables (the same for a page, an export and the command line) ---------------------------


def published_pilot_vs_control(data: Analyses, sel: compare.Selection, threshold: int) -> dc.Published:
    return dc.pilot_vs_control(data.pilot_vs_control(sel), data.per_area(sel), sel.baseline_year, threshold)


def published_per_area(data: Analyses, sel: compare.Selection, threshold: int) -> dc.Published:
    return dc.per_area(data.per_area(sel), sel.baseline_year, threshold)


def published_charge_rate(data: Analyses, sel: compare.Selection, threshold: int) -> dc.Published:
    return dc.charge_rate(
        data.charge_rate(sel),
        data.per_area(replace(sel, metric="charges")),
        data.per_area(replace(sel, metric="charging_decisions")),
        threshold,
    )


def published_km_summary(
    data: Analyses, sel: compare.Selection, threshold: int = dc.THRESHOLD
) -> dc.Published:
    return dc.km_summary(data.km_summary(sel), threshold)


def published_numbers_at_risk(
    data: Analyses, sel: compare.Selection, threshold: int = dc.THRESHOLD
) -> dc.Published:
    return dc.numbers_at_risk(
        data.numbers_at_risk(sel), published_km_summary(data, sel, threshold), threshold
    )


ARM_LABEL = {"pilot": "pilot areas", "control": "control areas"}


def km_summary_table(pub: dc.Published) -> dc.Published:
    """The published report-to-file summary as people read it: Kaplan-Meier medians while a case is open,
    with intervals; the share of all cases filed within a year (closures competing) in per cent; withheld
    cells still marked."""
    f, sy = pub.frame, pub.symbols

    def mark(col: str) -> pl.Series:
        return sy.get_column(col) if col in sy.columns else pl.Series(col, [None] * f.height, pl.String)

    lo, hi = f.get_column("median_lower"), f.get_column("median_upper")
    interval = [
        None if a is None or b is None else f"{a:.0f} to {b:.0f}" for a, b in zip(lo, hi, strict=True)
    ]
    frame = pl.DataFrame(
        {
            "Arm": f.get_column("arm").replace(ARM_LABEL),
            "Period (report date against start)": f.get_column("period"),
            "Cases": f.get_column("cases"),
            "Filed": f.get_column("filed"),
            "Closed before a file": f.get_column("closed_before_file"),
            "Still open": f.get_column("still_open"),
            "Median days while open (KM)": f.get_column("median_days").round(0),
            "95% interval": pl.Series(interval, dtype=pl.String),
            "Filed within a year, closures competing (%)": (f.get_column("filed_by_365") * 100).round(1),
        }
    )
    symbols = pl.DataFrame(
        {
            "Cases": mark("cases"),
            "Filed": mark("filed"),
            "Closed before a file": mark("closed_before_file"),
            "Still open": mark("still_open"),
            "Median days while open (KM)": mark("median_days"),
            "95% interval": mark("median_lower").fill_null(mark("median_upper")),
            "Filed within a year, closures competing (%)": mark("filed_by_365"),
        }
    )
    return dc.Published(frame, symbols, pub.note, ("Cases", "Filed", "Closed before a file", "Still open"))


# ---- the builders ---------------------------------------------------------------------------------


CONTROL_NOTE = "Control areas count only for periods wholly before their own pilot start."
RAW_NOTE = "A descriptive comparison: it is not an estimate of the pilot's effect (see the evaluation)."


def _pilot_vs_control(metric: str) -> Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]:
    def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
        from soteria.outputs import summaries

        sel = replace(sel, metric=metric)
        measure = options.get("measure") or "index"
        if measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
        table = published_pilot_vs_control(data, sel, _threshold(options))
        label = METRICS[metric].label
        title = f"{label}: pilot against control areas"
        if measure != "index":
            title += f" ({MEASURES[measure].lower()})"
        gaps = _has_gaps(table, measure)
        subtitle = sel.describe(data.area_names(), index=measure == "index")
        text = chart_text(data, title, subtitle, ("metrics",), (CONTROL_NOTE, RAW_NOTE), table, gaps)
        fig = charts.pilot_vs_control_chart(
            table.frame, data.pilot_starts(sel), measure, replace(text, source="", notes=())
        )
        summary = summaries.pilot_vs_control(table.frame, measure, label)
        definition = f"{label}: {METRICS[metric].definition} Shown as {MEASURES[measure].lower()}."
        stem = f"{metric}_pilot_vs_control" + ("" if measure == "index" else f"_{measure}")
        return ChartOutput(
            f"{metric}_pilot_vs_control",
            stem,
            fig,
            table,
            summary,
            text,
            chart_metadata(
                data, sel, title, summary, definition, table, ("metrics",), index=measure == "index"
            ),
            sel,
            data.provenance().synthetic,
            _span(sel),
            GAP_NOTE if gaps else "",
        )

    return build


def _by_area(metric: str) -> Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]:
    def build(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
        from soteria.outputs import summaries

        sel = replace(sel, metric=metric)
        table = published_per_area(data, sel, _threshold(options))
        label = METRICS[metric].label
        title = f"{label} by area"
        gaps = _has_gaps(table, "value")
        note = "Grey dotted lines: control areas after their own pilot start (not counted as control)."
        text = chart_text(
            data, title, sel.describe(data.area_names(), index=False), ("metrics",), (note,), table, gaps
        )
        fig = charts.small_multiples_chart(
            table.frame, data.pilot_starts(sel), replace(text, source="", notes=())
        )
        summary = summaries.per_area(table.frame, label)
        definition = f"{label}: {METRICS[metric].definition} Counts per area and period."
        return ChartOutput(
            f"{metric}_by_area",
            f"{metric}_by_area",
            fig,
            table,
            summary,
            text,
            chart_metadata(data, sel, title, summary, definition, table, ("metrics",), index=False),
            sel,
            data.provenance().synthetic,
            _span(sel),
            GAP_NOTE if gaps else "",
        )

    return build


def charge_rate_sentence(frame: pl.DataFrame) -> str:
    wide = frame.pivot(on="arm", index="period", values="charge_rate_pct").drop_nulls().sort("period")
    if wide.is_empty() or not {"pilot", "control"} <= set(wide.columns):
        return "Charge rate: no period has a published rate for both pilot and control areas."
    first, last = wide.row(0, named=True), wide.row(-1, named=True)
    return (
        f"Charge rate (charges as a share of CPS legal decisions): pilot areas went from "
        f"{first['pilot']:.0f}% in {first['period']:%b %Y} to "
        f"{last['pilot']:.0f}% in {last['period']:%b %Y}; "
        f"control areas from {first['control']:.0f}% to {last['control']:.0f}%."
    )


def _charge_rate(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
    table = published_charge_rate(data, sel, _threshold(options))
    title = "Charge rate: pilot against control areas"
    gaps = _has_gaps(table, "charge_rate_pct")
    subtitle = sel.describe(data.area_names(), index=False)
    text = chart_text(
        data,
        title,
        subtitle,
        ("metrics",),
        (
            "Charge rate: suspects charged as a share of all CPS legal decisions, pooled over the arm's "
            "areas.",
            CONTROL_NOTE,
        ),
        table,
        gaps,
    )
    fig = charts.charge_rate_chart(table.frame, data.pilot_starts(sel), replace(text, source="", notes=()))
    summary = charge_rate_sentence(table.frame)
    definition = (
        "Charges / charging decisions: "
        + METRICS["charges"].definition
        + " "
        + METRICS["charging_decisions"].definition
    )
    return ChartOutput(
        "charge_rate_pilot_vs_control",
        "charge_rate_pilot_vs_control",
        fig,
        table,
        summary,
        text,
        chart_metadata(data, sel, title, summary, definition, table, ("metrics",), index=False),
        sel,
        data.provenance().synthetic,
        _span(sel),
        GAP_NOTE if gaps else "",
    )


def _days(x: Any) -> str:
    return "not reached" if x is None else f"{x:,.0f} days"


def report_to_file_sentence(summary: dc.Published) -> str:
    frame = summary.frame.with_columns(
        _s=pl.lit(summary.symbols.get_column("median_days"))
        if "median_days" in summary.symbols.columns
        else pl.lit(None)
    )

    def median(arm: str, period: str) -> str:
        row = frame.filter(pl.col("arm") == arm, pl.col("period") == period)
        if row.is_empty():
            return "no cases"
        if row["_s"][0] == dc.CONFIDENTIAL:
            return "withheld (fewer than 10 cases)"
        return _days(row["median_days"][0])

    return (
        f"Median time from report to file in pilot areas: {median('pilot', 'before')} before the start, "
        f"{median('pilot', 'after')} after; control areas {median('control', 'before')} and "
        f"{median('control', 'after')}. Kaplan-Meier medians: open cases count until the extract date."
    )


def _km(data: Analyses, sel: compare.Selection, options: dict[str, Any]) -> ChartOutput:
    threshold = _threshold(options)
    table = dc.km_curves(data.km_curves(sel))
    title = "Share of cases with a file at the CPS, by days since report"
    kind = "CPS Areas" if sel.grain == "cps_area" else "police force areas"
    subtitle = "Cases reported: " + sel.describe(data.area_names(), index=False, frequency=False)
    notes = (
        "Kaplan-Meier estimates: open cases count until the extract date; cases closed before a file "
        "are censored at closure; cases are followed only until their own area's start when reported "
        "before it.",
    )
    if sel.grain == "cps_area":
        notes += (
            "Metropolitan Police and City of London cases are left out at CPS Area level (they belong "
            "to both London Areas).",
        )
    text = chart_text(data, title, subtitle, ("cases",), notes, table, gaps=False)
    fig = charts.km_chart(table.frame, replace(text, source="", notes=()))
    summary = report_to_file_sentence(published_km_summary(data, sel, threshold))
    definition = (
        "Share of cases whose police file has reached the CPS by each day since the report "
        f"({kind}; Kaplan-Meier with 95% log-log intervals)."
    )
    return ChartOutput(
        "report_to_file_km",
        "report_to_file_km",
        fig,
        table,
        summary,
        text,
        chart_metadata(data, sel, title, summary, definition, table, ("cases",), index=False),
        sel,
        data.provenance().synthetic,
        (sel.start, sel.end),
        dc.KM_RULE,
    )


def _registry() -> dict[str, ChartSpec]:
    specs: list[ChartSpec] = []
    for metric, m in METRICS.items():
        specs.append(
            ChartSpec(
                f"{metric}_pilot_vs_control",
                f"{m.label}: pilot against control",
                _pilot_vs_control(metric),
                options={"measure": tuple(MEASURES)},
            )
        )
    specs.append(
        ChartSpec("charge_rate_pilot_vs_control", "Charge rate: pilot against control", _charge_rate)
    )
    specs.append(ChartSpec("report_to_file_km", "Report-to-file times (Kaplan-Meier)", _km, kinds=("cases",)))
    for metric, m in METRICS.items():
        specs.append(ChartSpec(f"{metric}_by_area", f"{m.label} by area", _by_area(metric)))
    specs.extend(_evaluation_specs())
    return {s.name: s for s in specs}


EVALUATION_CHARTS = {
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


def _evaluation_specs() -> list[ChartSpec]:
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


CHARTS: dict[str, ChartSpec] = _registry()

# The report pack a user gets without choosing: eight charts, descriptive first.
DEFAULT_PACK: tuple[str, ...] = (
    "referrals_pilot_vs_control",
    "referrals_by_area",
    "early_advice_requests_pilot_vs_control",
    "charging_decisions_pilot_vs_control",
    "charges_pilot_vs_control",
    "charge_rate_pilot_vs_control",
    "victim_withdrawals_pilot_vs_control",
    "report_to_file_km",
)


def chart_names() -> list[str]:
    return list(CHARTS)


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


@functools.cache
def describe_chart(name: str) -> str:
    return CHARTS[name].label


# ---- one chart to one file ------------------------------------------------------------------------

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


def csv_notes(output: ChartOutput) -> list[str]:
    """The `# ` lines a CSV starts with: what it is, where from, and which disclosure rule applied."""
    lines = [output.text.title, output.text.subtitle, output.text.source]
    if output.synthetic:
        lines.insert(0, DEMO_LABEL)
    lines += [output.table.note.text(), "Symbols: " + "; ".join(f"{s} {d}" for s, d in dc.SYMBOLS.items())]
    return [line for line in lines if line]


def export_chart(output: ChartOutput, fmt: str) -> bytes:
    """The chart as PNG/SVG/PDF (server-side Chromium) or its published data as CSV/XLSX."""
    from soteria.outputs import export

    if fmt in export.FORMATS:
        data = export.figure_to_image(output.export_figure(), fmt)  # type: ignore[arg-type]
    elif fmt == "csv":
        data = export.table_to_csv(output.table.display(), csv_notes(output))
    elif fmt == "xlsx":
        data = export.table_to_xlsx(
            output.table.frame,
            output.metadata,
            headings=dict(output.table.labels),
            symbols=output.table.symbols,
        )
    else:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    return observe(output.file_name(fmt), data)
