"""Content-addressed storage of uploaded inputs: var/blobs/<sha256[:2]>/<sha256>."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..config import var_dir


class BlobStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else var_dir() / "blobs"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("not a sha256 digest")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():  # same content, same file: stored once
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)  # atomic: a reader never sees half a file
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()
