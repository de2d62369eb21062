"""The palette: every line colour stands out from the white background (WCAG 2.2, 1.4.11: 3:1) and the
arms stay apart under simulated colour-vision deficiency (Machado, Oliveira and Fernandes 2009, full
severity)."""

from __future__ import annotations

import numpy as np
import pytest

from soteria.charts import area
from soteria.charts import style as cs
from soteria.charts.tiles import _luminance

# Machado et al. (2009) simulation matrices, severity 1.0, on linear RGB.
MACHADO = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]
    ],
}  # fmt: skip
LINE_COLOURS = {
    "pilot": cs.PILOT_COLOUR,
    "control": cs.CONTROL_COLOUR,
    "muted": cs.MUTED_COLOUR,
    **{f"area page {k}": v[0] for k, v in area.LINES.items()},
}


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb_linear: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(rgb_linear, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("name", sorted(LINE_COLOURS))
def test_line_colours_contrast_with_the_background(name):
    assert contrast(LINE_COLOURS[name], "#FFFFFF") >= 3.0


def test_text_colour_contrasts_for_body_text():
    assert contrast(cs.TEXT_COLOUR, "#FFFFFF") >= 4.5


@pytest.mark.parametrize("deficiency", sorted(MACHADO))
def test_pilot_and_control_stay_apart_under_colour_vision_deficiency(deficiency):
    matrix = np.array(MACHADO[deficiency])
    pilot, control = (lab(matrix @ linear(c)) for c in (cs.PILOT_COLOUR, cs.CONTROL_COLOUR))
    assert np.linalg.norm(pilot - control) >= 20  # CIE76 delta E: clearly different colours


def test_the_simulation_finds_a_red_green_pair_that_fails():
    # The check can fail: pure red and green look alike to a deuteranope.
    matrix = np.array(MACHADO["deuteranopia"])
    red, green = (lab(matrix @ linear(c)) for c in ("#D62728", "#2CA02C"))
    assert np.linalg.norm(red - green) < 20
