"""Measure the int8 (dynamically quantised) MiniLM encoder against fp32 on note explanations.

Not a test: `nice -n 10 .venv/bin/python tests/notes/int8_measure.py [n_per_model] [rounds]`.
The two encoders live in one process and run interleaved (A, B, A, B) on the same notes, so the
ratio holds on a shared machine where absolute times do not. Prints per-note times, top-1
agreement, the correlation of SHAP values and additivity against the prediction.
"""
from __future__ import annotations

import copy
import functools
import sys
import time

import numpy as np
import torch

from medapp.modalities.notes.model import NoteInput
from medapp.registry import load_model
from medapp.workload import real_inputs

torch.set_num_threads(2)
n_per = int(sys.argv[1]) if len(sys.argv) > 1 else 4
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
threads = [int(t) for t in sys.argv[3].split(",")] if len(sys.argv) > 3 else [2]
PER_CHANNEL = len(sys.argv) > 4 and "channel" in sys.argv[4]
ONE_BY_ONE = len(sys.argv) > 4 and "b1" in sys.argv[4]


def int8_copy(model, per_channel=False):
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    clone = copy.copy(model)
    enc = copy.copy(model.encoder)
    spec = {torch.nn.Linear: per_channel_dynamic_qconfig} if per_channel else {torch.nn.Linear}
    enc.model = quantize_dynamic(copy.deepcopy(model.encoder.model), spec, dtype=torch.qint8)
    if ONE_BY_ONE:  # each text alone: per-tensor activation scales then never mix two texts
        enc.encode = functools.partial(type(enc).encode, enc, batch_size=1)
    clone.encoder = enc
    return clone


rows = []
for mid in ("symptom-disease", "abstract-condition"):
    fp = load_model(mid)
    q = int8_copy(fp, per_channel=PER_CHANNEL)
    notes = [("example", fp.example_input())] + real_inputs(fp, n_per)
    for name, x in notes:
        assert isinstance(x, NoteInput)
        times, cpu = {}, {}
        res = {}
        for _ in range(rounds):
            for nt in threads:
                torch.set_num_threads(nt)
                for tag, m in (("fp32", fp), ("int8", q)):
                    t0, c0 = time.perf_counter(), time.process_time()
                    p = m.predict(x)
                    e = m.explain(x, p)
                    times.setdefault((tag, nt), []).append(time.perf_counter() - t0)
                    cpu.setdefault((tag, nt), []).append(time.process_time() - c0)
                    res[tag] = (p, e)
        (pf, ef), (pq, eq) = res["fp32"], res["int8"]
        vf, vq = np.asarray(ef.values), np.asarray(eq.values)
        corr = float(np.corrcoef(vf, vq)[0, 1]) if vf.std() > 0 and vq.std() > 0 else float("nan")
        row = dict(model=mid, note=name, words=len(x.text.split()), chunks=ef.data["chunks"],
                   top1_same=pf.label == pq.label, p_fp=float(pf.probability), p_q=float(pq.probability),
                   corr=corr, add_fp=abs(ef.output_value - pf.probability), add_q=abs(eq.output_value - pq.probability),
                   **{f"{t}_{nt}": float(np.median(v)) for (t, nt), v in times.items()},
                   **{f"cpu_{t}_{nt}": float(np.median(v)) for (t, nt), v in cpu.items()})
        rows.append(row)
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)

for nt in threads:
    r = np.array([row[f"fp32_{nt}"] / row[f"int8_{nt}"] for row in rows])
    c = np.array([row[f"cpu_fp32_{nt}"] / row[f"cpu_int8_{nt}"] for row in rows])
    print(f"threads {nt}: fp32/int8 CPU-time ratio median {np.median(c):.2f} (min {c.min():.2f}, max {c.max():.2f}); "
          f"total CPU fp32 {sum(row[f'cpu_fp32_{nt}'] for row in rows):.1f}s int8 {sum(row[f'cpu_int8_{nt}'] for row in rows):.1f}s")
    print(f"threads {nt}: fp32/int8 time ratio median {np.median(r):.2f} (min {r.min():.2f}, max {r.max():.2f}); "
          f"total fp32 {sum(row[f'fp32_{nt}'] for row in rows):.1f}s int8 {sum(row[f'int8_{nt}'] for row in rows):.1f}s")
if len(threads) > 1:
    for tag in ("fp32", "int8"):
        r = np.array([row[f"{tag}_{threads[0]}"] / row[f"{tag}_{threads[1]}"] for row in rows])
        print(f"{tag}: {threads[0]}-thread / {threads[1]}-thread time ratio median {np.median(r):.2f}")
print("top-1 agreement", np.mean([r["top1_same"] for r in rows]), "SHAP corr median",
      np.nanmedian([r["corr"] for r in rows]), "min", np.nanmin([r["corr"] for r in rows]),
      "max |output - prob| fp32", max(r["add_fp"] for r in rows), "int8", max(r["add_q"] for r in rows))
