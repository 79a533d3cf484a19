"""Admission of heavy analyses: at most N at once, in arrival order; models measured as light never wait."""
from __future__ import annotations

import threading
import time

from medapp.scheduling import Admission


def test_heavy_jobs_run_at_most_n_at_once_in_arrival_order_and_light_ones_pass():
    adm = Admission(slots=1, light_ms=50)
    with adm.slot("records"):  # measured once: a few microseconds, so light from now on
        pass
    order, running, peak = [], [0], [0]
    lock = threading.Lock()
    hold = threading.Event()

    def heavy(name: str) -> None:
        with adm.slot("imaging"):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                order.append(name)
            hold.wait(5)
            with lock:
                running[0] -= 1

    threads = []
    for name in ("a", "b", "c"):
        t = threading.Thread(target=heavy, args=(name,))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # arrive in this order
    start = time.perf_counter()
    with adm.slot("records"):  # a light job does not queue behind the heavy one holding the slot
        waited = time.perf_counter() - start
    assert adm.is_heavy("imaging")  # not measured yet: treated as heavy until it is
    hold.set()
    for t in threads:
        t.join(5)
    assert waited < 0.5
    assert order == ["a", "b", "c"]
    assert peak[0] == 1
    assert not adm.is_heavy("records")
