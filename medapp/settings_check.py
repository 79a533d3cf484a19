"""Every MEDAPP_* setting checked when the app or the service starts, not at first use.

An IT review found a malformed UID root, an emptied de-identification salt and a timeout of "30m" all accepted at
start: the first DICOM saved to a case answered a client 400 naming the server's files, and every page showed
Streamlit's generic error. `problems()` names each bad setting in words an administrator acts on; `serve` refuses
to start with them and the app shows them in place of its pages.
"""
from __future__ import annotations

import os

from .types import InputError


def _number(name: str, default: str, *, whole: bool = False, least: float = 0, unit: str = "") -> str | None:
    raw = os.environ.get(name, default).strip()
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value != value or value < least:  # not a number, NaN, or below its least
        kind = "a whole number" if whole else "a number"
        return (f"{name}={raw!r} is not {kind}{f' of {unit}' if unit else ''} of at least {least:g} "
                f"(the default is {default}).")
    return None


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str | None:
    raw = os.environ.get(name, default).strip().lower()
    if raw not in allowed:
        return f"{name}={os.environ.get(name)!r} is not one of {', '.join(allowed)} (the default is {default})."
    return None


def problems() -> list[str]:
    """What is wrong with the settings, one sentence each; empty when they can be used."""
    from .config import deid_salt, uid_root

    found = [
        _number("MEDAPP_SESSION_TIMEOUT_MIN", "30", least=1, unit="minutes"),
        _number("MEDAPP_API_RATE_PER_MINUTE", "1200", whole=True, least=1, unit="calls per minute per token"),
        _number("MEDAPP_API_MAX_BODY_MB", "100", least=0.001, unit="megabytes"),
        _number("MEDAPP_API_BODY_IDLE_S", "60", least=1, unit="seconds"),
        _number("MEDAPP_HEAVY_SLOTS", "0", whole=True, least=0, unit="slots"),
        _number("MEDAPP_LIGHT_MS", "100", least=0, unit="milliseconds"),
        _choice("MEDAPP_API_AUDIT", "batched", ("batched", "sync")),
        _choice("MEDAPP_API_SERIALIZE", "0", ("0", "1")),
        _choice("MEDAPP_NOTES_PRECISION", "auto", ("auto", "fp32", "bf16")),
    ]
    url = os.environ.get("MEDAPP_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):  # SQLAlchemy's psycopg2 default is not installed
        found.append("MEDAPP_DATABASE_URL starts with " + url.split(":", 1)[0] + "://: write postgresql+psycopg:// "
                     "(the driver medapp installs).")
    secrets_path = os.environ.get("MEDAPP_SECRETS_FILE", "").strip()
    if secrets_path:  # a mistyped path said only "No PACS endpoint named 'orthanc'"; a 0644 one went unremarked
        found.append(_secrets_file_problem(secrets_path))
    try:
        uid_root()
    except InputError as exc:
        found.append(exc.message)
    try:
        deid_salt()
    except (RuntimeError, OSError) as exc:
        found.append(f"The de-identification salt cannot be used: {exc}.")
    return [p for p in found if p]


def _secrets_file_problem(path: str) -> str | None:
    """As ssh treats a key: a password file others can read is refused, not used (an IT review)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"MEDAPP_SECRETS_FILE names {path}, which cannot be read ({exc.strerror or exc})."
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (f"MEDAPP_SECRETS_FILE {path} can be read by other users of this machine (mode "
                f"{stat.S_IMODE(mode):04o}): make it readable by its owner only (chmod 600).")
    return None
