"""The Victims' groups page: for the field chosen, each group's effect with its interval and the
groups' shares by arm and period, as published (no count from 1 to 4, no share from under 10 cases)."""

import pandas as pd

from tests.pages.conftest import chart_titles, open_data_table, param, plotly_specs, shown_tables


def test_victims_page_draws_each_groups_effect_and_shares(open_page):
    at = open_page("victims")
    assert chart_titles(at) == [
        "The pilot's effect on report to file, by victim's age",
        "Share of cases filed within a year, by victim's age",
    ]
    effects, shares = plotly_specs(at)
    drawn = effects["data"][0]
    assert "Under 18" in drawn["y"] and drawn["error_x"]["array"]  # an interval on every drawn group
    assert any(str(t.get("name", "")).startswith("All cases") for t in effects["data"])
    assert len(shares["data"]) == 4  # pilot and control, before and after
    summaries = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "comparisons" in summaries  # the difference test says how many comparisons it allows for

    open_data_table(at)
    tables = shown_tables(at)
    groups = next(t for t in tables if "Closed as police NFA within a year (%)" in t.columns)
    cases = pd.to_numeric(groups["Cases"].astype(str).str.replace(",", ""), errors="coerce")
    assert not cases.between(1, 4).any()  # small counts withheld, never shown
    few = cases.isna() | (cases < 10)
    assert (groups.loc[few, "Filed within a year (%)"].astype(str) == "[c]").all()
    assert "Not known" in set(groups["Group"]) and "Under 18" in set(groups["Group"])
    effect_table = next(t for t in tables if "Gap: p-value, Holm-adjusted" in t.columns)
    assert "Under 18" in set(effect_table["Group"])


def test_choosing_ethnic_group_redraws_and_stays_in_the_address(open_page):
    at = open_page("victims")
    at.radio(key="by").set_value("victim_ethnicity").run()
    assert not at.exception
    assert chart_titles(at)[0] == "The pilot's effect on report to file, by victim's ethnic group"
    assert param(at, "by") == "victim_ethnicity"
    assert "White" in plotly_specs(at)[1]["data"][0]["y"]


def test_without_victim_fields_the_page_says_how_to_get_them(tmp_path, monkeypatch):
    """A database whose extracts never recorded victims' fields (older extracts): no empty chart, a way on."""
    import duckdb
    from streamlit.testing.v1 import AppTest

    from soteria.demo.build import build_demo
    from soteria.store import Store
    from tests.pages.conftest import PAGE_TIMEOUT, ROOT

    path = tmp_path / "older.duckdb"
    store = Store(path)
    build_demo(store, cases=3_000)
    store.close()
    with duckdb.connect(str(path)) as con:  # as if every case came from an extract without the fields
        con.execute("UPDATE cases SET victim_sex = NULL, victim_age_band = NULL, victim_ethnicity = NULL")
    monkeypatch.setenv("SOTERIA_DB", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
    at.switch_page("pages/victims.py")
    at.run()
    assert not at.exception and not at.get("plotly_chart")
    assert "records the victim's age" in at.info[0].value and "victim_age_band column" in at.info[0].value
