"""Property-based tests of the JSON API against its own /api/v1/openapi.json (schemathesis 4, in-process WSGI).

Every generated request, valid or not, must get no 5xx, a documented status and content type, and a body
that matches the documented schema; invalid input must be rejected with a 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import EmergencyDisclosureFactory, FigureFactory, ReportingPeriodFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: Examples per operation and generation mode: enough to reach every parameter, well under a minute.
EXAMPLES = 20

#: What every response is held to. positive_data_acceptance is left out on purpose: a page past the
#: last page is well-formed by the schema yet answered with a 400, as the API promises.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def published_data() -> None:
    """A little of everything: two companies, scopes, exact figures, bands, a figure not reported, disclosures."""
    for scope in ("total", "aws"):
        period = ReportingPeriodFactory(
            company__slug="amazon", scope=scope, start=dt.date(2020, 1, 1), end=dt.date(2020, 6, 30)
        )
        FigureFactory(period=period, request_type="subpoena", value=Decimal(2416))
        FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
        FigureFactory(period=period, request_type="subpoena", measure="some-data-pct", value=Decimal("70.5"))
    ring = ReportingPeriodFactory(company__slug="ring", start=dt.date(2022, 1, 1), end=dt.date(2022, 6, 30))
    FigureFactory(period=ring, request_type="search-warrant", value=Decimal(1622))
    FigureFactory(period=ring, request_type="wiretap", value=None, note="Not reported.")
    EmergencyDisclosureFactory(company=ring.company, kind="batch", count=11, warrant="no", basis="good-faith")
    ReportingPeriodFactory(company__slug="draftco", status="draft")


@pytest.fixture
def application() -> Iterator[Any]:
    """The WSGI app, minus what would close the test's database connection after each request (PostgreSQL
    drops a connection left inside a transaction), as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(published_data: None, application: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def test_the_api_answers_every_generated_request_as_its_openapi_document_says(api_schema: Any) -> None:
    # Strategies per operation and mode rather than @schema.parametrize: the schema is served from the test
    # database, which only a running test can reach.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # schemathesis leaves out the operation that serves the schema itself
    assert {operation.path for operation in operations} >= {"/api/v1/figures", "/api/v1/emergency-disclosures"}
    for operation in operations:
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if operation.query else [])
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def answers_as_documented(case: Any) -> None:
                # schemathesis asks for gzip as requests does, but its in-process WSGI client does not unzip.
                response = case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
                assert response.status_code in (200, 400)
                if response.status_code == 200:
                    assert response.headers["access-control-allow-origin"] == ["*"]  # schemathesis lower-cases names

            answers_as_documented()
