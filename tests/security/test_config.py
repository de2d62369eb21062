"""Streamlit's own protections stay on: XSRF, an upload size limit, no error details for users, and
a local-only address by default (the app also refuses any other address while sign-in is not set up)."""

from __future__ import annotations

import tomllib

from soteria.config import PROJECT_ROOT


def test_streamlit_config_is_safe() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 200
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["showErrorDetails"] == "none"


def test_no_secrets_file_is_kept_in_the_project() -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text()
    assert ".streamlit/secrets.toml" in ignored or "secrets.toml" in ignored


def test_run_script_binds_to_this_machine_only() -> None:
    assert "--server.address 127.0.0.1" in (PROJECT_ROOT / "scripts" / "run.sh").read_text()
