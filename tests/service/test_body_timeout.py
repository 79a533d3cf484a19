"""A request body that stops arriving is a 408, not a connection held open for as long as the client likes (an IT
review: 4 bytes of a declared 100,000, no answer for 30 s). Starlette's own Request, fed by an ASGI receive."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.requests import ClientDisconnect, Request

from medapp.service.app import ApiError, _read_limited


def _run(coroutine):
    """asyncio.run in a thread of its own: a test earlier in the worker (Playwright's sync API) may have left an event
    loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _request(messages: list[dict]) -> Request:
    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client sends nothing more
        raise AssertionError("not reached")

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"100000")]}
    return Request(scope, receive)


def test_a_body_that_stops_arriving_is_refused_with_408_saying_how_much_came():
    request = _request([{"type": "http.request", "body": b"My skin", "more_body": True}])
    with pytest.raises(ApiError) as refused:
        _run(_read_limited(request, 1_000_000, idle_s=0.2))
    assert refused.value.status == 408
    assert str(refused.value.message) == ("The request body stopped arriving: nothing for 0.2 s after 7 bytes. "
                                          "Nothing was analysed or saved.")


def test_a_whole_body_in_chunks_is_read_and_a_caller_that_leaves_is_a_disconnect():
    whole = _request([{"type": "http.request", "body": b"My ", "more_body": True},
                      {"type": "http.request", "body": b"skin itches", "more_body": False}])
    assert _run(_read_limited(whole, 1_000_000, idle_s=5)) == b"My skin itches"
    gone = _request([{"type": "http.request", "body": b"My", "more_body": True}, {"type": "http.disconnect"}])
    with pytest.raises(ClientDisconnect):
        _run(_read_limited(gone, 1_000_000, idle_s=5))
