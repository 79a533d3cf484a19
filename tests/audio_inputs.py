"""Malformed or unsuitable audio files for the audio tests (only tests use them: an onboarding review found them
shipped in medapp)."""
from __future__ import annotations

import numpy as np

from medapp.modalities.audio.synth import _riff, synthetic_heart_sound, wav_bytes


def bad_inputs() -> dict[str, tuple[str, bytes, str]]:
    """Malformed or unsuitable files, made on the fly: {case: (file name, bytes, words the message must contain)}."""
    good = wav_bytes(synthetic_heart_sound(4.0), 8000)
    one_second = (synthetic_heart_sound(1.0) * 32767).astype("<i2").tobytes()
    eight_hours = 8 * 3600 * 8000 * 2
    return {
        "truncated WAV": ("cut.wav", good[: len(good) * 6 // 10], "incomplete"),
        "zero-length file": ("empty.wav", b"", "empty"),
        "8-hour recording": ("night.wav", _riff(1, 8000, 16, eight_hours, one_second), "8.0 hours"),
        "MP3 renamed .wav": ("heart.wav", wav_bytes(synthetic_heart_sound(4.0), 8000, "MPEG_LAYER_III", "MP3"),
                             "contains MP3"),
        "text file": ("heart.wav", b"Patient notes: murmur heard at apex, grade 2/6.\n" * 20, "text file"),
        "WAV with a lying header (sample rate 0)": ("liar.wav", _riff(1, 0, 16, len(one_second), one_second),
                                                    "contradicts itself"),
        "WAV with a lying header (byte rate)": ("liar2.wav", _riff(2, 8000, 16, len(one_second), one_second,
                                                                   byte_rate=8000), "contradicts itself"),
        "silent recording": ("silent.wav", wav_bytes(np.zeros(8000 * 4, np.float32), 8000), "silent"),
        "too short": ("blip.wav", wav_bytes(synthetic_heart_sound(0.5), 8000), "at least"),
    }
