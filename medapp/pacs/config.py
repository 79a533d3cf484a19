"""DICOMweb endpoints: from `.streamlit/secrets.toml` ([pacs.<name>] sections) and from the Admin page.

An endpoint's password or token is held in the object but never in its repr, its public view, a log
line or an audit entry. Endpoints added on the Admin page are kept in `var/pacs_endpoints.json`,
readable by the server's account only (mode 0600).
"""
from __future__ import annotations

import json
import os
import re
import threading
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import REPO_ROOT, var_dir
from ..types import InputError

AUTH_KINDS = ("none", "basic", "bearer")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_lock = threading.Lock()


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str  # DICOMweb base, e.g. http://pacs:8042/dicom-web
    auth: str = "none"  # none | basic | bearer
    username: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    source: str = "admin"  # "secrets" (read-only here) or "admin"

    def public(self) -> dict[str, Any]:
        """What may be shown or logged: everything but the password and token."""
        return {"name": self.name, "url": self.url, "auth": self.auth, "username": self.username,
                "connect_timeout": self.connect_timeout, "read_timeout": self.read_timeout,
                "source": self.source, "secret set": bool(self.password or self.token)}


def validate(ep: Endpoint) -> Endpoint:
    """The endpoint cleaned, or an InputError saying what to fix."""
    name, url = ep.name.strip(), ep.url.strip().rstrip("/")
    if not _NAME.match(name):
        raise InputError("An endpoint name is 1-64 letters, digits, '.', '_' or '-'.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"'{url}' is not an http(s) address such as http://pacs.example:8042/dicom-web.")
    if parts.username or parts.password:
        raise InputError("Put the user name and password in their own fields, not in the address.")
    if ep.auth not in AUTH_KINDS:
        raise InputError(f"Authentication must be one of {', '.join(AUTH_KINDS)}.")
    if ep.auth == "basic" and not ep.username:
        raise InputError("Basic authentication needs a user name.")
    if not (0 < ep.connect_timeout <= 300 and 0 < ep.read_timeout <= 3600):
        raise InputError("Timeouts are seconds: connect 0-300, read 0-3600.")
    return replace(ep, name=name, url=url, username=ep.username.strip())


def secrets_file() -> Path:
    return Path(os.environ.get("MEDAPP_SECRETS_FILE", REPO_ROOT / ".streamlit" / "secrets.toml"))


def from_secrets(path: Path | None = None) -> list[Endpoint]:
    """[pacs.<name>] sections: url, auth, username, password, token, connect_timeout, read_timeout (or timeout)."""
    path = path or secrets_file()
    if not path.is_file():
        return []
    try:
        raw = tomllib.loads(path.read_text()).get("pacs", {})
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise InputError(f"{path.name} cannot be read as TOML ({type(exc).__name__}); PACS endpoints in it are "
                         "ignored until it is fixed.") from None
    out = []
    for name, section in raw.items():
        if not isinstance(section, dict):
            continue
        timeout = float(section.get("timeout", 0) or 0)
        out.append(validate(Endpoint(
            name=name, url=str(section.get("url", "")),
            auth=str(section.get("auth", "basic" if section.get("username") else
                                 "bearer" if section.get("token") else "none")),
            username=str(section.get("username", "")), password=str(section.get("password", "")),
            token=str(section.get("token", "")),
            connect_timeout=float(section.get("connect_timeout", timeout or 5.0)),
            read_timeout=float(section.get("read_timeout", timeout or 30.0)), source="secrets")))
    return out


def _store_path() -> Path:
    return var_dir() / "pacs_endpoints.json"


def _read_store() -> dict[str, dict[str, Any]]:
    path = _store_path()
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def _write_store(entries: dict[str, dict[str, Any]]) -> None:
    path = _store_path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(entries, fh, indent=1)
    os.replace(tmp, path)


def from_store() -> list[Endpoint]:
    with _lock:
        entries = _read_store()
    return [Endpoint(**{**e, "source": "admin"}) for e in entries.values()]


def save_endpoint(ep: Endpoint, *, keep_secret: bool = True) -> Endpoint:
    """Add or replace an admin-managed endpoint; an empty password/token keeps the stored one."""
    ep = validate(replace(ep, source="admin"))
    if any(s.name == ep.name for s in from_secrets()):
        raise InputError(f"'{ep.name}' is configured in secrets.toml; change it there or choose another name.")
    with _lock:
        entries = _read_store()
        old = entries.get(ep.name)
        if keep_secret and old:
            if not ep.password and ep.auth == "basic":
                ep = replace(ep, password=old.get("password", ""))
            if not ep.token and ep.auth == "bearer":
                ep = replace(ep, token=old.get("token", ""))
        if ep.auth != "basic":
            ep = replace(ep, username="", password="")
        if ep.auth != "bearer":
            ep = replace(ep, token="")
        entries[ep.name] = {k: v for k, v in asdict(ep).items() if k != "source"}
        _write_store(entries)
    return ep


def delete_endpoint(name: str) -> bool:
    with _lock:
        entries = _read_store()
        found = entries.pop(name, None) is not None
        if found:
            _write_store(entries)
    return found


def list_endpoints() -> list[Endpoint]:
    """Every configured endpoint: secrets.toml first, then the Admin page's (same name: secrets win)."""
    out = {e.name: e for e in from_store()}
    out.update({e.name: e for e in from_secrets()})
    return sorted(out.values(), key=lambda e: (e.source != "secrets", e.name))


def get_endpoint(name: str) -> Endpoint:
    for ep in list_endpoints():
        if ep.name == name:
            return ep
    raise InputError(f"No PACS endpoint named '{name}' is configured.")
