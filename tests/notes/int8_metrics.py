"""Re-measure the note cards' cross-validated metrics with a quantised encoder (not a test).

`nice -n 10 .venv/bin/python tests/notes/int8_metrics.py VARIANT [model ids]`, VARIANT one of fp32,
int8 (per-tensor dynamic, quantize_dynamic's default), int8-channel (per-channel weights).
Runs the card's own protocol (train.train: 5 stratified folds, seed 0, weight decay and temperature
on the same folds) with every text re-embedded by that encoder, into a temporary folder: the
committed cards and weights are not touched. Also prints how often the shipped head's top-1 label on
the quantised embeddings equals its label on the fp32 embeddings.
"""
from __future__ import annotations

import copy
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

from medapp.modalities.notes import train
from medapp.modalities.notes.encoder import get_encoder
from medapp.registry import load_model
from medapp.workload import data_root

torch.set_num_threads(2)
variant = sys.argv[1]
ids = sys.argv[2:] or ["symptom-disease", "abstract-condition"]
enc = get_encoder()
fp32_model = enc.model
if variant == "int8":
    quantised = quantize_dynamic(copy.deepcopy(enc.model), {torch.nn.Linear}, dtype=torch.qint8)
elif variant == "int8-channel":
    quantised = quantize_dynamic(copy.deepcopy(enc.model), {torch.nn.Linear: per_channel_dynamic_qconfig},
                                 dtype=torch.qint8)
else:
    quantised = enc.model
for mid in ids:
    shipped = load_model(mid)
    with tempfile.TemporaryDirectory() as out:
        enc.model = quantised
        train.CACHE = Path(tempfile.gettempdir()) / f"medapp-embeddings-{variant}"
        card = train.train(mid, data_root(), Path(out))
        texts_key = card.validation["y_true"]
    # the shipped head on both encoders' embeddings of the same texts
    df, _ = train.read_table(mid, data_root())
    texts = df[train.SPECS[mid]["text_col"]].astype(str).tolist()
    enc.model = quantised
    train.CACHE = Path(tempfile.gettempdir()) / f"medapp-embeddings-{variant}"
    eq = train.embed_cached(texts)
    enc.model = fp32_model
    train.CACHE = Path(tempfile.gettempdir()) / "medapp-embeddings"
    ef = train.embed_cached(texts)
    agree = float(np.mean(shipped.head_probabilities(eq).argmax(1) == shipped.head_probabilities(ef).argmax(1)))
    cos = np.sum(eq * ef, axis=1)
    print(json.dumps({"variant": variant, "model": mid, "summary": card.metrics["summary"],
                      "weight_decay": card.metrics["weight_decay"], "temperature": card.metrics["temperature"],
                      "candidates": card.metrics["candidates"], "shipped_head_top1_agreement": round(agree, 4),
                      "cos_mean": round(float(cos.mean()), 4), "cos_min": round(float(cos.min()), 4)}), flush=True)
