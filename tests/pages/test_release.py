"""Release and notices page (AppTest, own database): an admin's notice and next update show on every
page and in every data download; others cannot reach the page."""

from __future__ import annotations

from datetime import date, timedelta

from soteria.store import open_store
from tests.pages.ingest_fixtures import own_db

__all__ = ["own_db"]


def test_an_admin_s_notice_and_next_update_show_on_every_page(own_db, open_page) -> None:
    at = open_page("release")  # locally the one user owns the file: an admin
    soon = date.today() + timedelta(days=30)
    at.date_input[0].set_value(soon)
    at.text_area[0].set_value("Kent's May extract is incomplete; figures for Kent will be revised.")
    at.text_input[0].set_value("soteria-evaluation@example.gov.uk")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.exception and "Saved" in at.success[0].value
    for page in ("overview", "referrals", "upload"):
        shown = open_page(page)
        assert any("Kent's May extract is incomplete" in e.value for e in shown.error), page
        assert any(f"Next update: {soon.day} {soon:%B %Y}" in c.value for c in shown.caption), page
    statement = "\n".join(m.value for m in open_page("methodology").markdown)
    assert "Contact: soteria-evaluation@example.gov.uk" in statement
    assert "Notice of a known data problem: Kent's May extract" in statement
    meta = open_store(own_db).meta()
    assert meta["notice_set"].endswith(date.today().isoformat())


def test_without_a_date_the_next_update_is_not_yet_announced(own_db, open_page) -> None:
    at = open_page("release")
    at.text_area[0].set_value("x" * 10)
    at.date_input[0].set_value(None)
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert "Saved" in at.success[0].value  # no date: 'not yet announced'
    assert "Next update: not yet announced" in " ".join(c.value for c in open_page("overview").caption)
