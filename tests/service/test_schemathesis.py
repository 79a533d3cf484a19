"""Property-based fuzzing of the service from its own OpenAPI document (schemathesis): whatever the
request, the answer is never a server error (5xx), with a valid token and without one."""
from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


@pytest.mark.slow
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
def test_no_request_makes_the_service_fail(service, with_token):
    raw = httpx.get(f"{service.url}/openapi.json").json()
    # Aim the fuzzing at real models (quick record models) and an unknown one, not at random names only.
    for path in raw["paths"].values():
        for operation in path.values():
            for param in operation.get("parameters", []):
                if param["name"] == "model_name":
                    param["schema"] = {"type": "string", "enum": ["heart-disease", "diabetes", "no-such-model"]}
    schema = schemathesis.openapi.from_dict(raw)
    headers = {"Authorization": f"Bearer {service.tokens['reviewer']}"} if with_token else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=10 if with_token else 3, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(base_url=service.url, headers=headers, checks=[not_a_server_error], timeout=60)

        call()
