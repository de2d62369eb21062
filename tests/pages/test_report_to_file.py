import pandas as pd

from soteria.outputs.published_tables import NOT_REACHED
from tests.pages.conftest import chart_titles, open_data_table, plotly_specs, shown_tables


def test_report_to_file_page_shows_share_filed_medians_and_numbers_at_risk(open_page):
    at = open_page("report_to_file")
    specs = plotly_specs(at)
    assert len(specs) == 1
    assert chart_titles(at)[0].startswith("Share of all reported cases with a file at the CPS")
    curves = [t for t in specs[0]["data"] if t.get("line", {}).get("shape") == "hv"]
    assert len(curves) >= 4
    assert len(shown_tables(at)) == 2  # the chart's own data table waits until opened
    medians, at_risk = shown_tables(at)
    open_data_table(at, "report_to_file_share_filed")
    assert len(shown_tables(at)) == 3
    assert sorted(zip(medians["Arm"], medians["Period (report date against start)"], strict=True)) == [
        ("control areas", "after"),
        ("control areas", "before"),
        ("pilot areas", "after"),
        ("pilot areas", "before"),
    ]
    # Every figure is of all cases, closures competing: a median only where half were filed
    assert "Median days while open (KM)" not in medians.columns
    shares = medians["Filed within a year (%)"].astype(float)
    median = pd.to_numeric(medians[NOT_REACHED], errors="coerce")  # a symbol where there is none
    assert ((shares < 50) <= (median.isna() | (median > 365))).all()
    assert pd.to_numeric(medians["Days until a quarter were filed"], errors="coerce").notna().all()
    assert medians["Filed within a year: 95% interval"].str.contains(" to ").all()
    # Closures compete with filing: no curve rises above the share of cases that could still be filed
    # (filed or still open), where a Kaplan-Meier curve climbed to nearly all cases.
    count = {c: medians[c].str.replace(",", "").astype(int) for c in ("Filed", "Still open", "Cases")}
    could = ((count["Filed"] + count["Still open"]) / count["Cases"]).max()
    assert max(max(y for y in c["y"] if y is not None) for c in curves) <= could + 0.01
    assert "At risk" in at_risk.columns  # published: small numbers would show as [c]


def test_report_to_file_at_force_grain(open_page):
    at = open_page("report_to_file", grain="force")
    assert len(plotly_specs(at)) == 1
