"""Simulated data with known effects, for calibration tests and benchmarks (fixed seeds throughout)."""

from __future__ import annotations

import numpy as np
import polars as pl


def simulate_staggered_panel(
    n_units: int = 14,
    n_periods: int = 54,
    starts: dict[int, int] | None = None,
    effect: float | dict[int, float] = 0.0,
    seed: int = 0,
    kind: str = "gaussian",
    base: float = 30.0,
    unit_sd: float = 5.0,
    noise_sd: float = 2.0,
    rho: float = 0.3,
    trend_sd: float = 0.0,
    dispersion: float = 0.0,
) -> pl.DataFrame:
    """Long panel (unit, time, outcome, first_treat) with starts assigned to units at random.

    ``starts`` maps a start period to how many units start then (default: 5 units at period 30); the
    rest are never treated (first_treat 0). gaussian: base + unit effect + common period shock + AR(1)
    noise + ``effect`` (additive) in treated cells. poisson: counts with mean base * exp(unit + period
    effects) * (1 + ``effect``) in treated cells (a proportional effect).

    ``effect`` may map a start period to that wave's effect (waves not named have none). ``trend_sd``
    gives each unit its own linear trend (sd per period; in per cent of the mean a period for counts),
    which parallel trends do not allow for; ``dispersion`` > 0 makes counts negative binomial with
    variance mu + dispersion * mu^2 (police force counts vary more than Poisson).
    """
    rng = np.random.default_rng(seed)
    starts = {30: 5} if starts is None else starts
    g = np.zeros(n_units)
    order = rng.permutation(n_units)
    pos = 0
    for start, count in starts.items():
        g[order[pos : pos + count]] = start
        pos += count
    t = np.arange(n_periods)
    treated = (g[:, None] > 0) & (t[None, :] >= g[:, None])
    waves = effect if isinstance(effect, dict) else {int(v): effect for v in np.unique(g[g > 0])}
    lift = np.zeros((n_units, n_periods))
    for start, size in waves.items():
        lift[(g == start)[:, None] & treated] = size
    trend = rng.normal(0, trend_sd, n_units)[:, None] * (t - t.mean())[None, :] if trend_sd else 0.0
    common = np.cumsum(rng.normal(0, 1.0, n_periods)) + 2 * np.sin(2 * np.pi * t / 12)
    if kind == "gaussian":
        eps = np.zeros((n_units, n_periods))
        shocks = rng.normal(0, noise_sd, (n_units, n_periods))
        eps[:, 0] = shocks[:, 0]
        for j in range(1, n_periods):
            eps[:, j] = rho * eps[:, j - 1] + shocks[:, j]
        y = base + rng.normal(0, unit_sd, n_units)[:, None] + common[None, :] + eps + trend + lift
    elif kind == "poisson":
        mu = base * np.exp(rng.normal(0, 0.4, n_units)[:, None] + 0.05 * common[None, :] + trend / 100)
        mu = mu * (1 + lift)
        if dispersion > 0:  # gamma-Poisson mixture: negative binomial counts
            mu = mu * rng.gamma(1 / dispersion, dispersion, mu.shape)
        y = rng.poisson(mu).astype(float)
    else:
        raise ValueError("kind must be 'gaussian' or 'poisson'")
    return pl.DataFrame(
        {
            "unit": np.repeat([f"U{i:02d}" for i in range(n_units)], n_periods),
            "time": np.tile(t, n_units),
            "outcome": y.ravel(),
            "first_treat": np.repeat(g.astype(np.int64), n_periods),
        }
    )


def simulate_cases(
    n: int = 150_000,
    seed: int = 0,
    speedup: float = 1.0,
    file_scale: float = 200.0,
    close_scale: float = 400.0,
    follow_up: float = 900.0,
    pilot_share: float = 0.4,
) -> pl.DataFrame:
    """Case-level report-to-file frame (arm, period, days, event) with exponential filing and closure.

    Filing is ``speedup`` times faster for pilot cases after the start (1 = no effect); everything also
    speeds up 20% after the start everywhere (a national trend the DiD must remove). Days are whole days
    (ties, as from real dates); open cases are censored at a random extract date.
    """
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < pilot_share, "pilot", "control")
    period = np.where(rng.random(n) < 0.5, "before", "after")
    rate = np.where(period == "after", 1.2, 1.0) * np.where(
        (arm == "pilot") & (period == "after"), speedup, 1.0
    )
    t_file = rng.exponential(file_scale, n) / rate
    t_close = rng.exponential(close_scale, n)
    cens = rng.uniform(30, follow_up, n)
    days = np.minimum(np.minimum(t_file, t_close), cens)
    event = np.where(days == t_file, 1, np.where(days == t_close, 2, 0))
    return pl.DataFrame(
        {"arm": arm, "period": period, "days": np.ceil(days), "event": event.astype(np.int64)}
    )
