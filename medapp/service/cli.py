"""`python -m medapp serve` (uvicorn or Ray Serve) and `python -m medapp tokens create|list|revoke`."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from ..cli_args import port

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's
# Ray Serve's options and their defaults: given without --ray they were ignored without a word (an IT review)
RAY_DEFAULTS = {"replicas": 2, "replicas_for": None, "ingress_replicas": 1, "replica_cpus": 1.0, "num_cpus": None,
                "ray_address": None}


def _log_to_stderr(level: str, access_log: bool = False) -> None:
    """medapp's own log lines (readiness, database, unexpected errors, --access-log) with a UTC time and their
    level: they had neither, as nothing configured the medapp logger (an IT review). With `access_log`, one line
    per request: the caller's address, method, path, status, time and X-Request-ID."""
    import logging

    if access_log:
        logging.getLogger("medapp.service.requests").setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    medapp_log = logging.getLogger("medapp")
    medapp_log.addHandler(handler)
    medapp_log.setLevel(logging.DEBUG if level in ("debug", "trace") else getattr(logging, level.upper()))
    medapp_log.propagate = False


def _serve(args: argparse.Namespace) -> int:
    given = [f"--{name.replace('_', '-')}" for name in RAY_DEFAULTS if getattr(args, name) is not None]
    if given and not args.ray:
        print(f"error: {', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to Ray Serve: add --ray, or "
              "leave it out", file=sys.stderr)
        return 2
    if args.trusted_proxy and args.ray:
        print("error: --trusted-proxy applies to the service without Ray (Ray Serve's own proxy answers the calls "
              "there)", file=sys.stderr)
        return 2
    from ..settings_check import problems

    if bad := problems():  # before anything is loaded or bound: at first use they were a client's 400 (an IT review)
        for problem in bad:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    for name, default in RAY_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.ray:
        return _serve_ray(args)
    import uvicorn

    from .app import create_app

    preload = _preload_ids(args.preload)
    app = create_app(preload=preload)
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
    # the process's logging is set only now, once nothing can refuse the command (it also runs in tests' processes)
    _log_to_stderr(args.log_level, access_log=args.access_log)
    _say_if_the_store_is_down(app)
    print(f"medapp inference service on http://{args.host}:{args.port} (OpenAPI at /docs)", flush=True)
    # medapp's own access line (path without its query) replaces uvicorn's, which wrote the query string: a case
    # title holding a patient's name reached the log at --access-log (a security review)
    # X-Forwarded-For read only from the proxies named: uvicorn trusts 127.0.0.1 by default, so any caller on this
    # machine (or through a proxy here that passes the header on) wrote the address of its choice into the audit
    # trail and the access log (an IT review)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
                            proxy_headers=bool(args.trusted_proxy), forwarded_allow_ips=args.trusted_proxy or None)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _say_if_the_store_is_down(app) -> None:
    """Said at start: with the case database unreachable, serve started and logged nothing until a request came."""
    import logging

    from sqlalchemy import text

    try:
        with app.state.service.store.Session() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - said, and the service still starts: it recovers when the database does
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        logging.getLogger("medapp.service").error(
            "the case database cannot be used now (%s); /v2/health/ready answers 503 until it can", first[:300])


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
    from .ray_app import allow_slow_proxy_start, build

    address = args.ray_address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address)
    else:
        allow_slow_proxy_start()
        ray.init(num_cpus=args.num_cpus, include_dashboard=False)
    _log_to_stderr(args.log_level, access_log=args.access_log)
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
    from ..db.engine import require_existing

    require_existing()  # tokens belong to accounts: no database, no account
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

    tokens = list_tokens(_store())  # before the header: a database that cannot be opened prints nothing to stdout
    # 'user disabled' is the longest state: the columns after it lined up only for 'active' and 'revoked'
    # calls/min: a token's own rate, or "default" (MEDAPP_API_RATE_PER_MINUTE): a slow token looked like any other
    print(f"{'id':>4}  {'user':20} {'prefix':13} {'state':13} {'cases':5} {'calls/min':9} {'expires':20} label")
    for t in tokens:
        expires = t["expires_at"].strftime("%Y-%m-%d %H:%M UTC") if t["expires_at"] else "never"
        rate = str(t["rate_per_minute"]) if t["rate_per_minute"] else "default"
        print(f"{t['id']:>4}  {t['user']:20} {t['prefix']:13} {t['state']:13} {'yes' if t['may_save_cases'] else 'no':5} "
              f"{rate:9} {expires:20} {t['label']}")
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
    p.add_argument("--log-level", default="warning", choices=LOG_LEVELS,
                   help="what goes to stderr, with a UTC time and the level (default warning)")
    p.add_argument("--access-log", action="store_true",
                   help="log every request: the caller's address, method, path, status, time and X-Request-ID")
    p.add_argument("--trusted-proxy", metavar="ADDRESSES",
                   help="the TLS proxy's address(es), comma-separated: the caller's address is then read from the "
                        "X-Forwarded-For it sets (default: no proxy is trusted; the audit and access log give the "
                        "address the connection came from)")
    p.add_argument("--ray", action="store_true", help="run as a Ray Serve application")
    p.add_argument("--replicas", type=int, help="Ray Serve replicas per model group (with --ray; default 2)")
    p.add_argument("--replicas-for", action="append", metavar="GROUP=N",
                   help="replicas of one model group (a modality: records, imaging, audio, notes, genomics, "
                        "survival); repeat for several (with --ray)")
    p.add_argument("--ingress-replicas", type=int,
                   help="replicas of the HTTP ingress (auth, limits, audit, cases) (with --ray; default 1)")
    p.add_argument("--replica-cpus", type=float, help="CPUs reserved per model-group replica (with --ray; default 1)")
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
    p = tsub.add_parser("list", help="every token: id, user, prefix, state, whether it may save to cases, expiry, "
                                     "label (never the token itself)")
    p.set_defaults(func=_tokens_list)
    p = tsub.add_parser("revoke", help="revoke token ID (from `tokens list`); it stops working at once")
    p.add_argument("id", type=int, help="the token's id, as `tokens list` gives it")
    p.set_defaults(func=_tokens_revoke)
