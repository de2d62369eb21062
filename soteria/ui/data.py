"""The pages' data: the one `Analyses` (soteria.outputs.data) over frames read at the run's data version.

Results are kept in one memo per data version, shared by every session (`st.cache_resource`): frames
are immutable, so sharing them is safe, and a commit, an undo or a register edit gives a new version and
so a fresh memo, seen by every page on its next run.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from soteria.domain import METRICS
from soteria.outputs.data import Analyses, Memo, Provenance
from soteria.outputs.release import Release
from soteria.ui.store import at_version, store, version

T = TypeVar("T")


@st.cache_resource(max_entries=8, show_spinner=False)
def _memo(path: str, data_version: str) -> Memo:
    return Memo(size=256)


class StreamlitSource:
    """Frames read on one consistent snapshot at `data_version` (`at_version`), kept in its memo."""

    def __init__(self, path: str, data_version: str) -> None:
        self.path, self.data_version = path, data_version

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        return self.memo_of().get(key, build)

    def memo_of(self) -> Memo:
        """This data version's memo (to ask whether a result is ready)."""
        return _memo(self.path, self.data_version)

    def _read(self, key: Hashable, read: Callable[[], Any]) -> Any:
        return self.memo(key, lambda: at_version(self.data_version, read))

    def register(self) -> pl.DataFrame:
        return self._read(("register",), store().pilot_register)

    def values(self, grain: str) -> pl.DataFrame:
        read = lambda: store().metric_values(list(METRICS), grain)  # noqa: E731
        return self._read(("values", grain), read)

    def cases(self) -> pl.DataFrame:
        return self._read(("cases",), store().cases)

    def force_cps_area(self) -> pl.DataFrame:
        return self._read(("force_cps_area",), store().force_cps_area)

    def provenance(self) -> Provenance:
        return self._read(("provenance",), lambda: Provenance.of(store()))

    def coverage(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        read = lambda: (store().data_span(), store().latest_extract())  # noqa: E731
        return self._read(("coverage",), read)


def source() -> StreamlitSource:
    return StreamlitSource(str(store().path), version())


def analyses() -> Analyses:
    """Every computation for this page run's data version (typed: see soteria.outputs.data.Analyses)."""
    return Analyses(source())


def register() -> pl.DataFrame:
    return source().register()


def register_waves() -> list[str]:
    """The register's waves, earliest start first (once per data version: every page run needs them)."""
    return analyses().waves()


def area_names(grain: str) -> dict[str, str]:
    """area_code -> area_name for one grain (once per data version)."""
    return analyses().area_names(grain)


def data_span() -> dict[str, Any]:
    """What the data cover (Store.data_span) at this page run's data version."""
    return source().coverage()[0]


def latest_extract() -> dict[str, Any] | None:
    """The latest loaded extract at this page run's data version."""
    return source().coverage()[1]


def is_demo() -> bool:
    return source().provenance().synthetic


def release() -> Release:
    """When the figures were last and will next be updated, and any notice: read on every run (an
    admin's notice shows at once; it is not part of the data version the caches hang on)."""
    return Release.of(store().meta(), latest_extract())
