"""What a chart builder returns: one chart as a page shows it and an export publishes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import plotly.graph_objects as go

from soteria import disclosure as dc
from soteria.analysis import compare
from soteria.charts import figures as charts
from soteria.charts.figures import ChartText
from soteria.outputs.data import Analyses
from soteria.outputs.export import export_file_name


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

    def export_figure(self, extra_notes: tuple[str, ...] = ()) -> go.Figure:
        """The figure with its own title, subtitle, source, notes and demo label (built once; a copy of
        the page's figure, which stays as it was), with `extra_notes` (when the figures were last and
        will next be updated, any notice) after the chart's own. Treat it as read-only."""
        text = replace(self.text, notes=(*self.text.notes, *extra_notes))
        return self.kept(
            "export\n" + "\n".join(extra_notes),
            lambda: charts.with_export_text(self.figure, text, self.synthetic),
        )

    def kept(self, key: str, build: Callable[[], go.Figure]) -> go.Figure:
        """A figure derived from this chart, built once (the output itself is frozen and shared)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


@dataclass(frozen=True)
class ChartSpec:
    name: str
    label: str  # what a picker shows
    builder: Callable[[Analyses, compare.Selection, dict[str, Any]], ChartOutput]
    kinds: tuple[str, ...] = ("metrics",)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)  # option -> allowed values
    group: str = "Descriptive"
