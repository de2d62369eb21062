"""Area explorer: the tile map coloured by the chosen measure; choosing an area opens it."""

from tests.pages.conftest import chart_titles, param, plotly_specs


def tiles(at) -> list[list]:
    spec = plotly_specs(at)[0]
    return next(t["customdata"] for t in spec["data"] if t.get("customdata"))


def test_tile_map_of_cps_areas_coloured_by_change(open_page):
    at = open_page("areas")
    assert chart_titles(at) == ["Change against the baseline year, by CPS Area"]
    assert len(tiles(at)) == 14
    assert all(t[2].endswith("%") or t[2] == "[c]" for t in tiles(at))
    assert any(c.value.startswith("Tile map of 14 areas (CPS Area)") for c in at.caption)
    assert param(at, "view") == "change"
    shapes = plotly_specs(at)[0]["layout"]["shapes"]
    assert len(shapes) == 28  # a filled square and a wave outline per tile


def test_choosing_a_measure_recolours_and_goes_in_the_address(open_page):
    at = open_page("areas", grain="force", view="effect")
    assert len(tiles(at)) == 44  # 43 forces and British Transport Police
    assert chart_titles(at) == ["Estimated pilot effect, by Police force area"]
    shown = [t[2] for t in tiles(at)]
    assert shown.count("not in the pilot group") >= 30 and any(s.endswith("%") for s in shown)
    at.radio(key="view").set_value("latest").run()
    assert param(at, "view") == "latest"
    assert chart_titles(at) == ["Latest 12 months, by Police force area"]
    assert param(at, "grain") == "force"


def test_choosing_an_area_from_the_list_opens_it(open_page):
    at = open_page("areas")
    chooser = next(s for s in at.selectbox if s.label == "Open an area")
    chooser.set_value("CPS-WM").run()
    assert not at.exception
    assert param(at, "area") == "CPS-WM"
    assert [h.value for h in at.subheader][0] == "West Midlands"
