from tests.pages.conftest import chart_titles, param, plotly_specs

CARD_LABELS = (
    "Police referrals: pilot effect",
    "Report to file: filed within a year",
    "Charge rate: pilot effect",
)


def headline_cards(at) -> list:  # noqa: ANN001
    """The Overview's three headline cards (Markdown blocks that start with their label)."""
    return [md for md in at.markdown if md.value.startswith(CARD_LABELS)]


def test_overview_shows_three_headline_figures_and_coverage(open_page):
    at = open_page("overview")
    assert "Synthetic demonstration data" in at.warning[0].value
    cards = headline_cards(at)
    assert [c.value.split("  \n")[0] for c in cards] == list(CARD_LABELS)
    # effects estimated against the control areas, each with its interval, a confidence word and the
    # method one hover or focus away
    words = ("Clear evidence", "Some evidence", "No clear difference", "Assumptions fail")
    for card in cards:
        figure, sentence = card.value.split("  \n")[1].split("\n\n")
        assert "n/a" not in figure and ("95% interval" in figure or figure == "**Not a finding**")
        assert sentence.startswith(tuple(f"**{w}" for w in words))
        assert "randomisation p =" in sentence or "Assumptions fail" in sentence
    helps = [m.value for m in at.markdown if "randomisation inference" in m.value]
    assert len(helps) >= 3  # each card's method, in a popover named for the card
    assert not at.metric
    assert any("case timelines" in md.value for md in at.markdown)
    assert chart_titles(at) == [
        "Police referrals to the CPS: pilot against control areas",
        "The pilot's effect on each outcome, with its 95% interval",
    ]
    assert len(plotly_specs(at)) == 2
    effects = plotly_specs(at)[1]
    estimates = [t for t in effects["data"] if "error_x" in t]  # each estimate with its interval
    assert [t["y"][0] for t in estimates] == ["Police referrals", "Filed within a year", "Charge rate"]
    assert any(s.get("x0") == 0 for s in effects["layout"]["shapes"])  # and the zero line


def test_overview_answers_first_in_three_sentences_with_intervals_and_caveats(open_page):
    at = open_page("overview")
    block = next(md.value for md in at.markdown if md.value.startswith("### The answer so far"))
    answers, caveats = block.split("\n\n")[1:]
    answers = [a.removeprefix("- ") for a in answers.splitlines()]
    assert len(answers) == 3
    badges = [a[1:].split("]")[0].split("-badge[") for a in answers]
    cards = [c.value.split("\n\n")[1] for c in headline_cards(at)]
    assert [word for _, word in badges] == [c[2:].split("**")[0] for c in cards]  # the cards' own words
    # colour only where the evidence is clear; the demo's referral effect is clear and positive
    assert all((colour != "gray") == (word == "Clear evidence") for colour, word in badges)
    assert answers[0].startswith(":green-badge[Clear evidence] Police referrals to the CPS: ")
    assert all("(95% interval " in a for a in answers)
    assert caveats.startswith("**Caveats.** Compared from 1 January 2019 to 10 July 2023")
    assert "the controls include CPS South East and CPS Wessex" in caveats


def test_excluding_the_areas_with_their_own_work_changes_the_caveat(open_page):
    at = open_page("overview", excluded_controls="CPS-SE|CPS-WX")
    caveats = next(md.value for md in at.markdown if "**Caveats.**" in md.value).split("**Caveats.**")[1]
    assert "CPS South East and CPS Wessex excluded from the control group" in caveats
    assert "improvement work" not in caveats


def test_overview_follows_the_url(open_page):
    at = open_page("overview", grain="force")
    assert at.query_params["grain"] == "force"
    # The filters are folded on the Overview: said in words, drawn once opened.
    now = next(c.value for c in at.sidebar.caption if c.value.startswith("Now comparing: "))
    assert now.startswith("Now comparing: Police force areas")
    assert not at.radio
    at.session_state["filters_open"] = True
    at.run()
    assert at.radio[0].value == "force"
    at.radio[0].set_value("cps_area").run()
    assert param(at, "grain") == "cps_area"
    assert "CPS Areas" in summaries_of(at)


def summaries_of(at) -> str:
    return " ".join(c.value for c in at.caption)
