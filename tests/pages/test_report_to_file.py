from tests.pages.conftest import chart_titles, open_data_table, plotly_specs


def test_report_to_file_page_shows_km_curves_medians_and_numbers_at_risk(open_page):
    at = open_page("report_to_file")
    specs = plotly_specs(at)
    assert len(specs) == 1
    assert chart_titles(at)[0].startswith("Share of cases with a file at the CPS")
    assert len([t for t in specs[0]["data"] if t.get("line", {}).get("shape") == "hv"]) >= 4
    assert len(at.dataframe) == 2  # the chart's own data table waits until opened
    medians, at_risk = at.dataframe[0].value, at.dataframe[1].value
    open_data_table(at, "report_to_file_km")
    assert len(at.dataframe) == 3
    assert sorted(zip(medians["Arm"], medians["Period (report date against start)"], strict=True)) == [
        ("control areas", "after"),
        ("control areas", "before"),
        ("pilot areas", "after"),
        ("pilot areas", "before"),
    ]
    assert medians["Median days while open (KM)"].notna().all()
    assert "At risk" in at_risk.columns  # published: small numbers would show as [c]
    assert any("Kaplan-Meier" in c.value for c in at.caption[:3])  # the subtitle caption comes first


def test_report_to_file_at_force_grain(open_page):
    at = open_page("report_to_file", grain="force")
    assert len(plotly_specs(at)) == 1
