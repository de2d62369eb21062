"""Who may do what in the app (AppTest on the real app): sign-in, roles, local single-user mode.

Sign-in is configured the way a deployment does it, with an [auth] secrets section; AppTest's `user`
plays the identity that Streamlit takes from the OpenID Connect token. Roles come from [soteria] secrets
here, so the shared demo database is not changed.
"""

from __future__ import annotations

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import PAGE_TIMEOUT, ROOT

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-secret",
    "client_id": "soteria",
    "client_secret": "test-only",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}
ROLES = {"roles": {"vi@example.org": "viewer", "ev@example.org": "evaluator"}}
CHANGE_PAGES = ("upload", "extracts", "pilot_register", "value_map", "source_profiles")
CHANGE_TITLES = {"Upload an extract", "Extracts", "Pilot register"}


@pytest.fixture
def app(app_db, monkeypatch):
    monkeypatch.setenv("SOTERIA_DB", str(app_db))

    def make(email: str | None, script: str = "app.py", page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=PAGE_TIMEOUT)
        at.secrets["auth"] = AUTH
        at.secrets["soteria"] = ROLES
        at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email}
        if page:
            at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("title", "markdown", "error", "caption", "warning", "info") for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def nav_titles(at: AppTest) -> set[str]:
    nav = at.get("navigation")  # not an element AppTest knows: read the forward message instead
    return {p.page_name for n in nav for p in n.proto.app_pages} if nav else set()


def test_signed_out_user_sees_the_sign_in_page_and_nothing_else(app) -> None:
    for page in (None, "overview", "upload", "evaluation"):
        at = app(None, page=page)
        assert [t.value for t in at.title] == ["Operation Soteria evaluation"]
        assert [b.label for b in at.button] == ["Sign in"]
        assert not at.dataframe and not at.get("plotly_chart") and not at.metric
        assert "Is Operation Soteria working" not in texts(at)
    # Run directly (a deep link before the navigation exists), a page stops at the sign-in page too.
    for script in ("pages/upload.py", "pages/overview.py"):
        at = app(None, script=script)
        assert [b.label for b in at.button] == ["Sign in"], script
        assert not at.dataframe and not at.get("file_uploader")


def test_viewer_browses_but_cannot_reach_any_change_page_by_any_route(app) -> None:
    at = app("vi@example.org")
    assert at.title[0].value == "Is Operation Soteria working?"
    assert "Signed in as **vi@example\\.org** (viewer)" in [c.value for c in at.sidebar.caption]
    for page in CHANGE_PAGES:
        # Direct URL / page switch: not in the viewer's navigation, so the default page runs instead.
        at = app("vi@example.org", page=page)
        assert at.title[0].value not in CHANGE_TITLES, page
        # The page script itself (legacy deep link, or a forged rerun for its widgets): refused on the server.
        at = app("vi@example.org", script=f"pages/{page}.py")
        assert any("does not allow you to load, undo or change data" in e.value for e in at.error), page
        assert not at.get("file_uploader") and not at.checkbox, page
        assert [b.key for b in at.button] == ["sign-out"], page
        assert not at.get("arrow_data_frame") and not at.dataframe, page


def test_viewer_widget_events_for_change_widgets_do_nothing(app, app_db) -> None:
    from soteria.store import open_store

    before = open_store(app_db).content_checksum()
    at = app("vi@example.org", script="pages/pilot_register.py")
    # A forged widget event: the widget keys of the register page and the Extracts page's undo button.
    at.session_state["register-editor"] = {"edited_rows": {"0": {"wave": "forged"}}}
    at.run()
    at = app("vi@example.org", script="pages/extracts.py")
    at.run()
    assert [b.key for b in at.button] == ["sign-out"]
    assert open_store(app_db).content_checksum() == before


def test_evaluator_reaches_the_change_pages_and_is_the_recorded_identity(app) -> None:
    for page, title in zip(
        CHANGE_PAGES,
        ("Upload an extract", "Extracts", "Pilot register", "Value mappings", "Source profiles"),
        strict=True,
    ):
        at = app("ev@example.org", page=page)
        assert at.title[0].value == title
        assert not at.error, [e.value for e in at.error]
    at = app("ev@example.org", script="pages/pilot_register.py")
    assert at.button  # Save changes is there for an evaluator


def test_signed_in_identity_without_a_role_sees_nothing(app) -> None:
    at = app("stranger@example.org")
    assert any("no role has been given to this account" in e.value for e in at.error)
    assert not at.dataframe and not at.metric and [b.label for b in at.button] == ["Sign out"]


def test_sign_out_button_signs_out(app) -> None:
    at = app("vi@example.org")
    at.button(key="sign-out").click().run()
    assert at.user == {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]


def test_local_mode_says_so_on_every_page(open_page) -> None:
    for page in (
        "overview",
        "referrals",
        "report_to_file",
        "evaluation",
        "upload",
        "extracts",
        "pilot_register",
    ):
        at = open_page(page)
        assert any("Local single-user mode" in c.value for c in at.sidebar.caption), page


def test_local_mode_refuses_to_run_on_any_other_address(app_db, monkeypatch) -> None:
    monkeypatch.setenv("SOTERIA_DB", str(app_db))
    for address in ("0.0.0.0", "", "192.168.1.10"):
        config.set_option("server.address", address)
        try:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT).run()
        finally:
            config.set_option("server.address", "127.0.0.1")
        assert not at.exception
        assert any("Refusing to run" in e.value for e in at.error), address
        assert not at.title and not at.dataframe and not at.metric


def test_local_mode_extract_log_records_the_local_identity(open_page, monkeypatch) -> None:
    monkeypatch.setenv("SOTERIA_USER", "analyst-7")
    at = open_page("overview")
    assert any("Acting as analyst\\-7 (admin)" in c.value for c in at.sidebar.caption)


def test_the_extract_log_records_the_signed_in_email(tmp_path, monkeypatch) -> None:
    from soteria.config import SAMPLES_DIR
    from soteria.reference import read_areas, read_force_cps_area, read_pilot_register
    from soteria.store import Store, open_store

    db = tmp_path / "own.duckdb"
    store = Store(db)
    store.replace_reference(read_areas(), read_force_cps_area())
    store.replace_pilot_register(read_pilot_register(), changed_by="test")
    store.close()
    monkeypatch.setenv("SOTERIA_DB", str(db))
    monkeypatch.setenv("SOTERIA_USER", "os-user-must-not-appear")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
    at.secrets["auth"] = AUTH
    at.secrets["soteria"] = ROLES
    at.user = {"is_logged_in": True, "email": "ev@example.org"}
    at.switch_page("pages/upload.py")
    at.run()
    at.file_uploader[0].set_value(
        ("metrics_sample.csv", (SAMPLES_DIR / "metrics_sample.csv").read_bytes(), "text/csv")
    )
    at.run()
    next(b for b in at.button if b.label == "Commit this extract").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert open_store(db).extracts()["loaded_by"].to_list() == ["ev@example.org"]


def test_roles_are_looked_up_once_per_run_and_afresh_on_every_run(app, monkeypatch) -> None:
    from soteria.store import Store

    lookups = []
    user_roles = Store.user_roles
    monkeypatch.setattr(Store, "user_roles", lambda self: lookups.append(1) or user_roles(self))
    at = app("ev@example.org", page="upload")
    assert at.title[0].value == "Upload an extract"
    assert len(lookups) == 1  # app.py's gate; the page's own checks reuse it within the run
    # A role taken away applies on the very next run, whichever script runs (AppTest reruns the page
    # script itself, without app.py: the page then gates on its own).
    at.secrets["soteria"] = {"roles": {"ev@example.org": "viewer"}}
    at.run()
    assert any("does not allow you to load, undo or change data" in e.value for e in at.error)
    assert not at.get("file_uploader")


def test_only_an_admin_reaches_the_release_page(app) -> None:
    for email in ("vi@example.org", "ev@example.org"):
        at = app(email, script="pages/release.py")
        assert any("does not allow you to set the next update date" in e.value for e in at.error), email
        assert not at.text_area and not at.date_input
        assert "Release and notices" not in nav_titles(app(email))
