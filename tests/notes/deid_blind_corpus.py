"""A held-out evaluation corpus for note de-identification, written before the rules it measures.

Written on 2026-12-01 in one sitting, before the untitled-name and place rules of deid.py were
written, and committed unchanged: the rules were never tuned against it (the figures in docs/notes.md
come from its first run). Every name, place and number is invented. Same `{KIND:value}` markup as
phi_corpus.py; LOCATION marks hospitals, wards, care homes, practices and other named places.
It deliberately contains what must survive: clinical roles, eponyms, drug names, departments,
months and times, scores and doses.
"""
from __future__ import annotations

NOTES = [
    # discharge summary with a relative's first name used twice and a named hospital
    "DISCHARGE SUMMARY\nPatient: {NAME:Declan Murphy}  DOB: {DATE:02/11/1949}  MRN: {ID:88231907}\n"
    "Admitted to {LOCATION:St Brigid's Hospital} under the Cardiologist on call with decompensated heart failure. "
    "Background of Parkinson's disease and atrial fibrillation on Apixaban 5 mg twice daily. "
    "His daughter {NAME:Siobhan} was present for the discussion; {NAME:Siobhan} will collect him on Friday. "
    "Discharged to {LOCATION:Larchfield Care Home} with Furosemide 40 mg once daily.",

    # nursing handover, staff first names without titles, a ward
    "Night handover {LOCATION:Ward 7B}: bed 4, 81-year-old lady post hip fracture, NEWS 3. "
    "Handed over to {NAME:Priya} at 07:30. {NAME:Kwame} (HCA) helped with the 02:00 turn. "
    "Pain controlled with Paracetamol and Oramorph PRN. Crohn's disease flare settling on Prednisolone.",

    # GP letter with practice name and named consultant colleague
    "{LOCATION:Riverside Medical Practice}\nDear Dr {NAME:Okonkwo},\nThank you for seeing {NAME:Ellen Fairweather}, "
    "a 58-year-old retired teacher, with suspected Graves' disease. TSH suppressed, free T4 raised. "
    "She has started Carbimazole 20 mg. Her husband {NAME:Martin} reports she has lost 6 kg since {DATE:August 2024}.\n"
    "Yours sincerely,\n{NAME:Rebecca Thorne}\nGeneral Practitioner",

    # emergency department note with neighbour and paramedic
    "ED triage 14:10. Brought in by ambulance after a fall at home; found by her neighbour {NAME:Doreen} who "
    "called 999. Paramedic reports GCS 14. Known Alzheimer's dementia, lives alone in {LOCATION:Kirkby Stephen}. "
    "CT head: no bleed. Referred to the Frailty team and Orthogeriatrician.",

    # social work note with son and granddaughter
    "Social work review. Mr {NAME:Haddad} lives with his son {NAME:Karim} and granddaughter {NAME:Layla}. "
    "{NAME:Karim} works nights at {LOCATION:Northgate General Hospital} and cannot provide personal care. "
    "Plan: package of care four visits daily; Occupational Therapist to assess for a stairlift.",

    # physiotherapy note with staff first name and department words
    "Physiotherapy: seen with {NAME:Tomasz} (student physio). Mobilised 20 m with a Zimmer frame. "
    "Bell's palsy noted on the left, referred back to the Neurology registrar. "
    "Patient keen to return to {LOCATION:Meadowbank Nursing Home}.",

    # oncology MDT with eponyms and drug names that look like names
    "Oncology MDT {DATE:15/10/2024}: Hodgkin lymphoma stage IIA. For ABVD chemotherapy. "
    "Discussed with Dr {NAME:Venkataraman} and the Clinical Nurse Specialist {NAME:Gemma}. "
    "Fertility preservation offered at {LOCATION:the Royal Victoria Infirmary}. "
    "Consider Rituximab if CD20 positive. Next review in clinic.",

    # psychiatry note with partner name and a GP surgery
    "Mental state examination: low mood, poor sleep, no thoughts of self-harm. Partner {NAME:Jordan} "
    "is supportive. Registered at {LOCATION:Hawthorn Lane Surgery}. Started Sertraline 50 mg. "
    "Cushing's syndrome excluded last year. Review by the Consultant Psychiatrist in 4 weeks.",

    # paediatric note with parents named
    "Paediatrics: 4-year-old boy with wheeze and coryza. Mum {NAME:Aoife} reports two similar episodes since "
    "{DATE:March 2024}. Dad {NAME:Connor} smokes outside. Salbutamol via spacer, Prednisolone 20 mg for 3 days. "
    "Down's syndrome screening was normal antenatally.",

    # community nursing visit with address, phone and carer
    "District nurse visit to {ADDRESS:17 Quarry Road, Hebden Bridge}. Leg ulcer dressed, Doppler ABPI 0.9. "
    "Carer {NAME:Bernadette} present; her mobile {PHONE:07700 900461}. Next visit {DATE:Tuesday 3rd December 2024}.",

    # surgical note with staff names after roles and a theatre location
    "Operation note: laparoscopic cholecystectomy at {LOCATION:Ashford Day Surgery Unit}. Surgeon: Mr {NAME:Adeyemi}. "
    "Assistant {NAME:Hannah}, scrub nurse {NAME:Luis}. Calot's triangle dissected, critical view of safety obtained. "
    "Co-amoxiclav given at induction.",

    # clinic letter with very old age, friend and a hospice
    "Palliative care clinic. {AGE>89:93}-year-old man with metastatic prostate cancer on Enzalutamide. "
    "His friend {NAME:Walter} brought him today. Preferred place of death: {LOCATION:St Columba's Hospice}. "
    "Morphine sulfate MR 10 mg twice daily; Addison's disease on Hydrocortisone.",

    # endocrinology with nickname-like first names and months that must survive
    "Diabetes clinic, May review. HbA1c 71. On Metformin and Gliclazide; add Empagliflozin. "
    "Wife {NAME:June} helps with insulin. Retinal screening at {LOCATION:Fairfield Eye Unit} next month. "
    "Patient reports hypos on Sundays.",

    # respiratory letter with brother, employer and workplace
    "Respiratory clinic: 44-year-old welder with occupational asthma. Works at {LOCATION:Castleford Steel Works}. "
    "Brother {NAME:Dariusz} has the same symptoms. Peak flow diary shows work-related variability. "
    "Montelukast added; Spirometry repeat in June. Discussed with the Respiratory Physician.",
]
