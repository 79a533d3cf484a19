"""Fixtures the case-store tests share: a store on each database under test, and a heart-disease analysis."""
from __future__ import annotations

import pytest

from medapp.analysis import analyse
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.db.engine import dispose_all
from medapp.registry import load_model


@pytest.fixture
def store(database_url, tmp_path):
    yield CaseStore(database_url, BlobStore(tmp_path / "blobs"))
    dispose_all()  # close pooled connections: each test has its own PostgreSQL database


@pytest.fixture(scope="module")
def heart():
    model = load_model("heart-disease")
    result = analyse(model, model.example_input())
    return model.card, result.prediction, result.explanation

