"""Audio input: formats by content, header checks, mono mix, resampling, silence and clipping, annotations."""
from __future__ import annotations

import numpy as np
import pytest
from audio_inputs import bad_inputs

from medapp.modalities.audio.features import FeatureSpec, display_view, log_mel, windows
from medapp.modalities.audio.io import detect_format, load_bytes, parse_cycles
from medapp.modalities.audio.synth import synthetic_heart_sound, wav_bytes
from medapp.types import InputError

SPEC = FeatureSpec()


@pytest.mark.parametrize("case", list(bad_inputs()))
def test_bad_input_gets_a_clear_message(case):
    name, data, words = bad_inputs()[case]
    if case == "MP3 renamed .wav":  # detected by content and read; the mismatch is reported
        x = load_bytes(data, name, SPEC)
        assert x.format == "MP3" and abs(x.duration_s - 4.0) < 0.15
        assert any(words in w for w in x.warnings)
        return
    with pytest.raises(InputError) as err:
        load_bytes(data, name, SPEC)
    assert words in err.value.message
    assert "Traceback" not in err.value.message and len(err.value.message) < 400


def test_eight_hour_header_is_refused_before_decoding():
    name, data, _ = bad_inputs()["8-hour recording"]
    assert len(data) < 20_000  # the claim alone is enough: nothing near 8 hours is read
    with pytest.raises(InputError, match="8.0 hours long; the limit is 2.0 minutes"):
        load_bytes(data, name, SPEC)


@pytest.mark.parametrize("fmt,subtype,magic", [("WAV", "PCM_16", "WAV"), ("FLAC", "PCM_16", "FLAC"),
                                               ("OGG", "VORBIS", "OGG"), ("MP3", "MPEG_LAYER_III", "MP3")])
def test_formats_are_detected_by_content_and_decoded(fmt, subtype, magic):
    y = synthetic_heart_sound(3.0, rate=8000)
    data = wav_bytes(y, 8000, subtype, fmt)
    assert detect_format(data) == magic
    x = load_bytes(data, "recording.bin", SPEC)
    assert x.format == magic and x.sample_rate == 8000
    assert abs(x.duration_s - 3.0) < 0.15
    if fmt in ("WAV", "FLAC"):  # lossless: the samples come back
        assert np.max(np.abs(x.samples - y)) < 1e-3


def test_stereo_44k_is_mixed_to_mono_and_resampled():
    t = np.arange(int(44100 * 2.0)) / 44100
    left = 0.3 * np.sin(2 * np.pi * 100 * t)
    right = 0.1 * np.sin(2 * np.pi * 100 * t)
    x = load_bytes(wav_bytes(np.column_stack([left, right]), 44100), "stereo.wav", SPEC)
    assert x.channels == 2 and x.original_rate == 44100 and x.sample_rate == 8000
    assert len(x.samples) == 16000
    middle = x.samples[2000:14000]
    assert abs(np.max(np.abs(middle)) - 0.2) < 0.01  # the mean of the two channels
    assert any("mixed to one" in w for w in x.warnings)


def test_clipping_and_partial_silence_are_reported():
    y = np.clip(3 * synthetic_heart_sound(4.0), -1, 1)
    x = load_bytes(wav_bytes(y, 8000), "loud.wav", SPEC)
    assert x.clipped_fraction > 0.001
    assert any("clipping" in w for w in x.warnings)
    quiet = synthetic_heart_sound(4.0)
    quiet[: int(8000 * 3.2)] = 0.0  # mostly silent: more than any training recording (see test_silence_warning)
    x = load_bytes(wav_bytes(quiet, 8000, "FLOAT"), "mostly-silent.wav", SPEC)
    assert 0.75 < x.silent_fraction < 0.9
    assert any("silent" in w for w in x.warnings)


def test_low_rate_recording_is_upsampled_with_a_warning():
    x = load_bytes(wav_bytes(synthetic_heart_sound(3.0, rate=4000), 4000), "litt3200.wav", SPEC)
    assert x.original_rate == 4000 and len(x.samples) == 24000
    assert any("4000 Hz" in w for w in x.warnings)


def test_icbhi_annotations_parse_and_bad_lines_are_named():
    cycles = parse_cycles("0.036\t0.579\t0\t0\n0.579\t2.45\t1\t0\n2.45\t3.893\t1\t1\n")
    assert [c.label for c in cycles] == ["normal cycle", "crackles", "crackles + wheezes"]
    assert cycles[1].start_s == 0.579 and cycles[1].end_s == 2.45
    with pytest.raises(InputError, match="line 2"):
        parse_cycles("0 1 0 0\nstart end\n")


def test_windows_cover_a_long_recording_and_the_last_one_ends_at_the_end():
    n = int(9.5 * 8000)
    spans = windows(n, SPEC)
    assert spans[0] == (0, 32000) and spans[-1] == (n - 32000, n)
    assert all(b - a == 32000 for a, b in spans) and len(spans) == 3
    assert windows(20000, SPEC) == [(0, 20000)]


def test_log_mel_shape_and_display_view_are_consistent():
    y = synthetic_heart_sound(4.0)
    S = log_mel(y, SPEC)
    assert S.shape == (1 + len(y) // SPEC.hop, SPEC.n_mels)
    view = display_view(y, SPEC, t0=2.0)
    assert np.asarray(view["spectrogram_db"]).shape == S.shape
    assert view["envelope_t"][0] == 2.0 and len(view["mel_hz"]) == SPEC.n_mels
    # level normalisation: a quieter copy gives the same spectrogram
    assert np.allclose(log_mel(0.1 * y, SPEC), S, atol=1e-3)


def test_deidentify_drops_metadata_and_keeps_the_samples():
    import io as _io

    import soundfile as sf

    from medapp.modalities.audio.deid import deidentify_bytes

    y = synthetic_heart_sound(2.0)
    buf = _io.BytesIO()
    with sf.SoundFile(buf, "w", 8000, 1, format="WAV", subtype="PCM_16") as f:
        f.title = "Jane Doe MRN 123456"
        f.comment = "recorded 2024-03-01 ward 7"
        f.write(y)
    data = buf.getvalue()
    assert b"Jane Doe" in data
    clean = deidentify_bytes(data)
    assert b"Jane Doe" not in clean and b"ward 7" not in clean and detect_format(clean) == "FLAC"
    back, rate = sf.read(_io.BytesIO(clean), dtype="float32")
    assert rate == 8000 and np.max(np.abs(back - sf.read(_io.BytesIO(data), dtype="float32")[0])) < 1e-6
    with pytest.raises(ValueError):
        deidentify_bytes(b"plain text")
