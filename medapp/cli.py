"""python -m medapp {models, predict, train, bench, users, deid}: the same functions the pages call."""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from . import __version__
from .build import build_id, code_digest
from .cases.cli import register as register_blobs
from .cli_args import positive_int
from .cli_audit import audit_run
from .modalities.notes.deid_cli import register as register_deid
from .pacs.cli import register as register_pacs
from .render.numbers import fraction_text
from .security.cli import register as register_users
from .service.cli import register as register_service


def _cmd_models(args: argparse.Namespace) -> int:
    from .registry import list_cards

    cards = list_cards()
    if not cards:  # a mistyped MEDAPP_MODELS_DIR printed an empty table and exited 0 (an IT review)
        from .registry import models_dir

        print(f"error: no model cards in {models_dir()} (check MEDAPP_MODELS_DIR)", file=sys.stderr)
        return 2
    if args.json:
        for card in cards:
            print(json.dumps({"id": card.id, "name": card.name, "version": card.version,
                              "modality": card.modality, "labels": list(card.labels),
                              "metrics": card.metrics.get("summary", {})}))
        return 0
    print(f"{'id':24} {'modality':9} {'version':8} {'labels'}")
    for card in cards:
        print(f"{card.id:24} {card.modality:9} {card.version:8} {', '.join(card.labels)}")
    return 0


def _at_frame(path: Path, frame_number: int) -> list[tuple[str, object]]:
    """An image file's cases read at one frame (the API's frame_number); a file without it is one failed case."""
    from .modalities.imaging.io import decode_at_frame
    from .types import InputError, read_input_file

    try:
        return [(x.name, x) for x in decode_at_frame(read_input_file(path), path.name, frame_number)]
    except InputError as exc:
        return [(path.name, exc)]


def _cmd_predict(args: argparse.Namespace) -> int:
    from .analysis import analyse_batch
    from .registry import UnknownModel, load_model
    from .reports.content import warnings_in_words
    from .types import InputError, ModelCard, to_jsonable

    try:
        model = load_model(args.model)  # once, however many inputs follow
    except UnknownModel as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.maps and Path(args.maps).exists() and not Path(args.maps).is_dir():  # a FileExistsError traceback
        print(f"error: --maps {args.maps} is a file; it names the folder the maps are written to", file=sys.stderr)
        return 2
    if args.frame is not None and model.card.modality != "imaging":
        print(f"error: --frame chooses the frame of a multi-frame DICOM image; {args.model} takes no images",
              file=sys.stderr)
        return 2
    if not args.json:  # once, above the rows: which model and code made them, and that none is a finding to act on
        print(f"model: {model.card.id} v{model.card.version} (medapp {build_id()})", flush=True)
        print(f"notice: {ModelCard.DEMO_NOTICE}", flush=True)  # the API's parameters.notice, word for word
    failed, maps_written, labels, warned = 0, set(), Counter(), 0
    # files of one name in two folders (a/x.jpeg, b/x.jpeg) are named by the path given: both read "x.jpeg" and
    # the second's map overwrote the first's (an IT review)
    names = Counter(Path(p).name for p in args.inputs)
    for path in args.inputs:
        try:
            cases = model.read_inputs(Path(path)) if args.frame is None else _at_frame(Path(path), args.frame)
        except InputError as exc:
            cases = [(path, exc)]
        base = Path(path).name
        # a file is one case or a cohort/series: the same batch path as the pages' cohort views
        for row in analyse_batch(model, cases, explain=not args.no_explain).rows:
            name = row.name
            if names[base] > 1 and name.startswith(base):
                name = path + name[len(base):]
            if row.error is not None:
                failed += 1
                error = str(row.error)
                print(json.dumps({"input": name, "error": error}) if args.json else f"{name}: ERROR {error}",
                      flush=True)
                continue
            pred, expl = row.prediction, row.explanation
            labels[str(pred.recorded_label)] += 1
            warned += bool(warnings_in_words(model.card, pred))
            map_path = _write_map(model, row.input, expl, name, args.maps, maps_written) \
                if args.maps and expl is not None else None
            reason = _not_assessed_reason(pred)
            if args.json:
                print(json.dumps(to_jsonable(_json_record(model, name, pred, expl, reason, map_path, args.top))),
                      flush=True)
            else:
                print("\n".join(_text_lines(model, name, pred, expl, reason, args.top)), flush=True)
    if not audit_run("cli.predict", f"model:{model.card.id}", model_version=model.card.version,
                     files=len(args.inputs), labels=dict(sorted(labels.items())), with_warnings=warned,
                     failed=failed, explained=not args.no_explain):
        return 1
    return 1 if failed else 0


def _json_record(model, name: str, pred, expl, reason: str | None, map_path: Path | None, top: int) -> dict:
    """One case of `predict --json` (docs/cli.md)."""
    from .reports.content import warnings_in_words  # the reports' package draws figures: not at every command's start
    # an input unlike the training data is not assessed: no label (the pages show no finding); its probabilities
    # are kept but are not a finding
    # "medapp": the code that made it (as a saved analysis records it), beside the model's version; keys added, never
    # moved, since integrators read these lines
    record = {"input": name, "model": model.card.id, "model_version": model.card.version, "medapp": build_id(),
              "assessed": reason is None, "label": pred.label if reason is None else None,
              **({"not_assessed_reason": reason} if reason is not None else {}),
              "probabilities": pred.as_dict(), "warnings": warnings_in_words(model.card, pred)}
    if pred.risk_band is not None:  # records: the card's band, as the form, the table and the API give it
        record["risk_band"] = pred.risk_band
    if pred.text is not None:  # dictation: the transcript is the output
        record["text"] = pred.text
    if pred.survival is not None:  # time-to-event models: risk (higher = earlier) and S(t) by day
        record["risk_score"] = pred.survival.risk_score
        record["survival"] = pred.survival.survival_by_horizon()
        # what the page, the case and the report show beside them (a review found the CLI without)
        record["survival_band"] = pred.survival.band_by_horizon()
        record["risk_group"] = pred.survival.risk_group
    if expl is not None:
        record["explanation"] = {
            "method": expl.method, "target": expl.target, "output_space": expl.output_space,
            "base_value": expl.base_value,
            "top_contributions": [{"feature": n, "value": v} for n, v in expl.top_contributions(top)],
        }
        if reason is not None:  # of the model's output for an input it does not fit: never a finding
            record["explanation"]["for_reference_only"] = True
    if map_path is not None:
        record["map"] = str(map_path)
    return record


def _text_lines(model, name: str, pred, expl, reason: str | None, top: int) -> list[str]:
    """One case of `predict`'s text output, in words as the pages write them (the JSON keeps the ids):
    "mitral valve prolapse", not "mitral_valve_prolapse" (a cardiology review)."""
    from .reports.content import warnings_in_words

    said = model.card.display
    probs = ", ".join(f"{said(lab)} {fraction_text(p)}" for lab, p in pred.as_dict().items())
    if reason is None:
        band = f"; risk band {pred.risk_band}" if pred.risk_band is not None else ""
        lines = [f"{name}: {said(pred.label)} ({probs}){band}"]
    else:
        lines = [f"{name}: not assessed: {reason} (probabilities, not a finding: {probs})"]
    if pred.survival is not None:
        from .render.survival import horizon_text, risk_group_text

        curve = pred.survival
        by = "; ".join(f"by {horizon_text(h)} {fraction_text(s)} (95% band {fraction_text(lo)} to {fraction_text(hi)})"
                       for h, s, lo, hi in zip(curve.horizons, curve.at_horizons, curve.at_horizons_lower, curve.at_horizons_upper))
        lines.append(f"  risk score {curve.risk_score:+.3f} ({risk_group_text(curve.risk_group)}); survival {by}")
    if pred.text is not None:
        lines.append(f"  text: {pred.text}")
    lines.extend(f"  warning: {warning}" for warning in warnings_in_words(model.card, pred))
    if expl is not None:
        # an input the model does not fit: the reports' words, so nobody reads a finding into it
        why = "why" if reason is None else "not assessed; for reference only, not a finding"
        lines.append(f"  {why} ({expl.method}, toward {expl.target_display}, {expl.output_space}):")
        lines.extend(f"    {value:+.3f}  {feature}" for feature, value in expl.top_contributions(top))
    return lines


def _not_assessed_reason(pred) -> str | None:
    """Why an input was not assessed (the model found it unlike its training data), or None when it was."""
    if pred.fits:
        return None
    return pred.fit.message or "; ".join(pred.fit.reasons) or "The input is unlike what the model was trained on."


def _write_map(model, x, expl, name: str, folder: str, written: set[Path]) -> Path | None:
    """Imaging: the explanation over the input image's own pixels, saved as DIR/<file name without extension>.npy,
    or <name>-2.npy ... when this run already wrote that name (each line's "map" says which)."""
    import numpy as np

    if not hasattr(model, "image_map"):
        return None
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    stem, n = Path(name).stem, 1
    path = target / f"{stem}.npy"
    while path in written:
        n += 1
        path = target / f"{stem}-{n}.npy"
    written.add(path)
    np.save(path, np.asarray(model.image_map(x, expl), dtype=np.float32))
    return path


def _cmd_train(args: argparse.Namespace) -> int:
    from .training import train

    try:
        card = train(args.model_id, data_dir=Path(args.data) if args.data else None,
                     out_dir=Path(args.out) if args.out else None, quick=args.quick, seed=args.seed)
    except FileNotFoundError as exc:  # the training data is not where the card says (see --data)
        print(f"error: training data not found: {exc.filename or exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    print(json.dumps({"id": card.id, "version": card.version, "out": str(card.path),
                      "metrics": card.metrics.get("summary", {})}, indent=2))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import format_table, run_bench

    if args.http:
        from .bench import run_http_bench
        from .service.bench import format_http

        try:
            report = run_http_bench(args.http, clients=args.http_clients)
        except RuntimeError as exc:  # the service did not start
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(json.dumps(report, indent=2) if args.json else format_http(report))
        return 0 if report["concurrent_total"]["errors"] == 0 and report["one_record_sequential"]["errors"] == 0 \
            else 1

    if args.concurrency:
        from .workload import bench_concurrency

        report = bench_concurrency(args.concurrency, per_model=args.per_model,
                                   model_ids=args.models.split(",") if args.models else None)
        print(json.dumps(report, indent=2) if args.json else
              "\n".join(f"{k:32} {v}" for k, v in report.items() if not k.endswith("_detail")))
        return 1 if report["errors"] or report["differing_from_sequential"] else 0
    report = run_bench(model_ids=args.models.split(",") if args.models else None, repeats=args.repeats,
                       baseline=not args.no_baseline, extras=not args.no_extras)
    print(json.dumps(report, indent=2) if args.json else format_table(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m medapp", description="medapp: explainable clinical AI workbench")
    # the code digest a saved analysis records beside the version (medapp/build.py), to check a deployed tree by
    parser.add_argument("--version", action="version", version=f"medapp {__version__} (code {code_digest()})")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list registered models")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_models)

    from .registry import model_ids

    # in the description, wrapped by us: argparse wraps option help at hyphens ("dictation-" / "whisper")
    ids = textwrap.fill("Models: " + ", ".join(model_ids()) + ".", 90, break_on_hyphens=False)
    p = sub.add_parser(
        "predict", help="predict and explain inputs with one model", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Predict and explain each input with one model; a file of several cases (a CSV or Excel\n"
                    "cohort, an expression matrix, a JSON list) gives one result per case, in input order.\n\n"
                    "INPUT by modality:\n"
                    "  imaging   PNG, JPEG, TIFF, BMP or DICOM (.dcm); a ZIP of them\n"
                    "  audio     WAV, FLAC, OGG or MP3 recording\n"
                    "  notes     a note as text, PDF or Word (.docx)\n"
                    "  records   JSON patient ({\"field\": value}) or list of them; CSV, TSV or Excel cohort\n"
                    "            (survival models too; outcome columns such as time are not inputs)\n"
                    "  genomics  CSV, TSV or Excel expression matrix, samples as rows or columns\n"
                    "  dictation WAV, FLAC, OGG or MP3 dictation (transcribed)\n\n"
                    "Exit status: 0 when every case was analysed, 1 when one or more could not be (each\n"
                    "said on its own line) or the run's audit row could not be written, 2 for a usage error.\n\n"
                    f"{ids}")
    p.add_argument("--model", required=True, help="model id (Models above)")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per case and line: input, model, model_version, medapp (the code's build), "
                        "label, probabilities, warnings, assessed, and "
                        "per model risk_band, risk_score, survival, survival_band, risk_group or text, and the top "
                        "contributions")
    p.add_argument("--no-explain", action="store_true", help="prediction only: no explanation (faster)")
    p.add_argument("--top", type=positive_int, default=5, help="how many contributions to print")
    p.add_argument("--maps", metavar="DIR", help="imaging: write each input's explanation map (its own height x "
                   "width, positive = toward the predicted label) to DIR/<file name without extension>.npy")
    p.add_argument("--frame", type=positive_int, metavar="N", help="imaging: analyse frame N of a multi-frame DICOM "
                   "image, counted from 1 (default: the first); an image without that frame is an error")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files to analyse (formats above)")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("train", help="train a model from ../shared/data with fixed seeds")
    p.add_argument("model_id")
    p.add_argument("--data", help="dataset root (default ../shared/data)")
    p.add_argument("--out", help="output folder (default models/<id>)")
    p.add_argument("--quick", action="store_true", help="small sample, for tests")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("bench", help="load, predict and explain timings for every model")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--models", help="comma-separated ids (default all); the pipeline benchmarks of their modalities "
                   "only (the app's and the case store's run only when every model is benched)")
    p.add_argument("--repeats", type=positive_int, default=20, help="timed calls per model (default 20)")
    p.add_argument("--no-baseline", action="store_true", help="skip the KernelExplainer reference")
    p.add_argument("--no-extras", action="store_true", help="skip modality pipeline benchmarks")
    p.add_argument("--http", type=positive_int, metavar="N", help="load-test the HTTP inference service with N requests "
                   "(loopback; one record in a row, then concurrent clients on mixed modalities)")
    p.add_argument("--http-clients", type=positive_int, default=50, help="concurrent clients for --http (default 50)")
    p.add_argument("--concurrency", type=positive_int, metavar="N",
                   help="N simultaneous sessions over a mix of all modalities (real inputs): p50, p95, errors, "
                        "results that differ from the same inputs analysed alone")
    p.add_argument("--per-model", type=positive_int, default=5,
                   help="real inputs per model for --concurrency (default 5)")
    p.set_defaults(func=_cmd_bench)

    register_users(sub)
    register_blobs(sub)
    register_deid(sub)
    register_service(sub)
    register_pacs(sub)
    from .modalities.speech.cli import add_parser as add_transcribe

    add_transcribe(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import InterfaceError, OperationalError

    from .db.engine import StoreUnavailable, unavailable
    from .registry import ModelFilesChanged, UnknownModel

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UnknownModel as exc:  # any command given a model id that is not registered (bench --models, serve --preload)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModelFilesChanged as exc:  # weights that are not the card's: said, not a traceback (a re-check)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:  # users, tokens, audit ... with a database that cannot be opened
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OperationalError, InterfaceError) as exc:  # the database went away after it was opened
        print(f"error: {unavailable(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
