"""The Report pack page: choose charts, findings and formats, build in one step, download."""

from soteria.outputs import pack as report
from soteria.outputs import registry as report_charts
from tests.browser_support import browser_test


def pickers(at):
    return [at.multiselect(key=f"report-{k}") for k in ("charts", "headlines", "formats")]


def test_report_page_offers_the_default_pack(open_page):
    at = open_page("report")
    assert "Synthetic demonstration data" in at.warning[0].value
    charts, headlines, formats = pickers(at)
    assert charts.value == list(report_charts.DEFAULT_PACK)
    assert len(charts.value) >= 8
    assert headlines.value == list(report.HEADLINES)
    assert formats.value == ["pdf", "pptx", "html"]
    assert at.button[-1].label == "Build the report pack"
    assert not at.get("download_button")  # nothing built yet


def test_report_page_builds_an_html_pack_in_one_step(open_page):
    at = open_page("report")
    charts, headlines, formats = pickers(at)
    charts.set_value(["referrals_pilot_vs_control", "report_to_file_share_filed"])
    headlines.set_value(["report_to_file"])
    formats.set_value(["html"])
    at.run()
    at.button[-1].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "ready" in at.success[0].value
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download HTML (works offline)", "Download everything (ZIP, with each chart's data)"]
    # changing a choice asks for a rebuild rather than offering a stale pack
    formats.set_value(["pdf"]).run()
    assert not at.get("download_button")
    assert "build it again" in at.info[0].value


@browser_test
def test_report_page_builds_pdf_and_powerpoint_with_chromium(open_page):
    at = open_page("report")
    charts, _, formats = pickers(at)
    charts.set_value(["charge_rate_pilot_vs_control"])
    formats.set_value(["pdf", "pptx"])
    at.run()
    at.button[-1].click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == ["Download PDF", "Download PowerPoint"]
