"""Synthetic clinical notes with planted PHI (every name, number and place here is invented).

Each note is a template; `{KIND:value}` marks a planted identifier whose expected type is KIND.
`parse` returns the plain note and the planted (start, end, kind) spans, the ground truth for
measuring the de-identifier's recall and precision.
"""
from __future__ import annotations

import re

NOTES = [
    "Patient: {NAME:Margaret Ellison}, {AGE>89:92} year old female. MRN {ID:7781-2290}. Seen {DATE:14/02/2024} "
    "by Dr. {NAME:Rajesh Kumar} for breathlessness. Lives at {ADDRESS:44 Willow Lane, Harrogate} {POSTCODE:HG2 7QA}. "
    "Daughter contact {PHONE:01423 555 0192}.",
    "Mr {NAME:Owen Pritchard} attended on {DATE:March 3, 2023} with chest pain radiating to the left arm. "
    "ECG showed ST elevation. {NAME:Pritchard} was taken to the cath lab. Email {EMAIL:owen.p@example.org}.",
    "Referred by {NAME:Helen Carter} (GP). NHS number {ID:485 777 3456}. Follow-up booked for {DATE:2024-06-18}. "
    "Results portal: {URL:https://results.example.net/p/88213}.",
    "Mrs {NAME:Aisha Rahman}, aged {AGE>89:94}, fell at home on {DATE:2 January 2024}. X-ray wrist: no fracture. "
    "Telephone {PHONE:+44 20 7946 0018}. Address {ADDRESS:9 Elm Grove, Bristol}.",
    "Seen by {NAME:Tomas Novak}. SSN {ID:078-05-1120}. Patient denies fever, cough or weight loss. "
    "Discharged {DATE:11/30/2023} to {ADDRESS:1200 Maple Avenue, Springfield} IL {POSTCODE:62704}.",
    "Next of kin: {NAME:Grace Liu} ({PHONE:(617) 555-0143}). Hospital number {ID:H-99812734}. "
    "A {AGE>89:101}-year-old man with atrial fibrillation on apixaban.",
    "History: type 2 diabetes since 2009, hypertension. Dr. {NAME:Elena Petrova} adjusted metformin on "
    "{DATE:Jan 5, 2024}. Contact {EMAIL:e.petrova@clinic.example.com}.",
    "Pt {NAME:Samuel Okafor} reports intermittent claudication. Appointment {DATE:07.08.2024}. "
    "--\n{NAME:Laura Jensen}, MD",
    "Headache for 3 days, photophobia, no neck stiffness. 45 year old teacher. BP 150/95, pulse 88, temperature 37.2. "
    "Plan: review in 2 weeks, CT head if worse.",
    "Patient: {NAME:O'NEILL, Bridget}. Known COPD on home oxygen, CXR today. Mrs {NAME:O'NEILL} is to see "
    "Dr {NAME:HUSSAIN} on {DATE:12 May 2024}. {NAME:Bridget} agrees with the plan.",
    "Name: {NAME:Piotr KOWALSKI}. ECG shows AF, rate 110. Patient: COPD exacerbation, CT chest booked. "
    "{NAME:KOWALSKI} lives alone.",
    "Wife {NAME:Maria Santos} says he has been confused since {DATE:June 2023}. Record no {ID:55120987}. "
    "Visit {URL:www.memoryclinic.example.org} for leaflets.",
]

_MARK = re.compile(r"\{([A-Z>0-9]+):([^}]*)\}")


def parse(template: str) -> tuple[str, list[tuple[int, int, str]]]:
    out, spans, last = [], [], 0
    pos = 0
    for m in _MARK.finditer(template):
        out.append(template[last:m.start()])
        pos += len(template[last:m.start()])
        spans.append((pos, pos + len(m.group(2)), m.group(1)))
        out.append(m.group(2))
        pos += len(m.group(2))
        last = m.end()
    out.append(template[last:])
    return "".join(out), spans
