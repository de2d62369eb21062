from tests.pages.conftest import plotly_specs


def test_referrals_page_charts_pilot_against_control(open_page):
    at = open_page("referrals")
    assert "Synthetic demonstration data" in at.warning[0].value
    specs = plotly_specs(at)
    assert len(specs) == 2
    names = {trace.get("name") for trace in specs[0]["data"]}
    assert {"Pilot areas", "Control areas"} <= names or any("ilot" in (n or "") for n in names)
    assert [b.label for b in at.get("download_button")][:5] == [
        "Download chart (PNG)",
        "Download chart (SVG)",
        "Download chart (PDF)",
        "Download data (CSV)",
        "Download data (Excel)",
    ]
