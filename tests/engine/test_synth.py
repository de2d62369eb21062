"""Synthetic control against published results.

- Basque Country (Abadie & Gardeazabal 2003; R ``Synth`` example, data copied from
  /work/shared/reference-data/basque.csv): weights Cataluna 0.851, Madrid 0.149, others 0.
- California Proposition 99 (Abadie, Diamond & Hainmueller 2010; /work/shared/reference-data/
  california_prop99.csv): sales about 26 packs per head lower than synthetic California by 2000.
"""

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from soteria.engine import (
    Predictor,
    simplex_weights,
    synth_summary,
    synthetic_control,
    synthetic_control_panel,
)
from soteria.engine.simulate import simulate_staggered_panel

BASQUE = "Basque Country (Pais Vasco)"
SECTORS = ["agriculture", "energy", "industry", "construction", "services.venta", "services.nonventa"]
SCHOOL = ["school.illit", "school.prim", "school.med", "school.high", "school.post.high", "invest"]


def basque_predictors() -> list[Predictor]:
    preds = [Predictor(v, tuple(range(1964, 1970))) for v in SCHOOL]
    preds.append(Predictor("gdpcap", tuple(range(1960, 1970))))
    preds += [Predictor(f"sec.{s}", tuple(range(1961, 1970, 2))) for s in SECTORS]
    preds.append(Predictor("popdens", (1969,)))
    return preds


def test_basque_weights_match_abadie_gardeazabal(basque):
    r = synthetic_control(
        basque, "regionname", "year", "gdpcap", treated=BASQUE, treatment_time=1970,
        predictors=basque_predictors(), optimize_times=list(range(1960, 1970)), placebos=False,
    )  # fmt: skip
    w = dict(zip(r.weights["unit"], r.weights["weight"], strict=True))
    assert len(w) == 17 and "Spain (Espana)" in w
    assert w["Cataluna"] == pytest.approx(0.851, abs=0.01)
    assert w["Madrid (Comunidad De)"] == pytest.approx(0.149, abs=0.01)
    others = [v for k, v in w.items() if k not in ("Cataluna", "Madrid (Comunidad De)")]
    assert max(others) < 0.01
    assert r.predictor_balance["v_weight"].sum() == pytest.approx(1.0)
    assert r.estimate < 0  # terrorism lowered Basque GDP per head
    json.dumps(r.to_dict(), allow_nan=False)


def test_california_outcome_only_gap_by_2000(prop99):
    r = synthetic_control(prop99, "state", "Year", "packs", treated="California", treatment_time=1989)
    gap_2000 = r.series.filter(pl.col("time") == 2000)["gap"].item()
    assert gap_2000 == pytest.approx(-26, abs=2)
    assert r.weights["weight"].sum() == pytest.approx(1.0)
    assert (r.weights["weight"] >= 0).all()
    assert r.pre_rmspe < 2.5
    assert len(r.placebos) == 38
    assert r.p_value == pytest.approx((1 + (r.placebos["rmspe_ratio"] >= r.rmspe_ratio).sum()) / 39)
    assert r.p_value < 0.1


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), p=st.integers(2, 30), j=st.integers(2, 20))
def test_simplex_weights_are_optimal(seed, p, j):
    rng = np.random.default_rng(seed)
    x0, x1 = rng.normal(size=(p, j)), rng.normal(size=p) * 2
    v = rng.uniform(0.1, 1, size=p)
    w = simplex_weights(x0, x1, v)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)

    def loss(u):
        return float(v @ (x1 - x0 @ u) ** 2)

    ref = minimize(loss, np.full(j, 1 / j), method="SLSQP", bounds=[(0, 1)] * j,
                   constraints={"type": "eq", "fun": lambda u: u.sum() - 1},
                   options={"ftol": 1e-12, "maxiter": 500})  # fmt: skip
    assert loss(w) <= ref.fun + 1e-6 * (1 + ref.fun)


def test_staggered_panel_runs_every_treated_unit_with_never_treated_donors():
    panel = simulate_staggered_panel(n_units=14, n_periods=54, starts={30: 3, 40: 2}, effect=5.0, seed=2)
    results = synthetic_control_panel(panel)
    assert len(results) == 5
    for r in results:
        assert r.diagnostics["n_donors"] == 9
        assert len(r.placebos) == 9
        assert r.p_value >= 1 / 10
        assert r.estimate == pytest.approx(r.series.filter(pl.col("post"))["gap"].mean())
    summary = synth_summary(results)
    assert summary["treatment_time"].sort().to_list() == [30, 30, 30, 40, 40]
    assert summary["estimate"].mean() > 2  # true effect 5


def test_missing_outcome_is_an_error(prop99):
    gappy = prop99.filter(~((pl.col("state") == "Utah") & (pl.col("Year") == 1980)))
    with pytest.raises(ValueError, match="missing"):
        synthetic_control(gappy, "state", "Year", "packs", treated="California", treatment_time=1989)
