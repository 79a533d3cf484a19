"""Keras (and with it TensorFlow) imported without TensorFlow's start-up lines on stderr.

TensorFlow's C++ logging prints "oneDNN custom operations are on ..." (twice) and a note about absl while its
libraries load, before TF_CPP_MIN_LOG_LEVEL applies, so every command-line run that touched the heart-sound
model began with four lines of noise on stderr. They are written to file descriptor 2 directly, so the import
runs with that descriptor pointed at a temporary file; every other line written meanwhile (another thread's
log, a real error) is passed on afterwards, in order.
"""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading

# Lines TensorFlow writes while loading, whatever the log level (the start of each line)
_LOAD_NOISE = (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",)
_LOAD_NOISE_PARTS = (b"oneDNN custom operations are on",)
_lock = threading.Lock()


def _noise(line: bytes) -> bool:
    return line.startswith(_LOAD_NOISE) or any(part in line for part in _LOAD_NOISE_PARTS)


@contextlib.contextmanager
def load_lines_dropped():
    """While the block runs, file descriptor 2 goes to a temporary file; afterwards every line but TensorFlow's
    load-time lines is written to the real stderr, in order."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as caught:
            os.dup2(caught.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                caught.seek(0)
                kept = b"".join(line for line in caught if not _noise(line))
                if kept:
                    os.write(2, kept)
    finally:
        os.close(saved)


def keras_module():
    """`import keras`, the first time with TensorFlow's load-time lines kept off stderr."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with _lock:
        if "keras" not in sys.modules:
            with load_lines_dropped():
                import keras  # noqa: F401
        return sys.modules["keras"]
