"""The committed OpenAPI document is current, and every operation documents itself."""

from __future__ import annotations

import json
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


def test_every_reference_resolves():
    # Generators (the web client's openapi-typescript among them) refuse a document with a dangling $ref.
    document = json.loads(openapi_document())
    schemas = document["components"]["schemas"]
    dangling = []

    def walk(node, where):  # noqa: ANN001
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.removeprefix("#/components/schemas/") not in schemas:
                dangling.append(f"{where}: {ref}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(document, "#")
    assert dangling == []


def test_schema_names_are_unique_and_plain():
    # Two models of one name in different packages get module-path names (api__x__schemas__Y) that clients
    # would have to spell; every model name must be unique instead.
    names = json.loads(openapi_document())["components"]["schemas"]
    assert [name for name in names if "__" in name] == []
