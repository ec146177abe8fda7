"""The one way in: import a document, record what happened, never leave half a change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reports import services
from reports.models import Figure, ImportRun, ReportingPeriod, SourceDocument, Status

pytestmark = pytest.mark.django_db

HEADER = (
    "company,scope,period_start,period_end,jurisdiction,request_type,measure,value,value_min,value_max,source_url\n"
)
URL = "https://www.amazon.com/report.pdf"


def canonical(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


GOOD = canonical(
    f"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,1841,,,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,subpoena,full-response,814,,,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,national-security,requests,,0,249,{URL}",
    f"amazon,total,2019-01-01,2019-06-30,US,search-warrant,no-response,,,,{URL}",
)


def run_import(data: bytes, **kwargs: object) -> ImportRun:
    return services.import_document(data=data, filename="figures.csv", triggered_by="test", **kwargs)  # type: ignore[arg-type]


def test_it_imports_exact_band_and_not_reported_figures_as_drafts() -> None:
    run = run_import(GOOD)
    assert (run.outcome, run.created, run.updated, run.unchanged) == ("succeeded", 4, 0, 0)
    period = ReportingPeriod.objects.get()
    assert period.status == Status.DRAFT and period.source.url == URL
    kinds = {f.request_type: f.kind for f in period.figures.all()}
    assert kinds == {"subpoena": "exact", "national-security": "band", "search-warrant": "not-reported"}


def test_a_second_import_of_the_same_bytes_writes_nothing() -> None:
    run_import(GOOD)
    again = run_import(GOOD)
    assert again.outcome == "unchanged"
    forced = run_import(GOOD, force=True)
    assert (forced.created, forced.updated, forced.unchanged) == (0, 0, 4)


def test_a_changed_figure_is_updated_and_its_history_keeps_the_old_value() -> None:
    run_import(GOOD, publish=True)
    run = run_import(GOOD.replace(b"1841", b"1900"))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 3)
    figure = Figure.objects.get(request_type="subpoena", measure="requests")
    old, new = figure.history.order_by("history_date")
    assert (old.value, new.value) == (Decimal(1841), Decimal(1900))
    assert new.history_change_reason == "import of figures.csv"


def test_an_import_never_blanks_a_figure_staff_entered() -> None:
    run_import(GOOD)
    Figure.objects.filter(request_type="search-warrant").update(value=Decimal(12))
    run = run_import(GOOD, force=True)
    assert Figure.objects.get(request_type="search-warrant").value == Decimal(12)
    assert run.updated == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (canonical(f"amazon,total,2019-01-01,2019-06-30,US,nsl,requests,,300,249,{URL}"), "band minimum 300"),
        (canonical(f"amazon,total,2019-06-30,2019-01-01,US,nsl,requests,5,,,{URL}"), "ends (2019-01-01) before"),
        (canonical(f"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,lots,,,{URL}"), "expected a number"),
        (canonical(f"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,-3,,,{URL}"), "cannot be negative"),
        (b"<!doctype html><html><body>Not found</body></html>", "HTML page"),
        (b"", "empty"),
        (b"a,b,c\n1,2,3\n", "matches no known format"),
        (
            canonical(
                f"amazon,total,2019-01-01,2019-06-30,US,subpoena,requests,10,,,{URL}",
                f"amazon,total,2019-01-01,2019-06-30,US,subpoena,full-response,11,,,{URL}",
            ),
            "above the subpoena requests total",
        ),
    ],
)
def test_bad_input_fails_the_run_with_its_reason_and_changes_nothing(data: bytes, expected: str) -> None:
    run_import(GOOD, publish=True)
    before = list(Figure.objects.values_list("value", "value_min", "value_max").order_by("id"))
    run = run_import(data)
    assert run.outcome == "failed"
    assert expected in run.message
    assert list(Figure.objects.values_list("value", "value_min", "value_max").order_by("id")) == before
    assert ReportingPeriod.objects.count() == 1


def test_it_reports_every_problem_of_a_document_row_by_row() -> None:
    run = run_import(
        canonical(
            f"amazon,total,2019-01-01,2019-06-30,US,nsl,requests,,300,249,{URL}",
            f"amazon,total,2019-01-01,2019-06-30,XX1,subpoena,requests,5,,,{URL}",
        )
    )
    assert run.outcome == "failed" and run.rejected == 2
    assert run.errors[0].startswith("figures.csv, row 2") and run.errors[1].startswith("figures.csv, row 3")


def test_publishing_needs_a_source_and_bumps_the_cache_generation(django_capture_on_commit_callbacks) -> None:
    run_import(GOOD)
    period = ReportingPeriod.objects.get()
    from dashboard.caching import current_generation

    before = current_generation()[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.publish_periods(periods=[period], user=None, reason="checked") == 1
    assert current_generation()[0] == before + 1
    assert period.history.first().history_change_reason == "checked"


def test_bundled_data_loads_the_articles_figures_and_the_ring_batch(bundled_data: None) -> None:
    subpoenas = Figure.objects.published().get(
        period__company__slug="amazon",
        period__scope="total",
        period__start="2020-01-01",
        request_type="subpoena",
        measure="requests",
    )
    assert subpoenas.value == 2416
    # Amazon's own H1 2020 report now backs the figure the press article quoted, and agrees with it.
    assert subpoenas.cited_source.kind == SourceDocument.Kind.PRIMARY
    assert subpoenas.cited_source.url.endswith("#Information_Request_Report_June_2020.pdf")
    from reports.models import EmergencyDisclosure

    ring = EmergencyDisclosure.objects.published().get(company__slug="ring")
    assert (ring.count, str(ring.date_start), str(ring.date_end), ring.warrant, ring.user_consent) == (
        11,
        "2022-01-01",
        "2022-07-01",
        "no",
        "no",
    )
    # The seed article and Politico, as before, and the press reports the research found, each with an excerpt.
    urls = set(ring.sources.values_list("url", flat=True))
    assert {
        "https://www.iphoneincanada.ca/2022/07/14/amazon-gives-ring-doorbell-footage-to-police-without-warrant-report/",
        "https://www.politico.com/news/2022/07/13/amazon-gave-ring-videos-to-police-without-owners-permission-00045513",
    } <= urls
    assert ring.excerpts.count() >= len(urls)
