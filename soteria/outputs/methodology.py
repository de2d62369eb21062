"""The methodology and quality statement: sources, definitions, methods and their assumptions, the
revisions policy, the disclosure method and who to contact (pure text, from the same definitions and
notes the pages and exports use, so that one change is said everywhere)."""

from __future__ import annotations

import textwrap

from soteria.disclosure.note import PERTURBATION
from soteria.domain import METRICS
from soteria.outputs.release import Release
from soteria.outputs.summaries import REPORT_TO_FILE_METHOD

SECTIONS = (
    "Sources",
    "Definitions",
    "Methods and their assumptions",
    "Quality and revisions",
    "Disclosure control",
    "Release and contact",
)


def methodology_markdown(release: Release, synthetic: bool, contact: str) -> str:
    """The whole statement as Markdown, one `##` section each, in SECTIONS order."""
    definitions = "\n".join(f"- **{m.label}** (`{name}`): {m.definition}" for name, m in METRICS.items())
    source = (
        "This copy of the dashboard holds **synthetic demonstration data**: every figure is made up."
        if synthetic
        else "Extracts loaded by evaluators, each listed with its file, checksum and loader on the Extracts "
        "page."
    )
    notice = (
        f"Notice of a known data problem: {release.notice}" if release.notice else "No known data problem."
    )
    survival = textwrap.indent(REPORT_TO_FILE_METHOD.strip(), "  ")
    return f"""## Sources

{source} Real data come from three kinds of extract: area-month metrics sent by police forces and CPS
Areas (referrals to the CPS, early advice requests, charging decisions, charges, no further action
decisions and victim withdrawals), case timelines from police forces (for each reported rape: when it
was reported, when the file reached the CPS, when and how the case was closed), and the Ministry of
Justice's CJS Delivery Data Dashboard CSV. Every figure's source line names the extracts it was built
from and the data version.

## Definitions

{definitions}
- **Report to file**: the days from a rape being reported to the police to the police file reaching the
  CPS, for all reported cases (cases closed before a file compete with filing).
- **Charge rate**: charges as a share of charging decisions, by quarter.
- **Pilot and control areas**: the areas of the chosen wave(s) of Operation Soteria, and the areas not yet
  (or never) in the pilot in the same periods (the Pilot register page).

## Methods and their assumptions

- **Comparison**: staggered difference-in-differences (Callaway and Sant'Anna): each pilot area after
  its start against what the control areas predict for it. **Assumption: parallel trends** (without the
  pilot, pilot areas would have moved as the controls did). It is tested before each start (event study
  and its simultaneous band) and its sensitivity is shown (Rambachan and Roth); when a check fails the
  estimate is said to be *not a finding*.
- **Uncertainty**: 95% intervals and p-values by randomisation inference over the areas (the start
  dates given to other areas in every possible way, or 5,000 draws). **Assumption**: which areas started
  when was as good as random among those compared.
- **Also shown**: synthetic control per pilot area and synthetic difference-in-differences, in the
  headline's units, as checks on the main estimate.
- **Report-to-file times**:
{survival}

## Quality and revisions

- Every row of every extract is checked before anything is stored (dates, areas, codes, duplicates); a
  file with any problem is refused whole, with the row, column and rule of each problem.
- **Revisions**: a newer extract replaces the figures it covers; every revised value is shown before it is
  committed, kept with the extract that changed it, and every load can be undone. Figures for recent
  months are more likely to be revised, as late records arrive: case timelines follow open cases only to
  each extract's as-of date.
- Known limitations: London can only be compared at CPS Area level (the Metropolitan Police and the City
  of London serve two CPS Areas); some pilot register dates are assumptions (marked on the Pilot register
  page); areas that ran their own improvement work can be left out of the controls.

## Disclosure control

Counts of 1 to 4 are withheld (`[c]`) and zeros are published. {PERTURBATION} Medians, means and rates
from fewer than 10 cases are withheld. Case-level data are never shown or exported.

## Release and contact

- {release.schedule_line()}.
- {notice}
- Contact: {contact}
"""
