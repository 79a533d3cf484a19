"""Running one function in many threads at once, for the concurrency tests."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_together(work: Callable[[], Any], n: int) -> tuple[list[Any], list[BaseException]]:
    """Start `n` threads running `work` together (held at a barrier, so they overlap) and wait for all: (results,
    errors). Errors are collected: an exception in a thread would otherwise vanish."""
    start, results, errors = threading.Barrier(n), [], []

    def one() -> None:
        try:
            start.wait()
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - collected and raised by the caller: a thread's own would vanish
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
