"""Pages are rendered from parts kept per data generation (each chart with its frame, the lists beside the charts),
and a page rendered from kept parts is the page rendered from the database."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from reports.services import bump_generation

pytestmark = pytest.mark.django_db

#: Every page readers meet first, and a filtered state of the pages that take filters.
PAGES = [
    "/",
    "/companies/amazon/",
    "/companies/google/?scope=total&jurisdiction=DE",
    "/companies/microsoft/",
    "/request-types/subpoena/",
    "/request-types/search-warrant/?jurisdiction=DE",
    "/countries/",
    "/countries/DE/",
    "/emergency-disclosures/",
    "/emergency-disclosures/?company=amazon",
]


def comparable(html: str) -> str:
    """The page without its CSP nonce and the time of the data change (a bump moves it on)."""
    return re.sub(r'(nonce|datetime)="[^"]*"', r'\1=""', html)


@pytest.fixture
def kept(settings: Any) -> None:
    """Every request renders its page (no whole-page cache), from parts kept per generation."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.CHART_CACHE_SECONDS = 3600


def test_a_page_rendered_from_kept_parts_is_the_page_rendered_from_the_database(
    bundled_data: None, client: Client, settings: Any, kept: None
) -> None:
    settings.CHART_CACHE_SECONDS = 0
    fresh = {path: comparable(client.get(path).content.decode()) for path in PAGES}
    settings.CHART_CACHE_SECONDS = 3600
    bump_generation()  # the same data under a new number: nothing kept yet
    for path in PAGES:
        client.get(path)  # builds and keeps the parts
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert comparable(response.content.decode()) == fresh[path], path


@pytest.mark.parametrize("path", ["/", "/companies/amazon/", "/companies/google/?jurisdiction=DE", "/countries/DE/"])
def test_with_its_parts_kept_a_page_renders_without_a_query(
    bundled_data: None, client: Client, kept: None, django_assert_num_queries: Any, path: str
) -> None:
    assert client.get(path).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(path).status_code == 200


def test_kept_parts_move_on_with_the_data(client: Client, kept: None) -> None:
    from tests.factories import CompanyFactory, FigureFactory

    FigureFactory(period__company=CompanyFactory(slug="oldco", name="Oldco"))
    assert "Oldco" in client.get("/").content.decode()
    FigureFactory(period__company=CompanyFactory(slug="newco", name="Newco"))
    assert "Newco" not in client.get("/").content.decode()  # the parts of the generation shown
    bump_generation()
    assert "Newco" in client.get("/").content.decode()


def test_a_new_state_of_the_tracker_queries_only_its_own_records(
    bundled_data: None, client: Client, kept: None, django_assert_max_num_queries: Any
) -> None:
    """Its filter choices and the overall tallies are the same in every state: kept per generation."""
    client.get("/emergency-disclosures/")
    with django_assert_max_num_queries(4):  # the records, their sources, their tallies, by company
        response = client.get("/emergency-disclosures/?company=ring&year=2022")
    assert response.status_code == 200 and '<option value="ring" selected>' in response.content.decode()
