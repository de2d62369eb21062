"""`python -m soteria export` and `python -m soteria report`: charts, their data and the report pack.

Registered on ``soteria.cli.common.app``. Both build from the chart registry (``soteria.outputs``), after
disclosure control, exactly as the pages and their download buttons do. Exit codes as for every
command: 0 success, 2 invalid input (an unknown chart, format or filter), 1 any other failure (for
example no Chromium for an image).

    python -m soteria export --list
    python -m soteria export CHART --format png|svg|pdf|csv|xlsx --out PATH [filters]
        [--measure index|mean_per_area|total] [--estimator aalen_johansen|kaplan_meier]
    python -m soteria report --out PATH.pdf|.pptx|.html [--charts A,B ...] [filters]
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from soteria.cli.common import existing_store, fail, guarded

FORMATS = ("png", "svg", "pdf", "csv", "xlsx")

GrainOpt = Annotated[str, typer.Option("--grain", help="cps_area (default) or force.")]
StartOpt = Annotated[str | None, typer.Option("--start", help="First day of the window, YYYY-MM-DD.")]
EndOpt = Annotated[str | None, typer.Option("--end", help="Last day of the window (default 2023-07-10).")]
FrequencyOpt = Annotated[str, typer.Option("--frequency", help="quarter (default) or month.")]
WaveOpt = Annotated[
    list[str] | None, typer.Option("--wave", help="Pilot wave (repeat; default: 2021 pathfinder).")
]
ExcludeOpt = Annotated[
    list[str] | None, typer.Option("--exclude", help="Area code to leave out of the controls (repeat).")
]
BaselineOpt = Annotated[int | None, typer.Option("--baseline-year", help="Index baseline year (2019).")]
MeasureOpt = Annotated[
    str | None, typer.Option("--measure", help="index (default), mean_per_area or total (volume charts).")
]
EstimatorOpt = Annotated[
    str | None,
    typer.Option(
        "--estimator",
        help="Report-to-file curves: aalen_johansen (default: all cases, closures competing) or "
        "kaplan_meier (the hypothetical 'if no case were closed').",
    ),
]


OPTION_CHARTS = {
    "measure": "the pilot-against-control volume charts",
    "estimator": "the report-to-file chart (report_to_file_share_filed)",
}


def _chart_options(chart: str, **given: str | None) -> dict[str, str]:
    """The chart options given; exit 2 when the chart takes no such option (values are checked by the
    registry, which names the allowed ones)."""
    from soteria.outputs.registry import CHARTS

    spec = CHARTS[chart]
    for key, value in given.items():
        if value is not None and key not in spec.options:
            fail(f"--{key} applies to {OPTION_CHARTS[key]}, not {chart}", 2)
    return {k: v for k, v in given.items() if v is not None}


def _date(flag: str, text: str | None) -> date | None:

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{flag} must be a date like 2019-01-01, not {text!r}", 2)


def selection(
    grain: str,
    start: str | None,
    end: str | None,
    frequency: str,
    wave: list[str] | None,
    exclude: list[str] | None,
    baseline_year: int | None,
) -> Any:
    """The Selection the filters describe (defaults as on the dashboard), or exit 2 naming the problem."""
    from soteria.analysis.compare import Selection

    kwargs: dict[str, Any] = {
        "grain": grain,
        "frequency": frequency,
        "excluded_controls": tuple(exclude or ()),
    }
    if wave:
        kwargs["pilot_waves"] = tuple(wave)
    for flag, key, text in (("--start", "start", start), ("--end", "end", end)):
        value = _date(flag, text)
        if value is not None:
            kwargs[key] = value
    if baseline_year is not None:
        kwargs["baseline_year"] = baseline_year
    try:
        return Selection(**kwargs)
    except ValueError as exc:
        fail(f"invalid choice: {exc}", 2)


def _release(ctx: typer.Context) -> Any:
    """When the figures were last and will next be updated, and any notice: every export says so."""
    from soteria.outputs.release import Release

    store = existing_store(ctx.obj)
    return Release.of(store.meta(), store.latest_extract())


def _data(ctx: typer.Context, sel: Any) -> Any:
    from soteria.outputs.data import store_analyses

    store = existing_store(ctx.obj)
    register = store.pilot_register()
    known = set(register.filter(register["area_kind"] == sel.grain)["area_code"].to_list())
    unknown = [c for c in sel.excluded_controls if c not in known]
    if unknown:
        fail(f"--exclude: no {sel.grain} area with code {', '.join(unknown)}", 2)
    waves = set(register["wave"].to_list())
    missing = [w for w in sel.pilot_waves if w not in waves]
    if missing:
        fail(f"--wave: no wave called {', '.join(missing)}; waves: {', '.join(sorted(waves))}", 2)
    return store_analyses(store)


def export(
    ctx: typer.Context,
    chart: Annotated[str | None, typer.Argument(help="Chart name (see --list).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="png, svg, pdf, csv or xlsx.")] = "png",
    out: Annotated[
        Path | None, typer.Option("--out", help="File or folder to write (default: a named file here).")
    ] = None,
    list_charts: Annotated[bool, typer.Option("--list", help="Name every chart and stop.")] = False,
    grain: GrainOpt = "cps_area",
    start: StartOpt = None,
    end: EndOpt = None,
    frequency: FrequencyOpt = "quarter",
    wave: WaveOpt = None,
    exclude: ExcludeOpt = None,
    baseline_year: BaselineOpt = None,
    measure: MeasureOpt = None,
    estimator: EstimatorOpt = None,
) -> None:
    """Export one chart as an image (PNG, SVG, PDF) or its data (CSV, Excel), after disclosure control."""
    from soteria.outputs.registry import CHARTS

    if list_charts:
        width = max(len(n) for n in CHARTS)
        for name, spec in CHARTS.items():
            typer.echo(f"{name:<{width}}  {spec.label}")
        return
    if chart is None:
        fail("name a chart to export (see `python -m soteria export --list`)", 2)
    if chart not in CHARTS:
        fail(f"unknown chart {chart!r}; `python -m soteria export --list` names them", 2)
    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", 2)
    options = _chart_options(chart, measure=measure, estimator=estimator)
    sel = selection(grain, start, end, frequency, wave, exclude, baseline_year)

    def run() -> None:
        from soteria.outputs import chart_files, registry

        try:
            output = registry.build(chart, _data(ctx, sel), sel, **options)
        except ValueError as exc:
            fail(f"invalid choice: {exc}", 2)
        target = out if out is not None else Path(output.file_name(fmt))
        if target.is_dir():
            target = target / output.file_name(fmt)
        target.write_bytes(chart_files.export_chart(output, fmt, _release(ctx)))
        typer.echo(f"Wrote {target} ({output.table.note.summary()})")

    guarded(run)


def report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The pack: a .pdf, .pptx or .html file.")],
    charts: Annotated[
        list[str] | None,
        typer.Option("--charts", help="Charts to include, comma-separated or repeated (default: eight)."),
    ] = None,
    headline: Annotated[
        list[str] | None,
        typer.Option("--headline", help="effects, referrals_change, report_to_file (repeat; default: all)."),
    ] = None,
    grain: GrainOpt = "cps_area",
    start: StartOpt = None,
    end: EndOpt = None,
    frequency: FrequencyOpt = "quarter",
    wave: WaveOpt = None,
    exclude: ExcludeOpt = None,
    baseline_year: BaselineOpt = None,
) -> None:
    """Build the report pack (cover, one chart per page or slide, method notes) as PDF, PowerPoint or HTML."""
    from soteria.outputs.pack import HEADLINES, PACK_FORMATS
    from soteria.outputs.registry import CHARTS

    if out.suffix.lower().lstrip(".") not in PACK_FORMATS:
        fail(f"--out must end in .pdf, .pptx or .html, not {out.name!r}", 2)
    names = [n.strip() for item in (charts or []) for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHARTS]
    if unknown:
        fail(f"unknown chart(s) {', '.join(unknown)}; `python -m soteria export --list` names them", 2)
    bad = [h for h in headline or [] if h not in HEADLINES]
    if bad:
        fail(f"--headline must be one of {', '.join(HEADLINES)}; not {', '.join(bad)}", 2)
    sel = selection(grain, start, end, frequency, wave, exclude, baseline_year)

    def run() -> None:
        from soteria.outputs import pack as pack_module

        pack = pack_module.build_pack(
            _data(ctx, sel), sel, names or None, headline or None, release=_release(ctx)
        )
        pack_module.write(pack, out)
        typer.echo(
            f"Wrote {out}: {len(pack.outputs)} chart(s), {len(pack.findings)} finding(s), "
            f"data version {pack.provenance.data_version}"
        )

    guarded(run)
