"""Last updated, next update and the notice of a known data problem: as said on pages and in exports."""

from __future__ import annotations

from datetime import date, datetime

from soteria.outputs.release import Release, check_settings


def test_the_schedule_says_the_days_in_words_and_what_is_not_known():
    release = Release.of({"next_update": "2027-01-05"}, {"loaded_at": datetime(2026, 12, 3, 9, 30)})
    assert release.schedule_line() == "Last updated: 3 December 2026 · Next update: 5 January 2027"
    assert release.lines() == [release.schedule_line()]
    empty = Release.of({}, None)
    assert empty.schedule_line() == "Last updated: no extract loaded yet · Next update: not yet announced"
    assert Release.of({"next_update": "soon"}, None).next_update is None


def test_a_notice_goes_into_the_notes_and_the_metadata():
    release = Release.of({"notice": " Kent's May extract is incomplete. "}, None)
    assert release.lines()[-1] == "Notice of a known data problem: Kent's May extract is incomplete."
    assert ("Notice of a known data problem", "Kent's May extract is incomplete.") in release.metadata()


def test_settings_in_the_past_or_too_long_are_refused():
    today = date(2026, 12, 3)
    assert check_settings(date(2026, 12, 2), "", today) == [
        "the next update (2 December 2026) is in the past"
    ]
    assert "keep it under 600" in check_settings(None, "x" * 601, today)[0]
    assert check_settings(date(2027, 1, 5), "fine", today) == []
