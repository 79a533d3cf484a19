"""The service's outermost layer: every answer carries an X-Request-ID and Cache-Control: no-store, every request
one access-log line, and an unexpected exception (or the case database down) becomes a JSON 500 (or 503) here."""
from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import Request
from fastapi.responses import JSONResponse

from ..db.engine import DATABASE_DOWN, first_line

log = logging.getLogger("medapp.service")
request_log = logging.getLogger("medapp.service.requests")  # one INFO line per request (serve --access-log)


FAILED = "The service failed on this request; it has been logged."


STORE_DOWN = ("The case store (its database of tokens, cases and audit, or its folder of stored inputs) cannot be "
               "used just now; nothing was saved, or, for a request of several inputs, only those stored before the "
               "failure (sending the request again stores the rest, none twice). Try again later; the service's log "
               "says why.")


# a client's X-Request-ID is echoed when it is a plain token of at most 128 characters, else one is made
REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")


def request_id_of(request: Request) -> str | None:
    return request.scope.get("medapp.request_id")


_SET_HERE = (b"x-request-id", b"cache-control")


def printable(text: str) -> str:
    """A client-given text as a log or audit line may hold it: control characters (a line break) and undecodable
    bytes escaped. A path holding a percent-encoded line break wrote a second, forged line into the access log
    (an API review)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class RequestIdMiddleware:
    """Every response carries X-Request-ID (the client's, or a new one), logged with the request; and an
    unexpected exception becomes a 500 JSON answer here, without re-raising. An exception handler for
    Exception cannot do that: Starlette's ServerErrorMiddleware sends its response and then re-raises, and
    uvicorn closes the client's kept-alive connection on an exception that follows a response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), "")
        rid = given if REQUEST_ID_OK.match(given) else uuid.uuid4().hex
        scope["medapp.request_id"] = rid
        started, status, start = False, 500, time.perf_counter()

        async def _send(message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in _SET_HERE]
                # no-store: answers hold patients' results, which no proxy or browser cache may keep
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode()),
                                                  (b"cache-control", b"no-store")]}
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except DATABASE_DOWN as exc:
            # the case database (tokens, cases, audit) cannot be reached: the service is unavailable, not broken;
            # one line, not a traceback per request (an IT review counted 452 lines for 3 requests)
            log.error("case database unavailable on %s %s (request %s): %s", scope.get("method"),
                      printable(scope.get("path", "")), rid, printable(first_line(exc)))
            if started:
                raise
            await JSONResponse({"error": STORE_DOWN}, status_code=503,
                               headers={"Retry-After": "30"})(scope, receive, _send)
        except Exception:
            log.exception("unexpected error on %s %s (request %s)", scope.get("method"), printable(scope.get("path", "")), rid)
            if started:  # part of an answer went out: nothing sensible can follow it
                raise
            await JSONResponse({"error": FAILED}, status_code=500)(scope, receive, _send)
        finally:
            client = (scope.get("client") or ("-",))[0]  # the caller's address (a proxy's, behind one)
            request_log.info("%s %s %s -> %d in %.1f ms request_id=%s", client, scope.get("method"),
                             printable(scope.get("path", "")), status, (time.perf_counter() - start) * 1000, rid)
