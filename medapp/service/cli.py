"""`python -m medapp serve` (uvicorn or Ray Serve) and `python -m medapp tokens create|list|revoke`."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ..cli_args import port


def _serve(args: argparse.Namespace) -> int:
    if args.ray:
        return _serve_ray(args)
    import uvicorn

    from .app import create_app

    preload = _preload_ids(args.preload)
    app = create_app(preload=preload)
    if args.access_log:  # one line per request with its X-Request-ID, beside uvicorn's access log
        import logging

        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        requests_log = logging.getLogger("medapp.service.requests")
        requests_log.addHandler(handler)
        requests_log.setLevel(logging.INFO)
        requests_log.propagate = False
    # bound here, before the address is announced: a busy port printed "medapp inference service on ..." and then
    # uvicorn's "address already in use"
    import socket

    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"medapp inference service on http://{args.host}:{args.port} (OpenAPI at /docs)", flush=True)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.access_log)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _preload_ids(spec: str | None) -> list[str]:
    if not spec:
        return []
    from ..registry import get_card, list_cards

    if spec == "all":
        return [c.id for c in list_cards()]
    ids = [i.strip() for i in spec.split(",") if i.strip()]
    for model_id in ids:  # refused before the server starts (it was a traceback from the start-up)
        get_card(model_id)  # raises UnknownModel with the registered ids; main() turns it into exit 2
    return ids


def _serve_ray(args: argparse.Namespace) -> int:
    import ray
    from ray import serve

    # Replicas import medapp from this checkout unless it is installed on the cluster's nodes.
    repo = str(Path(__file__).resolve().parents[2])
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH")) if p)
    from .ray_app import build

    address = args.ray_address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False)
    serve.start(http_options={"host": args.host, "port": args.port})
    try:
        application = build({"replicas": args.replicas, "replicas_for": args.replicas_for or [],
                             "cpus": args.replica_cpus, "ingress_replicas": args.ingress_replicas})
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    serve.run(application, name="medapp", route_prefix="/")
    extra = f" ({', '.join(args.replicas_for)})" if args.replicas_for else ""
    print(f"medapp inference service on Ray Serve, {args.replicas} replicas per model group{extra}, "
          f"http://{args.host}:{args.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        serve.shutdown()
    return 0


def _store():
    from ..cases.store import CaseStore

    return CaseStore()


def _actor() -> dict:
    from ..security.cli import _cli_actor

    return _cli_actor()


def _tokens_create(args: argparse.Namespace) -> int:
    from ..security.tokens import TokenError, create_token

    try:
        token_id, secret = create_token(_store(), _actor(), args.user,
                                        expires_days=None if args.no_expiry else args.expires_days,
                                        label=args.label or "", may_save_cases=not args.no_cases,
                                        rate_per_minute=args.rate_per_minute)
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"created token {token_id} for {args.user.strip().lower()}; it is shown only now, store it safely:")
    print(secret)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    from ..security.tokens import list_tokens

    # 'user disabled' is the longest state: the columns after it lined up only for 'active' and 'revoked'
    print(f"{'id':>4}  {'user':20} {'prefix':13} {'state':13} {'cases':5} {'expires':20} label")
    for t in list_tokens(_store()):
        expires = t["expires_at"].strftime("%Y-%m-%d %H:%M UTC") if t["expires_at"] else "never"
        print(f"{t['id']:>4}  {t['user']:20} {t['prefix']:13} {t['state']:13} {'yes' if t['may_save_cases'] else 'no':5} "
              f"{expires:20} {t['label']}")
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    from ..security.tokens import TokenError, revoke_token

    try:
        earlier = revoke_token(_store(), _actor(), args.id)
    except TokenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # said, not repeated as news: a second revoke printed "revoked token 6" again (an API review)
    print(f"token {args.id} was already revoked on {earlier:%Y-%m-%d %H:%M} UTC; nothing changed" if earlier
          else f"revoked token {args.id}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("serve", help="the HTTP inference service (Open Inference Protocol v2)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=port, default=8080, help="TCP port (default 8080)")
    p.add_argument("--preload", help="model ids to load at start (comma-separated, or 'all')")
    p.add_argument("--log-level", default="warning")
    p.add_argument("--access-log", action="store_true", help="log every request, with its X-Request-ID (the audit trail has them anyway)")
    p.add_argument("--ray", action="store_true", help="run as a Ray Serve application")
    p.add_argument("--replicas", type=int, default=2, help="Ray Serve replicas per model group (with --ray)")
    p.add_argument("--replicas-for", action="append", metavar="GROUP=N",
                   help="replicas of one model group (a modality: records, imaging, audio, notes, genomics, "
                        "survival); repeat for several (with --ray)")
    p.add_argument("--ingress-replicas", type=int, default=1,
                   help="replicas of the HTTP ingress (auth, limits, audit, cases) (with --ray)")
    p.add_argument("--replica-cpus", type=float, default=1.0, help="CPUs reserved per model-group replica (with --ray)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray instance (with --ray)")
    p.add_argument("--ray-address", help="an existing Ray cluster (default: RAY_ADDRESS, else a local instance)")
    p.set_defaults(func=_serve)

    tokens = sub.add_parser("tokens", help="API tokens of the inference service")
    tsub = tokens.add_subparsers(dest="tokens_command", required=True)
    p = tsub.add_parser("create", help="create a token for USER; prints it once, alone on the last line")
    p.add_argument("user")
    expiry = p.add_mutually_exclusive_group()  # both made a token that never expires, without a word
    expiry.add_argument("--expires-days", type=float, default=90)
    expiry.add_argument("--no-expiry", action="store_true")
    p.add_argument("--label", help="what the token is for (e.g. 'EHR integration')")
    p.add_argument("--no-cases", action="store_true", help="may analyse but not save to cases")
    p.add_argument("--rate-per-minute", type=int, help="calls per minute (default: the service's)")
    p.set_defaults(func=_tokens_create)
    p = tsub.add_parser("list")
    p.set_defaults(func=_tokens_list)
    p = tsub.add_parser("revoke")
    p.add_argument("id", type=int)
    p.set_defaults(func=_tokens_revoke)
