"""Identifiers four held-out corpora (10, 13, 18, 20, 21) missed, taken on 2026-12-06 (fourth session), each with
look-alikes that must stay: a state's code with its town, a day and month written with neither year nor a word of
time, and businesses and services named by their trade (docs/notes.md)."""
from __future__ import annotations

import pytest

from medapp.modalities.notes.deid import find_phi


def removed(note: str) -> list[str]:
    return [s.text for s in find_phi(note)]


@pytest.mark.parametrize("note, gone", [
    ("Lives in Parma, OH with her husband.", ["Parma, OH"]),
    ("Moved from Brisbane, QLD last year; sister in Kingston, ON.", ["Brisbane, QLD", "Kingston, ON"]),
    ("Address: 5407 Ridge Road, Apt 2, Parma, OH 44129", ["5407 Ridge Road, Apt 2, Parma, OH", "44129"]),
    # a credential after a name is no state ("MD" is Maryland's code too)
    ("Reviewed by John Smith, MD in clinic.", ["John Smith"]),
])
def test_a_state_code_goes_with_its_town(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note, gone", [
    # a note writing its dates month first: bare months and days that no score reads as
    ("Seen 2/27. Blood cx 6/1 x2 sets grew GPC in clusters. Repeat BCx 6/2 positive 1/2; 6/3 pending.",
     ["2/27", "6/1", "6/2", "6/3"]),
    ("On BiPAP 10/5 overnight, strength 5/5 in all limbs, pain 7/10.\nSeen 10/31/2024. Missed podiatry appt 10/9 "
     "with the foot clinic.\nImproved air movement compared with 3/12.", ["10/31/2024", "10/9", "3/12"]),
    # one of a list of subscores ("memory 9/26, fluency 5/14") is no date though the note writes dates month first
    ("Seen 10/31/2024. MoCA: attention 4/6, memory 9/26, fluency 5/14.", ["10/31/2024"]),
    # with a leading zero a count or a duration never is
    ("LABS\n  TEST      02/26    02/28    03/03\n  Hgb       11.8     7.4      9.0", ["02/26", "02/28", "03/03"]),
    ("Diagnostic ascitic tap 07/04: WCC 120. VA 06/18 right eye.", ["07/04"]),
    # a note writing them day first: a day after its month, not the UK's days and months
    ("Admitted 14/03/2024. Procedure (29/2, EOT 2215). 3/12 history of cough, 10/7 of fevers, 2/7 ago.",
     ["14/03/2024", "29/2"]),
    # no date says how this note writes them: "6/3" may be a ratio or either date, kept
    ("Repeat 6/3 pending, ratio 3/2.", []),
])
def test_a_day_and_month_alone_where_only_a_date_reads_so(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note, gone", [
    ("Dental care at Bright Smiles Dental; walker from Pine Tree Medical Supply; booked with the Northgate Community "
     "Midwifery Team; brought in by Cuyahoga Metro EMS; insurer Northbridge Casualty Insurance Co.",
     ["Bright Smiles Dental", "Pine Tree Medical Supply", "Northgate Community Midwifery Team", "Cuyahoga Metro EMS",
      "Northbridge Casualty Insurance Co"]),
    # services named by what they do, and teams by a colour or a compass point: no one's
    ("Referred to the Outreach Team, the Community Mental Health Team and Medical Retina Service. Eastern Team and "
     "Green Team handover. Echocardiography Laboratory report. Physical Therapy to see. Special Authority approved.",
     []),
    # the same words before a hospital's noun still name it
    ("Transferred to Western General Hospital from Orange County.", ["Western General Hospital", "Orange County"]),
])
def test_a_business_or_service_named_by_its_trade(note, gone):
    assert removed(note) == gone


# Widened against corpora 22 and 23 once they had been measured held out (the same session)
@pytest.mark.parametrize("note, gone", [
    # a named day of the year; a month or a feast alone stays (most reviewers left it)
    ("Fell on New Year's Eve; home for Christmas; review in March.", ["New Year's Eve"]),
    # a Scottish health board by its area; not the service's own words
    ("Employed by NHS Forth Valley; NHS LOTHIAN letterhead.\nNHS Number checked. Booked via the NHS App; works for "
     "the NHS; NHS England guidance.", ["NHS Forth Valley", "NHS LOTHIAN"]),
    # more trades, and the words that make a trade's name a thing rather than a place
    ("GP at Fountain Gate Family Medical; Lionheart Medical Transport; Ballarat Grammar; Te Awa Ora Hauora.\n"
     "Texas Medical License Q4471. Primary Care Clinic, Green Team. Children's National Medical Center.",
     ["Fountain Gate Family Medical", "Lionheart Medical Transport", "Ballarat Grammar", "Te Awa Ora Hauora", "Q4471"]),
    # insurers name who pays and so narrow who the patient is
    ("Insurance: Humana Gold Plus; secondary Blue Cross Blue Shield of Massachusetts. Claims handled by Sedgwick.",
     ["Humana Gold Plus", "Blue Cross Blue Shield of Massachusetts", "Sedgwick"]),
    # given names Faker's locales lack, and accented ones
    ("Seen with Morag Sutherland and Gráinne Durkan; daughter Wanjiku Kamau phoned.",
     ["Morag Sutherland", "Gráinne Durkan", "Wanjiku Kamau"]),
])
def test_second_widening_of_the_session(note, gone):
    assert removed(note) == gone


# Widened against corpora 24 and 25 once they had been measured held out (the same session)
@pytest.mark.parametrize("note, gone", [
    # a state's name with its town; alone it stays ("born in Ohio")
    ("Lives in Dharwad, Karnataka; born in Ohio.", ["Dharwad, Karnataka"]),
    # numbered streets with their compass word and flat, Bengaluru's cross and main roads
    ("Address: 615 West 164th Street, Apt 3F. Office at 835 King Street West. No. 14, 3rd Cross Road.",
     ["615 West 164th Street, Apt 3F", "835 King Street West", "No. 14, 3rd Cross Road"]),
    # a hospital by its initials, not a department's; a unit with its number and letter, not a flat's
    ("Transferred from UAB Hospital to the ED Clinic; VA Hospital records. Admitted to Unit 4C.",
     ["UAB Hospital", "Unit 4C"]),
    ("Meals on Wheels of Central Maryland delivers; VNA of Greater Boston visits; Seattle Fire Department attended.",
     ["Meals on Wheels of Central Maryland", "VNA of Greater Boston", "Seattle Fire Department"]),
    ("Family in Ashok Nagar and Vidyanagar.", ["Ashok Nagar", "Vidyanagar"]),
])
def test_third_widening_of_the_session(note, gone):
    assert removed(note) == gone


# Widened against corpora 26 and 27 once they had been measured held out (the same session)
@pytest.mark.parametrize("note, gone", [
    # an organisation's initials defined after its name, then used alone; a role's initials after a person stay
    ("Colonoscopy at Scioto Valley Medical Center (SVMC). SVMC GI lab. Seen by Dr. Rafael Ibarra (PCP).",
     ["Scioto Valley Medical Center", "SVMC", "SVMC", "Rafael Ibarra"]),
    # numbered wards with a compass point; not a street
    ("Admitted to 5 North Telemetry, then 7 South Cardiac. Lives at 3 West Street. Brandt 4 West.",
     ["5 North Telemetry", "7 South Cardiac", "3 West Street", "Brandt 4 West"]),
    # a company by its trade after a label; its form "Co." stays ("Co-ordinator", "Co. Cork"); a floor after the street
    ("Employer: Triangle Distribution Co. since 2019. Office 2900 N. Lake Drive, Floor 3.",
     ["Triangle Distribution Co.", "2900 N. Lake Drive, Floor 3"]),
    # a group named by its place, not a group of people or of blood
    ("Nashville Neurosurgical Group; carers support group; Blood Group O; Eastern Cooperative Oncology Group.",
     ["Nashville Neurosurgical Group"]),
])
def test_fourth_widening_of_the_session(note, gone):
    assert removed(note) == gone


def test_services_named_by_what_they_do_stay():
    """The trades taken as an organisation's noun ("Team", "Service", "Health", "Medical") must not take a hospital's
    own services or a note's headings: a probe of 228 services by 26 nouns left 32 of 5,928 phrases removed (235 at
    the session's start, 1,392 before these words were listed)."""
    note = ("Past Medical History: HTN. Previous Medical History reviewed. Referred to the Chaplaincy Team, the "
            "Genetics Service, the Infection Control Team and the Medicines Management Team; Site Team aware. "
            "Hospice Team visited. Interpreting Service booked. Retrieval Service called. Aboriginal Health worker "
            "present. Allied Health assessment. Gold Team handover. Home Oxygen Service. Alcoholics Anonymous Group.")
    assert removed(note) == []


def test_what_follows_a_patient_label_is_not_always_a_name():
    """"Patient Records" and a "Patient Portal Message Thread" heading lost "Records", "Portal" and "Thread" as names
    (corpus 26, and a probe); a patient's name after the label is still taken."""
    assert removed("Patient Medical Records reviewed. Patient Portal Message Thread. Telephone Triage Record.") == []
    assert removed("Patient: Mary Summers") == ["Mary Summers"]


# Widened against corpora 28 and 29 once they had been measured held out (the same session)
@pytest.mark.parametrize("note, gone", [
    # a specialty named as a practice; the specialty itself stays (a probe of 86 kinds by 20 specialties: none taken)
    ("Seen at Red Rock Radiology; then Lakeside Cardiology. Refer Ophthalmology; Paediatric Radiology review; "
     "Interventional Cardiology team.", ["Red Rock Radiology", "Lakeside Cardiology"]),
    # Welsh and Irish places by their first syllables, not before a team's name
    ("Lives in Llandeilo near Ballymena. Llanelli Community Mental Health Team visited.",
     ["Llandeilo", "Ballymena", "Llanelli Community Mental Health Team"]),
    # Indian localities and roads, a company's form, a state with its town
    ("Koramangala 4th Block; No. 42, 3rd Cross, 5th Main. Works at Trivikram Software Solutions Pvt. Ltd. From "
     "Abeokuta, Ogun State.", ["Koramangala 4th Block", "No. 42, 3rd Cross, 5th Main",
                               "Trivikram Software Solutions Pvt. Ltd", "Abeokuta, Ogun State"]),
    ("Address: No. 23, Jalan SS 2/64, Petaling Jaya.", ["No. 23, Jalan SS 2/64", "Petaling Jaya"]),
])
def test_fifth_widening_of_the_session(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note", [
    # a review of the session's change (report only) found these taken; each must stay
    "Pertinent Labs: Hgb 9.1. Repeat Labs tomorrow. Repeat Imaging showed progression. Arterial Lines removed.",
    "Adult Protective Services contacted. Muscle Group strength 4/5. Brain Health clinic. Low Energy all week.",
    "Military Service: Army. Ostomy Supplies ordered. Chronic Fatigue Service (CFS). CFS symptoms worse.",
    "Cath Lab, Echo Lab. Knitting Group. Insulin Pump Team. Duty Doctors aware of plan.",
    "MICU Hospital Course: intubated. BRIEF SUMMARY OF Hospital Course. Transferred from OSH Hospital.",
    "Waiting list for NHS IVF. Self-referred to NHS IAPT. Had NHS MRI scan. NHS Dentist.",
    "Pending Surgical Pathology and Renal Histopathology. What a Ballyhoo.",
    # words of care and its paperwork the encoder's vocabulary lacks
    "Enrolled in the Medicaid Waiver Program. Caregiver Support Program. Respite Care Service. Telehealth Team.",
])
def test_a_reviews_false_removals_stay(note):
    assert removed(note) == []


@pytest.mark.parametrize("note, gone", [
    # notes whose dates say month first, then day first: strengths, values under paired labels, acuity, reflexes stay
    ("Started Loestrin 1/20 daily. Seen 2/27/2024. H/H 9/27 stable. Patient got 11/30 on the MoCA. CPAP at 10/5. Ht 5/4.",
     ["2/27/2024"]),
    ("Seen 14/03/2024. Oramorph 10/5 PRN. RE 6/5 LE 6/6. Reflexes: biceps 3/2. Hb/plt 10/5.", ["14/03/2024"]),
])
def test_a_reviews_false_dates_stay(note, gone):
    assert removed(note) == gone


@pytest.mark.parametrize("note, gone", [
    # a state's code only where the town's name ends, never a clinical abbreviation after a hospital or a ward
    ("St Mary's Hospital, PE confirmed. Lives in Leeds, MS diagnosed 2010. Ward 7B, ME/CFS. Lives in Darwin, NT abdomen.",
     ["St Mary's Hospital", "Leeds", "Ward 7B", "Darwin"]),
    ("Lives in Charleston, SC 29401. Sydney NSW 2000.", ["Charleston, SC", "29401", "Sydney NSW", "2000"]),
])
def test_a_state_code_only_where_the_place_ends(note, gone):
    assert removed(note) == gone
