"""Uploaded or recorded bytes to an `AudioInput`: format by content, header checks, decode, mono, resample.

Steps, in order, each refusing with a message a clinician can act on:
1. detect the container from its first bytes (WAV, FLAC, OGG, MP3), never from the file name;
2. read the header and check what it claims (channels, sample rate, length) before decoding
   anything, so an 8-hour recording or a header that lies is refused without reading it all;
3. decode with libsndfile (which reads MP3 as well), check the decoded length against the header;
4. mix to mono, resample to the model's rate (polyphase filter), check length, silence and clipping.
Respiratory-cycle annotations (ICBHI .txt: start end crackles wheezes) travel with a lung recording.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field, replace
from math import gcd
from pathlib import Path

import numpy as np

from ...security import uploads
from ...types import InputError
from ..base import array_key
from .features import FeatureSpec

MAX_UPLOAD_BYTES = uploads.upload_limit("audio")
SILENCE_DBFS = -60.0  # a 100 ms frame quieter than this is silent
# The gaps between heart beats are silent frames: the 640 training recordings are 0-75% silent (median 28%,
# 99th percentile 54%, maximum 75%), so only a recording more silent than any of them is warned about.
SILENT_WARN_FRACTION = 0.75
CLIP_LEVEL = 0.999  # of full scale
# Clipped samples in the heart-sound training recordings: at most 0.78%, 99th percentile 0.33%. Above 0.5% a
# recording is warned (at 0.1%, 54 of the 640 training recordings were, 39 of them normal: a cardiology review);
# above 2% the heart model does not assess it: 9-38% clipped turned normal recordings into murmurs at 58-93%.
CLIP_WARN_FRACTION = 0.005
CLIP_NOT_ASSESSED_FRACTION = 0.02


@dataclass(frozen=True)
class Cycle:
    """One annotated respiratory cycle (ICBHI annotation line)."""

    start_s: float
    end_s: float
    crackles: bool
    wheezes: bool

    @property
    def label(self) -> str:
        found = [n for n, f in (("crackles", self.crackles), ("wheezes", self.wheezes)) if f]
        return " + ".join(found) if found else "normal cycle"


@dataclass(frozen=True)
class AudioInput:
    name: str
    samples: np.ndarray  # float32 mono at sample_rate, as decoded (level not normalised)
    sample_rate: int
    original_rate: int
    channels: int
    format: str
    warnings: tuple[str, ...] = ()
    cycles: tuple[Cycle, ...] = ()
    mode: str = "heart"  # what the user says it is: "heart" or "lung"
    clipped_fraction: float = 0.0
    silent_fraction: float = 0.0
    _key: str = field(default="", repr=False)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def key(self) -> str:
        return self._key or array_key(self.samples, dtype=self.samples.dtype)

    def with_cycles(self, cycles: list[Cycle] | tuple[Cycle, ...]) -> AudioInput:
        return replace(self, cycles=tuple(cycles))


# -- 1. what is it? ---------------------------------------------------------------------------------
def detect_format(data: bytes) -> str | None:
    """WAV, FLAC, OGG or MP3 from the content (the upload gate's sniffing); None when it is none of these."""
    kind = uploads.sniff(data)
    return kind.upper() if kind in uploads.PROFILES["audio"].accepts else None


# -- 2. header checks -------------------------------------------------------------------------------
def _fmt_duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds:.1f} s"


def _too_long(seconds: float, spec: FeatureSpec) -> InputError:
    return InputError(
        f"The recording is {_fmt_duration(seconds)} long; the limit is {_fmt_duration(spec.max_s)}. "
        "Trim it to the part of interest (a heart sound needs 4 to 30 seconds) and upload that.",
        field="duration")


def check_wav_header(data: bytes, spec: FeatureSpec) -> dict:
    """Parse the RIFF chunks and check what the header claims against itself and the file size."""
    if data[:4] != b"RIFF":  # RIFX (big-endian) and RF64: let libsndfile judge them
        return {}
    pos, fmt, data_size, data_at = 12, None, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt " and size >= 16 and pos + 24 <= len(data):
            tag, ch, sr, byte_rate, align, bits = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
            fmt = {"tag": tag, "channels": ch, "rate": sr, "byte_rate": byte_rate, "align": align, "bits": bits}
        elif cid == b"data":
            data_size, data_at = size, pos + 8
            break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise InputError("The WAV file is damaged: its format description is missing or cut off, so the "
                         "audio cannot be read. Export the recording again from the stethoscope software.")
    lie = "The WAV file's header contradicts itself ({}), so it cannot be read safely. " \
          "Export the recording again from the stethoscope software."
    if not 1 <= fmt["channels"] <= 16:
        raise InputError(lie.format(f"it claims {fmt['channels']} audio channels"))
    if not 1000 <= fmt["rate"] <= 384000:
        raise InputError(lie.format(f"it claims a sample rate of {fmt['rate']} Hz"))
    if fmt["tag"] in (1, 3) and fmt["bits"] in (8, 16, 24, 32, 64):
        align = fmt["channels"] * fmt["bits"] // 8
        if fmt["align"] != align or fmt["byte_rate"] != fmt["rate"] * align:
            raise InputError(lie.format(
                f"{fmt['channels']} channel(s) of {fmt['bits']}-bit samples at {fmt['rate']} Hz should take "
                f"{fmt['rate'] * align} bytes per second, the header says {fmt['byte_rate']}"))
    if data_size is None:
        raise InputError("The WAV file holds no audio data (its data section is missing): it may have been "
                         "cut off during transfer. Upload the complete recording.")
    present = len(data) - data_at
    bytes_per_s = max(1, fmt["byte_rate"] or fmt["rate"] * max(1, fmt["align"]))
    streaming = data_size in (0, 0xFFFFFFFF) and present > 0  # some recorders never fill in the size
    claimed_s = (present if streaming else data_size) / bytes_per_s
    if claimed_s > spec.max_s:
        raise _too_long(claimed_s, spec)
    if data_size == 0 and present == 0:
        raise InputError("The WAV file contains no audio samples (zero-length recording).")
    if not streaming and present < data_size * 0.98 - 2 * max(1, fmt["align"]):
        raise InputError(
            f"The recording is incomplete: the file holds {_fmt_duration(present / bytes_per_s)} of the "
            f"{_fmt_duration(claimed_s)} its header announces. It was probably cut off during copying or "
            "upload; upload the complete file.")
    return {**fmt, "seconds": claimed_s}


# -- 3 and 4. decode, mono, resample, checks --------------------------------------------------------
def resample(y: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    if from_rate == to_rate:
        return y.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(int(from_rate), int(to_rate))
    return resample_poly(y, to_rate // g, from_rate // g).astype(np.float32)


def frame_levels_db(y: np.ndarray, rate: int, frame_s: float = 0.1) -> np.ndarray:
    n = max(1, int(rate * frame_s))
    k = len(y) // n
    if k == 0:
        return np.array([20 * np.log10(np.sqrt(np.mean(y ** 2)) + 1e-12)])
    frames = y[: k * n].reshape(k, n)
    return 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-12)


def load_bytes(data: bytes, name: str, spec: FeatureSpec, *, mode: str = "heart") -> AudioInput:
    """Bytes of an uploaded or recorded file to a mono recording at the model's sample rate."""
    import soundfile as sf

    fmt = uploads.check(data, name, "audio").upper()
    warnings: list[str] = []
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix and suffix in ("wav", "flac", "ogg", "oga", "mp3") and \
            {"oga": "OGG"}.get(suffix, suffix.upper()) != fmt:
        warnings.append(f"The file is named .{suffix} but contains {fmt} audio; it was read as {fmt}.")
    header = check_wav_header(data, spec) if fmt == "WAV" else {}
    try:
        info = sf.info(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - libsndfile's decoder on an untrusted file: any failure is a damaged header
        raise InputError(f"{name} looks like a {fmt} file but its header is damaged, so it cannot be decoded. "
                         "Export the recording again.") from None
    if info.samplerate <= 0 or info.channels <= 0:
        raise InputError(f"{name} has an invalid {fmt} header (sample rate {info.samplerate} Hz, "
                         f"{info.channels} channels). Export the recording again.")
    if 0 < info.frames < 2**62 and info.frames / info.samplerate > spec.max_s:
        raise _too_long(info.frames / info.samplerate, spec)
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            limit = int((spec.max_s + 1) * f.samplerate)
            y = f.read(frames=limit + 1, dtype="float32", always_2d=True)
            rate, channels = f.samplerate, f.channels
    except Exception:  # noqa: BLE001 - as above, for the samples
        raise InputError(f"{name} could not be decoded: the {fmt} data is damaged or cut off. "
                         "Upload the complete recording.") from None
    if len(y) > limit:  # a header that under-reports the length (streamed MP3/OGG)
        raise _too_long(len(y) / rate, spec)
    if header and len(y) < 0.98 * header["seconds"] * rate - 2:
        raise InputError(f"The recording is incomplete: {len(y) / rate:.1f} s decoded of the "
                         f"{header['seconds']:.1f} s the header announces. Upload the complete file.")
    if len(y) == 0:
        raise InputError(f"{name} contains no audio samples (zero-length recording).")
    if not np.all(np.isfinite(y)):
        raise InputError(f"{name} contains invalid sample values (not numbers); the file is damaged.")
    clipped = float(np.mean(np.abs(y) >= CLIP_LEVEL))
    mono = y.mean(axis=1) if channels > 1 else y[:, 0]
    if channels > 1:
        warnings.append(f"The recording had {channels} channels; they were mixed to one.")
    mono = resample(mono, rate, spec.sample_rate)
    seconds = len(mono) / spec.sample_rate
    if seconds < spec.min_s:
        raise InputError(f"The recording is only {seconds:.2f} s long; at least {spec.min_s:g} s (one full "
                         "heart cycle) is needed. Record for 4 to 30 seconds.")
    if seconds > spec.max_s:
        raise _too_long(seconds, spec)
    levels = frame_levels_db(mono, spec.sample_rate)
    silent = float(np.mean(levels < SILENCE_DBFS))
    if np.max(np.abs(mono)) < 10 ** (SILENCE_DBFS / 20) or silent > 0.9:
        raise InputError("The recording is silent (no sound louder than -60 dBFS). Check that the stethoscope "
                         "or microphone is switched on, allowed in the browser and touching the chest.")
    # In lung mode nothing is classified: warnings measured against the heart model's training sounds (silence
    # between beats, its sample rate) do not apply, and a lung recording made at 4 kHz was warned about 8 kHz.
    heart = mode != "lung"
    if heart and silent > SILENT_WARN_FRACTION:
        warnings.append(f"{silent:.0%} of the recording is silent (heart recordings used in training were at most "
                        f"{SILENT_WARN_FRACTION:.0%} silent, between beats); only the parts with sound carry "
                        "information. Check the stethoscope's contact with the chest.")
    if clipped > CLIP_WARN_FRACTION:
        warnings.append(f"{clipped:.1%} of the samples are at full scale (clipping): the recording level was too "
                        "high and loud sounds are distorted, which can " + ("mimic or hide murmurs" if heart else
                        "mimic or hide crackles and wheezes") + ". Record again with a lower gain if possible.")
    if heart and rate < spec.sample_rate:
        warnings.append(f"The recording was made at {rate} Hz, below the model's {spec.sample_rate} Hz: "
                        f"it holds no sound above {rate // 2} Hz.")
    return AudioInput(name=name, samples=mono, sample_rate=spec.sample_rate, original_rate=int(rate),
                      channels=int(channels), format=fmt, warnings=tuple(warnings), mode=mode,
                      clipped_fraction=clipped, silent_fraction=silent)


def background_db(samples: np.ndarray, rate: int) -> float:
    """The level of a recording's quietest tenth of 100 ms frames, in dB relative to its overall level: the gaps
    between beats. Training normals: -44 dB at most; murmurs fill the gaps (mitral stenosis median -31 dB), and
    so does background noise."""
    rms = float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0
    if rms <= 0:
        return -120.0
    return float(np.percentile(frame_levels_db(samples, rate), 10) - 20 * np.log10(rms))


def load_path(path: Path, spec: FeatureSpec, *, mode: str = "heart") -> AudioInput:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            with path.open("rb") as f:  # the header alone may already say it is too long
                head = f.read(1 << 16)
            if detect_format(head) == "WAV":
                try:
                    check_wav_header(head, spec)
                except InputError as exc:
                    if exc.field == "duration":
                        raise
            raise uploads.size_error(path.name, size, "audio")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    x = load_bytes(data, path.name, spec, mode=mode)
    sidecar = path.with_suffix(".txt")
    if sidecar.is_file():
        try:
            x = x.with_cycles(parse_cycles(sidecar.read_text(errors="replace")))
        except InputError:
            pass
    return x


# -- lung-sound annotations -------------------------------------------------------------------------
def parse_cycles(text: str) -> list[Cycle]:
    """ICBHI 2017 annotation lines: start (s), end (s), crackles (0/1), wheezes (0/1), tab or space separated."""
    cycles = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        try:
            start, end, crackles, wheezes = float(parts[0]), float(parts[1]), int(parts[2]), int(parts[3])
        except (ValueError, IndexError):
            raise InputError(f"Annotation line {number} is not 'start end crackles wheezes' "
                             f"(ICBHI format): {line[:60]!r}") from None
        if end <= start or start < 0:
            raise InputError(f"Annotation line {number}: the cycle ends ({end}) before it starts ({start}).")
        cycles.append(Cycle(start, end, bool(crackles), bool(wheezes)))
    return cycles


def sort_uploads(files: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], dict[str, list[Cycle]],
                                                          list[tuple[str, InputError]]]:
    """Files uploaded together as (recordings, ICBHI cycle annotations by file stem, refusals): an annotation is a
    text file of numbers beside its recording (101_1b1_Al_sc_Meditron.wav/.txt); a file that is neither is refused
    with the upload gate's words (beside another recording it was once kept silently and never picked)."""
    recordings, annotations, refused = [], {}, []
    for name, data in files:
        if detect_format(data) is None and data[:1].isdigit():
            try:
                annotations[Path(name).stem] = parse_cycles(data.decode("utf-8", errors="replace"))
            except InputError as exc:
                refused.append((name, exc))
            continue
        if detect_format(data) is None:
            try:
                uploads.check(data, name, "audio")
            except InputError as exc:
                refused.append((name, exc))
                continue
        recordings.append((name, data))
    return recordings, annotations, refused

