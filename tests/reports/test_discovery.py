"""Discovery and bundles in a refresh: a page feed finds its documents by the feed's rules, imports the new ones
(each a part of the page's run), asks for known ones only conditionally, and fails loudly when the page holds no
document link; a zip is one run with a part per member."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reports import refreshing
from reports.discovery import LinkRules, RuleError, find_links
from reports.models import DataFeed, DiscoveredDocument, Figure, ImportRun, ReportingPeriod
from tests.factories import CompanyFactory
from tests.reports import test_fetching as served
from tests.reports.importers.test_bundles import zipped
from tests.reports.test_fetching import GOOD, URL, FeedServer, Response, canonical
from tests.reports.test_refresh import published_state

feed_server = served.feed_server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

pytestmark = pytest.mark.django_db

SECOND = canonical(f"amazon,total,2020-01-01,2020-06-30,US,subpoena,requests,2416,,,{URL}")


def page(*hrefs: str) -> Response:
    links = "".join(f'<li><a href="{href}">{href}</a></li>' for href in hrefs)
    body = f"<!DOCTYPE html><html><body><h1>Reports</h1><ul>{links}</ul></body></html>".encode()
    return Response(200, body, {"Content-Type": "text/html; charset=utf-8", "ETag": etag(body)})


def document(body: bytes, content_type: str = "text/csv") -> Response:
    return Response(200, body, {"Content-Type": content_type, "ETag": etag(body)})


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def test_links_are_found_by_type_and_pattern_resolved_against_the_page_never_into_private_networks() -> None:
    html = b"""<a href="/r/Report_2019.pdf">a</a> <a href='Report_2020.PDF#page=2'>b</a>
    <a href="https://cdn.example/other.pdf">c</a> <a href="/r/Report_2019.pdf">again</a>
    <a href="/r/Report.csv">csv</a> <a href="mailto:x@example.org">m</a> <a>none</a>"""
    rules = LinkRules.parse("pdf", "report_")
    links = find_links(html, base_url="https://example.com/r/index.html", rules=rules)
    assert [(link.url, link.filename) for link in links] == [
        ("https://example.com/r/Report_2019.pdf", "Report_2019.pdf"),
        ("https://example.com/r/Report_2020.PDF", "Report_2020.PDF"),
    ]
    assert rules.describe() == "pdf links matching 'report_'"
    inside = b"""<a href="http://127.0.0.1/r/Report_1.pdf">a</a> <a href="http://169.254.169.254/Report_2.pdf">b</a>
    <a href="http://localhost/Report_3.pdf">c</a> <a href="http://10.0.0.5/Report_4.pdf">d</a>"""
    assert find_links(inside, base_url="https://example.com/", rules=rules) == []
    own = find_links(inside, base_url="http://127.0.0.1/r/", rules=rules)
    assert [link.url for link in own] == ["http://127.0.0.1/r/Report_1.pdf"]
    with pytest.raises(RuleError, match="not a valid regular expression"):
        LinkRules.parse("pdf", "(")


@pytest.fixture
def page_feed(feed_server: FeedServer) -> DataFeed:
    feed_server.documents["/reports/"] = page("/docs/first.csv", "/about.html")
    feed_server.documents["/docs/first.csv"] = document(GOOD)
    feed_server.documents["/docs/second.csv"] = document(SECOND)
    return DataFeed.objects.create(
        name="Amazon reports",
        company=CompanyFactory(slug="amazon", name="Amazon"),
        url=feed_server.url("/reports/"),
        kind=DataFeed.Kind.PAGE,
        link_types="csv",
    )


def refresh(feed: DataFeed) -> ImportRun:
    return refreshing.refresh_feed(feed_id=feed.pk, triggered_by="test")


def test_a_page_feed_imports_each_new_document_as_a_draft_then_only_asks_conditionally(
    page_feed: DataFeed, feed_server: FeedServer
) -> None:
    run = refresh(page_feed)
    assert (run.outcome, run.format, run.created) == ("succeeded", "page", 6), run.message
    [part] = run.parts.all()
    assert (part.filename, part.outcome, part.created) == ("first.csv", "succeeded", 6)
    assert set(ReportingPeriod.objects.values_list("status", flat=True)) == {"draft"}
    assert DiscoveredDocument.objects.get().run == part
    before, requests = published_state(), len(feed_server.requests)
    again = refresh(page_feed)
    assert (again.outcome, again.parts.count()) == ("unchanged", 0), again.message
    asked = feed_server.requests[requests:]
    assert [path for path, _ in asked] == ["/reports/", "/docs/first.csv"]
    assert all("If-None-Match" in headers for _, headers in asked)
    assert published_state() == before
    # A new report linked from the page: exactly that one is fetched in full and imported.
    feed_server.documents["/reports/"] = page("/docs/first.csv", "/docs/second.csv")
    third = refresh(page_feed)
    assert [(p.filename, p.outcome, p.created) for p in third.parts.all()] == [("second.csv", "succeeded", 1)]
    assert third.message.startswith("the page was read; 2 documents: 1 imported, 1 unchanged")


def test_a_page_feed_that_publishes_on_import_publishes(page_feed: DataFeed) -> None:
    DataFeed.objects.filter(pk=page_feed.pk).update(publish_on_import=True)
    assert refresh(page_feed).outcome == "succeeded"
    assert set(ReportingPeriod.objects.values_list("status", flat=True)) == {"published"}


def test_a_page_whose_links_vanished_is_a_failed_run_that_says_so(page_feed: DataFeed, feed_server: FeedServer) -> None:
    feed_server.documents["/reports/"] = page("/about.html", "/docs/first.pdf")
    run = refresh(page_feed)
    assert run.outcome == "failed"
    assert "links to no document (csv links): has it changed shape?" in run.message
    assert not Figure.objects.exists()
    page_feed.refresh_from_db()
    assert page_feed.etag == ""  # not remembered: the page is read in full next time


def test_a_linked_document_that_fails_fails_the_page_run_and_is_tried_again(
    page_feed: DataFeed, feed_server: FeedServer
) -> None:
    feed_server.documents["/reports/"] = page("/docs/first.csv", "/docs/missing.csv", "/broken.csv")
    run = refresh(page_feed)  # a server error on one document fails its part: no retry of the whole page
    assert run.outcome == "failed"
    assert "missing.csv: the server answered 404" in run.errors[0]
    assert "broken.csv: the server answered 500" in run.errors[1]
    assert Figure.objects.count() == 6  # the good document imported all the same
    feed_server.documents["/docs/missing.csv"] = document(SECOND)
    feed_server.documents["/reports/"] = page("/docs/first.csv", "/docs/missing.csv")
    assert [p.filename for p in refresh(page_feed).parts.all()] == ["missing.csv"]


def test_a_zip_is_one_run_with_a_part_per_member_and_one_bad_member_fails_alone(
    feed_server: FeedServer,
) -> None:
    bad = canonical(f"amazon,total,2019-01-01,2019-06-30,US,nsl,requests,,300,249,{URL}")
    bundle = zipped({"first.csv": GOOD, "bad.csv": bad, "notes.bin": b"\x00\x01", "README.txt": b"hello"})
    feed_server.documents["/bundle.zip"] = document(bundle, "application/zip")
    feed = DataFeed.objects.create(
        name="Bundle", company=CompanyFactory(slug="amazon", name="Amazon"), url=feed_server.url("/bundle.zip")
    )
    run = refresh(feed)
    assert (run.outcome, run.format, run.created) == ("failed", "zip", 6)
    assert sorted((p.filename, p.outcome) for p in run.parts.all()) == [
        ("bad.csv", "failed"),
        ("first.csv", "succeeded"),
    ]
    assert [u["text"] for u in run.unknowns] == ["notes.bin"]
    assert run.warnings == ["README.txt: documentation, not imported"]
    assert Figure.objects.count() == 6


def test_an_unsafe_zip_is_refused_whole_and_changes_nothing(feed_server: FeedServer) -> None:
    feed_server.documents["/bundle.zip"] = document(zipped({"first.csv": GOOD, "../evil.csv": GOOD}))
    feed = DataFeed.objects.create(
        name="Bundle", company=CompanyFactory(slug="amazon", name="Amazon"), url=feed_server.url("/bundle.zip")
    )
    before = published_state()
    run = refresh(feed)
    assert run.outcome == "failed" and "leads outside it ('../evil.csv')" in run.message
    assert not run.parts.exists()
    assert published_state() == before


# --- Staff review what a page feed found ---------------------------------------------------------


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    return client


@pytest.fixture
def meta_feed(feed_server: FeedServer) -> DataFeed:
    return meta_feed_at(feed_server)


def meta_feed_at(feed_server: FeedServer) -> DataFeed:
    """A page linking one of Meta's own CSVs (a sample of the real file)."""
    report = FIXTURES / "meta" / "PRPL-Facebook-Government-Report-2013_H1-sample.csv"
    feed_server.documents["/meta/"] = page(f"/meta/{report.name}")
    feed_server.documents[f"/meta/{report.name}"] = document(report.read_bytes())
    return DataFeed.objects.create(
        name="Meta reports",
        company=CompanyFactory(slug="meta", name="Meta"),
        url=feed_server.url("/meta/"),
        kind=DataFeed.Kind.PAGE,
        link_types="csv",
    )


def test_staff_see_the_documents_found_review_their_drafts_and_publish_them(meta_feed: DataFeed, staff: Client) -> None:
    run = refresh(meta_feed)
    assert run.outcome == "succeeded", run.message
    document = DiscoveredDocument.objects.get()
    listing = staff.get(reverse("admin:reports_discovereddocument_changelist")).content.decode()
    assert "PRPL-Facebook-Government-Report-2013_H1-sample.csv" in listing and "Meta" in listing
    assert "<strong>1 draft</strong> awaiting review</a>, 0 published" in listing
    feed_page = staff.get(reverse("admin:reports_datafeed_change", args=[meta_feed.pk])).content.decode()
    assert "1 document found on the page: review them" in feed_page
    assert "Discovery (page feeds)" in feed_page
    run_page = staff.get(reverse("admin:reports_importrun_change", args=[run.pk])).content.decode()
    assert "PRPL-Facebook-Government-Report-2013_H1-sample.csv" in run_page and f"{run.created} created" in run_page
    response = staff.post(
        reverse("admin:reports_discovereddocument_changelist"),
        {"action": "publish", "_selected_action": [document.pk]},
        follow=True,
    )
    assert "Published 1 period." in response.content.decode()
    assert set(ReportingPeriod.objects.values_list("status", flat=True)) == {"published"}
    assert "1 published" in staff.get(reverse("admin:reports_discovereddocument_changelist")).content.decode()


def test_a_feed_with_an_invalid_link_pattern_is_refused_in_the_admin(staff: Client) -> None:
    company = CompanyFactory(slug="amazon", name="Amazon")
    form = {"name": "Amazon", "company": company.pk, "url": "https://example.com/", "kind": "page"}
    form |= {"link_types": "pdf", "link_pattern": "(", "format": ""}
    response = staff.post(reverse("admin:reports_datafeed_add"), form)
    assert "is not a valid regular expression" in response.content.decode()
    assert not DataFeed.objects.exists()
