"""Word error rates behind the dictation card: `python -m medapp.modalities.speech.evaluate [--write]`.

Test sets: the five LibriVox readings in Debian's pocketsphinx-testdata (real read speech), and the
clinical dictations of `synth.CLINICAL_SENTENCES` spoken by espeak-ng, the six voices in turn,
clean and with noise at 10 dB SNR (the test set), and the development set of `synth.DEV_SENTENCES`
in eight other voices (decoding, prompt and post-correction were chosen on it only). Each is run
with and without the vocabulary prompt. Speed is the
wall time and the CPU time (all threads) per second of audio; the machine's load is recorded because
other work on it slows the wall time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np

from ...types import InputError
from .synth import CLINICAL_SENTENCES, DEV_SENTENCES, DEV_SPEEDS, DEV_VOICES, RATE, VOICES, add_noise, pad, speak
from .wer import word_error_rate

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
SNR_DB = 10.0


def librivox_set() -> tuple[list[str], list[np.ndarray]]:
    import soundfile as sf

    refs, audio = [], []
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        text, fid = line.rsplit("(", 1)
        refs.append(text.replace("<s>", "").replace("</s>", "").strip())
        audio.append(sf.read(LIBRIVOX / f"{fid.strip(') ')}.wav", dtype="float32")[0])
    return refs, audio


def dev_set(noisy: bool) -> tuple[list[str], list[np.ndarray]]:
    """The development set (settings are chosen on it): 40 other sentences, 8 other voices, 3 speeds."""
    refs, audio = [], []
    for i, sentence in enumerate(DEV_SENTENCES):
        y = pad(speak(sentence, DEV_VOICES[i % len(DEV_VOICES)], DEV_SPEEDS[i % len(DEV_SPEEDS)]))
        refs.append(sentence)
        audio.append(add_noise(y, SNR_DB, seed=1000 + i) if noisy else y)
    return refs, audio


def other_normalisers(refs: list[str], hyps: list[str]) -> dict[str, float]:
    """The same WER under two other conventions an evaluator may use: Whisper's English normaliser
    (from transformers; digits and number words meet as digits, "mg" and "milligrams" stay apart) and
    plain (lower case, punctuation and hyphens to spaces, nothing else)."""
    import re

    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    from .wer import _SPELLING, edit_distance

    british = {k: v for k, v in _SPELLING.items() if "ae" in k or "oe" in k or k.endswith("tres")}  # to American
    whisper = EnglishTextNormalizer(british)

    def plain(t: str) -> str:
        return " ".join(re.sub(r"[^\w\s%']", " ", t.lower().replace("-", " ")).replace("'", "").split())

    out = {}
    for name, norm in (("whisper_normaliser", whisper), ("plain", plain)):
        pairs = [(norm(r).split(), norm(h).split()) for r, h in zip(refs, hyps)]
        out[f"wer_{name}"] = round(sum(edit_distance(r, h) for r, h in pairs) / max(1, sum(len(r) for r, _ in pairs)), 3)
    return out


def clinical_set(noisy: bool) -> tuple[list[str], list[np.ndarray]]:
    """Each sentence once, the voices taken in turn (20 clips, about 90 s)."""
    refs, audio = [], []
    for i, sentence in enumerate(CLINICAL_SENTENCES):
        y = pad(speak(sentence, VOICES[i % len(VOICES)]))
        refs.append(sentence)
        audio.append(add_noise(y, SNR_DB, seed=i) if noisy else y)
    return refs, audio


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_set(model, refs, audio, prompt: str) -> dict[str, float]:
    from .model import SpeechInput

    hyps, wall, cpu = [], 0.0, 0.0
    for y in audio:
        t, c = time.perf_counter(), _cpu_s()
        try:
            segments = model.transcribe(SpeechInput("eval", y.astype(np.float32)), prompt=prompt)[0]
            hyps.append(" ".join(s.text for s in segments))
        except InputError:  # no speech found counts as every word deleted (any other failure stops the evaluation)
            hyps.append("")
        wall += time.perf_counter() - t
        cpu += _cpu_s() - c
    seconds = sum(len(y) for y in audio) / RATE
    return {"wer": round(word_error_rate(refs, hyps), 3), **other_normalisers(refs, hyps),
            "wall_s_per_audio_s": round(wall / seconds, 3),
            "cpu_s_per_audio_s": round(cpu / seconds, 3), "clips": len(audio), "audio_s": round(seconds, 1)}


def evaluate(model, sets=("librivox", "clinical_clean", "clinical_noisy"), vocab=(True, False)) -> dict:
    data = {"librivox": librivox_set, "clinical_clean": lambda: clinical_set(False),
            "clinical_noisy": lambda: clinical_set(True), "dev_clean": lambda: dev_set(False),
            "dev_noisy": lambda: dev_set(True)}
    prompt = model.prompt() if model.use_vocabulary else ""
    correcting = model.correct_vocabulary
    out: dict = {"load_average_1min": round(os.getloadavg()[0], 1)}
    for name in sets:
        refs, audio = data[name]()
        out[name] = {}
        for use in vocab:
            key = "with_vocabulary" if use else "without_vocabulary"
            model.correct_vocabulary = correcting and use  # "without" means no prompt and no correction
            out[name][key] = run_set(model, refs, audio, prompt if use else "")
            print(json.dumps({name: {key: out[name][key]}}), flush=True)
    model.correct_vocabulary = correcting
    out["load_average_1min_after"] = round(os.getloadavg()[0], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="dictation-whisper")
    parser.add_argument("--weights-dir", help="measure other faster-whisper files with the same pipeline")
    parser.add_argument("--beam", type=int)
    parser.add_argument("--sets", default="librivox,clinical_clean,clinical_noisy")
    parser.add_argument("--vocabulary", choices=("both", "with", "without"), default="both")
    parser.add_argument("--write", action="store_true", help="store the figures in the model card")
    args = parser.parse_args()
    from ...registry import get_card, load_model

    if args.weights_dir:
        from faster_whisper import WhisperModel

        from .model import SpeechModel

        card = get_card(args.model)
        whisper = WhisperModel(args.weights_dir, device="cpu", compute_type="int8", cpu_threads=2,
                               local_files_only=True)
        model = SpeechModel(card, whisper, Path(args.weights_dir))
    else:
        model = load_model(args.model)
    if args.beam:
        model.beam_size = args.beam
    vocab = {"both": (True, False), "with": (True,), "without": (False,)}[args.vocabulary]
    result = evaluate(model, tuple(args.sets.split(",")), vocab)
    result["beam_size"] = model.beam_size
    print(json.dumps(result, indent=2))
    if args.write:
        card_path = get_card(args.model).path / "card.json"
        raw = json.loads(card_path.read_text())
        raw.setdefault("metrics", {})["evaluation"] = result
        card_path.write_text(json.dumps(raw, indent=2) + "\n")


if __name__ == "__main__":
    main()
