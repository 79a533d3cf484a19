"""`make test` runs on two pytest-xdist workers with `--dist loadgroup`: a file's tests (and every browser
test) stay on one worker, so their session servers (Ray, PostgreSQL, Orthanc, the app) start once.

pytest 9.2 broke that without a word (pytest-xdist issue 1386: the group is no longer written into the
node id, so tests are spread one by one and both workers start every server); requirements.txt pins
pytest 9.1.1 until pytest-xdist follows. This test fails if the grouping is lost again.
"""
from __future__ import annotations

import os

import pytest


def test_under_loadgroup_this_test_carries_its_group(request):
    if os.environ.get("PYTEST_XDIST_WORKER") is None or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("checks `make test`'s distribution: run with -n 2 --dist loadgroup")
    assert request.node.nodeid.endswith("@test_xdist_groups.py"), request.node.nodeid
