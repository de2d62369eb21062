"""Everything a page imports or builds lazily, made ready once per process before any page runs.

Why: plotly looks for pandas with `sys.modules` and imports it on first use, from whichever session
thread draws the first figure. When a newly started server gets many sessions at once (a published
link), a second thread can find pandas in `sys.modules` half imported and fail ("partially initialized
module 'pandas' has no attribute 'Series'"). So the first run of app.py imports and exercises those
paths under a process-wide lock; every other session's first run waits for it, later runs pass at once.
"""

from __future__ import annotations

import gc
import importlib
import threading

_lock = threading.Lock()
_ready = False

# Modules the pages reach lazily or through plotly's optional imports (absent ones are skipped: pandas
# is not a dependency of the dashboard, only of plotly's optional paths and the test references).
MODULES = (
    "pandas",
    "plotly.graph_objects",
    "plotly.io",
    "plotly.subplots",
    "scipy.stats",
    "scipy.optimize",
    "soteria.outputs.registry",
    "soteria.charts.evaluation",
    "soteria.evaluation.run",
    "soteria.outputs.pack",
)


def warm_up() -> None:
    """Import and exercise the lazy paths once per process (thread-safe; cheap after the first call)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        for name in MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                continue
        import plotly.graph_objects as go

        # A figure through its validators and its JSON: the paths that look up pandas and numpy.
        go.Figure(go.Scatter(x=[0, 1], y=[0.0, 1.0])).to_json()
        # Everything imported so far lives as long as the process: out of the collector's sight, so that
        # its full collections look only at what page runs make (see runner.postScriptGC in config.toml).
        gc.collect()
        gc.freeze()
        _ready = True
