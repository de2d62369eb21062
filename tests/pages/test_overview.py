from tests.pages.conftest import plotly_specs


def test_overview_shows_three_headline_figures_and_coverage(open_page):
    at = open_page("overview")
    assert "Synthetic demonstration data" in at.warning[0].value
    labels = [m.label for m in at.metric]
    assert labels == [
        "Police referrals: pilot effect",
        "Report to file: filed within a year",
        "Charge rate: pilot effect",
    ]
    # effects estimated against the control areas, each with its interval and a confidence word
    assert all(m.value != "n/a" for m in at.metric)
    for m in at.metric:
        assert m.value == "Not a finding" or "95% interval" in m.proto.delta
    words = ("Clear evidence", "Some evidence", "No clear difference", "Assumptions fail")
    cards = [md.value for md in at.markdown if any(w in md.value for w in words)]
    assert len(cards) == 3 and all("randomisation p =" in c or "Assumptions fail" in c for c in cards)
    assert any("case timelines" in md.value for md in at.markdown)
    assert plotly_specs(at) == []


def test_overview_follows_the_url(open_page):
    at = open_page("overview", grain="force")
    assert at.radio[0].value == "force"
    assert at.query_params["grain"] == "force"
