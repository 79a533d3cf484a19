"""Numbers as people read them, shared by pages, reports and figures."""
from __future__ import annotations

import math

import numpy as np


def headline_percent(p: float) -> str:
    """A probability in whole percent, but never "100%" or "0%" for a value that is not (a heart sound was
    headlined "mitral stenosis (100%)" beside a table saying 99.8%; a kidney estimate read "0%")."""
    if p >= 1 or p <= 0:
        return f"{p:.0%}"
    if p >= 0.9995:
        return ">99.9%"
    if p < 0.0005:
        return "<0.1%"
    if 0.495 <= p < 0.51 and p != 0.5:  # to 0.51: 0.505 itself is 0.50499... in binary, and read "50%"
        # one decimal, cut toward its own side of a half: "50%" for 49.9% stood beside "the label says only which
        # side of 50% the estimate falls on" and a label of the other side (a tumour-board review)
        return f"{math.floor(p * 1000) / 10:.1f}%"
    return f"{p:.1%}" if p >= 0.995 or p < 0.005 else f"{p:.0%}"


def band_text(lower: float, upper: float) -> str:
    """A band in headline percent, "86% to >99.9%": written with a hyphen, "86%->99.9%" read as an arrow (a review).
    Pages, the Cases table and reports all write a band this way."""
    return f"{headline_percent(lower)} to {headline_percent(upper)}"


def precise_percent(p: float) -> str:
    """One decimal, but never "100.0%" or "0.0%" for a value that is not (Cases listed a heart sound's classes
    as 100.0% and 0.0% beside a page headline of ">99.9%")."""
    if 0 < p < 1:
        if p >= 0.9995:
            return ">99.9%"
        if p < 0.0005:
            return "<0.1%"
    return f"{p:.1%}"


def fraction_text(p: float) -> str:
    """A probability as a fraction to three decimals, as the CLI's text prints it, but never "0.000" or "1.000" for
    a value that is not: a kidney estimate of 0.00004 read "0.000", a certainty the model never gave."""
    if 0 < p < 0.0005:
        return "<0.001"
    if 0.9995 <= p < 1:
        return ">0.999"
    return f"{p:.3f}"


def scale_text(x: float, digits: int = 2) -> str:
    """A colour scale's limit in `digits` significant digits, written out (0.0037, not 3.7e-03): the colour bar's
    ticks beside it are decimals, and a reader compares the two."""
    return np.format_float_positional(x, precision=digits, unique=False, fractional=False, trim="-")
