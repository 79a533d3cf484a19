"""python -m medapp deid FILE... [--json]: each note's de-identified text (and, with --json, what was removed)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ...types import InputError, read_input_file
from .deid import scrub
from .io import read_note


def _run(args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:
        try:
            text = read_note(read_input_file(Path(name)), Path(name).name)
        except InputError as exc:
            failed += 1
            if args.json:
                print(json.dumps({"input": name, "error": str(exc)}, ensure_ascii=False))
            else:
                print(f"{name}: {exc}", file=sys.stderr)
            continue
        clean, spans = scrub(text)
        if args.json:
            print(json.dumps({"input": name, "text": clean,
                              "spans": [{"start": s.start, "end": s.end, "type": s.kind, "text": s.text}
                                        for s in spans]}, ensure_ascii=False))
        else:
            if len(args.files) > 1:
                print(f"==> {name} <==")
            print(clean.rstrip("\n"))
    return 1 if failed else 0


def register(sub) -> None:
    p = sub.add_parser("deid", help="print each note with names, places, dates and numbers replaced by placeholders")
    p.add_argument("files", nargs="+", help="notes: text (any common encoding), PDF or Word .docx")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per file: input, text and the removed spans (start, end, type, text; "
                        "offsets in the original note)")
    p.set_defaults(func=_run)
