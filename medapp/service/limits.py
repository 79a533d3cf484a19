"""Per-token call rate limit (token bucket) and request size limits, read before any decoding."""
from __future__ import annotations

import os
import threading
import time

from ..security import uploads
from ..types import ModelCard

DEFAULT_RATE_PER_MINUTE = int(os.environ.get("MEDAPP_API_RATE_PER_MINUTE", "1200"))
# The largest body the service reads at all; a modality's own limit (below) is usually smaller.
MAX_BODY_BYTES = int(float(os.environ.get("MEDAPP_API_MAX_BODY_MB", "100")) * 2**20)
_JSON_OVERHEAD = 1 * 2**20


def body_limit(card: ModelCard) -> int:
    """Bytes a request to this model may carry: the page's upload limit for its modality, inflated by a
    third for base64 plus room for the JSON around it, and never more than MAX_BODY_BYTES."""
    if card.modality not in uploads.PROFILES:
        return MAX_BODY_BYTES
    file_limit = uploads.upload_limit(card.modality, card)
    return min(MAX_BODY_BYTES, file_limit * 4 // 3 + _JSON_OVERHEAD)


class RateLimiter:
    """A token bucket per API token: `rate` calls per minute on average, bursts up to `rate` calls.

    In-process: several uvicorn processes each enforce their own bucket (docs/api.md says so); on Ray Serve
    one instance in the `rate-limits` deployment (ray_app.RateLimits) counts for every ingress replica.
    """

    def __init__(self, default_rate: int = DEFAULT_RATE_PER_MINUTE):
        self.default_rate = default_rate
        self._buckets: dict[int, tuple[float, float]] = {}  # token id -> (tokens left, last refill time)
        self._lock = threading.Lock()

    def allow(self, token_id: int, rate_per_minute: int | None) -> tuple[bool, float]:
        """(allowed, seconds until the next call would be allowed)."""
        rate = float(rate_per_minute or self.default_rate)
        now = time.monotonic()
        with self._lock:
            level, last = self._buckets.get(token_id, (rate, now))
            level = min(rate, level + (now - last) * rate / 60.0)
            if level >= 1.0:
                self._buckets[token_id] = (level - 1.0, now)
                return True, 0.0
            self._buckets[token_id] = (level, now)
            return False, (1.0 - level) * 60.0 / rate


def limit_text(limit: int) -> str:
    """A byte limit as messages and metadata state it: MB to two decimals and the exact bytes."""
    return f"{limit / 2**20:.2f} MB ({limit:,} bytes)"
