"""The same FastAPI app as a Ray Serve application: N replicas behind Ray's HTTP proxy.

    python -m medapp serve --ray --replicas 2                  # a local Ray instance on this machine
    RAY_ADDRESS=ray://head:10001 python -m medapp serve --ray   # an existing cluster
    serve run medapp.service.ray_app:app                       # Ray's own CLI (2 replicas)
    serve run medapp.service.ray_app:build replicas=4 cpus=1   # with arguments

Each replica builds the app itself (the builder runs on the replica), so it opens its own store
connection pool and loads models lazily; all replicas share one store (MEDAPP_DATABASE_URL; with
several machines that must be PostgreSQL) and the models folder, which every node needs.
"""
from __future__ import annotations

import os
from typing import Any

from ray import serve

from .app import create_app

# Environment a replica needs to find the same store, blobs and models as the process that deployed it.
FORWARDED_ENV = ("MEDAPP_VAR_DIR", "MEDAPP_DATABASE_URL", "MEDAPP_MODELS_DIR", "MEDAPP_DATA_DIR",
                 "MEDAPP_DEID_SALT", "MEDAPP_API_RATE_PER_MINUTE", "MEDAPP_API_MAX_BODY_MB",
                 "MEDAPP_API_SERIALIZE", "TF_CPP_MIN_LOG_LEVEL", "PYTHONPATH")


def _build_app():
    return create_app()


MedappService = serve.deployment(serve.ingress(_build_app)(), name="medapp",
                                 health_check_period_s=2, health_check_timeout_s=10)


def build(args: dict[str, Any] | None = None) -> serve.Application:
    """The application: `replicas` (default 2) replicas of `cpus` CPUs each (default 1)."""
    args = args or {}
    env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    env.update(args.get("env") or {})  # programmatic use (tests): another store for the replicas
    return MedappService.options(
        num_replicas=int(args.get("replicas", 2)),
        max_ongoing_requests=int(args.get("max_ongoing_requests", 16)),
        ray_actor_options={"num_cpus": float(args.get("cpus", 1)), "runtime_env": {"env_vars": env}},
    ).bind()


app = build()
