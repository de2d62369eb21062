"""The domain's vocabulary: metrics, grains, closure reasons, victims' groups and key dates."""

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

# Who the victim is, as an extract may record it (optional: older extracts have none). "Not known" (the
# force does not know) and "not stated" (the victim chose not to say) are categories of their own, never
# dropped; a case from an extract without the field is "not recorded" (null in the store).
VICTIM_SEX = {"female": "Female", "male": "Male", "not_known": "Not known", "not_stated": "Not stated"}
VICTIM_AGE_BAND = {
    "under_18": "Under 18",
    "18_24": "18 to 24",
    "25_34": "25 to 34",
    "35_44": "35 to 44",
    "45_54": "45 to 54",
    "55_plus": "55 and over",
    "not_known": "Not known",
    "not_stated": "Not stated",
}
# The ONS five ethnic groups (England and Wales 2021 Census, harmonised standard), plus not stated/known.
VICTIM_ETHNICITY = {
    "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African",
    "mixed": "Mixed or Multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
    "not_stated": "Not stated",
    "not_known": "Not known",
}
VICTIM_FIELDS: dict[str, dict[str, str]] = {
    "victim_sex": VICTIM_SEX,
    "victim_age_band": VICTIM_AGE_BAND,
    "victim_ethnicity": VICTIM_ETHNICITY,
}
VICTIM_FIELD_LABELS = {"victim_sex": "Sex", "victim_age_band": "Age", "victim_ethnicity": "Ethnic group"}
NOT_RECORDED = "Not recorded"  # the label of a case whose extract had no such field

# After the national rollout no untreated control remains.
NATIONAL_ROLLOUT = date(2023, 7, 10)
EARLIEST_DATA = date(2015, 1, 1)
DEMO_LABEL = "Synthetic demonstration data - not official statistics"

# Research practice: no median, mean, rate or share from fewer than 10 cases (or legal decisions).
MIN_CASES = 10
