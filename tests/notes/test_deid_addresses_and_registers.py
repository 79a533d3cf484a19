"""Identifiers the held-out corpora 30 and 31 missed, taken on 2026-12-07 (fifth session), each with look-alikes that
must stay: whole address fields and address lines, a town found once wherever it recurs, health facilities with their
town or level, places of worship, a specialty's numbered unit, labelled numbers and registers, names written surname
first under a label or listed with an age (docs/notes.md)."""
from __future__ import annotations

import re

import pytest

from medapp.modalities.notes.deid import find_phi


def removed(note: str) -> list[str]:
    return [s.text for s in find_phi(note)]


def kept_words(note: str) -> list[str]:
    """The words of the note that were not removed whole."""
    spans = find_phi(note)
    return [m.group(0) for m in re.finditer(r"\w[\w'’/-]*", note)
            if not any(s.start <= m.start() and m.end() <= s.end for s in spans)]


@pytest.mark.parametrize("note, kept", [
    # an address field's value, however many of its parts a gazetteer knows, up to the next field or sentence; a
    # state alone is wider than an identifier (Safe Harbor)
    ("Address: Plot No. 30-C, Karve Road, Erandwane, Pune - 411004, Maharashtra", ["Address", "Maharashtra"]),
    ("Address: House No. C/219, Bawaleshie Road, East Legon, Accra   Tel: 024 555 0191", ["Address", "Tel"]),
    ("Address: 12B Adeniran Ogunsanya Street, Surulere, Lagos. Hometown: Nnewi.", ["Address", "Hometown"]),
    ("Address: Munshi Bari, House 16, Ward No. 5, Village: Bhatranga, Union: Islampur, Upazila: Companiganj",
     ["Address", "Village", "Union", "Upazila"]),
    # an address line with no label: a house number or word first, its parts set off by commas, a street in it
    ("12-B, Ferozepur Road, Lahore\nReferred for review.", ["Referred", "for", "review"]),
    ("Home: 7 Kirk Brae, Banchory, Aberdeenshire AB31 5HQ", ["Home"]),
])
def test_an_address_field_or_line_goes_whole(note, kept):
    assert kept_words(note) == kept


@pytest.mark.parametrize("note", [
    "Address: see above, unchanged since last admission.",
    "Home: lives alone, independent with ADLs.",
    "1 tablet, Twice daily, With food",
    "2 weeks ago, fell on the stairs, Bruised",
    "12 weeks, Review, Discharge",
])
def test_what_only_looks_like_an_address_stays(note):
    assert removed(note) == []


def test_a_town_found_once_goes_where_it_recurs_but_not_as_a_word_or_a_scale():
    note = ("Address: Unit 4/18 Oceanview Parade, Redcliffe QLD 4020\nCommunity nursing via Blue Care Redcliffe.\n"
            "Address: 22 Hope Street, Glasgow G2 6AB. Glasgow Coma Scale 15.\n"
            "Address: 4 Kings Road, Reading RG1 3AR. Reading glasses lost.")
    gone = removed(note)
    assert gone.count("Redcliffe") == 1 and "Glasgow" not in gone and "Reading" not in gone, gone
    assert {"Glasgow", "Coma", "Scale", "Reading", "glasses"} <= set(kept_words(note))


@pytest.mark.parametrize("note, gone", [
    ("Seen at Divisional Hospital Wakwella on arrival.", ["Divisional Hospital", "Wakwella"]),
    ("Referred from Namulonge Health Centre III for review.", ["Namulonge Health Centre III"]),
    ("Admitted via Companiganj Upazila Health Complex.", ["Companiganj Upazila Health Complex"]),
    ("Delivered at Teshie Maternity Home; sells at Makola Market.", ["Teshie Maternity Home", "Makola Market"]),
    ("He attends Mount Zion AME Church; parishioner at St. Albert the Great Church.",
     ["Mount Zion AME Church", "St. Albert the Great Church"]),
    ("Prays at Jamia Masjid Bilal and Gurdwara Sahib Nanaksar.", ["Jamia Masjid Bilal", "Gurdwara Sahib Nanaksar"]),
    ("Mass at Our Lady of the Assumption.", ["Our Lady of the Assumption"]),
    ("Transferred to Surgical Unit B, then Medicine Ward 2 under Medical Unit II.",
     ["Surgical Unit B", "Medicine Ward 2", "Medical Unit II"]),
    ("Insurance: Molina Healthcare of Washington.", ["Molina Healthcare", "of Washington"]),
    ("Carers from Pennine Home Support; conveyed from Aboyne Ambulance Station.",
     ["Pennine Home Support", "Aboyne Ambulance Station"]),
    ("Picked up from CVS Pharmacy on Main St.", ["CVS Pharmacy", "Main St"]),
])
def test_a_facility_with_its_town_level_or_kind(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note", [
    "MICU Hospital Course: uneventful.",
    "Seen in Clinic Monday.",
    "Fell in the Medical Unit at night; Surgical Unit review.",
    "Stock Market worries; Farmers Market on Saturdays.",
    "Although the American Academy of Pediatrics advises otherwise.",
])
def test_facility_look_alikes_stay(note):
    assert removed(note) == []


@pytest.mark.parametrize("note, gone", [
    ("VHT No.: WAK/NML/VHT/027        Household No.: KTZ-HH-114", ["WAK/NML/VHT/027", "KTZ-HH-114"]),
    ("Incident No: SAS-24-0611-3382    Call sign: A214", ["SAS-24-0611-3382", "A214"]),
    ("Signed: R. Liang RN, APC 284117. Entered by: Dr Haziq bin Rahman, MCR M23871K",
     ["R. Liang", "284117", "Haziq bin Rahman", "M23871K"]),
    ("PhilSys PCN: 4817-2093-6651-0328", ["4817-2093-6651-0328"]),
    ("Payer: BCBS PPO, group 00482GK. CVS Pharmacy store 8812 dispensed it.", ["00482GK", "8812"]),
    # a number with its spaces or slashes stays whole for the rules that know it
    ("NHS No: 943 476 5919. Dr Tan, MCR M71234A.", ["943 476 5919", "Tan", "M71234A"]),
])
def test_labelled_numbers_and_registers(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note", [
    "Bed No.: 12. Ward No: 5. Dose no: 3 of 4. Group 1 of 3 patients. Group B strep screen.",
    "Page no: 214 of the protocol.",
])
def test_numbers_that_identify_nobody_stay(note):
    assert removed(note) == []


@pytest.mark.parametrize("note, gone", [
    ('Patient: JENKINS, Harold W. ("Hal")', ["JENKINS, Harold W", "Hal"]),
    ("Therapist: Ken Yamada, LICSW. Continue weekly CPT with Ken.", ["Ken Yamada", "Ken"]),
    ("GP: Dr Sina Fa'alogo", ["Sina Fa'alogo"]),
    ("Name: Smt. Kalaiselvi  W/O  Murugan Ramasamy", ["Kalaiselvi", "Murugan Ramasamy"]),
    ("Dr. Md. Shahidul Islam; Dr Mohd Faizal bin Abdul Rahman", ["Md. Shahidul Islam", "Mohd Faizal bin Abdul Rahman"]),
    ("Children Chidera (9 yrs) and Somto (5 yrs) tested negative.", ["Chidera", "Somto"]),
    ("VHT member: Nakato Harriet        Phone: 0772 615 438", ["Nakato Harriet", "0772 615 438"]),
    ("Head of household: Ssemakula Joseph", ["Ssemakula Joseph"]),
])
def test_names_in_the_forms_the_corpora_showed(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note", [
    "Asthma (5 yrs) on inhaler; Diabetes (10 yrs) on metformin.",
    "Diagnosis: Graves Disease",
    "Will review. Mark the spot. Bill paid.",
])
def test_name_look_alikes_stay(note):
    assert removed(note) == []


# the same session's second widening, against held-out corpora 32 and 33
@pytest.mark.parametrize("note, gone", [
    ("Relatives: CHEUNG Mei Ling, wife, 9437 2106; LEUNG Ka-yan, Karen (daughter)",
     ["CHEUNG Mei Ling", "9437 2106", "LEUNG Ka-yan, Karen"]),
    ("Medical social worker Mr Leung Chi-keung; seen by Ho Ka-yee", ["Leung Chi-keung", "Ho Ka-yee"]),
    ("Next of kin: Mr Carmel Camilleri (son) 7942 1185", ["Carmel Camilleri", "7942 1185"]),
    ("Incident ref.: IR-2024-0317. Authorization PRC-24-00731. Police reference: OB 1147/24.",
     ["IR-2024-0317", "PRC-24-00731", "OB 1147/24"]),
    ("HN: HN21036654(8). National ID: 75-2147363 F 75", ["HN21036654(8)", "75-2147363 F 75"]),
    ("Typed by: L. Brown. Signature: M.H.", ["L. Brown", "M.H."]),
    ("Call received by Joanna Pruitt, RN (initials JP).", ["Joanna Pruitt", "JP"]),
    ("Her children Kaden (6) and Brylee (3): window prophylaxis", ["Kaden", "Brylee"]),
    ("PMB 14, Halls Creek WA 6770", ["PMB 14", "Halls Creek WA", "6770"]),
    ("Hospital San Gabriel de Caguas, Ave. Rafael Cordero 450, Caguas, PR 00725",
     ["Hospital San Gabriel de Caguas", "Rafael Cordero", "Caguas, PR", "00725"]),  # "Ave." alone is an average too
    ("Lives at 5314 Calle Nogal, Colonia Los Ebanos. Carr. 175 Km 3.2.",
     ["5314 Calle Nogal", "Colonia Los Ebanos", "Carr. 175 Km 3.2"]),
    ("Triq San Ġużepp, Santa Venera SVR 1012, Malta", ["Triq San Ġużepp", "Santa Venera", "SVR 1012"]),
    ("Bay Street, Bridgetown, St. Michael BB14038", ["Bay Street", "Bridgetown", "St. Michael", "BB14038"]),
    ("Name: WONG, SIU MING    Sex/Age: M / 92", ["WONG, SIU MING", "92"]),
    ("His attorney, Harlan Mullins, asked; Aboriginal Health Worker Marlene Sampi visited.",
     ["Harlan Mullins", "Marlene Sampi"]),
    ("Stays near the Waiʻanae Boat Harbor; Lewistown Drug; Emirates Shield Insurance PJSC",
     ["Waiʻanae Boat Harbor", "Lewistown Drug", "Emirates Shield Insurance PJSC"]),
])
def test_second_widening_of_the_session(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note", [
    "LEE Will Review. HE Was seen. SO Far good. IP No: pending.",
    "Case MDT-2026-014 reviewed at the meeting.",  # a case's pseudonymous reference stays (the case store checks it)
    "ETA 1300, crew THR 2019. Hospital Course: uneventful.",
    "Calle sin nombre.",
])
def test_second_widening_look_alikes_stay(note):
    assert removed(note) == []


# a review of the two widenings (report only) found these taken; each must stay
@pytest.mark.parametrize("note", [
    "H/O Ischaemic Heart Disease. C/O Fever, Cough. S/O Pneumonia on CXR. D/O Personality. Weight: W/O Shoes 70 kg",
    "Issues to address: BP 150/90, HbA1c 8.2%, weight loss.",
    "Problems to address: Osteopenia, Dyslipidaemia, Gout.\nOsteopenia: start alendronate.",
    "Address: Lives with wife, 2 storey house.",
    "NG Tube In situ. KOH Prep Neg. TB LAM Pos. LI Ca 2.1. Lee Follow-up booked.",
    "APC I1307K variant. MMC 2000 mcg. Problem list: MCI 2019.",
    "Gastric pH 4 (2 - 5). PH: 1998 - 2005 asthma. Insulin given at 0800, 1200 1800.",
    "Lesion No.: 123. Sample No.: 123. Test ID: CBC001. Model No.: X500. Vital sign: 120/80.",
    "Authorization PT 12/52 approved. Auth BP 140/90.",
    "Store 1000 units in fridge. Age group 1865.",
    "Ave. Glucose 145 mg/dL. Walked the Camino de Santiago. Carr. 5 mg.",
    "Long Term Care Facility. Ski Resort injury. Local Council on Aging. Central Nursing Station.",
    "Surgical Unit 2 units PRBC.",
    "Meds transcribed OK. Drug chart transcribed TTO.",
    "Entered by System Admin. Reported by Ambulance Crew.",
    "Md. Review. Aperients: Movicol Senna.",
])
def test_the_reviews_look_alikes_stay(note):
    assert removed(note) == []


@pytest.mark.parametrize("note, kept", [
    # an older rule reads "6 Minute Walk" and "2 Hr Close" as streets; the address line must not take the rest
    ("6 Minute Walk Test, 320 m, Sats 91%", ["Test", "320", "m", "Sats", "91"]),
    ("2 Hr Close Obs, NEWS 3, Stable.", ["Obs", "NEWS", "3", "Stable"]),
])
def test_a_line_of_measures_is_no_address(note, kept):
    assert kept_words(note) == kept


def test_a_town_that_names_a_disease_or_a_test_is_kept_where_it_does():
    note = ("Address: 12 Pequot Trail, Lyme, CT 06371.\nLyme serology negative.\n"
            "Address: 4 Oak Lane, Hickman, KY 42050.\nHickman line in situ.")
    assert "serology" in kept_words(note) and kept_words(note).count("Lyme") == 1
    assert kept_words(note).count("Hickman") == 1


def test_a_run_of_blanks_takes_linear_time():
    import time

    start = time.perf_counter()
    for text in ("a" + " " * 20000 + "b" + "\t " * 5000, " " * 20000, "\t" * 20000):
        find_phi(text)
    assert time.perf_counter() - start < 10  # 1,000 spaces took 9 s before (cubic); about 0.25 s each now


# the session's last widening, against corpora 36 and 37 (no corpus held out after it)
@pytest.mark.parametrize("note, gone", [
    ("Date of service: Jan-05-2024. Seen Aug-28-2022.", ["Jan-05-2024", "Aug-28-2022"]),
    ("Reported at Police Station Sahnewal.", ["Police Station Sahnewal"]),
    ("Unit: B Company, 2nd Battalion, 8th Infantry Regiment, 4th Infantry Division",
     ["B Company, 2nd Battalion, 8th Infantry Regiment, 4th Infantry Division"]),
    ("Referred to Hôpital Saint-François-de-Sherbrooke and CLSC du Lac-Massawippi.",
     ["Hôpital Saint-François-de-Sherbrooke", "CLSC du Lac-Massawippi"]),
    ("Tel: 0484 2301999; mobile 01832-660719; Nepal 9841-362709", ["0484 2301999", "01832-660719", "9841-362709"]),
    ("SSN: XXX-XX-4471; FMP/SSN 20/XXX-XX-2290", ["XXX-XX-4471", "20/XXX-XX-2290"]),
    ("RT 006/RW 03, Tebet, Jakarta Selatan", ["RT 006/RW 03", "Jakarta Selatan"]),
    ("Seen at Klinik Keluarga Faizal.", ["Klinik Keluarga Faizal"]),
])
def test_last_widening_of_the_session(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note", [
    "Klinik Pakar Perubatan review. 2nd Division of the fee. Taken to the Police Station by her son.",
    "RT 60 Gy in 30 fractions. 1st Degree Heart Block.",
])
def test_last_widening_look_alikes_stay(note):
    assert removed(note) == []
