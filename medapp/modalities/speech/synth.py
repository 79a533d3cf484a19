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
