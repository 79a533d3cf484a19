"""The service as a Ray Serve application: one ingress, one deployment per model group, one rate counter.

    python -m medapp serve --ray --replicas 2 --replicas-for notes=1   # a local Ray instance on this machine
    RAY_ADDRESS=ray://head:10001 python -m medapp serve --ray          # an existing cluster
    serve run medapp.service.ray_app:app                              # Ray's own CLI (2 replicas a group)
    serve run medapp.service.ray_app:build replicas=4 replicas_for=notes:1,imaging:2 cpus=1

    HTTP -> Ingress (the FastAPI app: health, metadata, tokens, rate, size limits, audit, cases)
              |-- infer/explain of a model --> Group "<its modality>" (decode + analyse, N replicas)
              '-- rate check of a token -----> RateLimits (one replica: every ingress counts in one place)

A group is a card's modality (records, imaging, audio, notes, genomics, survival, ...) unless `groups`
maps a model id to another group. A group replica loads only its group's models, and a slow notes
explanation queues only behind other notes calls. A group replica saves nothing: the ingress saves to a
case after the analysis came back, so when a group replica dies mid-call the ingress runs the call again
on another replica (nothing was saved, nothing is saved twice) and answers 503 JSON with Retry-After
only when no replica could answer.

Every replica opens its own store connection pool (ingress only) and shares one store
(MEDAPP_DATABASE_URL; with several machines that must be PostgreSQL) and the models folder.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from ray import serve
from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError
from ray.serve.exceptions import DeploymentUnavailableError, ReplicaUnavailableError

from ..types import InputError, ModelCard
from .app import Analysed, ApiError, Service, create_app
from .limits import RateLimiter

log = logging.getLogger("ray.serve")  # into the replica's Serve log

# Environment a replica needs to find the same store, blobs and models and keep the same settings as the process that
# deployed it: every MEDAPP_* variable (a list of names missed the UID root, the audit mode, the body timeout and the
# secrets file, so replicas on a cluster fell back to defaults: an IT review), and these.
FORWARDED_ENV = ("TF_CPP_MIN_LOG_LEVEL", "PYTHONPATH")


def forwarded_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("MEDAPP_") or k in FORWARDED_ENV}
# A replica that died or cannot be reached: the call did not complete there, so another replica may take it.
LOST_REPLICA = (RayActorError, ActorDiedError, ActorUnavailableError, ReplicaUnavailableError,
                DeploymentUnavailableError)
ATTEMPTS = 3


def group_of(card: ModelCard, groups: dict[str, str] | None = None) -> str:
    return (groups or {}).get(card.id) or card.modality


@serve.deployment(name="rate-limits", num_replicas=1, max_ongoing_requests=1000,
                  ray_actor_options={"num_cpus": 0})
class RateLimits:
    """The per-token buckets of every ingress replica, in one place. Serve restarts it if it dies (the
    buckets start full again); meanwhile each ingress falls back to its own in-process buckets."""

    def __init__(self):
        self.limiter = RateLimiter()

    def allow(self, token_id: int, rate_per_minute: int | None) -> tuple[bool, float]:
        return self.limiter.allow(token_id, rate_per_minute)


class SharedRateLimiter:
    """The ingress's side of RateLimits."""

    def __init__(self, handle):
        self.handle = handle
        self.local = RateLimiter()

    async def allow_async(self, token_id: int, rate_per_minute: int | None) -> tuple[bool, float]:
        try:
            return await self.handle.allow.remote(token_id, rate_per_minute)
        except LOST_REPLICA:
            log.warning("the shared rate counter is unavailable; counting in this ingress replica meanwhile")
            return self.local.allow(token_id, rate_per_minute)


def allow_slow_proxy_start() -> None:
    """Serve kills an HTTP proxy not ready 5 s after it starts, and serve.start() then fails with ActorDiedError; on
    two busy cores a proxy took longer (a CI run with other tests beside it). Call before ray.init() starts a local
    instance, whose processes inherit the setting; a value already set is kept."""
    os.environ.setdefault("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", "30")


# A replica busy on a loaded machine is not a dead one: Serve kills a replica after three health checks unanswered
# within the timeout, and with 10 s a CI run beside other work lost both ingress replicas and every call in flight
# on them (eight calls answered 500 by the proxy). A killed or crashed replica is seen at once whatever the timeout.
HEALTH_CHECK = {"health_check_period_s": 2, "health_check_timeout_s": 30}


@serve.deployment(**HEALTH_CHECK)
class Group:
    """Decodes and analyses the calls to one group of models; loads only those models (at start)."""

    def __init__(self, group: str, model_ids: list[str]):
        self.group, self.model_ids = group, set(model_ids)
        self.service = Service()
        for model_id in model_ids:  # loaded before the replica is marked ready: no cold first call
            self.service.model(self.service.card_for(model_id, None))

    def analyse(self, caller, model_id: str, version: str | None, body: bytes, media_type: str | None,
                header_length: str | None, query: dict[str, str], explain: bool) -> tuple:
        """("ok", Analysed) or ("error", status, message, headers): the service's errors cross the process
        boundary as values (ApiError does not pickle back whole)."""
        try:
            card = self.service.card_for(model_id, version)
            return "ok", self.service.prepare(caller, card, body, media_type, header_length, query, explain)
        except ApiError as exc:
            return "error", exc.status, exc.message, exc.headers
        except InputError as exc:  # includes malformed requests (RequestError); a file over its limit is a 413
            return "error", 413 if exc.field == "size" else 400, exc.message, {}


@serve.deployment(**HEALTH_CHECK)
@serve.ingress()
class Ingress:
    def __init__(self, groups: dict[str, Any], rate_limits, model_groups: dict[str, str] | None = None):
        self.groups, self.model_groups = groups, model_groups or {}
        self.rate = SharedRateLimiter(rate_limits)

    def __serve_build_asgi_app__(self):
        return create_app(rate_limiter=self.rate, dispatch=self.dispatch)

    async def dispatch(self, call, caller, card: ModelCard, body: bytes, media_type: str | None,
                       header_length: str | None, query: dict[str, str], explain: bool) -> Analysed:
        group = group_of(card, self.model_groups)
        handle = self.groups.get(group)
        if handle is None:
            raise ApiError(503, f"No deployment serves the {group!r} group of model {card.id!r}: the model was "
                                "added after the application was deployed; redeploy it.", {"Retry-After": "60"})
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = await handle.analyse.remote(caller, card.id, card.version, body, media_type, header_length,
                                                     query, explain)
                break
            except LOST_REPLICA as exc:
                # Idempotent: the group replica saves nothing, so running the call again elsewhere is safe.
                log.warning("replica of group %s lost during a call to %s (attempt %d): %s", group, card.id,
                            attempt, type(exc).__name__)
                call.retries = attempt
                if attempt == ATTEMPTS:
                    raise ApiError(503, f"No replica of the {group!r} model group could answer just now; nothing "
                                        "was saved. Try again shortly.", {"Retry-After": "1"}) from None
                await asyncio.sleep(0.2 * attempt)
        if answer[0] == "error":
            _, status, message, headers = answer
            raise ApiError(status, message, headers)
        return answer[1]


def _counts(spec: Any) -> dict[str, int]:
    """{"notes": 1} from a dict, "notes=1,imaging:2" (serve run) or ["notes=1", ...] (the CLI)."""
    if not spec:
        return {}
    if isinstance(spec, dict):
        return {str(k): int(v) for k, v in spec.items()}
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = {}
    for item in items:
        name, sep, n = item.replace(":", "=").partition("=")
        if not sep or not n.strip().isdigit():
            raise ValueError(f"replicas per group are GROUP=N, not {item!r}")
        out[name.strip()] = int(n)
    return out


def build(args: dict[str, Any] | None = None) -> serve.Application:
    """The application. Arguments: `replicas` per group (default 2), `replicas_for` {group: n}, `cpus` per
    group replica (default 1), `ingress_replicas` (default 1), `groups` {model id: group} to override the
    modality, `max_ongoing_requests` per group replica (16), `env` (variables for every replica)."""
    from ..registry import list_cards

    args = args or {}
    env = forwarded_env()
    env.update(args.get("env") or {})  # programmatic use (tests): another store for the replicas
    runtime = {"runtime_env": {"env_vars": env}}
    model_groups = {str(k): str(v) for k, v in _counts_or_names(args.get("groups")).items()}
    members: dict[str, list[str]] = {}
    for card in list_cards():
        members.setdefault(group_of(card, model_groups), []).append(card.id)
    default, per_group = int(args.get("replicas", 2)), _counts(args.get("replicas_for"))
    unknown = set(per_group) - set(members)
    if unknown:
        raise ValueError(f"no model is in group(s) {', '.join(sorted(unknown))}; the groups are "
                         f"{', '.join(sorted(members))}")
    groups = {
        name: Group.options(
            name=f"group-{name}", num_replicas=per_group.get(name, default),
            max_ongoing_requests=int(args.get("max_ongoing_requests", 16)),
            ray_actor_options={"num_cpus": float(args.get("cpus", 1)), **runtime},
        ).bind(name, sorted(ids))
        for name, ids in sorted(members.items())}
    rate = RateLimits.options(ray_actor_options={"num_cpus": 0, **runtime}).bind()
    return Ingress.options(
        name="medapp", num_replicas=int(args.get("ingress_replicas", 1)), max_ongoing_requests=256,
        ray_actor_options={"num_cpus": float(args.get("ingress_cpus", 0.25)), **runtime},
    ).bind(groups, rate, model_groups)


def _counts_or_names(spec: Any) -> dict[str, str]:
    """{model id: group} from a dict or "heart-failure=records,diabetes=records"."""
    if not spec:
        return {}
    if isinstance(spec, dict):
        return spec
    return dict(item.split("=", 1) for item in (spec.split(",") if isinstance(spec, str) else spec))


app = build()
