"""Case-record weights on disk (skops): written by training, read back accepting only the types we save."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sklearn.utils


def _import_skops():
    # skops builds a default allow-list of every scikit-learn estimator when it is imported: that walks
    # all of scikit-learn and, through scikit-learn's array-API shim, imports torch (1.3 CPU-s and
    # ~1,100 modules in every process that scores records: CLI calls, service replicas). We never use
    # that list: load_weights checks every type in a file against our own prefixes and names them
    # explicitly. An empty default can only make skops stricter, never looser.
    walk = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = lambda *args, **kwargs: []
    try:
        import skops.io
    finally:
        sklearn.utils.all_estimators = walk
    return skops.io


sio = _import_skops()

# skops refuses to load any type not listed here: only scikit-learn and numpy internals we saved. Not "builtins.":
# a file naming builtins.eval or getattr as a constructor would have been trusted (a new engineer's review).
_TRUSTED_PREFIXES = ("sklearn.", "numpy.")


def save_weights(weights: dict[str, Any], path: Path) -> None:
    sio.dump(weights, path)


def load_weights(path: Path) -> dict[str, Any]:
    untrusted = sio.get_untrusted_types(file=path)
    unexpected = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if unexpected:
        raise ValueError(f"{path} holds unexpected types {unexpected}; refusing to load it")
    return sio.load(path, trusted=untrusted)
