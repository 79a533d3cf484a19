"""Instances from the PACS go through the upload path: same finding, messages for what cannot be analysed."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.analysis import analyse
from medapp.modalities.imaging.io import decode
from medapp.pacs.client import InstanceCache, PacsClient
from medapp.pacs.pipeline import analyse_many
from medapp.registry import load_model

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def model():
    return load_model("chest-xray-pneumonia")


def test_series_with_report_and_undecodable_instance(endpoint, orthanc, model):
    client = PacsClient(endpoint)
    refs = client.instances(orthanc.archive.chest.study_uid, orthanc.archive.cr_series_uid)
    seen = []
    results = list(analyse_many(model, client, refs, InstanceCache(), progress=lambda i, n, r: seen.append((i, n))))
    assert seen == [(i, 6) for i in range(1, 7)]
    ok = [r for r in results if r.ok]
    assert len(ok) == 4  # the four radiographs, although two others in the series fail
    report = next(r for r in results if r.ref.instance_number == 5)
    assert report.skipped and "without an image" in report.error and "Basic Text SR" in report.error
    broken = next(r for r in results if r.ref.instance_number == 6)
    assert not broken.ok and not broken.skipped and "cannot be decoded" in broken.error
    for r in ok:
        upload = analyse(model, decode(r.data, "upload.dcm")[0])  # the same bytes as an upload
        assert np.allclose(r.analysis.prediction.probabilities, upload.prediction.probabilities)
        assert r.analysis.explanation.values.shape == (model.size, model.size)
        assert abs(r.analysis.prediction.probabilities.sum() - 1) < 1e-6
        row = r.row()
        assert row["label"] in model.card.labels and row["modality"] == "CR" and row["explanation"]["method"]


def test_nothing_is_fetched_twice_and_cancel_stops(endpoint, orthanc, model):
    import threading

    client = PacsClient(endpoint)
    refs = client.instances(orthanc.archive.chest.study_uid, orthanc.archive.dx_series_uid)
    cache = InstanceCache()
    list(analyse_many(model, client, refs, cache))
    list(analyse_many(model, client, refs, cache))
    assert client.fetches == len(refs) == 2
    cancel = threading.Event()
    stopped = []
    for r in analyse_many(model, PacsClient(endpoint), refs, InstanceCache(), cancel=cancel):
        stopped.append(r)
        cancel.set()
    assert len(stopped) == 1


def test_non_chest_modalities_are_analysed_with_a_warning(endpoint, model):
    client = PacsClient(endpoint)
    studies = client.search_studies(modalities=["MR"])
    refs = client.study_list_instances(studies, ["MR"])
    (result,) = list(analyse_many(model, client, refs))
    assert result.ok and any("modality is MR" in w for w in result.analysis.prediction.warnings)
    # an MR slice does not fit the chest model: not a finding, in the table, the CLI and what goes back to the PACS
    from medapp.pacs.results import finding

    row = result.row()
    assert row["assessed"] is False and row["label"] is None and "modality is MR" in row["not_assessed_reason"]
    assert finding(result.analysis.prediction).startswith("not assessed: ")
