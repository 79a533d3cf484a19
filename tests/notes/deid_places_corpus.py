"""Places without a label: towns and hospitals named as people say them, written before the rules that find them.

Written on 2026-12-05 in one sitting, before deid.py's town gazetteer and the possessive-hospital rules,
and committed unchanged; docs/notes.md gives its first-run figures. Every person, town use and number is
invented. Same `{KIND:value}` markup as phi_corpus.py. Under HIPAA Safe Harbor a town or city is an
identifier (a geographic subdivision smaller than a state); a country or a US state is not, so those are
left. It deliberately holds what must survive: scores and scales named after cities (Glasgow, Wells,
Ottawa, Bristol, Manchester triage), months, weekdays, eponyms, drugs and common words that are also
the names of towns somewhere (Bath, Reading, Normal, Split, Deal, Mobile, Sale, March).
"""
from __future__ import annotations

NOTES = [
    # social history with towns and a hospital named without the word Hospital
    "Social history: widowed, lives alone. Her son {NAME:Gareth} lives in {LOCATION:Cardiff} and visits monthly; "
    "daughter in {LOCATION:Manchester}. Previously under the renal team at {LOCATION:Addenbrooke's} before moving "
    "from {LOCATION:Peterborough}. Glasgow Coma Scale 15 on arrival. Wells score 1.",

    # transfer letter: a tertiary centre by its short name, the Royal something
    "Transferred to {LOCATION:the Royal Brompton} for consideration of valve surgery. Echo in March showed "
    "severe aortic stenosis. Seen previously at {LOCATION:Papworth} in 2019. Bath and shower assessment by OT "
    "planned; reading glasses at bedside. Blood pressure normal on Ramipril.",

    # ED note with travel history and decision rules named after cities
    "ED: 34-year-old returned from {LOCATION:Lagos} 6 days ago with fever. Ottawa ankle rules negative for the "
    "earlier fall. Stool type 6 on the Bristol stool chart. Triaged orange on the Manchester triage system. "
    "Malaria film sent. Travelled with a friend from {LOCATION:Leicester}.",

    # US style note: cities, a state that stays, and the big hospitals by nickname
    "HPI: 62M from {LOCATION:Springfield}, Illinois, transferred from an outside hospital in {LOCATION:Peoria}. "
    "Previously followed at {LOCATION:Mass General}. Wife drove up from {LOCATION:Chicago} this morning. "
    "Plan: cardiology consult; normal saline at 75 mL/h.",

    # district nursing: a care home called by its name only, a town, look-alike common words
    "Visited at home in {LOCATION:Hastings}. Wound on left shin healing, no split in the skin. Good deal of "
    "oedema remains. Mobile with a frame. Plan to move to {LOCATION:Oakwood} (residential home) when a bed is free. "
    "Next visit Monday. Sale of her house in {LOCATION:Eastbourne} going through.",

    # paediatrics with school and a children's hospital by its short name
    "7-year-old attends {LOCATION:St Anne's Primary School}. Referred to {LOCATION:Alder Hey} for a second opinion "
    "on the murmur. Family moved from {LOCATION:Bradford} last year. Down's syndrome excluded on the antenatal "
    "screen. Reading age appropriate.",

    # psychiatry: places named in the history, scales that must stay
    "Grew up in {LOCATION:Sunderland}, worked in {LOCATION:Aberdeen} on the rigs, now unemployed. "
    "Admitted informally to {LOCATION:Redwood Unit}. PHQ-9 of 21, Edinburgh scale not applicable. "
    "Mother ({NAME:Irene}) lives near {LOCATION:Durham}. Sertraline increased to 100 mg.",

    # oncology MDT with a referring centre and a trial named after a place
    "MDT: referred from {LOCATION:Maidstone} with a 3 cm breast mass. Nottingham Prognostic Index 4.4. "
    "For treatment at {LOCATION:the Royal Marsden}. Eligible for the Oxford overview data comparison only. "
    "Tamoxifen if ER positive. To be reviewed on {DATE:12 March} by the oncology team.",
]
