"""Many sessions on few cores: admission of heavy analyses, a few at a time, first come first served.

On 2 cores, 20 sessions each running a SHAP explanation at once do not finish sooner than the same work
queued: they share the cores, fight over the GIL and the BLAS/oneDNN thread pools, and every one of them
ends late. `analyse` can therefore admit at most `slots` heavy analyses at a time, first come first served;
light ones (a record, a gene-expression profile, a survival curve: a few ms alone) never queue behind
them. What is heavy is measured, not declared: each model's fastest observed time to analyse.
The figures behind the choice are in docs/benchmark.md ("Many users at once").

Measured on the shared 2-core machine it did not reliably lower p95 (docs/benchmark.md), so it is off by default:
MEDAPP_HEAVY_SLOTS=N turns it on with N slots (0, the default, admits everything at once);
MEDAPP_LIGHT_MS the cost under which a model never waits (default 100 ms).
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class Admission:
    """At most `slots` heavy jobs at once, admitted in arrival order; jobs measured as light pass at once."""

    def __init__(self, slots: int, light_ms: float = 100.0):
        self.slots = slots
        self.light_ms = light_ms
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()  # tickets of waiting heavy jobs, oldest first
        self._running = 0
        self._cost_ms: dict[str, float] = {}  # each model's fastest time to analyse: its cost without contention

    def is_heavy(self, key: str) -> bool:
        cost = self._cost_ms.get(key)
        return cost is None or cost > self.light_ms  # unknown until measured: assume heavy

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        heavy = self.slots > 0 and self.is_heavy(key)
        if heavy:
            ticket = object()
            with self._cond:
                self._queue.append(ticket)
                while self._queue[0] is not ticket or self._running >= self.slots:
                    self._cond.wait()
                self._queue.popleft()
                self._running += 1
                self._cond.notify_all()  # the next in line may also fit
        start = time.perf_counter()
        try:
            yield
        finally:
            ms = (time.perf_counter() - start) * 1000
            with self._cond:
                old = self._cost_ms.get(key)
                self._cost_ms[key] = ms if old is None else min(old, ms)  # a mean would grow with the load
                if heavy:
                    self._running -= 1
                    self._cond.notify_all()


admission = Admission(_env_int("MEDAPP_HEAVY_SLOTS", 0),
                      float(_env_int("MEDAPP_LIGHT_MS", 100)))
