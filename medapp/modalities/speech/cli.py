"""`python -m medapp transcribe FILE... [--json]`: dictations to text through `analyse`, the pages' path."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ...cli_audit import audit_run


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="speech to text with the offline dictation model")
    p.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC, OGG or MP3 recordings")
    p.add_argument("--json", action="store_true", help="one JSON object per file, in order")
    p.add_argument("--model", help="a speech model id (default: the first registered one)")
    p.add_argument("--no-vocabulary", action="store_true", help="do not prompt with the clinical vocabulary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ...analysis import analyse
    from ...registry import UnknownModel, list_cards, load_model
    from ...types import InputError, to_jsonable
    from .weights import ModelIntegrityError

    model_id = args.model or next((c.id for c in list_cards() if c.modality == "speech"), None)
    if model_id is None:
        print("error: no speech model is registered", file=sys.stderr)
        return 2
    try:
        model = load_model(model_id)
    except (UnknownModel, ModelIntegrityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if model.card.modality != "speech":  # `--model heart-disease` ended in an AttributeError traceback
        speech = ", ".join(c.id for c in list_cards() if c.modality == "speech") or "none registered"
        print(f"error: {model_id} is a {model.card.modality} model, not a dictation model (speech models: {speech})",
              file=sys.stderr)
        return 2
    if args.no_vocabulary:
        model.use_vocabulary = False  # this process only: the CLI owns its model
    failed, transcribed, warned = 0, 0, 0
    for path in args.files:
        start = time.perf_counter()
        try:
            pred = analyse(model, model.load_path(Path(path)), explain=False).prediction
        except InputError as exc:
            failed += 1
            if args.json:
                print(json.dumps({"file": path, "error": str(exc)}), flush=True)
            else:
                print(f"{path}: ERROR {exc}", flush=True)
            continue
        seconds = round(time.perf_counter() - start, 3)
        transcribed, warned = transcribed + 1, warned + bool(pred.warnings)
        if args.json:
            # each segment's confidence and whether the page marks it (the JSON had none: a cardiology review)
            record = {"file": path, "text": pred.text,
                      "segments": [{k: s[k] for k in ("start", "end", "text", "confidence", "check")}
                                   for s in pred.segments],
                      "seconds": seconds, "warnings": list(pred.warnings)}
            print(json.dumps(to_jsonable(record)), flush=True)
        else:
            print(f"{path} ({seconds:.1f} s): {pred.text}", flush=True)
            for warning in pred.warnings:
                print(f"  warning: {warning}", flush=True)
    if not audit_run("cli.transcribe", f"model:{model.card.id}", model_version=model.card.version,
                     files=len(args.files), transcribed=transcribed, with_warnings=warned, failed=failed):
        return 1
    return 1 if failed else 0
