"""When the figures were last updated and will next be, and any notice of a known data problem: shown on
every page and carried by every export, as official statistics say them (pure; the store keeps the
schedule and the notice an admin sets, in its metadata)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

NEXT_UPDATE = "next_update"  # meta keys
NOTICE = "notice"
NOTICE_SET = "notice_set"  # who set it and when, "who|YYYY-MM-DD"
CONTACT = "contact"  # who answers questions about the statistics (the methodology page)
NO_CONTACT = "not yet given (an admin sets it on the Release and notices page)"
MAX_NOTICE = 600


@dataclass(frozen=True)
class Release:
    last_updated: date | None  # the day the newest extract in use was loaded
    next_update: date | None
    notice: str = ""
    notice_set: str = ""

    @classmethod
    def of(cls, meta: dict[str, str], latest_extract: dict[str, Any] | None) -> Release:
        loaded = latest_extract.get("loaded_at") if latest_extract else None
        last = loaded.date() if isinstance(loaded, datetime) else loaded if isinstance(loaded, date) else None
        wanted = meta.get(NEXT_UPDATE) or ""
        try:
            next_update = date.fromisoformat(wanted) if wanted else None
        except ValueError:
            next_update = None
        return cls(last, next_update, meta.get(NOTICE, "").strip(), meta.get(NOTICE_SET, ""))

    def schedule_line(self) -> str:
        """'Last updated: 3 December 2026 · Next update: 5 January 2027' (or 'not yet announced')."""
        last = _day(self.last_updated) if self.last_updated else "no extract loaded yet"
        upcoming = _day(self.next_update) if self.next_update else "not yet announced"
        return f"Last updated: {last} · Next update: {upcoming}"

    def lines(self) -> list[str]:
        """For an export's notes: the schedule, and the notice when there is one."""
        out = [self.schedule_line()]
        if self.notice:
            out.append(f"Notice of a known data problem: {self.notice}")
        return out

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """For an Excel file's metadata sheet."""
        rows = [
            ("Last updated", _day(self.last_updated) if self.last_updated else "no extract loaded yet"),
            ("Next update", _day(self.next_update) if self.next_update else "not yet announced"),
        ]
        if self.notice:
            rows.append(("Notice of a known data problem", self.notice))
        return tuple(rows)


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def check_settings(next_update: date | None, notice: str, today: date) -> list[str]:
    """Why an admin's schedule or notice cannot be saved (nothing is saved then)."""
    problems = []
    if next_update is not None and next_update < today:
        problems.append(f"the next update ({_day(next_update)}) is in the past")
    if len(notice.strip()) > MAX_NOTICE:
        problems.append(f"the notice is {len(notice.strip())} characters; keep it under {MAX_NOTICE}")
    return problems
