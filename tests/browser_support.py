"""Reusable policy for tests that need a real Chromium (chart export, browser tests).

Locally, a missing Chromium skips these tests with a clear reason. In CI (`CI=true`) they must run:
the skip is disabled and `require_chromium()` fails loudly instead.

Usage:
    from tests.browser_support import browser_test, require_chromium

    @browser_test
    def test_png_export(): ...

    pytestmark = BROWSER_MARKS  # or mark a whole module
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., object])

INSTALL_HINT = "install it with `apt-get install chromium` (or run scripts/setup.sh)"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def chromium_path() -> str | None:
    """The Chromium that kaleido and the browser tests will use: `chromium` on PATH."""
    return shutil.which("chromium")


def skip_reason() -> str | None:
    """Why browser tests are skipped here, or None when they must run."""
    if chromium_path() is not None or in_ci():
        return None
    return f"needs Chromium: `chromium` is not on PATH; {INSTALL_HINT}. (With CI=true this test fails.)"


needs_chromium = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
BROWSER_MARKS = [pytest.mark.browser, needs_chromium]


def browser_test(fn: F) -> F:
    """Mark a test as needing Chromium: `browser` marker plus the local-only skip."""
    for mark in BROWSER_MARKS:
        fn = mark(fn)
    return fn


def require_chromium() -> str:
    """Path to Chromium; skips locally, or fails in CI, with a clear message when it is missing."""
    path = chromium_path()
    if path is None:
        message = f"Chromium not found: `chromium` is not on PATH; {INSTALL_HINT}."
        if in_ci():
            pytest.fail(f"CI=true requires browser tests to run. {message}")
        pytest.skip(message)
    return path


@pytest.fixture
def chromium() -> str:
    """Fixture form of `require_chromium()`; enable with `pytest_plugins = ["tests.browser_support"]`."""
    return require_chromium()
