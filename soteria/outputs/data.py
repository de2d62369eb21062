"""The one data interface: every computation a page, an export, the report pack or the command line shows.

`Analyses` names each computation once, typed (`pilot_vs_control(sel) -> DataFrame`, `evaluation(sel)
-> EvaluationResult`, ...). It reads its frames from a `Source` and keeps its results in the source's
memo: `StoreSource` for the command line, the benchmarks and the tests; the UI layer's source keeps them
in Streamlit's cache per data version. Whatever the caller, a selection gets the same numbers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol, TypeVar

import polars as pl

from soteria.analysis import areas, compare, similar, survival, victims
from soteria.disclosure import base_cells, perturb
from soteria.disclosure.note import threshold_from_env
from soteria.domain import METRICS
from soteria.evaluation.case_panels import case_frame
from soteria.evaluation.outcome import EvaluationResult
from soteria.evaluation.run import run_evaluation
from soteria.evaluation.victims import all_cases_effect, group_effects
from soteria.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Provenance:
    """What the data is: its version, the extracts it holds (newest first) and whether it is synthetic."""

    data_version: str
    extracts: tuple[dict[str, Any], ...] = ()
    synthetic: bool = False
    cell_key: str = field(default="", repr=False)  # the perturbation's secret: never shown or exported

    @classmethod
    def of(cls, store: Store) -> Provenance:
        meta = store.meta()
        return cls(
            store.data_version(),
            tuple(store.extracts().to_dicts()),
            meta.get("dataset") == "demo",
            store.cell_key_secret(meta),
        )

    def extracts_of(self, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        return [e for e in self.extracts if e.get("status", "loaded") == "loaded" and e.get("kind") in kinds]

    def source(self, kinds: tuple[str, ...]) -> str:
        """`Source: a.csv (extract 3), b.csv (extract 1); data version 3.3.0`."""
        used = self.extracts_of(kinds)
        named = ", ".join(f"{e['file_name']} (extract {e['extract_id']})" for e in used[:3])
        if len(used) > 3:
            named += f" and {len(used) - 3} earlier extract(s)"
        return f"Source: {named or 'no extract loaded'}; data version {self.data_version}"


class Memo:
    """A bounded, thread-safe memo: each key is built once (one lock per key, so different keys build in
    parallel in different sessions), the least recently used dropped past `size`."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                value = build()
            finally:  # a build that raises (or reruns a page) leaves nothing behind
                with self._lock:
                    self._locks.pop(key, None)
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items


class Source(Protocol):
    """Where the frames come from, and where results are kept for the data version they belong to."""

    def register(self) -> pl.DataFrame: ...

    def values(self, grain: str) -> pl.DataFrame: ...

    def cases(self) -> pl.DataFrame: ...

    def force_cps_area(self) -> pl.DataFrame: ...

    def provenance(self) -> Provenance: ...

    def memo(self, key: Hashable, build: Callable[[], T]) -> T: ...


class StoreSource:
    """A source reading a Store once per frame (command line, benchmarks, tests: data that do not change
    while it is used)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._memo = Memo()

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        return self._memo.get(key, build)

    def register(self) -> pl.DataFrame:
        return self.memo(("register",), self.store.pilot_register)

    def values(self, grain: str) -> pl.DataFrame:
        return self.memo(("values", grain), lambda: self.store.metric_values(list(METRICS), grain))

    def cases(self) -> pl.DataFrame:
        return self.memo(("cases",), self.store.cases)

    def force_cps_area(self) -> pl.DataFrame:
        return self.memo(("force_cps_area",), self.store.force_cps_area)

    def provenance(self) -> Provenance:
        return self.memo(("provenance",), lambda: Provenance.of(self.store))


def selection_key(sel: compare.Selection) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(sel.to_query_params().items()))


def evaluation_selection(sel: compare.Selection) -> compare.Selection:
    """The evaluation uses neither the metric nor the frequency: one run serves every chart."""
    return replace(sel, metric="referrals", frequency="month")


class Analyses:
    """Every computation for a selection, each written once and kept per data version by the source."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def _kept(self, what: str, sel: compare.Selection, build: Callable[[], T], *extra: Hashable) -> T:
        return self.source.memo((what, selection_key(sel), *extra), build)

    # -- the data as stored --------------------------------------------------------------------------

    def register(self) -> pl.DataFrame:
        return self.source.register()

    def provenance(self) -> Provenance:
        return self.source.provenance()

    def area_names(self, grain: str | None = None) -> dict[str, str]:
        """area_code -> area_name, for one grain or all."""

        def build() -> dict[str, str]:
            reg = self.register()
            if grain is not None:
                reg = reg.filter(pl.col("area_kind") == grain)
            return dict(zip(reg["area_code"].to_list(), reg["area_name"].to_list(), strict=True))

        return self.source.memo(("area_names", grain), build)

    def waves(self) -> list[str]:
        """The register's waves, earliest start first."""
        reg = self.register()
        build = lambda: reg.select("wave", "pilot_start").unique().sort("pilot_start")["wave"].to_list()  # noqa: E731
        return self.source.memo(("waves",), build)

    # -- descriptive comparisons: on the published (perturbed) monthly counts, before the rest of ----------
    # -- disclosure control; the evaluation uses the exact counts ----------------------------------------

    def published_values(self, grain: str) -> pl.DataFrame:
        """The monthly counts every descriptive table and chart is built from: each area's count
        perturbed once (soteria.disclosure.base_cells), so that no two selections give a small one away."""
        src, secret, threshold = self.source, self.provenance().cell_key, threshold_from_env()

        def build() -> pl.DataFrame:
            if grain == "cps_area":
                forces, fmap = src.values("force"), src.force_cps_area()
                return base_cells.metric_values(src.values(grain), secret, forces, fmap, threshold)
            return base_cells.metric_values(src.values(grain), secret, threshold=threshold)

        return src.memo(("published_values", grain, threshold), build)

    def pilot_vs_control(self, sel: compare.Selection) -> pl.DataFrame:
        build = lambda: compare.pilot_vs_control(self.published_values(sel.grain), self.register(), sel)  # noqa: E731
        return self._kept("pilot_vs_control", sel, build)

    def per_area(self, sel: compare.Selection) -> pl.DataFrame:
        build = lambda: compare.per_area_series(self.published_values(sel.grain), self.register(), sel)  # noqa: E731
        return self._kept("per_area", sel, build)

    def charge_rate(self, sel: compare.Selection) -> pl.DataFrame:
        build = lambda: compare.charge_rate_series(self.published_values(sel.grain), self.register(), sel)  # noqa: E731
        return self._kept("charge_rate", sel, build)

    def pilot_starts(self, sel: compare.Selection) -> list[date]:
        return self._kept("pilot_starts", sel, lambda: compare.pilot_starts(self.register(), sel))

    # -- report-to-file times ----------------------------------------------------------------------------

    def time_to_file(self, sel: compare.Selection) -> pl.DataFrame:
        src = self.source
        build = lambda: survival.time_to_file(src.cases(), self.register(), src.force_cps_area(), sel)  # noqa: E731
        return self._kept("time_to_file", sel, build)

    def excluded_cases(self, sel: compare.Selection) -> dict[str, int]:
        src = self.source
        build = lambda: survival.excluded_cases(src.cases(), self.register(), src.force_cps_area(), sel)  # noqa: E731
        return self._kept("excluded_cases", sel, build)

    def filing_curves(self, sel: compare.Selection, estimator: str = "aalen_johansen") -> pl.DataFrame:
        """arm, period, day, share_filed, lower, upper, at_risk: the share of all cases filed by each day
        (Aalen-Johansen, closures competing), or with `kaplan_meier` the share if no case were closed."""
        build = lambda: survival.curves(self.time_to_file(sel), (estimator,)).drop("estimator")  # noqa: E731
        return self._kept("filing_curves", sel, build, estimator)

    def km_summary(self, sel: compare.Selection) -> pl.DataFrame:
        """survival.summary with its counts summed from the perturbed groups of cases (the estimates are
        from the exact follow-up)."""

        def build() -> pl.DataFrame:
            return base_cells.with_counts(survival.summary(self.time_to_file(sel)), self.case_counts(sel))

        return self._kept("km_summary", sel, build)

    def case_cells(self, sel: compare.Selection) -> pl.DataFrame:
        """The perturbed groups of cases behind every published count of cases (disclosure.base_cells)."""
        build = lambda: self._perturbed_cells(self.time_to_file(sel))  # noqa: E731
        return self._kept("case_cells", sel, build, threshold_from_env())

    def _perturbed_cells(self, tte: pl.DataFrame) -> pl.DataFrame:
        keys = self.source.memo(("record_keys",), self._record_keys)
        tte = tte.join(keys, on=["force_code", "case_ref"], how="left")
        return base_cells.case_cells(tte, threshold=threshold_from_env())

    def _record_keys(self) -> pl.DataFrame:
        cases = self.source.cases().select("force_code", "case_ref")
        ident = cases.get_column("force_code") + "|" + cases.get_column("case_ref")
        return cases.with_columns(perturb.record_keys(ident, self.provenance().cell_key))

    def case_counts(self, sel: compare.Selection) -> pl.DataFrame:
        """arm, period, cases, filed, closed_before_file, still_open, as published (perturbed)."""
        return self._kept("case_counts", sel, lambda: base_cells.case_counts(self.case_cells(sel)))

    def evaluation_case_counts(self, sel: compare.Selection, control: str = "notyet") -> pl.DataFrame:
        """case_counts for the cases the evaluation's report-to-file summary covers (its own design)."""
        sel, src = evaluation_selection(sel), self.source

        def build() -> pl.DataFrame:
            tte = case_frame(src.cases(), self.register(), src.force_cps_area(), sel, control)
            return base_cells.case_counts(self._perturbed_cells(tte))

        return self._kept("evaluation_case_counts", sel, build, control)

    def numbers_at_risk(self, sel: compare.Selection) -> pl.DataFrame:
        """arm, period, day, at_risk, as published (perturbed)."""
        return self._kept("numbers_at_risk", sel, lambda: base_cells.at_risk(self.case_cells(sel)))

    # -- the evaluation and what is built on it ---------------------------------------------------------

    def evaluation(self, sel: compare.Selection, control: str = "notyet") -> EvaluationResult:
        """Every estimate for the selection; ValueError with the reason when none can be made."""
        sel = evaluation_selection(sel)
        src = self.source

        def build() -> EvaluationResult:
            return run_evaluation(
                src.values(sel.grain), src.cases(), self.register(), src.force_cps_area(), sel, control
            )

        return self._kept("evaluation", sel, build, control)

    def tile_measure(self, sel: compare.Selection, view: str) -> areas.TileMeasure:
        """What each tile of the area explorer shows for `view` ('change', 'effect', 'latest')."""
        build = lambda: areas.tile_measure(  # noqa: E731
            self.per_area(sel), self.pilot_vs_control(sel), self.register(), sel, view
        )
        return self._kept("tile_measure", sel, build, view)

    # -- victims' groups ----------------------------------------------------------------------------

    def victims_summary(self, sel: compare.Selection, field: str) -> pl.DataFrame:
        """analysis.victims.group_summary for the selection, its `cases` summed from the perturbed groups
        of cases (the shares are from the exact follow-up)."""

        def build() -> pl.DataFrame:
            counts = base_cells.case_counts(self.case_cells(sel), by=[field]).select(
                pl.col(field).fill_null(victims.NOT_RECORDED_CODE).alias("group"), "arm", "period", "cases"
            )
            exact = victims.group_summary(self.time_to_file(sel), field)
            return (
                exact.drop("cases")
                .join(counts, on=["group", "arm", "period"], how="left")
                .select(exact.columns)
                .with_columns(pl.col("cases").fill_null(0))
            )

        return self._kept("victims_summary", sel, build, field)

    def victims_effects(self, sel: compare.Selection, field: str, control: str = "notyet") -> pl.DataFrame:
        """evaluation.victims.group_effects: each group's report-to-file effect and its gap to the rest."""
        sel, src = evaluation_selection(sel), self.source

        def build() -> pl.DataFrame:
            return group_effects(src.cases(), self.register(), src.force_cps_area(), sel, field, control)

        return self._kept("victims_effects", sel, build, field, control)

    def victims_all_cases(self, sel: compare.Selection, control: str = "notyet") -> float | None:
        """The report-to-file effect on all cases, beside the groups' (the evaluation's headline)."""
        sel, src = evaluation_selection(sel), self.source

        def build() -> float | None:
            est = all_cases_effect(src.cases(), self.register(), src.force_cps_area(), sel, control)
            return None if est is None else est.estimate

        return self._kept("victims_all_cases", sel, build, control)

    def most_similar(self, grain: str, area_code: str, before: date, k: int = 5) -> pl.DataFrame:
        """The k areas nearest to `area_code` in profile before `before` (soteria.analysis.similar)."""

        def build() -> pl.DataFrame:
            return similar.most_similar(
                self.published_values(grain), self.register(), area_code, grain, before, k=k
            )

        return self.source.memo(("most_similar", grain, area_code, before, k), build)


def store_analyses(store: Store) -> Analyses:
    """Analyses on a Store (the command line, benchmarks and tests)."""
    return Analyses(StoreSource(store))
