import polars as pl

from soteria import reference
from tests.pages.conftest import plotly_specs


def save_register_csv(at, data: bytes):
    at.file_uploader[0].set_value(("register.csv", data, "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Save changes").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_register_page_shows_every_area(open_page):
    at = open_page("pilot_register")
    assert [b.label for b in at.button] == ["Save changes"]
    assert any("Pilot register" in t.value for t in at.title)


def test_uploaded_register_is_validated_stored_and_followed_by_other_pages(open_page):
    shipped = reference.read_pilot_register()
    # Move London South into the October 2022 wave: the referrals page must follow.
    moved = shipped.with_columns(
        pl.when(pl.col("area_code") == "CPS-LS").then(pl.lit("October 2022")).otherwise("wave").alias("wave")
    )
    try:
        at = save_register_csv(open_page("pilot_register"), moved.write_csv().encode())
        assert "Saved: 1 area(s) changed" in at.success[0].value
        referrals = open_page("referrals")
        referrals.toggle(key="each_area").set_value(True).run()
        panels = [a["text"] for a in plotly_specs(referrals)[1]["layout"]["annotations"]]
        assert "London South (control)" in " ".join(panels)
    finally:
        at = save_register_csv(open_page("pilot_register"), shipped.write_csv().encode())
        assert "Saved: 1 area(s) changed" in at.success[0].value


def test_invalid_register_is_refused_with_row_and_column(open_page):
    bad = reference.read_pilot_register().with_columns(pl.col("pilot_start").cast(pl.String))
    bad = bad.with_columns(
        pl.when(pl.col("area_code") == "BTP")
        .then(pl.lit("soon"))
        .otherwise("pilot_start")
        .alias("pilot_start")
    )
    at = save_register_csv(open_page("pilot_register"), bad.write_csv().encode())
    assert "Nothing was saved" in at.error[0].value
    assert "column pilot_start: pilot_start must be a date" in at.markdown[-1].value or any(
        "column pilot_start" in m.value for m in at.markdown
    )
