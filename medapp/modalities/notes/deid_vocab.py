"""The words and patterns de-identification is built from: name, place, date and number shapes, and the
word lists that tell a name or a place from a clinical term (deid.py applies them)."""
from __future__ import annotations

import re

MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# Latin letters with accents too (Bríd, Seán, José Álvarez, Zoë: half of each name was left, "[NAME]íd"), and
# the inner capital of McLeod, MacDonald, DeAngelis ("Dr [NAME]Leod" was left; a privacy review)
UPPER, LOWER = "A-ZÀ-ÖØ-Þ\u0100-\u024f\u1e00-\u1eff", "a-zß-öø-ÿ\u0100-\u024f\u1e00-\u1effʻ"  # the ʻokina: Waiʻanae  # Trần Văn Hải too
NAME_WORD = (rf"(?:[{UPPER}]')?(?:Mc|Mac|De|Di|Du|Le|La)?[{UPPER}][{LOWER}]+"
             rf"(?:[-'](?:Mc|Mac|O['’])?[{UPPER}][{LOWER}]+|(?<!Ma)['’][{LOWER}]{{2,}})?")  # Fa'alogo (Samoan); not Ma'am  # Ellison, O'Neill, Smith-Jones
# never across a line break nor a wide gap ("K. Subramaniam Iyer     Age" took the next field's label; a blind
# review); name particles are part of a name ("Eoghan Ó Súilleabháin", "Tāne Te Rangi Parata", "Nic Giolla")
PARTICLE = r"(?:Ó|Ní|Nic|Mac|Mc|Ua|Te|Ap|Van|Von|Der|Den|Da|Di|De|Del|Della|Dos|Du|La|Le|Al|El|Bin|Bint|Ibn)"
# and in lower case, one or two of them ("Pieter van der Merwe", "Dr ap Rhys", "Siti binte Abdullah": a blind review)
LOWER_PARTICLE = (r"(?:ap|van|von|der|den|de|da|di|del|della|dos|du|la|le|al|el|bin|binti|binte|bint|ibn|ter|ten|"
                  r"op|zu|y|s/o|d/o|w/o|a/l|a/p)")  # s/o, d/o: son or daughter of ("Ramasamy s/o Krishnan")
FULL_NAME = (rf"{NAME_WORD}(?:[ \t]{{1,2}}(?:[A-Z]\.[ \t]?|(?:{PARTICLE}[ \t])?(?:{LOWER_PARTICLE}[ \t]){{0,2}})?"
             rf"{NAME_WORD}){{0,3}}")
INITIALS = r"(?:[A-Z]\.?[ \t]+){1,3}"  # "Dr A. Lindqvist", "Dr J K Rowling": a name after initials was kept
# Hospital systems often write surnames in capitals: "SMITH, John", "John SMITH", "Mr SMITH".
CAPS_WORD = rf"(?:[A-Z]')?(?:Mc|Mac)?[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})?"  # "NÍ CHONAILL" too
CAPS_NAME = (rf"(?:{CAPS_WORD},[ \t]*{NAME_WORD}(?:[ \t]+{NAME_WORD})?(?:[ \t]+[A-Z]\.(?![ \t]*[a-z]))?|"
             rf"{NAME_WORD}[ \t]+{CAPS_WORD}(?![a-z]))")
WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?"
# Sr: Sister, as wards write it; Fr: Father (a chaplain)
TITLES = (r"(?:Dr|Doctor|Mr|Mister|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Sr|(?<!\d[ \t])(?<!\d)Fr|Mdm|Madam|Mme|Mlle|Smt|Shri|Sri|Det|"
          r"Sgt|Insp|Cst|Rev|Pastor|Imam|Rabbi|Elder|Mama|Whaea|Datin|Dato['’]?|Datuk|Puan|Encik|Hj|Haji|Hajjah|Alhaji|Alhaja|"
          r"Mallam|Begum|Kuya)\.?")  # not "Chief" (Chief Complaint) nor "Ate" (Ate Breakfast)

PLACE_WORD = (rf"(?:[{UPPER}][{LOWER}]+(?:[A-Z][a-z]+)?(?:['’]s|(?<=s)['’])?|"
              r"[A-Z][a-z]+-[A-Z][a-z]+)")  # Latin accents too ("Tōtara Hospice")  # St Mary's, St Thomas' Hospital
NAMED_PLACE_NOUN = (r"(?:(?:NHS[ \t]+)?(?:Foundation[ \t]+)?Trust|Health[ \t]+Board|Hospital|Infirmary|Hospice|Care Home|Nursing Home|Residential Home|Rest Home|Care Centre|"
              r"Medical Practice|Family Medicine|Family Practice|Medical Group|Medical Centre|Medical Center|Health Centre|Health Center|Surgery|Practice|Clinic|"
              r"Unit|Centre|Center|School|Academy|College|University|Works|Factory|Mill|Prison|Hotel|Lodge|Court|"
              r"House|Manor|Hall|County|Polyclinic|Campus|Health[ \t]+Team|Health[ \t]+Services|Medical[ \t]+Services|"
              r"Ambulance[ \t]+Service|Police[ \t]+Department|Police[ \t]+Station|Church|Chapel|Mosque|Temple|"
              r"Synagogue|Cathedral|PHC|Health[ \t]+Post|Health[ \t]+Station|Dispensary|Health[ \t]+Complex|Maternity[ \t]+Home|Club|Zoo|Museum|Airport|Pharmacy|"
              r"Chemists?|Associates|Ltd|Limited|Inc|LLC|PLC|PLLC|LLP|Pvt\.?[ \t]+Ltd|\(Pvt\)[ \t]+Ltd|Pty\.?[ \t]+Ltd|PJSC|FZ-?LLC|FZE|Sdn\.?[ \t]+Bhd|Assisted[ \t]+Living|Senior[ \t]+Living|Retirement[ \t]+Home|"
              r"Retirement[ \t]+Village|Home[ \t]+Health|Primary[ \t]+Care|Urgent[ \t]+Care|Immediate[ \t]+Care|"
              r"Behaviou?ral[ \t]+Health|Schools|Parish|Marae|Healthcare|Mart|Institute|Pediatrics|Paediatrics|"
              r"Counsel+ing|Dialysis|Nursing|Women['’]s[ \t]+Health|Logistics|Industries|Motors|Construction|Athletic|"
              r"Rovers|FC|RFC|GAA|GAC|Day[ \t]+Services|Gym|YMCA|Inn|Tavern|Arms|Medicine[ \t]+Group|Physicians[ \t]+Group|"
              r"Health[ \t]+Group|Out[ \t]+of[ \t]+Hours(?:[ \t]+Service)?|Aged[ \t]+Care(?:[ \t]+Assessment[ \t]+Service)?|"
              r"Companion[ \t]+Care|Home[ \t]+Care|Memorial|Mental[ \t]+Health|Collective|Health[ \t]+Foods|Foods|Council|Library|Drop-In|Drop-in|CAB|Funerals|Funeral[ \t]+Home|Funeral[ \t]+Directors|Health[ \t]+Department|Bar|Pub|Diner|Pizza|Pizzeria|Restaurant|Cafe|Café|Deli|Golf[ \t]+Course|Creche|Crèche|Nursery|Kindergarten|Pre-?school|CHC|Company|Corporation|Corp|Senior[ \t]+Health|Elementary|Bakery|Haulage|Homecare|Hub|"
              r"Assessment[ \t]+Service|Physiotherapy[ \t]+Service)")
# businesses and services by their trade ("Bright Smiles Dental", "Pine Tree Medical Supply", "Northgate Community
# Midwifery Team"; blind reviews): everyday words too ("Repeat Labs", "Chronic Fatigue Service"), so the words before
# must hold a proper name's (deid._trim_place)
TRADE_PLACE_NOUN = (r"(?:Dental|Dentistry|Labs|Laborator(?:y|ies)|Imaging|Physical[ \t]+Therapy|Physicians|Solutions|Products|"
              r"Partners|Processing|Distribution|Suppl(?:y|ies)|Insurance(?:[ \t]+Co(?:mpany)?\.?)?|Health[ \t]+Plan|"
              r"Visiting[ \t]+Nurses|Home[ \t]+Infusion|Programme|Program|Team|Service|Authority|EMS|Health|"
              # "Medical" ends a practice's name, never heads a phrase ("Past Medical History", "Medical Records")
              r"Medical(?![ \t]+(?:[A-Z]|(?i:hx|history|problems?|conditions?|issues?|concerns?|review|notes?|records?)\b))|"
              r"Doctors|Transport|Internal[ \t]+Medicine|Occupational[ \t]+Medicine|Dental[ \t]+Care|"
              r"Services|Lines|Rehab|Lab|Podiatry|Engineering|Textiles|Grammar|Montessori|Carers|Village|"
              r"Long-Term[ \t]+Care|Community[ \t]+Care|Hauora|Freight|Haulage|Removals|Motors|Garage|Plumbing|"
              r"Local[ \t]+Health[ \t]+District|Health[ \t]+District|Residence|"
              r"Fire[ \t]+Department|Fire[ \t]+Dept|Fire[ \t]+and[ \t]+Rescue(?:[ \t]+Service)?|Energy|Biologics|"
              r"Pharmaceuticals|Fabricators|Clubs|Credit[ \t]+Union|Market|Cooperative|Co-operative|Drug|Nurse[ \t]+Line|Station|Resort|Boat[ \t]+Harbou?r|Maternity|(?:Health|Correctional|Detention|Care)[ \t]+Facility|Nursing[ \t]+Station|Council[ \t]+on[ \t]+Aging|Home[ \t]+Support|Care[ \t]+at[ \t]+Home|Ambulance[ \t]+Station|Crisis[ \t]+Line|Senior[ \t]+Care|"
              # a practice or a firm, not a trial's group ("Epirubicin Study Group")
              r"(?<!Study[ \t])(?<!Trial[ \t])(?<!Research[ \t])(?<!Working[ \t])(?<!Cancer[ \t])(?<!Oncology[ \t])Group|"
              r"[A-Z][a-z]{2,}ology|Electrical|Builders|Joinery|Dairy|Vineyards?|Winery|Brewery|Quarry|Mining|Logistics)")
PLACE_NOUN = rf"(?:{NAMED_PLACE_NOUN}|{TRADE_PLACE_NOUN})"
RELATIONS = (r"(?:(?:brother|sister|mother|father)-in-law|daughter|son|wife|husband|partner|spouse|mother|father|mum|mom|mam|dad|brother|sister|niece|nephew|"
             r"grandson|granddaughter|grandchild|grandmother|grandfather|grandma|grandad|granny|aunt|auntie|uncle|"
             r"cousin|friend|pal|mate|buddy|nan|nana|nanna|gran|grandpa|aunty|neighbou?r|carer|caregiver|fianc[ée]e?|boyfriend|girlfriend|stepson|stepdaughter|"
             r"son-in-law|daughter-in-law|sibling|next of kin|coworker|co-worker|roommate|room-mate|flatmate|housemate|landlord|landlady|"
             r"lodger|guardian|godmother|godfather|stepfather|stepmother|stepmum|stepdad|parents?|foster[ \t]+(?:mother|"
             r"father|carer|parent)|grandparent|twin|ex-wife|ex-husband|ex-partner|widow|widower|helper|nanny|dtr|dau|sis|bro|gf|bf)")
ROLES = (r"(?:staff nurse|charge nurse|scrub nurse|student nurse|student physio|student|nurse|sister|HCA|"
         r"health ?care assistant|physio(?:therapist)?|OT|occupational therapist|SALT|speech therapist|pharmacist|"
         r"FY?[12]|SHO|registrar|consultant|matron|midwife|assistant|anaesthetist|porter|dietitian|social worker|"
         r"paramedic|clinical nurse specialist|nurse specialist|CNS|surgeon|doctor|colleague|key worker|"
         r"coordinator|RN|manager|support worker|ward clerk|receptionist|secretary|constable|PC(?!:)|officer|"
         r"police officer|sergeant|detective|scribe|interpreter|chaplain|health visitor|counsell?or|"
         r"technician|radiographer|sonographer|phlebotomist|caseworker|case manager|advocate|teacher|EMT|DN|"
         r"district nurse|tissue viability nurse|aide|scrub|coach|PT|SW|DSN|doula|attorney|lawyer|solicitor|adjuster|health worker|health representative|promotora|navigator|FWV|SACMO|CHEW|CHV|MSW|CHCP|ASHA|ANM|data clerk|supervisor|link worker|mentor|delegate|advisor|adviser|CHW|CRNA|LPN|CNA|APRN|CNM|NP|PA-C|PSW|CPN|RAN|trooper|\w{3,}ist)")
# Words that are never a person's name, wherever they stand: roles, specialties, and drugs by their stems (a stem
# after three letters or more: "Pam" the daughter is a name, diazepam a drug; she was kept, a privacy review).
NEVER_NAME = re.compile(
    r"(?:olog(?:ist|y|ical)|iatr(?:ist|ics|y|ic)|ician|surgeon|surgery|therap(?:ist|y)|nurse|nursing|pharmac(?:ist|y)|"
    r"registrar|consultant|physio\w*|paramedic|midwi\w+|dietitian|team|department|clinic|service|practitioner|"
    r"specialist|assistant|student|matron|porter|worker|anaesthet\w+|anesthet\w+|medicine|(?<![a-z])ward|unit|hospital)$|"
    r"(?<=\w{3})(?:pril|sartan|olol|alol|statin|mab|nib|dipine|cillin|mycin|floxacin|azole|prazole|formin|gliptin|"
    r"gliflozin|xaban|parin|glutide|sone|olone|amide|azide|pam|olam|codamol|morph|profen|fenac|oxacin|[aeiou]vir|cycline|"
    r"triptan|setron|lukast|terol|tropium|clav|lutamide|zumab|ximab)$", re.I)
# whose name a form's "Name of ...:" asks for ("Name of injured:", "Name of informant:"); not "Name of procedure:"
NAMED_PERSON = (r"(?:patient|injured|deceased|informant|father|mother|husband|wife|spouse|partner|guardian|parent|child|"
                r"baby|attendant|relative|next[ \t]+of[ \t]+kin|escort|carer|caregiver|doctor|consultant|surgeon|"
                r"witness|victim|interpreter|examiner|medical[ \t]+officer|referring[ \t]+doctor|person)")
# What staff say before a hospital's short name: "seen at", "transferred to", "under the renal team at".
CARE_WORDS = (r"(?:seen|treated|followed|admitted|transferred|referred|reviewed|known|under|team|discharged|"
              r"attend(?:s|ed|ing)?|booked|listed|delivered|born|previously|managed|operated|moved|sent|"
              r"repatriated|care|clinic|appointment|surgery|operation|inpatient|outpatient)")
# "Royal" before these is not a hospital ("Royal Navy veteran").
NOT_ROYAL = (r"(?:Navy|Air|Marines?|Mail|Society|Family|Army|Artillery|Engineers|Signals|Legion|Highness|Warrant|"
             r"College|Colleges|Academy|Institution|Commission|Charter|Assent|British|Pharmaceutical|Voluntary|Ballet|"
             r"Opera|Mint|Household|Court|Courts|Jelly)")
# A possessive before these is an eponym, not a place ("to Hirschsprung's disease").
EPONYM_NOUNS = (r"(?:disease|syndrome|sign|test|manoeuvre|maneuver|procedure|operation|fracture|palsy|phenomenon|"
                r"criteria|score|classification|law|triad|ulcer|lymphoma|sarcoma|tumou?r|arteritis|thyroiditis|"
                r"encephalopathy|contracture|node|reflex|pouch|repair|incision|solution|scale|grade|stage)")
# the postcode areas of the UK, the Channel Islands and the Isle of Man
UK_AREA = (r"(?:AB|AL|B|BA|BB|BD|BF|BH|BL|BN|BR|BS|BT|CA|CB|CF|CH|CM|CO|CR|CT|CV|CW|DA|DD|DE|DG|DH|DL|DN|DT|DY|E|EC|EH|EN|"
           r"EX|FK|FY|G|GL|GU|GY|HA|HD|HG|HP|HR|HS|HU|HX|IG|IM|IP|IV|JE|KA|KT|KW|KY|L|LA|LD|LE|LL|LN|LS|LU|M|ME|MK|ML|N|"
           r"NE|NG|NN|NP|NR|NW|OL|OX|PA|PE|PH|PL|PO|PR|RG|RH|RM|S|SA|SE|SG|SK|SL|SM|SN|SO|SP|SR|SS|ST|SW|SY|TA|TD|TF|TN|"
           r"TQ|TR|TS|TW|UB|W|WA|WC|WD|WF|WN|WR|WS|WV|YO|ZE)")
STREET = (r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Place|Pl|Boulevard|Blvd|Crescent|Cres|Gr|Tce|Pde|"
          r"Terrace|Square|Grove|Gardens|Hill|Rise|Row|Walk|Mews|Parade|Vale|Wharf|Pike|Freeway|Highway|Hwy|Parkway|"
          r"Pkwy|Expressway|Turnpike|Trail|View|Circle|Esplanade|Quay|Estate|Business[ \t]+Park|Retail[ \t]+Park|Route|"
          r"Broadway|Park|Lawns|Heights|Grange)")
# the full stop of an abbreviated street type ("High St."), not the sentence's after a whole word ("12 Ardmore Avenue.
# Three days ..." lost its full stop: a review)
STREET_ABBREVIATION_DOT = r"(?:(?<=St|Rd|Ln|Dr|Ct|Pl)\.|(?<=Ave)\.|(?<=Blvd)\.)?"
HOUSE_NUMBER_WORDS = (r"(?i:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|"
                      r"six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                      r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)")
AU_STATE = r"(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)"
CA_PROVINCE = r"(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)"
US_STATE_NAME = (r"Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
                 r"Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|"
                 r"Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
                 r"North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|"
                 r"South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming")
UNITS = r"mg|mcg|micrograms?|ng|ml|l|g|kg|mmol|umol|µmol|mol|iu|units?|copies|cells|mm|cm|per|x|/"  # a measure, not a PIN
US_STATE = (r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|"
            r"ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|GU|VI)")  # and the territories
# A name before one of these is an operation, a sign or a disease named after a person, not a person in the note.
EPONYMOUS_THING = re.compile(r"[ \t]+(?i:\w+(?:ectomy|otomy|ostomy|plasty|pexy|scopy|graphy)|procedure|operation|"
                             r"repair|syndrome|disease|sign|test|manoeuvre|maneuver|fracture|classification|score|stage|staging|table|"
                             r"criteria|approach|technique|incision|flap|shunt|fistula|anastomosis|murmur|pupil|"
                             r"angina|tear|malformation|palsy|reflex|phenomenon|triad|ulcer|node|lymphoma|sarcoma|scale|pain[ \t]+scale|index|equation|formula|"
                             r"protocol)\b")
# Words after a town that make it a score, scale or rule named after the town ("Glasgow Coma Scale").
TOWN_TOOLS = (r"(?:coma|score|scale|criteria|rules?|classification|chart|index|triage|system|protocol|"
              r"questionnaire|grad(?:e|ing)|stag(?:e|ing)|splint|brace|shunt|procedure|operation|technique|method|"
              r"guidelines?|consensus|definition|nomogram|tool|trial|study|prognostic|stool|hip|knee|agreement|"
              r"declaration|convention|classification|model|formula|equation|protocol|regimen)")
# What a number counts when it is not a day of the month ("June 2 episodes", "August 3 weeks")
COUNTED = (r"(?:days?|d|weeks?|wks?|months?|mo|years?|yrs?|hours?|hrs?|h|minutes?|mins?|episodes?|times?|tablets?|"
           r"doses?|units?|attacks?|falls?|admissions?|nights?|pints?|drinks?|cigarettes?|litres?|hx|x)")
DIGIT_WORD = r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|double|triple)"
# a number said in words, any part of it ("one", "forty", "hundred", "thousand"), for a number read out in groups
NUMBER_WORD = (r"(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
               r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
               r"hundred|thousand|double|triple)")
# an age over 89 in digits or said in words ("ninety-three", "a hundred and one"), as a dictation gives it
_ONES = r"(?:one|two|three|four|five|six|seven|eight|nine)"
AGE_OVER_89 = (rf"(?:9\d|1[01]\d|(?i:(?:ninety(?:[- ]{_ONES})?|(?:a|one)[ \t]+hundred(?:[ \t]+and[ \t]+(?:{_ONES}|ten|"
               rf"eleven|twelve|\w+teen))?)(?![- \t]+(?:and[ \t]+)?(?:{_ONES}|ten|eleven|twelve|\w+teen|hundred|"
               r"thousand|point)\b)))")

# Languages and nationalities: "Primary language: Polish", "Interpreter: Vietnamese" are not names (a blind review)
LANGUAGES = {"Polish", "Vietnamese", "Spanish", "Mandarin", "Cantonese", "Arabic", "Urdu", "Punjabi", "Hindi", "Bengali",
             "Somali", "Tagalog", "Portuguese", "French", "Italian", "Russian", "Romanian", "Turkish", "Farsi", "Korean",
             "Japanese", "German", "Swahili", "Yoruba", "Igbo", "Hausa", "Amharic", "Tigrinya", "Kurdish", "Pashto",
             "Dari", "Tamil", "Gujarati", "English", "Welsh", "Irish", "Gaelic", "Hebrew", "Greek", "Albanian",
             "Lithuanian", "Latvian", "Ukrainian", "Czech", "Slovak", "Hungarian", "Bulgarian", "Serbian", "Croatian",
             "Chinese", "Thai", "Malay", "Indonesian", "Nepali", "Sinhala", "Zulu", "Xhosa", "Afrikaans", "Maori",
             "Māori", "Samoan", "Tongan", "Filipino", "Haitian", "Creole", "Hokkien", "Teochew", "Malayalam", "Telugu",
             "Kannada", "Marathi", "Sign", "BSL", "ASL"}
# Words that make a place name generic ("General Hospital", "Eye Unit"): a place needs one other word.
GENERIC_PLACE = {
    "Village", "AME", "AMEZ", "CME", "Pakar", "Perubatan", "Kesihatan", "Keluarga", "Mata", "Gigi", "Desa",
    "General", "Mental", "Risk", "Diabetic", "Leg", "Ulcer", "Haemodialysis", "Hemodialysis", "Hyperbaric", "Infusion",
    "Vein", "Spine", "Wellness", "Digestive", "Emergency", "Acute", "Medical", "Surgical", "Intensive", "Care", "High", "Dependency",
    "Royal", "District", "Community", "Children", "Children's", "Women's", "Maternity", "Outpatient", "Outpatients",
    "Inpatient", "Day", "Eye", "Main", "New", "Old", "Memory", "Pain", "Stroke", "Renal", "Cancer", "Cardiac",
    "Coronary", "Fracture", "Rehabilitation", "Rehab", "Teaching", "Trust", "Foundation", "Sheltered", "Supported",
    "Residential", "Nursing", "Home", "Health", "Primary", "Secondary", "Urgent", "Walk-in", "Dental", "Sexual",
    "Fertility", "Sleep", "Heart", "Lung", "Liver", "Kidney", "Spinal", "Burns", "Diabetes", "Respiratory", "Elderly",
    "Frailty", "Older", "People", "Adult", "Adults", "Paediatric", "Pediatric", "Neonatal", "Minor", "Injuries",
    "Assessment", "Ambulatory", "Short", "Stay", "Discharge", "Transfer", "Lounge", "Theatre", "Theatres", "Recovery",
    "Endoscopy", "Radiology", "X-ray", "Oncology", "Haematology", "Hematology", "Infectious", "Diseases", "Isolation",
    "Side", "Room", "Bay", "Bed", "Practice", "Surgery", "Centre", "Center", "Unit", "Hospital", "School",
    "University", "College", "The", "This", "That", "Our", "Your", "His", "Her", "Local", "Private", "National",
    "Regional", "County", "City", "Specialist", "Clinic", "Ward", "Care Home", "Steel", "Works", "Court", "House",
    "Hall", "Lodge", "Manor", "Hotel", "Prison", "Academy", "Mill", "Factory", "Vascular", "Cardiovascular",
    "Thoracic", "Cardiothoracic", "Plastic", "Plastics", "Orthopaedic", "Orthopedic", "Colorectal", "Breast", "Hand",
    "Upper", "Lower", "GI", "Neuro", "Neurosurgical", "Trauma", "Critical", "Palliative", "Psychiatric", "Obstetric",
    "Gynaecology", "Gynecology", "Urology", "Bariatric", "Transplant", "Hepatobiliary", "Endocrine",
    "Head", "Neck", "Skin", "Wound", "Foot", "Podiatry", "Audiology", "Sports", "Injury", "Police", "Fire",
    "Ambulance", "Service", "Services", "Team", "Methodist", "Baptist", "Catholic", "Anglican", "Parish", "Public",
    "Occupational", "Behavioral", "Behavioural", "Skilled", "Interventional", "Pulmonary", "Child", "Campus",
    "Polyclinic", "Church", "Chapel", "Antenatal", "Postnatal", "Movement",
    "Disorders", "PHC", "Zoo", "Museum", "Airport", "Scottish", "Welsh", "English", "British", "Irish",
    "American", "Canadian", "Australian", "Golf", "Bowling", "Football", "Rugby", "Cricket", "Tennis",
    "Social", "Youth", "Lunch", "Book", "Club", "Pharmacy", "Chemist", "Chemists", "Associates", "Ltd", "Limited",
    "Inc", "Inc.", "LLC", "PLC", "Station", "Stores", "Failure", "Anticoagulation", "Lipid", "Hypertension",
    "Asthma", "Epilepsy", "Headache", "Continence", "Falls", "Protection", "Safeguarding", "Offences", "Violence",
    "Crisis", "Liaison", "Prevention", "Assisted", "Living", "Senior", "Retirement", "Immediate", "Healthcare",
    "Schools", "Society", "Mart", "Marae", "Institute", "Pediatrics", "Paediatrics", "Counseling", "Counselling",
    "Dialysis", "Logistics", "Industries", "Motors", "Construction", "Athletic", "Rovers", "FC", "RFC", "GAA", "GAC",
    "Research", "Learning", "Disability", "Disabilities", "Annual", "Check", "School-based", "Both", "Student",
    "Internal", "Abuse", "Home-based", "Home-Based", "Aged", "Companion", "Elementary", "Bakery", "Haulage",
    "Out", "Hours", "Rapid", "Access", "Comprehensive", "Homecare", "Hub",
    # words of a service's trade or purpose, before the trades taken as a place's noun ("Outreach Team", "Medical
    # Retina Service", "Echocardiography Laboratory", "Acute Physiology and Chronic Health")
    "Midwifery", "Equipment", "Therapy", "Physical", "Tobacco", "Treatment", "Family", "Bone", "Global", "Digital",
    "Population", "Molecular", "Visiting", "Nurses", "Imaging", "Diagnostic", "Clinical", "Quality", "Screening",
    "Vaccination", "Immunisation", "Immunization", "Smoking", "Cessation", "Weight", "Management", "Laboratory",
    "Pathology", "Microbiology", "Blood", "Transfusion", "Alcohol", "Addiction", "Substance",
    "Misuse", "Early", "Intervention", "Psychosis", "Eating", "Perinatal", "Forensic", "Complex", "Needs",
    "Continuing", "Intermediate", "Reablement", "Enhanced", "Virtual", "Tissue", "Viability", "Resolution",
    "Single", "Point", "Integrated", "Neighbourhood", "Locality", "Case", "Nutrition", "Dietetic", "Dietetics",
    "Men's", "Oral", "Environmental", "Workplace", "Employee", "Staff", "Wellbeing", "Travel", "Refugee",
    "Speech", "Language", "Hearing", "Vision", "Optometry", "Orthotics", "Prosthetics", "Wheelchair", "Seating",
    "Stoma", "Lymphoedema", "Dementia", "Motor", "Neurone", "Neuron", "Specialised", "Specialized", "Tertiary",
    "Outreach", "Retina", "Echocardiography", "Mobile", "Periodic", "Chronic", "Physiology",
    "Physicians", "Physicians'", "Multidisciplinary", "Biopsy", "Donor", "Marrow", "Cholesterol", "Education",
    "Hormone", "Pituitary", "Dentistry", "Labs", "Laboratories", "Solutions", "Products", "Partners",
    "Processing", "Distribution", "Supply", "Supplies", "Insurance", "Plan", "Programme", "Program", "Authority",
    "EMS", "Medicine", "Adolescent", "Transport", "Patient", "Flow"}
# Words that name no one before a trade taken as a place's noun (TRADE_PLACE_NOUN) though they may before a hospital's
# noun ("Eastern Team", "Green Team", "Special Authority", "World Health"; but "Western General Hospital", "Orange
# County", "Hospital for Special Surgery", "Kaiapoi New World")
TRADE_GENERIC = {"Long", "Term", "Extended", "Secure", "Juvenile", "Immigration", "State", "Local", "Ski", "Seaside",
                 "Holiday", "Beach", "Golf", "Samaritans", "Midwife", "Led", "Labour", "Eastern", "Western", "Northern", "Southern", "Central", "North", "South", "East", "West", "World",
                 "Special", "My", "Our", "Two", "Week", "Wait", "Green", "Red", "Blue", "Yellow", "Purple", "Orange",
                 "Pink", "Per", "Drug", "Drugs", "Standard", "First", "Second", "Task", "Force", "Multidimensional",
                 "Internal", "Occupational", "Personal", "Mouth", "Pressure", "Catheter", "Respite", "Self", "Shared",
                 "Usual", "Supportive", "Comfort", "Life", "End", "Claims", "Legal", "Social", "Financial", "Support",
                 "Advisory", "Information", "Customer", "Emergency", "Specialist", "Patient", "Sport", "Sports",
                 "Funeral", "Home", "Village", "Long-Term", "Transitional", "Interim", "Clinical", "Science",
                 "Paed", "Current", "Board", "Certified", "Preventive", "Preventative", "Study", "Working", "Age",
                 "Peer", "Control", "Placebo", "Focus", "Self-Help", "Parent", "Parents", "Walking", "Exercise",
                 "Bereavement", "Carers", "Blood", "Risk", "Ethnic", "Income", "Diagnosis", "Diagnostic",
                 "Related", "Diagnosis-Related", "Comparison", "Reference", "Expert", "Guideline", "Development",
                 "Steering", "Writing", "Collaborative", "Oncology", "Cooperative", "Co-operative", "Surgical",
                 "Past", "Previous", "Relevant", "Significant", "Other", "Any", "Good", "Allied", "Oxygen", "Tribal",
                 "Indigenous", "Aboriginal", "Rural", "Remote", "Urban", "Gold", "Silver", "Bronze", "Platinum",
                 "Alcoholics", "Anonymous", "Shed", "Lab", "Prior", "Known", "Further", "Ongoing", "Recent",
                 "Multiple", "Major", "Serious", "Underlying", "Active", "Gambling", "Narcotics", "Women's",
                 # hospital services by what they do ("Chaplaincy Team", "Genetics Service", "Site Team")
                 "Carer", "Coroner", "Coroner's", "Non-Emergency", "Contraception", "Chaplaincy", "Assertive",
                 "Neurodevelopmental", "Osteoporosis", "Pancreas", "Vestibular", "Cochlear", "Implant",
                 "Maxillofacial", "Orthodontic", "Restorative", "Talking", "Therapies", "Prescribing", "Informatics",
                 "Portering", "Infection", "Medicines", "Site", "Homeless", "Veterans", "Help", "Spiritual",
                 "Interpreting", "Interpreter", "Complaints", "Examiner", "Nuclear", "Same", "Older", "People's",
                 "Response", "Autism", "Genetics", "Genetic", "Transition", "Transitions", "Monitoring", "Disease",
                 "Hospice", "Balance", "Migrant", "Custody", "Diversion", "Coaching", "Coordination", "Utilization",
                 "Improvement", "Governance", "Training", "Simulation", "Skills", "Records", "Coding", "Finance",
                 "Estates", "Catering", "Security", "Air", "Helicopter", "Retrieval", "Bed", "Body", "Advice",
                 "Liaison", "Haemophilia", "Hemophilia", "Sickle", "Thalassaemia", "Immunology",
                 "Allergy", "Clinic", "Telehealth", "Telemedicine", "Acute", "Urgent", "Outpatient",
                 "Inpatient", "Domiciliary", "Homecare", "Nursing", "Medical", "Dental", "Laboratory",
                 # before a specialty named as a practice ("Red Rock Radiology"), what names the specialty's kind
                 "Radiation", "Neuro", "Geriatric", "Reproductive", "Cellular", "Invasive", "Non-invasive",
                 "Academic", "Integrative", "Functional", "Cognitive", "Developmental", "Educational", "Chemical",
                 "Gynae", "Gynaecological", "Gynecologic", "Gynecological", "Musculoskeletal", "Hand",
                 "Veterinary", "Maternal", "Fetal", "Foetal", "Obstetric", "Perinatal", "Transplant", "Tropical",
                 "Travel", "Sexual", "Genitourinary", "Head", "Neck", "Thoracic", "Cardiothoracic",
                 "Breast", "Skin", "Hair", "Nail", "Eye", "Ear", "Nose", "Throat", "Voice", "Swallow", "Bone",
                 "Joint", "Spine", "Lifestyle", "Public", "Molecular",
                 "Inflammatory", "Autoimmune", "Teaching", "Regional", "Consultant", "Trainee", "Registrar", "Senior",
                 "Junior", "Infectious", "Hospital", "Private", "Spinal", "Foot", "Fertility",
                 "Radiologic", "Radiological", "Refer", "Referral", "Referred", "See", "Seen", "Contact", "Discuss",
                 "Discussed", "Ask", "Book", "Booked", "Via", "Under", "With", "Await", "Awaiting", "Needs", "Chase",
                 "Routine", "Copy", "Cc"}
CONNECTORS = {"and", "&", "of", "for", "on", "upon", "the", "to", "at", "in", "from"}  # inside a place's name, never what identifies it
# Capitalised words that are not names even after a label ("Patient: Denies ...").
# Scores named after people, written with their value ("Barthel 35", "Tanner 1", "Bishop 8", "Rankin 3"): a name there
# is the score's (a blind review); "Mrs Tanner" is still a person.
SCORE_EPONYMS = (r"(?:Barthel|Waterlow|Braden|Norton|Apgar|Tanner|Abbey|Bishop|Rankin|Karnofsky|Epworth|Rockall|Blatchford|"
                 r"Glasgow|Wells|Centor|Ranson|Gleason|Breslow|Clark|Hamilton|Beck|Oxford|Lansky|Mallampati|Killip|Braden)")
NOT_NAMES = {
    # an examination's, a role's or a label's word that is also someone's name somewhere ("Tone and power were
    # normal", "Bedside RN:", "To: Hospice CNS team"; corpora 54-57; not "Baby", a Kerala given name)
    "Tone", "Bedside", "Hospice",
    # a laxative, a GP system's service, a form's heading ("Senna 7.5mg", "via GP Connect", "Safeguarding: Concern Record")
    "Senna", "Connect", "Concern",
    # roles on a form's line ("RN    Tech: Tomás Villanueva", "Peer support worker:", "Attendant (Bilal, brother)")
    "Tech", "Peer", "Attendant", "Technician", "Phone", "Navigator",
    # a relation said as the addressee ("cc: Mother – copy handed over"; then every "Mother" was removed)
    "Mother", "Father", "Wife", "Husband", "Daughter", "Son", "Brother", "Guardian", "Carer",
    # what follows a "Patient" label that is not a name ("Patient Records", "Patient Portal Message Thread")
    "Records", "Record", "Portal", "Thread", "Message", "Messages", "Support", "Information", "Details", "Leaflet",
    "Feedback", "Safety", "Identifier", "Summary", "Demographics", "Label", "Sticker", "Wristband", "Consent",
    "Preferences", "Instructions", "Account", "Online", "Telephone", "Triage",
    # specialties as ward lists shorten them ("Ortho SpR", "Consultant: Gen Med Team B"; a blind review)
    "Ortho", "Orthopaedics", "Orthopedics", "Gen", "Med", "Neuro", "Cardio", "Resp", "Gastro", "Haem", "Onc", "Paeds",
    "Peds", "Surg", "Obs", "Gynae", "Psych", "Derm", "Rheum", "Uro", "Vasc", "Plastics", "Geri", "Geris", "Medicine",
    "Speech", "Language", "Registered", "Lone", "Ramadan", "Eid", "Diwali", "Whats", "Sir", "Sr", "Fr", "Day", "Datin", "Dato", "Datuk",
    "Puan", "Encik", "Hj", "Haji", "Speaker", "Prior", "Voicemail", "Log", "Pt", "Hajjah", "Alhaji", "Alhaja", "Mallam", "Chief", "Ate", "Kuya", "Telehealth", "Charge", "Pager", "Bleep", "Found", "Micro", "Attending", "Resus", "Date", "Contact", "Routine", "Continuous", "Referring", "Phase", "Stage", "Level", "Programme", "Program", "Mum", "Mom", "Dad", "Mam", "Gran", "Granny", "Grandma",
    "Grandad", "Parents", "Carers", "Staff", "Everyone", "Both", "Them", "Him", "Her", "Pharmacy",
    "Denies", "Reports", "Presents", "Complains", "Is", "Was", "Has", "The", "This", "No", "Not", "None",
             "Chest", "Pain", "History", "Patient", "Male", "Female", "Unknown", "Alert", "Stable", "Admitted",
             "Discharged", "Seen", "Today", "Yesterday", "Tomorrow", "Left", "Right", "Daily", "Ward", "Clinic",
             "Dr", "Doctor", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Nurse", "Sister", "Known",
             "Review", "Assessment", "Plan", "Letter", "Note", "Notes", "Referral", "Advice", "Input", "Follow",
             "Examination", "Impression", "Diagnosis", "Management", "Background", "Social", "Family",
             "Medication", "Medications", "Allergies", "Results", "Investigations", "Bloods", "Imaging", "Discussed",
             "Dear", "Thank", "Thanks", "Yours", "Regards", "Clinical", "Specialist", "Senior", "Junior", "Locum",
             "Acting", "Lead", "Named", "Duty", "On", "Call", "Night", "Team", "State", "Department", "Name",
             "Partner", "Partners", "In", "At", "Of", "For", "And", "Officer", "Intern", "Mdm", "Madam",
             "Mme", "Mlle", "Resident", "Manager", "Driver", "Course", "Progress", "Admission", "Report", "Reason",
             "Stay", "Events", "Bra", "Boy", "Girl", "Twin", "Key", "Principal", "Reg", "Smt", "Shri",
             "Sri", "Scheme", "Pastor", "Imam", "Rabbi", "Rev", "Det", "Sgt", "Insp", "Cst", "Elder", "Mama", "Whaea", "Colleague",
             "Birth"} | LANGUAGES | GENERIC_PLACE
# Words of a place's name that are also surnames: after a title they are the person ("Dr. Gregory House" kept
# "House", "Dr. Hall" was kept whole: a security review).
PLACE_WORD_SURNAMES = {"House", "Hall", "Day", "Main", "Hand", "Head", "Court", "Mill", "Lodge", "Manor", "Short",
                       "Bay", "Foot", "Burns", "Lung", "Steel", "Heart", "Neck", "Care", "Home", "Side", "Keys"}
NOT_NAMES_AFTER_TITLE = NOT_NAMES - PLACE_WORD_SURNAMES - LANGUAGES  # Mr Zulu, Dr French
NOT_PLACE_NAMES = NOT_NAMES - GENERIC_PLACE  # "Dear", "Seen": never a word of a street's name
# Capitalised clinical abbreviations: a span holding one is not a capitalised surname.
ABBREVIATIONS = {"COPD", "PACT", "CHF", "CKD", "ECG", "EKG", "CXR", "CT", "MRI", "HTN", "DM", "AF", "MI", "CVA", "TIA", "PE",
                 "DVT", "UTI", "GP", "ED", "ICU", "NHS", "MRN", "BP", "HR", "SOB", "NAD", "PMH", "HPI", "NKDA", "IV",
                 "GCS", "CRP", "FBC", "ABG", "OD", "BD", "TDS", "PRN", "NIL", "DNR", "DNACPR", "ACS", "NSR", "USS",
                 "ANP", "AHP", "ENP", "APN", "RGN", "HCA",  # nurses' and allied roles, not initials ("(ANP)")
                 "DOB", "DOD", "NOK", "SSN", "FIN", "UHID", "NHI", "URN", "HX", "RX", "DX", "MD", "RN", "DO", "NP", "PA",
                 "PHD", "MBBS", "FRCP", "DDS", "DMD", "MRCP", "FRCS", "OPD", "CHC", "SENCO", "DFM", "FCPS", "MRCOG", "FRCOG", "FACP", "FPCP",
                 "DCH", "DGO", "DNB", "FWACP", "FWACS", "FMCP", "MMED", "FRCPC", "FRACP", "MCH", "FRCR", "FRCA", "MRCGP"}

# Shops, pharmacies and employers known by a bare name. Named anywhere (their names are no other word) ...
BRANDS = (r"(?:Spire(?=[ \t]+[A-Z])|Nuffield[ \t]+Health|Planned[ \t]+Parenthood|Anytime[ \t]+Fitness|Dunkin['’]?(?:[ \t]+Donuts)?|Market[ \t]+Basket|Stop[ \t]+&[ \t]+Shop|Walgreens|Walmart|Wal-Mart|Kroger|Costco|Publix|Safeway|Meijer|Albertsons|H-E-B|Hy-Vee|Wegmans|"
          r"Trader[ \t]+Joe['’]s|Whole[ \t]+Foods|Rite[ \t]+Aid|Duane[ \t]+Reade|Dollar[ \t]+General|Family[ \t]+Dollar|"
          r"Home[ \t]+Depot|Starbucks|McDonald['’]s|Tim[ \t]+Hortons|Loblaws|Sobeys|Shoppers[ \t]+Drug[ \t]+Mart|"
          r"Tesco|Sainsbury['’]s|Asda|Morrisons|Waitrose|Superdrug|Lloyds[ \t]+Pharmacy|Woolworths|Chemist[ \t]+Warehouse|"
          r"Pick[ \t]+n[ \t]+Pay|Shoprite|Dis-Chem|Dunnes[ \t]+Stores|SuperValu|FedEx|LifeLabs|LabCorp|Quest[ \t]+Diagnostics|"
          # insurers and health plans, which narrow who and where a patient is as an employer does
          r"Anthem(?:[ \t]+Blue[ \t]+Cross(?:[ \t]+(?:and[ \t]+)?Blue[ \t]+Shield)?)?|Blue[ \t]+Cross[ \t]+(?:and[ \t]+)?Blue[ \t]+Shield"
          r"(?:[ \t]+of[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)?|Humana|Aetna|Cigna|UnitedHealthcare|Kaiser[ \t]+Permanente|"
          r"Highmark|Molina[ \t]+Healthcare|WellCare|Medibank|Bupa|Manulife|Sedgwick|Geisinger(?:[ \t]+(?:Gold|Health(?:[ \t]+Plan)?))?|"
          r"Vhi(?:[ \t]+Healthcare)?|Laya[ \t]+Healthcare|Irish[ \t]+Life[ \t]+Health|Discovery[ \t]+Health|"
          r"Meals[ \t]+on[ \t]+Wheels[ \t]+of[ \t]+(?:[A-Z][a-z]+[ \t]+){0,2}[A-Z][a-z]+|VNA[ \t]+of[ \t]+(?:[A-Z][a-z]+[ \t]+){0,2}[A-Z][a-z]+|"
          r"Pharmasave|Rexall|London[ \t]+Drugs|Jean[ \t]+Coutu|Uniprix|Familiprix|Priceline[ \t]+Pharmacy|Apollo[ \t]+Pharmacy|MedPlus|Bell[ \t]+Canada|Canada[ \t]+Life|Great-West[ \t]+Life)")
# ... and those whose name is also a word or a clinical abbreviation ("CVS" is the cardiovascular system, "Boots" and
# "Clicks" are words): only after "at", "from", "to" or "called" ("Rx sent to Boots", "Called CVS").
BRANDS_IN_CONTEXT = (r"(?:Boots|Clicks|Amazon|Coles|Aldi|Lidl|Caterpillar|Toyota|State[ \t]+Farm|Sun[ \t]+Life|"
                     r"UPS|Argos|Currys|Mainfreight|Kmart|Bunnings|Spar|Co-op|HCF|Avera)")

# A date said aloud ("the fourth of March", "March fourth twenty twenty-four", "monday the eleventh"), as dictation
# and voicemail transcripts write it
_ORDINAL_UNITS = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
ORDINAL_DAY = (rf"(?:{_ORDINAL_UNITS}|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|"
               rf"eighteenth|nineteenth|twentieth|twenty[- ]{_ORDINAL_UNITS}|thirtieth|thirty[- ]first)")
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|" \
               r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
YEAR_SAID = (rf"(?:(?:nineteen|twenty)[ \t-]+(?:oh[ \t-]+)?{_NUMBER_WORD}(?:[ \t-]+(?:one|two|three|four|five|six|seven|"
             rf"eight|nine))?|two[ \t]+thousand(?:[ \t]+and)?(?:[ \t]+{_NUMBER_WORD}(?:[ \t-]+(?:one|two|three|four|five|"
             rf"six|seven|eight|nine))?)?)")

# Chinese family names as Hong Kong, Singapore, Malaysia and the mainland romanise them, for a name written family name
# first ("CHEUNG Mei Ling", "Leung Chi-keung"; a blind review): no given-name gazetteer holds the syllables after them
CHINESE_SURNAMES = (r"(?:Au-Yeung|Auyeung|Chan|Chen|Cheng|Cheung|Chiu|Chong|Chow|Choi|Chu|Chua|Chung|Fong|Fung|Ho|Hui|Hung|"
                    r"Ip|Kam|Ko|Kong|Kwan|Kwok|Kwong|Lai|Lam|Lau|Law|Lee|Leung|Li|Liu|Lo|Lui|Luk|Mak|Mok|Ng|Poon|Pang|"
                    r"Siu|Sze|Tam|Tang|Tse|Tsang|Tsui|Tong|Wan|Wong|Wu|Yau|Yeung|Yip|Yiu|Yu|Yuen|Zhang|Wang|Zhao|Zhou|Xu|"
                    r"Sun|Zhu|Hu|Guo|Gao|Lin|Luo|Zheng|Liang|Xie|Song|Han|Feng|Deng|Cao|Peng|Zeng|Xiao|Tian|Dong|Yuan|"
                    r"Pan|Cai|Jiang|Du|Ye|Wei|Su|Lu|Ding|Shen|Yao|Tan|Lim|Goh|Ong|Teo|Koh|Tay|Yeo|Sim|Chia|Huang|Yang)")

# Syllables of Chinese given names as Cantonese, Mandarin (pinyin) and Hokkien romanise them: a family name in capitals is
# a name only before these ("CHEUNG Mei Ling", "TAN Ah Kow"; not "NG Tube", "KOH Prep", "LAM Pos"; a review)
CHINESE_SYLLABLES = frozenset("""
ah ai an ang bao bei beng bin bing bo boon chak chan chao chau chee chen cheng cheuk cheung chi chia chiew chin ching
chiu choi chong choo chor chow chu chuan chui chun chung dan de di ding dong fa fai fan fang fat fei fen feng fok fong
fu fung gang geok guang gui guo hai han hang hao hau hei heng him hin hing hiu ho hock hoi hon hong hou hua huan huang
hui hung hwa hwee jia jian jiang jiao jie jin jing jun ka kai kam kan kang kar kee kei keng keung khai kheng kiat kim
kin king kit kiu kok kong kuen kwai kwan kwok kwong lai lam lan lap lee lei leng leung li lian liang lik lim lin ling
lip liu lok long lu lun lung man mei meng mi miao min ming mo mui mun na nam nan ngai ngan ngok ni ning nuo oi on pak
pan pei peng pik ping po poh pong pui qi qian qiang qin qing qiu rong rou rui sai sam san sau seng seung shan shao
shek shen sheng sheung shi shing shu shuk si siew sik sin sing siu so soo soon suet sui suk sum sun swee tai tak tao
tat teck teng thiam tian ting to tong tsan tsang tsui tsun tsz tung wa wah wai wan wang wee wei wen wing wo wong wu
wun xi xia xian xiang xiao xin xing xiong xiu xu xuan xue ya yan yang yao yat ye yee yeung yi yim yin ying yip yiu yong
you yu yuan yue yuen yuk yun yung ze zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zi zhuo kow hoe kwee lye
""".split())
# the syllables of Korean given names as romanised ("Sung-min", "Dong-hyun", "Ji-yeon")
KOREAN_SYLLABLES = frozenset("""
ah bin bo chae chan chang cheol chul da dae do dong eun gi gu gyu ha hae han hee ho hoon hwa hwan hye hyo hyuk hyun il
in ja jae jee ji jin jong joo joon ju jun jung kang ki kwang kyu kyung mi min myung na nam ok ra ran ri rim sang se seo
seok seon seong seung shik shin sik so sol soo sook su suk sun sung tae un wan woo wook won ye yeon yeong yong young yu
yun yoon""".split())
KOREAN_SURNAMES = (r"(?:Kim|Lee|Park|Choi|Jung|Jeong|Kang|Cho|Yoon|Jang|Lim|Han|Oh|Seo|Shin|Kwon|Hwang|Ahn|Song|Yoo|Hong|Jeon|"
                   r"Ko|Moon|Yang|Son|Bae|Baek|Heo|Nam|Noh|Ha|Kwak|Sung|Cha|Joo|Woo|Min|Ryu|Jin|Um|Won|Chun|Bang|Gong|"
                   r"Hyun|Yeo|Chae|Byun|Suh|Rhee|Yi)")
