"""Benchmark entries for `python -m medapp bench`: retrieve and analyse from a local throw-away Orthanc.

- one CR instance, retrieve (WADO-RS) + pixel pipeline + prediction + explanation, nothing cached: p50
- a 100-instance study list (10 studies of one date): search, list, retrieve and analyse each: per instance
"""
from __future__ import annotations

import time

import numpy as np

from ..analysis import clear_cache
from ..registry import data_root, load_model
from .client import InstanceCache, PacsClient
from .config import Endpoint
from .orthanc import ThrowAwayOrthanc, find_binary, find_dicomweb_plugin
from .pipeline import analyse_instance, analyse_many
from .samples import demo_archive, study_list

TARGET_ONE_MS, TARGET_PER_INSTANCE_MS = 1000.0, 500.0


def bench_pacs(repeats: int = 10, n_batch: int = 100) -> dict[str, float | str]:
    if not (find_binary() and find_dicomweb_plugin()):
        return {"pacs_skipped": "Orthanc with its DICOMweb plugin is not installed"}
    try:
        archive, files = demo_archive(data_root())
        batch = study_list(data_root(), n_batch, study_date="20240301")
    except FileNotFoundError as exc:
        return {"pacs_skipped": str(exc)}
    model = load_model("chest-xray-pneumonia")
    with ThrowAwayOrthanc() as server:
        for data in files + batch:
            server.upload(data)
        client = PacsClient(Endpoint("bench", server.dicomweb_url, "basic", server.user, server.password))
        ref = client.instances(archive.chest.study_uid, archive.cr_series_uid)[0]
        analyse_instance(model, client, ref)  # warm-up: first-call costs in the libraries
        one = []
        for _ in range(repeats):
            clear_cache()  # no cached explanation and no cached instance: the full path each time
            start = time.perf_counter()
            result = analyse_instance(model, client, ref, InstanceCache())
            one.append((time.perf_counter() - start) * 1000)
            assert result.ok, result.error
        clear_cache()
        start = time.perf_counter()
        studies = client.search_studies(study_date="20240301", modalities=["CR"])
        refs = client.study_list_instances(studies, ["CR"])
        results = list(analyse_many(model, client, refs, InstanceCache()))
        total = time.perf_counter() - start
    per_instance = total * 1000 / max(len(results), 1)
    return {
        "pacs_retrieve_analyse_one_cr_ms_p50": round(float(np.median(one)), 1),
        "pacs_retrieve_analyse_one_cr_ms_p95": round(float(np.percentile(one, 95)), 1),
        "pacs_retrieve_analyse_one_cr_target_ms": TARGET_ONE_MS,
        "pacs_study_list_instances": len(results),
        "pacs_study_list_analysed_ok": sum(r.ok for r in results),
        "pacs_study_list_ms_per_instance": round(per_instance, 1),
        "pacs_study_list_target_ms_per_instance": TARGET_PER_INSTANCE_MS,
    }
