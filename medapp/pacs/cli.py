"""`python -m medapp pacs {analyse,test}`: the PACS functions the Imaging page uses, from a shell.

Credentials come from environment variables (--password-env, --token-env) or a configured endpoint
(--endpoint NAME), never from the command line, where other users could read them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter

from ..cli_audit import audit_run


def _endpoint(args: argparse.Namespace):
    from ..types import InputError
    from .config import Endpoint, get_endpoint, validate

    if args.endpoint:
        return get_endpoint(args.endpoint)
    if not args.url:
        raise InputError("give --url (a DICOMweb base address) or --endpoint NAME")

    def secret(var: str) -> str:
        value = os.environ.get(var, "")
        if not value:
            raise InputError(f"environment variable {var} is empty or not set")
        return value

    auth, password, token = "none", "", ""
    if args.token_env:
        auth, token = "bearer", secret(args.token_env)
    elif args.user:
        auth = "basic"
        password = secret(args.password_env) if args.password_env else ""
    return validate(Endpoint("cli", args.url, auth, args.user or "", password, token,
                             connect_timeout=min(args.timeout, 300), read_timeout=args.timeout, source="cli"))


def _cmd_test(args: argparse.Namespace) -> int:
    from ..types import InputError
    from .client import PacsClient

    try:
        report = PacsClient(_endpoint(args)).test_connection()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.message)
    return 0 if report.ok else 1


def _count(n: int, one: str, many: str | None = None) -> str:
    """'1 study', '4 instances'."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def _cmd_analyse(args: argparse.Namespace) -> int:
    from ..registry import UnknownModel, get_card, list_cards, load_model, models_of
    from ..types import InputError
    from .client import InstanceCache, PacsClient
    from .pipeline import analyse_many

    if args.date and not re.fullmatch(r"\d{8}(-\d{8})?", args.date):
        print("error: --date is YYYYMMDD or YYYYMMDD-YYYYMMDD", file=sys.stderr)
        return 2
    if args.model != "auto":  # before the PACS is asked: a records model given DICOM images ended in a traceback
        imaging = [card.id for card in list_cards() if card.modality == "imaging"]
        if args.model not in imaging:
            try:
                modality = get_card(args.model).modality
            except UnknownModel as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(f"error: {args.model} is a {modality} model; the PACS holds images: use one of "
                  f"{', '.join(imaging)} or --model auto", file=sys.stderr)
            return 2
    modalities = [m.strip().upper() for m in (args.modality or "").split(",") if m.strip()]
    try:
        client = PacsClient(_endpoint(args))
        if args.study:
            studies = [s for uid in args.study for s in client.search_studies(study_uid=uid)]
            missing = set(args.study) - {s["study_uid"] for s in studies}
            if missing:
                raise InputError(f"no study with UID {', '.join(sorted(missing))} at {client.where}")
        else:
            studies = client.search_studies(study_date=args.date, modalities=modalities, limit=args.limit)
        refs = client.study_list_instances(studies, modalities)
        # after the PACS answered: a wrong password fails fast
        model = load_model(args.model) if args.model != "auto" else models_of("imaging")
    except UnknownModel as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{_count(len(refs), 'instance')} in {_count(len(studies), 'study', 'studies')} at {client.where}",
          file=sys.stderr)
    failed, skipped, used = 0, 0, Counter()
    for result in analyse_many(model, client, refs, InstanceCache(), explain=not args.no_explain):
        failed += result.error is not None and not result.skipped
        skipped += result.skipped
        if result.analysis is not None:
            used[result.analysis.prediction.model_id] += 1
        print(json.dumps(result.row()), flush=True)
    by_model = ", ".join(f"{n} by {mid}" for mid, n in sorted(used.items())) or "none"
    print(f"analysed: {by_model}; not analysed: {skipped} (see \"skipped\"); failed: {failed}", file=sys.stderr)
    # patients' images were pulled from a PACS and analysed: said in the audit trail, as the page's analyses are (a
    # quality auditor found no row); counts and the server, not the studies' identifiers
    if not audit_run("pacs.analyse", f"pacs:{client.where}", studies=len(studies), instances=len(refs),
                     analysed=dict(sorted(used.items())), skipped=skipped, failed=failed,
                     explained=not args.no_explain):
        return 1
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    pacs = sub.add_parser("pacs", help="search, retrieve and analyse images in a PACS over DICOMweb")
    actions = pacs.add_subparsers(dest="pacs_command", required=True)

    def connection(p: argparse.ArgumentParser) -> None:
        p.add_argument("--url", help="DICOMweb base address, e.g. http://pacs:8042/dicom-web")
        p.add_argument("--endpoint", help="a configured endpoint (secrets.toml [pacs.NAME] or the Admin page)")
        p.add_argument("--user", help="user name for HTTP basic authentication")
        p.add_argument("--password-env", help="environment variable holding the password")
        p.add_argument("--token-env", help="environment variable holding a bearer token")
        p.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")

    p = actions.add_parser("test", help="test the connection to a DICOMweb endpoint")
    connection(p)
    p.set_defaults(func=_cmd_test)

    p = actions.add_parser("analyse", help="analyse every image of some studies; one JSON line per instance")
    connection(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--study", nargs="+", metavar="UID", help="Study Instance UID(s)")
    which.add_argument("--date", help="study date YYYYMMDD or range YYYYMMDD-YYYYMMDD")
    p.add_argument("--modality", help="comma-separated modalities to analyse, e.g. CR,DX (default all)")
    p.add_argument("--model", default="auto",
                   help="imaging model id, or auto (default): for each image the model that fits it, chosen as for an "
                        "upload; an image no model fits is reported, not analysed")
    p.add_argument("--limit", type=int, default=1000, help="at most this many studies (default 1000)")
    p.add_argument("--no-explain", action="store_true")
    p.set_defaults(func=_cmd_analyse)
