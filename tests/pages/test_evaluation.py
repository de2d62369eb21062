"""The Evaluation page on the demo database: headlines with intervals, charts, checks and methods."""

from tests.pages.conftest import chart_titles, open_data_table, plotly_specs, shown_tables

FINDING = "After the pilot began"


def texts(at) -> list[str]:
    return [m.value for m in at.markdown] + [w.value for w in at.warning] + [c.value for c in at.caption]


def test_headlines_event_study_synthetic_control_survival_and_methods(open_page):
    at = open_page("evaluation")
    assert "Synthetic demonstration data" in at.warning[0].value
    body = "\n".join(texts(at))
    headlines = [t for t in texts(at) if t.startswith(FINDING)]
    assert len(headlines) == 3
    assert all("95% interval" in h and "randomisation p = " in h and "assignments" in h for h in headlines)
    assert "police referrals in pilot areas were" in headlines[0] and "%" in headlines[0]
    assert any(w in body for w in ("Clear evidence", "Some evidence", "No clear difference"))
    assert "Trends before the start." in body and "pre-trend test p " in body
    titles = chart_titles(at)
    assert len(titles) == 3 == len(plotly_specs(at))
    assert all(
        "title" not in spec["layout"] or "text" not in spec["layout"]["title"] for spec in plotly_specs(at)
    )
    assert titles[0].startswith("Police referrals: pilot areas against what the control areas predict")
    assert "synthetic control" in titles[1] and "Share of all reported cases" in titles[2]
    event = plotly_specs(at)[0]
    before = [t for t in event["data"] if t["name"].startswith("Before")][0]
    assert min(before["x"]) < 0 and "error_y" in before  # pre-period estimates with intervals
    assert any(t["name"].startswith("Simultaneous 95% band") and t["fill"] == "toself" for t in event["data"])
    assert "If trends were not parallel." in body and ("breakdown value" in body or "no support" in body)
    robust = next(d for d in shown_tables(at) if "Robust 95% interval" in d.columns)
    assert list(robust["Trend change allowed after the start (M)"])[:3] == ["0", "0.5", "1"]
    assert "Synthetic difference-in-differences, all 5 pilot areas together" in body
    assert "Did time to file change after the start within pilot areas?" in body
    assert [e.label for e in at.expander][-2:] == [
        "Methods: assumptions and what would break them",
        "Which areas take part",
    ]
    assert "Parallel trends" in body and "Plain two-way fixed effects" in body
    naive = next(d for d in shown_tables(at) if "Method" in d.columns)
    assert any("Plain two-way fixed effects" in m for m in naive["Method"])
    labels = {b.label for b in open_data_table(at).get("download_button")}
    assert {"Download chart (PNG)", "Download chart (SVG)", "Download data (CSV)"} <= labels


def test_too_few_controls_shows_the_warning_and_no_finding(open_page):
    # Never-treated controls only, with four of the five excluded: one control area is left.
    at = open_page("evaluation", control="never", excluded_controls="CPS-EE|CPS-LN|CPS-MC|CPS-SE")
    assert at.query_params["control"] == "never"
    warnings = [w.value for w in at.warning[1:]]
    assert len(warnings) == 3
    assert all(w.startswith("**Not a finding: assumptions fail.**") for w in warnings)
    assert "Too few controls" in warnings[0]
    assert not [t for t in texts(at) if t.startswith(FINDING)]
    assert any("needs at least two control areas" in i.value for i in at.info)


def test_changing_the_outcome_and_area_reruns_from_the_cache(open_page):
    at = open_page("evaluation")
    at.radio(key="outcome").set_value("charge_rate").run()
    assert not at.exception
    assert chart_titles(at)[0].startswith("Charge rate:")
    at.selectbox[0].set_value("CPS-WM").run()
    assert not at.exception
    assert "West Midlands" in chart_titles(at)[1]


def test_the_filing_curves_on_the_evaluation_page_are_the_published_ones(open_page):
    """Read weekly and cut below 10 at risk, as on the Report-to-file page: no at-risk count in the hover
    or the data table (weekly numbers at risk are not published; the numbers at risk table is)."""
    at = open_page("evaluation")
    curves = plotly_specs(at)[2]
    shown = [row for t in curves["data"] for row in (t.get("customdata") or []) if isinstance(row, list)]
    at_risk = [v for row in shown for v in row if isinstance(v, int | float) and float(v).is_integer()]
    assert not [v for v in at_risk if 1 <= v <= 4]
    table = open_data_table(at, "report_to_file_aalen_johansen")
    frames = shown_tables(table)
    assert frames and not [f for f in frames if {"At risk", "at_risk"} & set(f.columns)]
    assert any("Share filed" in f.columns or "share_filed" in f.columns for f in frames)
