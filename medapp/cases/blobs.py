"""Content-addressed storage of uploaded inputs: var/blobs/<sha256[:2]>/<sha256>."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

from ..config import var_dir
from ..db.engine import StoreUnavailable


class BlobStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else var_dir() / "blobs"
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(f"the case store's file folder {self.root} cannot be made: "
                                   f"{error.strerror or error}") from error

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("not a sha256 digest")
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():  # same content, same file: stored once
            try:  # touched, so a collection of unreferenced blobs (below) never takes one a save is about to use
                os.utime(target)
            except FileNotFoundError:  # collected just now: written again below
                pass
            except OSError:  # a read-only folder: the file is there, and nothing can collect it meanwhile
                return digest
            else:
                return digest
        try:
            return self._write(target, data, digest)
        except OSError as error:  # a full disk, a read-only or missing folder: unavailable, said in words
            raise StoreUnavailable(f"the case store's file folder {self.root} cannot be written: "
                                   f"{error.strerror or error}") from error

    def _write(self, target: Path, data: bytes, digest: str) -> str:
        for attempt in range(3):  # a collection may remove the emptied folder between mkdir and mkstemp
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only, as the files (an IT review)
            try:
                fd, tmp = tempfile.mkstemp(dir=target.parent)
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)  # atomic: a reader never sees half a file
        except BaseException:  # a full disk, a killed thread: no half-written input left beside the blobs
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return digest

    def remove_stale_partials(self, min_age_s: float) -> int:
        """Delete files a `put` left half-written (a process killed mid-write) older than `min_age_s`; how many."""
        now, removed = time.time(), 0
        for path in self.root.glob("??/tmp*"):
            with contextlib.suppress(OSError):
                if path.is_file() and now - path.stat().st_mtime >= min_age_s:
                    path.unlink()
                    removed += 1
        return removed

    def digests(self) -> list[tuple[str, float]]:
        """(digest, seconds since last written or touched) of every stored blob."""
        now = time.time()
        out = []
        for path in self.root.glob("??/*"):
            if len(path.name) == 64 and path.is_file():
                try:
                    out.append((path.name, now - path.stat().st_mtime))
                except FileNotFoundError:
                    continue
        return out

    def delete_if_untouched(self, digest: str, min_age_s: float) -> bool:
        """Delete a blob not written or touched for `min_age_s` (checked again at the last moment: `put` may have
        just touched it for a save); whether it was deleted."""
        path = self.path(digest)
        try:
            if time.time() - path.stat().st_mtime < min_age_s:
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        with contextlib.suppress(OSError):  # its folder, when it was the last one there (a put may refill it)
            path.parent.rmdir()
        return True

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()
