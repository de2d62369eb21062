from soteria.config import SAMPLES_DIR


def upload(at, name: str, data: bytes, mime: str = "text/csv"):
    at.file_uploader[0].set_value((name, data, mime))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_bad_file_names_rows_and_rules_and_stores_nothing(open_page):
    at = open_page("upload")
    data = b"area_code,month,metric,value\nE23000014,2024-13,referrals,4\nNOPE,2024-07,referrals,-1\n"
    upload(at, "bad.csv", data)
    assert "Nothing was stored: bad.csv" in at.error[0].value
    problems = at.dataframe[0].value
    assert set(problems["row"]) == {2, 3}
    assert {"month", "area_code", "value"} <= set(problems["column"])
    assert not [b for b in at.button if b.label == "Commit this extract"]


def test_valid_sample_previews_then_commits(open_page):
    at = open_page("upload")
    upload(at, "cases_sample.csv", (SAMPLES_DIR / "cases_sample.csv").read_bytes())
    preview = at.dataframe[0].value
    assert preview["item"].to_list() == ["cases"]
    commit = next(b for b in at.button if b.label == "Commit this extract")
    commit.click()
    at.run()
    assert "Committed as extract" in at.success[0].value
    # The same file again is recognised and not loaded twice.
    at = open_page("upload")
    upload(at, "cases_sample.csv", (SAMPLES_DIR / "cases_sample.csv").read_bytes())
    assert "loaded before" in at.info[0].value
