"""De-identification of a recording before the case store keeps it.

Audio files carry free-text metadata: WAV LIST/INFO and BWF chunks (name, comment, originator,
dates), ID3 tags in MP3, Vorbis comments in OGG and FLAC. The samples are decoded and written
again as FLAC (lossless, same sample rate and channels) with no metadata at all. What is audible
in the recording (a spoken name) cannot be removed here; the page asks for pseudonymous references.
"""
from __future__ import annotations

import io

from .io import detect_format


def deidentify_bytes(data: bytes) -> bytes:
    import soundfile as sf

    if detect_format(data) is None:
        raise ValueError("not a WAV, FLAC, OGG or MP3 recording")
    with sf.SoundFile(io.BytesIO(data)) as f:
        samples = f.read(dtype="float32", always_2d=True)
        rate = f.samplerate
        subtype = "PCM_24" if f.subtype in ("PCM_24", "PCM_32", "FLOAT", "DOUBLE") else "PCM_16"
    out = io.BytesIO()
    sf.write(out, samples, rate, format="FLAC", subtype=subtype)
    return out.getvalue()
