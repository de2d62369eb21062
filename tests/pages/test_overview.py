from tests.pages.conftest import plotly_specs


def test_overview_shows_three_headline_figures_and_coverage(open_page):
    at = open_page("overview")
    assert "Synthetic demonstration data" in at.warning[0].value
    labels = [m.label for m in at.metric]
    assert labels == [
        "Police referrals, pilot against baseline",
        "Median days, report to file (pilot, after)",
        "Charge rate in pilot areas",
    ]
    assert all(m.value != "n/a" for m in at.metric)
    assert any("case timelines" in md.value for md in at.markdown)
    assert plotly_specs(at) == []


def test_overview_follows_the_url(open_page):
    at = open_page("overview", grain="force")
    assert at.radio[0].value == "force"
    assert at.query_params["grain"] == "force"
