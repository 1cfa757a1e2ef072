"""The committed OpenAPI document is current, and every operation documents itself."""

from __future__ import annotations

from pathlib import Path

from api.cli import openapi_document

SPEC = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def test_committed_spec_is_current():
    assert SPEC.exists(), "run `cartesio openapi export`"
    assert SPEC.read_text() == openapi_document(), "openapi/openapi.json is stale: run `cartesio openapi export`"


def test_every_operation_is_documented(client):
    spec = client.get("/openapi.json").json()
    seen_ids = set()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary"), where
            assert op.get("description"), where
            assert op.get("tags"), where
            assert op["operationId"] not in seen_ids
            seen_ids.add(op["operationId"])
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in op["responses"], where
                problem = op["responses"]["422"]["content"]
                assert list(problem) == ["application/problem+json"], where
            if method in ("post", "patch", "delete") and path != "/api/v1/auth/token":
                assert "401" in op["responses"] and "403" in op["responses"], where
