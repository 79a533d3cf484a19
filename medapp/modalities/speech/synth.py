"""Test speech: clinical sentences spoken by espeak-ng in several English voices, with added noise.

Used by the tests, the evaluation behind the model card and the benchmark. espeak-ng is a Debian
package (tests/system_deps.sh installs it); nothing here is shipped to users.
"""
from __future__ import annotations

import io
import subprocess

import numpy as np

RATE = 16_000
# Several accents of espeak-ng's English (the held-back set uses "several synthetic English voices").
VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp+f3", "en-us+m3")

# Dictations written for this evaluation (numbers spelled out as they are spoken). Drug names are a
# mix of ones in the shipped vocabulary and ones that are not (marked *), so the prompt's effect is
# not measured only on words it names.
CLINICAL_SENTENCES = (
    "start furosemide forty milligrams intravenously twice daily",
    "the patient is a seventy two year old man with atrial fibrillation on apixaban",
    "blood pressure one hundred and forty over ninety heart rate eighty eight",
    "chest auscultation reveals bibasal crackles and mild peripheral oedema",
    "she reports shortness of breath on exertion and orthopnoea for two weeks",
    "plan to increase bisoprolol to five milligrams once daily and review in clinic",
    "troponin was raised at sixty and the electrocardiogram shows anterior ST elevation",
    "commence amoxicillin five hundred milligrams three times a day for five days",
    "history of type two diabetes treated with metformin and gliclazide",
    "oxygen saturation ninety four percent on room air respiratory rate twenty",
    "stop ramipril because of acute kidney injury and recheck creatinine tomorrow",
    "abdomen soft and non tender with no organomegaly",
    "prescribe dapagliflozin ten milligrams once daily",  # * not in the vocabulary
    "known asthma using salbutamol inhaler as required and beclometasone twice daily",
    "the wound is clean and dry with no signs of cellulitis",
    "give ondansetron four milligrams for nausea and paracetamol one gram for pain",
    "she is allergic to penicillin which causes a rash",
    "refer to cardiology for an echocardiogram and consider sacubitril valsartan",  # * sacubitril
    "neurological examination is normal with no focal deficit",
    "continue levothyroxine one hundred micrograms and check thyroid function in six weeks",
)


# A separate development set, written later by another author, used to choose decoding settings,
# the prompt and the post-correction (the 20 sentences above stay the test set). Other sentences,
# other medicines (several not in the vocabulary: edoxaban, empagliflozin, tamsulosin, co-codamol),
# and other voices and speeds than the test set uses.
DEV_SENTENCES = (
    "commence ceftriaxone two grams intravenously once daily for community acquired pneumonia",
    "her potassium is three point two so start oral potassium supplements",
    "he takes atorvastatin forty milligrams at night and aspirin seventy five milligrams daily",
    "temperature thirty eight point five degrees with rigors since yesterday evening",
    "reduce prednisolone by five milligrams every week until stopped",
    "the chest x ray shows right lower lobe consolidation",
    "give morphine two point five milligrams subcutaneously as needed for pain",
    "she has a history of hypertension and chronic kidney disease stage three",
    "start enoxaparin forty milligrams subcutaneously for thromboprophylaxis",
    "glucose was fourteen on arrival and ketones were negative",
    "switch omeprazole to lansoprazole thirty milligrams once daily",
    "pulse one hundred and ten regular blood pressure ninety five over sixty",
    "the patient denies chest pain palpitations or syncope",
    "add spironolactone twenty five milligrams and check electrolytes in one week",
    "haemoglobin is eighty nine down from one hundred and twelve last month",
    "prescribe nitrofurantoin one hundred milligrams twice daily for three days",
    "no known drug allergies and she lives alone with carers twice a day",
    "increase amlodipine to ten milligrams and repeat blood pressure in two weeks",
    "he was found on the floor and may have been there for several hours",
    "start clopidogrel seventy five milligrams after a loading dose of three hundred milligrams",
    "sodium one hundred and thirty one urea nine creatinine one hundred and forty",
    "the ankle is swollen and tender over the lateral malleolus",
    "continue warfarin with a target international normalised ratio of two to three",
    "give flucloxacillin one gram four times a day for cellulitis of the left leg",
    "she is twenty eight weeks pregnant with no previous complications",
    "prescribe edoxaban sixty milligrams once daily for atrial fibrillation",
    "start empagliflozin ten milligrams once daily with the next meal",
    "the abdomen is distended with tinkling bowel sounds",
    "start tamsulosin four hundred micrograms at night for urinary retention",
    "repeat troponin in three hours and keep her on the cardiac monitor",
    "sertraline fifty milligrams once daily and review her mood in four weeks",
    "respiratory rate twenty four oxygen saturation eighty nine percent on two litres",
    "he has a productive cough with green sputum and right sided pleuritic chest pain",
    "give gentamicin five milligrams per kilogram and check levels tomorrow",
    "discharge home with doxycycline one hundred milligrams daily for five days",
    "the skin is warm and well perfused with a capillary refill under two seconds",
    "take two tablets of co-codamol four times a day when required",
    "start levetiracetam two hundred and fifty milligrams twice daily after the seizure",
    "she smokes ten cigarettes a day and drinks fourteen units of alcohol a week",
    "metronidazole four hundred milligrams three times a day with no alcohol",
)
# Accents and variants the test set does not use, at three speeds.
DEV_VOICES = ("en-gb-x-gbclan", "en-us-nyc", "en-gb-x-gbcwmd", "en-gb+f2", "en-us+f4", "en-gb-x-rp+m4",
              "en-029+f1", "en-gb-scotland+m2")
DEV_SPEEDS = (150, 165, 175)


def speak(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """espeak-ng's rendering of `text` as float32 mono at 16 kHz."""
    import soundfile as sf

    from ..audio.io import resample

    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         check=True, capture_output=True).stdout
    y, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return resample(y, rate, RATE)


def add_noise(y: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Speech plus pink-ish noise (white noise through a one-pole low-pass) at the given SNR."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(len(y)).astype(np.float32)
    from scipy.signal import lfilter

    noise = lfilter([1.0], [1.0, -0.9], white).astype(np.float32)
    speech_power = float(np.mean(y ** 2)) + 1e-12
    noise *= np.sqrt(speech_power / (float(np.mean(noise ** 2)) * 10 ** (snr_db / 10)))
    out = y + noise
    return (out / max(1.0, float(np.abs(out).max()) / 0.99)).astype(np.float32)


def pad(y: np.ndarray, before_s: float = 0.3, after_s: float = 0.5) -> np.ndarray:
    return np.concatenate([np.zeros(int(before_s * RATE), np.float32), y, np.zeros(int(after_s * RATE), np.float32)])


def wav_bytes(y: np.ndarray, rate: int = RATE) -> bytes:
    from ..audio.synth import wav_bytes as _wav

    return _wav(y, rate)
