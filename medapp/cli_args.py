"""argparse types shared by the command-line parsers (medapp.cli and the parsers each room registers)."""
from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A count of at least 1 (`--http-clients 0` ended in a ValueError traceback; `audit --limit -3` printed all)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def port(text: str) -> int:
    """A TCP port, 1-65535 (`serve --port 99999` announced 99999 and listened on the port it wrapped to)."""
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (1-65535)")
    return value
