from tests.pages.conftest import chart_titles, open_data_table, plotly_specs


def test_referrals_page_charts_pilot_against_control(open_page):
    at = open_page("referrals")
    assert "Synthetic demonstration data" in at.warning[0].value
    specs = plotly_specs(at)
    assert len(specs) == 1  # the small multiples wait until asked for
    names = {trace.get("name") for trace in specs[0]["data"]}
    assert {"Pilot areas", "Control areas"} <= names
    assert not at.get("download_button")  # one click away, with the data table
    assert [b.label for b in open_data_table(at, "referrals_pilot_vs_control").get("download_button")] == [
        "Download chart (PNG)",
        "Download chart (SVG)",
        "Download chart (PDF)",
        "Download data (CSV)",
        "Download data (Excel)",
    ]


def test_small_multiples_are_drawn_only_when_asked(open_page):
    at = open_page("referrals")
    assert chart_titles(at) == ["Police referrals to the CPS: pilot against control areas"]
    at.toggle(key="each_area").set_value(True).run()
    assert not at.exception
    assert chart_titles(at)[1] == "Police referrals to the CPS by area"
    panels = [k for k in plotly_specs(at)[1]["layout"] if k.startswith("xaxis")]
    assert len(panels) >= 14  # one per CPS Area
