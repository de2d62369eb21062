"""What a run gives: per outcome its headline estimate, the engine's results, the checks on its
assumptions and a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from soteria.engine.evaluate import OutcomeEvaluation
from soteria.engine.results import Estimate, jsonable
from soteria.engine.synth import SynthResult
from soteria.evaluation.survival_did import SurvivalSummary


@dataclass(frozen=True)
class Check:
    """One assumption or condition: ok True (holds), False (fails: no finding) or None (cannot be tested)."""

    name: str
    ok: bool | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


VERDICTS = {
    "clear": "clear evidence",
    "some": "some evidence",
    "none": "no clear difference",
    "fails": "not a finding: assumptions fail",
}


@dataclass(frozen=True)
class OutcomeResult:
    """One outcome: the headline (in display units), everything behind it and the checks on it.

    ``headline``: referrals in per cent of what the controls predict; charge rate and share filed in
    percentage points. ``verdict``: 'clear' (95% interval excludes zero and the checks hold), 'some'
    (randomisation p < 0.10, checks hold), 'none', or 'fails' (a check failed: not a finding).
    """

    outcome: str
    label: str
    unit: str
    headline: Estimate
    evaluation: OutcomeEvaluation
    checks: tuple[Check, ...]
    verdict: str
    info: dict[str, Any]
    synth: tuple[SynthResult, ...] = ()
    synth_checks: dict[str, Check] = field(default_factory=dict)
    secondary: dict[str, Estimate] = field(default_factory=dict)
    survival: SurvivalSummary | None = None
    synth_did: Estimate | None = None  # synthetic difference-in-differences, all pilots together

    def in_headline_units(self, additive: float) -> float:
        """An additive effect in the headline's units: for referrals index points -> per cent of what the
        controls predict (a / (treated mean - a), the headline's own mapping); rates stay in points."""
        rel = self.evaluation.relative
        if self.outcome != "referrals" or rel is None or not math.isfinite(additive):
            return additive
        m = float(rel.diagnostics["treated_post_mean"])
        return 100 * additive / (m - additive) if additive < m else math.inf

    def in_cases(self, effect: float) -> float | None:
        """An effect in the headline's units as cases a quarter across the pilot areas after their start
        (`info['per_quarter']`: referrals, charging decisions or cases reported there a quarter).

        Referrals: the effect r is relative to what would have been, so of the referrals seen, the share
        r / (1 + r) is the pilot's (exact under the proportional effect the interval assumes). Rates and
        shares in points: points / 100 of the decisions or of the cases reported."""
        base = self.info.get("per_quarter")
        if base is None or math.isnan(effect):
            return None
        if self.outcome == "referrals":
            r = effect / 100
            return float(base) if math.isinf(r) and r > 0 else base * r / (1 + r) if r > -1 else -math.inf
        return base * effect / 100

    @property
    def assumptions_hold(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        h = self.headline
        ev = self.evaluation
        out = {
            "outcome": self.outcome,
            "label": self.label,
            "unit": self.unit,
            "estimate": h.estimate,
            "lower": h.lower,
            "upper": h.upper,
            "p_value": h.p_value,
            "n_assignments": h.n_assignments,
            "method": h.method,
            "verdict": self.verdict,
            "verdict_words": VERDICTS[self.verdict],
            "assumptions_hold": self.assumptions_hold,
            "checks": [c.to_dict() for c in self.checks],
            "info": self.info,
            "additive": ev.randomization.to_dict(),
            "pretrend_test": ev.pretest_ri.to_dict(),
            "twfe": ev.twfe.to_dict(),
            "bootstrap": ev.bootstrap.to_dict(),
            "event_study": ev.event_band,
            "parallel_trends_sensitivity": None
            if ev.sensitivity is None
            else {
                **ev.sensitivity.to_dict(),
                "unit": self.unit,
                "lower": [self.in_headline_units(v) for v in ev.sensitivity.lower],
                "upper": [self.in_headline_units(v) for v in ev.sensitivity.upper],
                "estimate": self.in_headline_units(ev.sensitivity.estimate),
            },
            "secondary": {k: v.to_dict() for k, v in self.secondary.items()},
            # the effect as cases a quarter across the pilot areas (None without a base)
            "in_cases_a_quarter": {
                "estimate": self.in_cases(h.estimate),
                "lower": self.in_cases(h.lower),
                "upper": self.in_cases(h.upper),
            },
        }
        if self.synth:
            out["synthetic_control"] = [
                {
                    "area_code": r.treated,
                    "estimate": r.diagnostics.get("effect", r.estimate),
                    "unit": self.unit,
                    "gap": r.estimate,
                    "gap_unit": "index points" if self.outcome == "referrals" else self.unit,
                    "pre_rmspe": r.pre_rmspe,
                    "relative_pre_rmspe": r.diagnostics.get("relative_pre_rmspe"),
                    "placebo_p_value": r.p_value,
                    "smallest_possible_p_value": r.diagnostics.get("smallest_p_value"),
                    "n_donors": r.diagnostics.get("n_donors"),
                    "fit_ok": self.synth_checks[r.treated].ok if r.treated in self.synth_checks else None,
                    "weights": r.weights,
                }
                for r in self.synth
            ]
        if self.synth_did is not None:
            out["synthetic_did"] = {**self.synth_did.to_dict(), "unit": self.unit}
        if self.survival is not None:
            s = self.survival
            out["survival"] = {
                "medians": s.medians,
                "incidence": s.incidence,
                "logrank": {k: v.to_dict() for k, v in s.logrank.items()},
                "rmst_did_case_level": s.rmst_did.to_dict(),
            }
        return jsonable(out)


@dataclass(frozen=True)
class EvaluationResult:
    selection: dict[str, str]
    control: str
    design: pl.DataFrame
    outcomes: dict[str, OutcomeResult]
    curves: pl.DataFrame | None
    seconds: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "selection": self.selection,
            "control": self.control,
            "design": jsonable(self.design),
            "outcomes": {k: v.to_dict() for k, v in self.outcomes.items()},
            "seconds": self.seconds,
        }
