"""Statistical disclosure control: the one package every published table and export goes through (pure).

Every published count is summed from base cells perturbed by a cell key method (`perturb`,
`base_cells`), so no two tables or selections can be subtracted to recover a small count; counts of 1 to
4 are withheld, zeros published; means, rates and medians from fewer than 10 cases are withheld.
Callers use this package's face: `from soteria import disclosure as dc`."""

from soteria.disclosure import base_cells, perturb
from soteria.disclosure.arms import IN_ARM, arm_grids, arm_presence, baseline_flag
from soteria.disclosure.generic import estimates, generic
from soteria.disclosure.grids import suppress_counts
from soteria.disclosure.note import (
    CONFIDENTIAL,
    COUNT_COLUMNS,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    PERTURBATION,
    SYMBOLS,
    THRESHOLD,
    THRESHOLD_ENV,
    DisclosureNote,
    threshold_from_env,
)
from soteria.disclosure.published import Published, as_text, publish, symbol_if
from soteria.disclosure.survival import KM_RULE, KM_STEP_DAYS, km_curves, km_summary, numbers_at_risk
from soteria.disclosure.tables import charge_rate, per_area, pilot_vs_control

__all__ = [
    "CONFIDENTIAL",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "PERTURBATION",
    "COUNT_COLUMNS",
    "DisclosureNote",
    "IN_ARM",
    "KM_RULE",
    "KM_STEP_DAYS",
    "Published",
    "SYMBOLS",
    "THRESHOLD",
    "THRESHOLD_ENV",
    "arm_grids",
    "base_cells",
    "perturb",
    "arm_presence",
    "as_text",
    "baseline_flag",
    "charge_rate",
    "estimates",
    "generic",
    "km_curves",
    "km_summary",
    "numbers_at_risk",
    "per_area",
    "pilot_vs_control",
    "publish",
    "suppress_counts",
    "symbol_if",
    "threshold_from_env",
]
