"""The statistical engine of the pilot evaluation: pure functions on polars frames / numpy arrays.

No Streamlit and no database here. Results are frozen dataclasses with plain fields and ``to_dict()``
(JSON-safe: non-finite numbers become null) or polars frames.

Panel conventions (``did``, ``inference``, ``evaluate``, ``synth``): a long frame with one row per unit
and period -- ``unit``, ``time`` (ordered integer period index; the dashboard uses months since 2019-01),
outcome column(s) and ``first_treat`` (first treated period on the same index; 0 or null = never treated
within the window; a start after the last period also counts as never treated). Panels must be balanced.
The window should end before the national rollout (10 July 2023): after it no untreated control remains.

Headline inference for few treated areas is randomisation inference (``inference``); influence-function
and bootstrap intervals are reported alongside for comparison, not as the headline.
"""

from soteria.engine.aggregate import ATTGT, Aggregate, aggregate
from soteria.engine.did import att_gt
from soteria.engine.evaluate import OutcomeEvaluation, evaluate, evaluation_table
from soteria.engine.inference import (
    cluster_bootstrap,
    randomization_inference,
    relative_effect,
    to_relative,
)
from soteria.engine.pretrend import pretrend_test
from soteria.engine.results import Estimate, TestResult
from soteria.engine.survival import (
    cumulative_incidence,
    kaplan_meier,
    km_median,
    logrank_test,
    numbers_at_risk,
    restricted_mean,
)
from soteria.engine.synth import Predictor, SynthResult, simplex_weights, synthetic_control
from soteria.engine.synth_panel import synth_summary, synthetic_control_panel
from soteria.engine.twfe import twfe

__all__ = [
    "ATTGT",
    "Aggregate",
    "Estimate",
    "OutcomeEvaluation",
    "Predictor",
    "SynthResult",
    "TestResult",
    "aggregate",
    "att_gt",
    "cluster_bootstrap",
    "cumulative_incidence",
    "evaluate",
    "evaluation_table",
    "kaplan_meier",
    "km_median",
    "logrank_test",
    "numbers_at_risk",
    "pretrend_test",
    "randomization_inference",
    "relative_effect",
    "restricted_mean",
    "simplex_weights",
    "synth_summary",
    "synthetic_control",
    "synthetic_control_panel",
    "to_relative",
    "twfe",
]
