"""Which code made a result: the package version and a digest of medapp's sources, pages and pinned dependencies.

The version is raised by hand and rarely (it stayed 0.2.0 through dozens of changes to the checks, scoring and
wording a result passes through); the digest changes with any of them, so a saved analysis, a report or a
command's output names exactly the code that produced it. `python -m medapp --version` prints both, and a
deployed tree can be checked against a saved analysis without git (an installation need not be a checkout).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from . import __version__

PACKAGE = Path(__file__).resolve().parent


def digest_of(package: Path) -> str:
    """The first 12 hex digits of SHA-256 over the code a result passes through, by relative path and content: every
    .py below `package`, and beside it (where present: an installation need not be a checkout) the app's entry
    point, its pages and the pinned dependencies (the same code and weights gave a word error of 0.014 on one
    machine's libraries and CPU and 0.042 on another's)."""
    root = package.parent
    files = sorted(package.rglob("*.py"))
    files += [p for p in (root / "app.py", root / "requirements.txt") if p.is_file()]
    files += sorted((root / "pages").glob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


# Read once, when the process first imports it (the store does as the app, the API or the CLI starts): sources
# replaced under a running process (an update without a restart) must not be named as the code that runs.
CODE_DIGEST = digest_of(PACKAGE)


def code_digest() -> str:
    return CODE_DIGEST


def build_id() -> str:
    """"0.2.0+1f3c5a7e9b2d": what a saved analysis records as the code that made it."""
    return f"{__version__}+{code_digest()}"


def build_words(build: str | None) -> str:
    """How pages and reports name a stored build; analyses saved before builds were recorded have none."""
    if not build:
        return "medapp version not recorded (saved before 2026-12-07)"
    version, _, digest = build.partition("+")
    return f"medapp {version} (code {digest})" if digest else f"medapp {version}"


def card_digest(card) -> str:
    """SHA-256 of a model card's text (`ModelCard.text`): what a saved analysis keeps to name its card, and so the
    weights the card names."""
    return hashlib.sha256(card.text().encode("utf-8")).hexdigest()


def result_digest(prediction: dict, explanation: dict | None) -> str:
    """SHA-256 of a saved result as stored (its prediction and explanation, canonical JSON): the `analysis.save`
    audit row keeps it, so a result rewritten in the database (deleted and inserted again under its id, where no
    trigger sees an UPDATE) no longer matches (`python -m medapp audit --verify`)."""
    import json

    text = json.dumps({"prediction": prediction, "explanation": explanation}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
