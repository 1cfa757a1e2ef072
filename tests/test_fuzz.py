"""The short pass of the fuzzer (tests/fuzz.py has the long one): every operation of the committed
`openapi/openapi.json`, a few seeded cases each, sent to a real `cartesio serve` on a database of its own as every
demo role and anonymously. No 5xx, a documented status, content type and body shape, and every 4xx a problem.

Each generated case goes to the server once per caller, the callers in a fixed order and the generation
seeded, so a run is the same on every machine. Following the document's links (create, then read, change and
delete what was created) is left to the long run, whose stateful phase does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import fuzz

EXAMPLES_PER_OPERATION = 2
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          fuzz.problem_json_on_4xx]

schema = schemathesis.openapi.from_path(fuzz.SPEC, config=schemathesis.Config.from_dict({
    "seed": 20261129, "suppress-health-check": ["all"], "cache": {"enabled": False},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
}))


class Fuzzed:
    """The server and one signed-in HTTP session per caller."""

    def __init__(self, server: fuzz.Server) -> None:
        self.url = server.url
        self.server = server
        self.sessions: dict[str, requests.Session] = {}
        for role, token in server.tokens().items():
            session = requests.Session()
            if token:
                session.headers["Authorization"] = f"Bearer {token}"
            self.sessions[role] = session


@pytest.fixture(scope="session")  # session: Schemathesis's parametrization would otherwise start it twice
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    with fuzz.server(Path(tmp_path_factory.mktemp("fuzz"))) as server:
        world = Fuzzed(server)
        yield world
        for session in world.sessions.values():
            session.close()


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                     phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_as_every_caller(case: schemathesis.Case, fuzzed: Fuzzed) -> None:
    for role, session in fuzzed.sessions.items():
        response = case.call(base_url=fuzzed.url, session=session)
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as exc:
            raise AssertionError(f"as {role}: {exc}") from None
    assert fuzzed.server.alive(), fuzzed.server.log.read_text()


def _answer(status: int, content_type: str, body: bytes) -> schemathesis.Response:
    request = requests.Request("GET", "http://127.0.0.1/api/v1/clusters/0").prepare()
    return schemathesis.Response(status_code=status, headers={"content-type": [content_type]}, content=body,
                                 request=request, elapsed=0.01, verify=False)


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", b"Not Found"),
    ("application/json", b'{"detail": "Not Found"}'),
    ("application/problem+json", b'{"type": "about:blank", "status": 404}'),
    ("application/problem+json", b'{"type": "about:blank", "title": "Not found", "status": 400}'),
])
def test_the_problem_check_refuses_other_4xx(content_type: str, body: bytes) -> None:
    with pytest.raises(AssertionError, match="answered as|lacks title|differs"):
        fuzz.problem_json_on_4xx(None, _answer(404, content_type, body), None)


def test_the_problem_check_passes_a_problem() -> None:
    body = b'{"type": "urn:cartesio:problem:not-found", "title": "Not found", "status": 404}'
    assert fuzz.problem_json_on_4xx(None, _answer(404, "application/problem+json", body), None) is True
