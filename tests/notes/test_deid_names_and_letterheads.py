"""Identifiers of kinds the blind corpora 36 and 37 missed and no held-out corpus after them contained (2026-12-07,
sixth session), each with look-alikes that must stay: given names of more naming traditions, a Punjabi name the
antiviral suffix "-vir" cut, a form's "Name of ...:" label, names all in capitals as record systems print them
(docs/notes.md)."""
from __future__ import annotations

import pytest

from medapp.modalities.notes.deid import find_phi


def removed(note: str) -> list[str]:
    return [s.text for s in find_phi(note)]


@pytest.mark.parametrize("note, names", [
    # given names of Punjabi, Bengali, Indonesian, Kenyan, Nigerian and rarer US spellings (Faker's other locales and the
    # US census list, less its everyday words; a curated list of Indian and Bangladeshi names)
    ("Seen with Gurpreet Singh and his father.", ["Gurpreet Singh"]),
    ("To: dr. Hendra Gunawan, Sp.A(K)", ["Hendra Gunawan"]),
    ("Reviewed by Shampa Barua today.", ["Shampa Barua"]),
    ("Mother Adaeze brought him in.", ["Adaeze"]),
    ("Older brother Kaiden is well.", ["Kaiden"]),
    # "-vir" ends an antiviral after a vowel ("acyclovir"), a Punjabi name after a consonant ("Tanvir", "Jasvir")
    ("Patient: Tanvir Chowdhury\n", ["Tanvir Chowdhury"]),
    # a form's label asking for a person's name
    ("Name of injured: Gurpreet Singh S/o Sh. Balwinder Singh\n", ["Gurpreet Singh", "Balwinder Singh"]),
    ("Name of informant: Ramesh Kumar\n", ["Ramesh Kumar"]),
    # all in capitals, surname first with no space after the comma, or given name first with an initial
    ("BRANNIGAN,LEROY THOMAS   B4471", ["BRANNIGAN,LEROY THOMAS"]),
    ("Receipt acknowledged by: TERRENCE O BYRD, RN", ["TERRENCE O BYRD"]),
])
def test_names_of_more_traditions_and_record_systems(note, names):
    assert [n for n in removed(note) if n in names] == names


@pytest.mark.parametrize("note", [
    "Started acyclovir, then valaciclovir; remdesivir and nirmatrelvir considered.",
    "Name of procedure: Laparoscopic cholecystectomy\nName of drug: Amoxicillin",
    "PMH: HTN,DM,CKD. CT,MRI normal.",
    "US, EDD 12 weeks. ESI LEVEL 3. LIMA to LAD, IMA ROOT clear. SEM LUSB 2/6.",
    "Westley croup score 4. Jamar grip 14 kg. Lawton IADL 6/8. Inferior vena cava. Woodson elevator used.",
    "Organism: Candida albicans. Vena cava filter in place.",
])
def test_clinical_look_alikes_stay(note):
    assert removed(note) == []


def test_an_all_capital_sentence_before_a_hospital_is_not_its_name():
    # a full stop only inside a short word of a name in capitals ("ST. BRENDAN", "MT. SINAI")
    found = removed("ALLEN TEST NORMAL. MARIA HOSPITAL\nST. BRENDAN REGIONAL MEDICAL CENTER")
    assert "MARIA HOSPITAL" in found and "ST. BRENDAN REGIONAL MEDICAL CENTER" in found
    assert not any("NORMAL" in f for f in found)
