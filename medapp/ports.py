"""A free TCP port on loopback, for the throw-away servers the bench, the PACS helper and the tests start."""
from __future__ import annotations

import socket


def free_loopback_port() -> int:
    """Ask the kernel for an unused port on 127.0.0.1 (the server started next binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
