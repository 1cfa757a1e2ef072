"""Assertions shared by the tests."""

from __future__ import annotations


def assert_problem(response, status: int, *, field: str | None = None) -> dict:  # noqa: ANN001
    """The response is an RFC 9457 problem with this status (and, for 422, names this field)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"]
    if field is not None:
        assert any(e["field"] == field for e in body.get("errors", [])), body
    return body
