"""Methodology and quality page (AppTest): every section, from the dashboard's own definitions."""

from __future__ import annotations

from soteria.disclosure.note import PERTURBATION
from soteria.domain import METRICS
from soteria.outputs.methodology import SECTIONS


def test_the_page_has_every_section_and_the_definitions_in_use(open_page) -> None:
    at = open_page("methodology")
    text = "\n".join(m.value for m in at.markdown)
    for section in SECTIONS:
        assert f"## {section}" in text, section
    for metric in METRICS.values():
        assert metric.definition in text
    assert PERTURBATION in text and "parallel trends" in text and "Revisions" in text
    assert "synthetic demonstration data" in text  # the demo database says so
    assert "Next update:" in text and "Contact:" in text
