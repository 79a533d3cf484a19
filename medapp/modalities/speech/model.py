"""Dictation as a registered model: a recording in, an editable transcript with timed segments out.

Whisper (weights from a pinned pip package, every file's SHA-256 checked at load) runs through
faster-whisper on CTranslate2 with int8 weights. One loaded model serves every session: CTranslate2
queues concurrent calls on its worker, and nothing per call is kept on this object.

Robustness, in the order a recording meets it:
- decoding, format and damage checks are the audio modality's (`medapp.modalities.audio.io`);
- Silero VAD (shipped inside faster-whisper) keeps only the speech, so silence, breathing and room
  noise are never handed to Whisper, which would otherwise invent a sentence for them;
- the speech is grouped into chunks of at most 28 s (Whisper's window), each transcribed on its own,
  so timestamps are exact and a long recording reports progress chunk by chunk;
- greedy temperature-0 decoding, so the same recording always gives the same transcript;
- a loop guard: a phrase repeated over and over is cut to one copy, no segment may hold more words
  than its duration can carry, and decoding stops (with a warning) past a time budget relative to
  the recording's length;
- a recording without speech is answered with a message, never a hallucinated sentence.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ...types import Explanation, InputError, ModelCard, Prediction, read_input_file
from ..audio.features import FeatureSpec
from ..audio.io import load_bytes as load_audio_bytes
from ..base import CardModel, array_key
from . import correct, spoken, vocabulary
from .doses import states_a_dose
from .weights import ModelIntegrityError, package_folder, verified_files, verify_files

RATE = 16_000
MAX_WORDS_PER_S = 5.0  # fast clinical dictation is about 3 words a second
REPEAT_MIN = {1: 4}  # a single word repeated 4+ times in a row is a loop; a phrase 3+ times
Progress = Callable[[float], None]


@dataclass(frozen=True)
class SpeechInput:
    name: str
    samples: np.ndarray  # float32 mono at 16 kHz
    warnings: tuple[str, ...] = ()
    progress: Progress | None = field(default=None, compare=False, repr=False)  # per call, never shared
    _key: str = field(default="", repr=False)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / RATE

    @property
    def key(self) -> str:
        return self._key or array_key(self.samples, dtype=self.samples.dtype)

    def with_progress(self, progress: Progress | None) -> SpeechInput:
        return replace(self, progress=progress)


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    confidence: float  # exp(mean token log-probability): low means "check this part"
    check: bool = False  # confidence under the card's `low_confidence`, or a medicine or dose named: the page marks it

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text,
                "confidence": round(self.confidence, 3), "check": self.check}


# -- the loop guard ---------------------------------------------------------------------------------
def collapse_repeats(words: list[str], max_n: int = 8) -> tuple[list[str], str | None]:
    """Cut runs of the same word or phrase repeated back to back (Whisper's loop) to one copy."""
    out = list(words)
    removed: str | None = None
    for n in range(1, max_n + 1):
        need = REPEAT_MIN.get(n, 3)
        i = 0
        while i + n * need <= len(out):
            unit = [w.lower().strip(".,;:!?") for w in out[i:i + n]]
            j = i + n
            while j + n <= len(out) and [w.lower().strip(".,;:!?") for w in out[j:j + n]] == unit:
                j += n
            if (j - i) // n >= need:
                removed = removed or " ".join(out[i:i + n])
                del out[i + n:j]
            i += 1
    return out, removed


def guard_segments(segments: list[Segment]) -> tuple[list[Segment], list[str]]:
    """No segment holds a loop or more words than its duration can carry (5 words a second plus 3)."""
    kept, warnings = [], []
    for seg in segments:
        words, loop = collapse_repeats(seg.text.split())
        if loop:
            warnings.append(f"A phrase repeated over and over ('{loop}') at {seg.start:.0f} s was cut to one copy: "
                            "speech recognisers loop on unclear audio. Listen to that part again.")
        cap = int(math.ceil(MAX_WORDS_PER_S * max(0.0, seg.end - seg.start))) + 3
        if len(words) > cap:
            warnings.append(f"The transcript at {seg.start:.0f}-{seg.end:.0f} s had more words than that much "
                            f"speech can hold; it was cut to {cap} words. Listen to that part again.")
            words = words[:cap]
        if words:
            kept.append(replace(seg, text=" ".join(words)))
    return kept, warnings


# -- chunking ---------------------------------------------------------------------------------------
CHUNK_S = 28.0  # Whisper reads 30 s windows
PAUSE_S = 1.5  # a pause this long starts a new chunk even when the window has room


def speech_chunks(samples: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) sample ranges of speech, grouped into windows of at most CHUNK_S seconds.

    Silero VAD (shipped in faster-whisper, run per call: it keeps no state) finds the speech; nearby
    stretches are grouped so Whisper sees whole phrases, and each chunk is transcribed on its own so
    its timestamps are exact in the original recording and progress can be reported chunk by chunk.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=500, speech_pad_ms=300,
                                                      max_speech_duration_s=CHUNK_S), sampling_rate=RATE)
    chunks: list[tuple[int, int]] = []
    for span in spans:
        lo, hi = int(span["start"]), int(span["end"])
        if chunks and lo - chunks[-1][1] < PAUSE_S * RATE and hi - chunks[-1][0] <= CHUNK_S * RATE:
            chunks[-1] = (chunks[-1][0], hi)
        else:
            chunks.append((lo, hi))
    return chunks


# -- the model --------------------------------------------------------------------------------------
class SpeechModel(CardModel):
    def __init__(self, card: ModelCard, whisper: Any, folder: Path):
        self.card = card
        self.folder = folder
        self._whisper = whisper
        cfg = card.input
        self.spec = FeatureSpec(sample_rate=RATE, min_s=0.05, max_s=float(cfg.get("max_s", 600)))
        self.min_s = float(cfg.get("min_s", 0.5))
        self.beam_size = int(cfg.get("beam_size", 1))
        self.budget_factor = float(cfg.get("time_budget_factor", 3.0))
        self.budget_floor_s = float(cfg.get("time_budget_floor_s", 10.0))
        self.prompt_tokens = int(cfg.get("prompt_tokens", 200))
        self.low_confidence = float(cfg["low_confidence"])  # a segment below it is marked "check" (page, warning)
        self.use_vocabulary = bool(cfg.get("vocabulary", True))
        self.decode_options = dict(cfg.get("decode", {}))  # further faster-whisper options (patience, ...)
        self.spoken_numbers = cfg.get("numbers", "as recognised") == "spoken"
        self.correct_vocabulary = bool(cfg.get("correct_vocabulary", False))

    # input ----------------------------------------------------------------------------------------
    def load_bytes(self, data: bytes, name: str = "recording") -> SpeechInput:
        try:
            audio = load_audio_bytes(data, name, self.spec)
        except InputError as exc:
            raise _speech_message(exc, name, self.spec.max_s) from None
        if audio.duration_s < self.min_s:
            raise InputError(f"{name} lasts only {audio.duration_s:.2f} s; dictate at least {self.min_s:g} s.")
        warnings = tuple(w for w in audio.warnings if "murmur" not in w)  # clipping, channels, low rate
        return SpeechInput(name=name, samples=audio.samples, warnings=warnings)

    def load_path(self, path: Path) -> SpeechInput:
        return self.load_bytes(read_input_file(Path(path)), Path(path).name)

    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, SpeechInput]]:
        return [(name, self.load_bytes(data, name))]

    def input_key(self, x: SpeechInput) -> str:
        # the vocabulary changes the transcript, so it is part of the key
        return f"{x.key}:{vocabulary.prompt_digest(self.prompt())}"

    def example_input(self) -> SpeechInput:
        assert self.card.path is not None
        return self.load_path(self.card.path / self.card.input.get("example", "example.wav"))

    # vocabulary -----------------------------------------------------------------------------------
    def _count_tokens(self, text: str) -> int:
        return len(self._whisper.hf_tokenizer.encode(" " + text, add_special_tokens=False).ids)

    def prompt(self) -> str:
        if not self.use_vocabulary:
            return ""
        return vocabulary.build_prompt(vocabulary.all_terms(), self._count_tokens, self.prompt_tokens)

    # transcription --------------------------------------------------------------------------------
    def transcribe(self, x: SpeechInput, *, progress: Progress | None = None,
                   prompt: str | None = None) -> tuple[list[Segment], list[str], dict[str, Any]]:
        """Segments, warnings and timing details for one recording (raises InputError when no speech)."""
        progress = progress or x.progress
        started = time.perf_counter()
        hot = self.prompt() if prompt is None else prompt
        budget = max(self.budget_floor_s, self.budget_factor * x.duration_s)
        chunks = speech_chunks(x.samples)
        speech_s = sum(e - s for s, e in chunks) / RATE
        if speech_s < 0.2:
            raise InputError(_NO_SPEECH.format(name=x.name), field="silence")
        warnings = list(x.warnings)
        raw: list[Segment] = []
        for i, (lo, hi) in enumerate(chunks):
            pieces, _ = self._whisper.transcribe(
                x.samples[lo:hi], language="en", task="transcribe", beam_size=self.beam_size, temperature=0.0,
                condition_on_previous_text=False, vad_filter=False, hotwords=hot or None,
                **self.decode_options)
            raw += [Segment(lo / RATE + p.start, min(hi / RATE, lo / RATE + p.end), p.text.strip(),
                            float(math.exp(p.avg_logprob))) for p in pieces]
            if progress is not None:
                progress(hi / len(x.samples) if i + 1 < len(chunks) else 1.0)
            if time.perf_counter() - started > budget and i + 1 < len(chunks):
                warnings.append(f"Transcription stopped at {hi / RATE:.0f} s of {x.duration_s:.0f} s: it took longer "
                                f"than {budget:.0f} s (the server is busy or the audio unclear). Dictate the rest "
                                "again or type it.")
                break
        segments, guard_warnings = guard_segments([s for s in raw if s.text])
        warnings += guard_warnings
        segments, fixes = self.tidy(segments)
        if fixes:
            warnings.append("Near misses of vocabulary terms were corrected (" + "; ".join(
                f"'{heard}' to '{term}'" for heard, term in fixes[:5]) + "): check them against the recording.")
        if not segments:
            raise InputError(_NO_SPEECH.format(name=x.name), field="silence")
        details = {"seconds": round(time.perf_counter() - started, 3), "duration_s": round(x.duration_s, 2),
                   "speech_s": round(speech_s, 2), "chunks": len(chunks), "vocabulary": bool(hot),
                   "weights": f"{self.card.weights_package.get('distribution')} "
                              f"{self.card.weights_package.get('version')}"}
        return segments, warnings, details

    def corrector(self) -> correct.Corrector | None:
        if not (self.correct_vocabulary and self.use_vocabulary):
            return None
        return correct.corrector_for(tuple(vocabulary.all_terms()))  # the site's list may change: cached per list

    def tidy(self, segments: list[Segment]) -> tuple[list[Segment], list[tuple[str, str]]]:
        """Each segment's text with near-miss vocabulary terms corrected and numbers written as said."""
        fixer, fixes, out = self.corrector(), [], []
        for seg in segments:
            text = seg.text
            if fixer is not None:
                text, changed = fixer.correct(text)
                fixes += changed
            if self.spoken_numbers:
                text = spoken.as_spoken(text)
            out.append(replace(seg, text=text))
        return out, fixes

    def predict(self, x: SpeechInput) -> Prediction:
        segments, warnings, details = self.transcribe(x)
        text = " ".join(s.text for s in segments)
        # on the confidence as shown (three places): 0.4996 read "0.5" beside "check" (a review)
        low = [round(s.confidence, 3) < self.low_confidence for s in segments]
        doses = [states_a_dose(s.text) for s in segments]
        segments = [replace(s, check=is_low or is_dose) for s, is_low, is_dose in zip(segments, low, doses)]
        if any(doses):  # first: a fluent wrong dose is the costliest error a dictation makes
            first = segments[doses.index(True)].start
            warnings.insert(0, f"{sum(doses)} part(s) of the transcript name a medicine, a dose or a decimal number "
                               f"(first at {first:.0f} s): read each back against the recording. Speech recognition "
                               "can turn one drug or dose into another fluently, at ordinary confidence (alfentanil "
                               "into fentanyl, 62.5 into 2.5).")
        if any(low):
            warnings.append(f"{sum(low)} part(s) of the transcript were recognised with low confidence "
                            f"(first at {segments[low.index(True)].start:.0f} s): check them against the recording.")
        return Prediction(model_id=self.card.id, model_version=self.card.version, labels=self.card.labels,
                          probabilities=np.ones(len(self.card.labels)), label=self.card.labels[0],
                          warnings=tuple(warnings), details=details, text=text, duration_s=details["duration_s"],
                          segments=tuple(s.to_dict() for s in segments))

    def explain(self, x: SpeechInput, prediction: Prediction) -> Explanation:
        """Which parts to check: each segment's recognition confidence (not a SHAP attribution)."""
        segs = prediction.segments
        conf = np.array([s["confidence"] for s in segs], dtype=float)
        return Explanation(kind="text", method="Whisper segment confidence", target=prediction.label,
                           base_value=0.0, values=conf,
                           feature_names=tuple(f"{s['start']:.1f}-{s['end']:.1f} s: {s['text']}" for s in segs),
                           data={"segments": list(segs)}, output_space="confidence",
                           summary=tuple((f"{s['start']:.1f}-{s['end']:.1f} s", float(c)) for s, c in zip(segs, conf)))

    def baseline_explain(self, x: SpeechInput, prediction: Prediction) -> Explanation:
        return self.explain(x, prediction)  # a transcript has no model-agnostic SHAP reference

    def warm(self) -> None:
        self.transcribe(self.example_input())  # explain() only reads the segments' confidences: nothing to warm


_NO_SPEECH = ("No speech was heard in {name}: it holds silence or sounds that are not speech. Check that the "
              "microphone is on and allowed in the browser, then dictate again close to it.")


def _speech_message(exc: InputError, name: str, max_s: float) -> InputError:
    """The audio loader's messages speak of stethoscopes and heart cycles; say it for dictation."""
    if exc.field == "duration":
        return InputError(f"{name} is too long for one dictation (the limit is {max_s / 60:.0f} minutes). "
                          "Split it and upload the parts.", field="duration")
    if exc.message.startswith("The recording is silent"):
        return InputError(_NO_SPEECH.format(name=name), field="silence")
    return exc


def load(card: ModelCard) -> SpeechModel:
    from faster_whisper import WhisperModel

    spec = card.weights_package
    what = f"{card.id} ({spec.get('distribution')} {spec.get('version')})"
    files = verified_files(spec, what=what)
    vad = spec.get("vad")
    if vad:  # Silero VAD ships inside faster-whisper; pin it too
        verify_files(package_folder(vad), vad["files"], what=f"{card.id} voice-activity detector")
    threads = int(card.input.get("cpu_threads", 0)) or min(4, max(1, _cpu_count()))
    try:
        whisper = WhisperModel(card.id, device="cpu", compute_type="int8", cpu_threads=threads,
                               num_workers=1, local_files_only=True, files=files)
    except (RuntimeError, OSError, ValueError) as exc:  # CTranslate2 reports a bad file as a generic RuntimeError
        raise ModelIntegrityError(f"{what}: the model files could not be loaded ({exc}).") from None
    return SpeechModel(card, whisper, package_folder(spec))


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


