"""Parts of a dictation that name a medicine or a dose are marked for reading back, whatever their confidence."""
from __future__ import annotations

import pytest

from medapp.modalities.speech.doses import states_a_dose


@pytest.mark.parametrize("text, marked", [
    # what a clinical-safety review heard: each misheard at 0.60-0.66, above the 0.5 that marks a part
    ("fentanyl zero point five milligrams", True),  # said: alfentanil
    ("digoxinsic to two point five", True),  # said: digoxin sixty two point five micrograms
    ("insulin for units", True),  # said: insulin 4 units
    ("Adrenaline one in one thousand, zero point five five milliliters", True),
    ("Give 5 mg now.", True),
    ("Temperature thirty eight point five.", True),  # a decimal number: read back too
    ("The patient has chest pain.", False),
    ("Blood pressure one hundred and forty over ninety.", False),
    ("Seen today with a cough for three days.", False),
])
def test_a_part_naming_a_medicine_a_dose_or_a_decimal_is_marked(text, marked):
    assert states_a_dose(text) is marked
