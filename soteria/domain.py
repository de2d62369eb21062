"""The domain's vocabulary: metrics, grains, closure reasons and key dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    definition: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "referrals",
            "Police referrals to the CPS",
            "Suspects referred by the police to the CPS for early advice or a charging decision.",
        ),
        Metric(
            "early_advice_requests",
            "Early advice requests",
            "Police requests to the CPS for early investigative advice.",
        ),
        Metric(
            "charging_decisions",
            "Charging decisions",
            "Suspects where the CPS made a legal decision (charge, no prosecution, "
            "or out of court disposal).",
        ),
        Metric("charges", "Charges", "Suspects the CPS authorised to be charged."),
        Metric("nfa_decisions", "No further action decisions", "Legal decisions not to prosecute."),
        Metric(
            "victim_withdrawals", "Victim withdrawals", "Cases closed because the victim withdrew support."
        ),
    )
}

GRAINS = {"force": "Police force area", "cps_area": "CPS Area"}

# A case closed before any file reached the CPS competes with filing; later closures do not.
CLOSURE_REASONS = {
    "police_nfa": "Police no further action",
    "victim_withdrawal": "Victim withdrew support",
    "charged": "Charged",
    "cps_no_charge": "CPS decided not to charge",
    "other": "Other closure",
}

# After the national rollout no untreated control remains.
NATIONAL_ROLLOUT = date(2023, 7, 10)
EARLIEST_DATA = date(2015, 1, 1)
DEMO_LABEL = "Synthetic demonstration data - not official statistics"

# Research practice: no median, mean, rate or share from fewer than 10 cases (or legal decisions).
MIN_CASES = 10
