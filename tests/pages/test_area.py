"""One area: against its control group and England and Wales, with its most similar areas."""

from tests.pages.conftest import chart_titles, open_data_table, param, plotly_specs, shown_tables


def test_a_pilot_area_against_its_controls_and_the_nation(open_page):
    at = open_page("area", area="CPS-NE")
    assert [h.value for h in at.subheader][0] == "North East"
    assert any("North East is a pilot area in this comparison" in m.value for m in at.markdown)
    assert [m.label for m in at.metric] == [
        "Change against the baseline year",
        "Estimated pilot effect",
        "Latest 12 months",
    ]
    assert at.metric[1].value.endswith("%")
    assert chart_titles(at) == [
        "Police referrals to the CPS: North East against its control group and England and Wales"
    ]
    names = [t["name"] for t in plotly_specs(at)[0]["data"]]
    assert names == ["North East", "Control group", "England and Wales"]
    dashes = [t["line"]["dash"] for t in plotly_specs(at)[0]["data"]]
    assert len(set(dashes)) == 3  # told apart without colour
    assert any(c.value.startswith("Index (2019 average = 100): North East from") for c in at.caption)
    table = next(
        d for d in shown_tables(open_data_table(at, "area_CPS-NE")) if "England and Wales" in d.columns
    )
    assert {"North East", "Control group"} <= set(table.columns)


def test_most_similar_areas_link_to_their_own_page_and_say_why(open_page):
    at = open_page("area", area="CPS-NE", grain="cps_area")
    links = at.get("page_link")
    assert len(links) == 5
    assert all("grain=cps_area" in link.proto.query_string for link in links)
    codes = [link.proto.query_string.rsplit("&area=", 1)[1] for link in links]
    assert len(set(codes)) == 5 and "CPS-NE" not in codes and all(c.startswith("CPS-") for c in codes)
    whys = [c.value for c in at.caption if "volume (" in c.value]
    assert len(whys) == 5 and all("trend" in w and "charge rate" in w for w in whys)
    assert "North East" not in [link.proto.label.split(". ", 1)[1] for link in links]


def test_a_control_area_and_the_address_keeps_the_area(open_page):
    at = open_page("area", area="E23000005", grain="force")
    assert param(at, "area") == "E23000005"
    assert any("is a control area until its own start" in m.value for m in at.markdown)
    assert at.metric[1].value == "n/a"


def test_no_or_unknown_area_asks_for_one(open_page):
    for query in ({}, {"area": "NOT-AN-AREA"}, {"area": "E23000005", "grain": "cps_area"}):
        at = open_page("area", **query)
        assert any(i.value.startswith("Choose an area above") for i in at.info)
        assert not plotly_specs(at)
