"""What the store takes and the errors it raises, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class StorageError(RuntimeError):
    """The database cannot be opened or used; the message says why in plain words."""


@dataclass(frozen=True)
class ExtractRecord:
    file_name: str
    sha256: str
    kind: str
    rows: int
    loaded_by: str
    as_of: date | None = None
    is_synthetic: bool = False


class ExtractConflict(StorageError):
    """A load that would not match what the evaluator previewed (already loaded, data changed)."""


class UndoRefused(StorageError):
    """An undo that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class ExtractDetails:
    """What a load was, beside the extracts row: format, layout, sheet, size, stored original, summary."""

    file_format: str | None = None
    layout: str | None = None
    sheet: str | None = None
    size_bytes: int | None = None
    stored_as: str | None = None
    summary: str | None = None  # JSON: the preview's counts and notes
