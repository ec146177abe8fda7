"""Provenance pages: a report with every figure's source, the sources and their archived copies,
corrections and the data dictionary. The Amazon H1 2020 tests check the TechCrunch article's claims."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client

from reports import bulk, bundled, services
from reports.history import public_corrections
from reports.models import Company, Figure, ReportingPeriod, SourceDocument, Status
from reports.statements import changes, shares
from reports.vocabulary import MEASURE_DEFINITIONS, REQUEST_TYPE_DEFINITIONS, Measure, RequestType
from tests.factories import (
    CompanyFactory,
    EmergencyDisclosureFactory,
    FigureFactory,
    ReportingPeriodFactory,
    SourceDocumentFactory,
)

pytestmark = pytest.mark.django_db

H1_2020 = "/reports/amazon/total/2020-01-01/2020-06-30/"
ARTICLE_URL = (
    "https://hitechglitz.com/according-to-amazon-the-police-requirements-for-customer-data-have-increased-techcrunch/"
)


# --- Helpers ------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Rows of every table as lists of cell texts; cell links kept apart."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
            self.links.append([])
        elif tag in ("td", "th"):
            self._cell, self._hrefs = [], []
        elif tag == "a" and self._cell is not None:
            self._hrefs.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self.links[-1].append(self._hrefs)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[tuple[list[str], list[list[str]]]]:
    parser = _Tables()
    parser.feed(html)
    return list(zip(parser.rows, parser.links, strict=True))


INLINE_TAGS = re.compile(r"</?(?:a|span|strong|em|del|ins|code|time|sup|abbr)\b[^>]*>")


def text_of(html: str) -> str:
    """The words of a page's main part as a screen reader gets them, one space between, entities decoded."""
    from html import unescape

    body = INLINE_TAGS.sub("", html[html.index("<main") :])
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def source_number(html: str, title: str) -> str:
    """The bracketed number the report page gives a source, from its list of sources."""
    match = re.search(r'<li id="source-(\d+)"[^>]*>\s*<a href="[^"]+">' + re.escape(title), html)
    assert match, f"{title!r} is not in the page's list of sources"
    return match.group(1)


def get(client: Client, url: str) -> Any:
    cache.clear()  # each call renders: the page cache is keyed by data generation, which factories do not bump
    return client.get(url)


@pytest.fixture
def article_data(db: None) -> None:
    load_article_data()


def load_article_data() -> None:
    """The bundled secondary dataset (the press article's Amazon H1 2020 figures) through the import
    pipeline, as `load_bundled_data` loads it, without the 54,000 primary figures."""
    with bundled.SOURCES_CSV.open(newline="", encoding="utf-8") as handle:
        bulk.upsert_source_documents(rows=csv.DictReader(handle), reason="bundled dataset")
    run = services.import_document(
        data=bundled.SECONDARY_FIGURES_CSV.read_bytes(),
        filename=bundled.SECONDARY_FIGURES_CSV.name,
        fmt="canonical_csv",
        triggered_by="test",
        publish=True,
    )
    assert run.outcome == "succeeded", run.message


def add_h1_2019(*, source_title: str = "Test-only Amazon report for H1 2019") -> ReportingPeriod:
    """Year-earlier figures made up for the test, chosen so that subpoenas and search warrants together
    rise 23% and court orders 29%, as the article says; they are never in the bundled data."""
    period = ReportingPeriodFactory(
        company=Company.objects.get(slug="amazon"),
        start=dt.date(2019, 1, 1),
        end=dt.date(2019, 6, 30),
        source=SourceDocumentFactory(title=source_title, publisher="Amazon"),
    )
    for request_type, value in (("subpoena", 1960), ("search-warrant", 446), ("other-court-order", 113)):
        FigureFactory(period=period, request_type=request_type, value=Decimal(value))
    FigureFactory(period=period, jurisdiction="NON-US", request_type="all", value=Decimal(260))
    FigureFactory(
        period=period, request_type="national-security", value=None, value_min=Decimal(0), value_max=Decimal(249)
    )
    return period


# --- The report page: the article's claims ---------------------------------------------------------


ARTICLE_FIGURES = [
    # (jurisdiction, request type, measure, value as shown, the article's words in the figure's note)
    ("United States", "Subpoenas", "Requests", "2,416", "2,416 subpoenas"),
    ("United States", "Subpoenas", "Share with some data produced (%)", "70%", "70% of the cases"),
    ("United States", "Search warrants", "Requests", "543", "543 search warrants"),
    ("United States", "Search warrants", "Share with some data produced (%)", "79%", "79% of cases"),
    ("United States", "Other court orders", "Requests", "146", "146 court rulings"),
    ("United States", "Other court orders", "Share with some data produced (%)", "74%", "74% of cases"),
    ("All non-U.S. governments", "All requests", "Requests", "177", "177 requests from overseas"),
    ("All non-U.S. governments", "All requests", "Partial response", "10", "user data in 10 cases"),
    ("All non-U.S. governments", "All requests", "Full response", "4", "all requested data in four cases"),
    ("United States", "National-security demands", "Requests", "0–249", "between 0 and 249"),
]


def test_the_report_page_shows_each_article_figure_with_the_article_as_its_source(
    client: Client, article_data: None
) -> None:
    html = get(client, H1_2020).content.decode()
    number = source_number(html, "According to Amazon, the police requirements for customer data have increased")
    rows = {tuple(cells[:4]): (cells, links) for cells, links in table_rows(html) if len(cells) == 6}
    for jurisdiction, request_type, measure, shown, words in ARTICLE_FIGURES:
        cells, links = rows[(jurisdiction, request_type, measure, shown)]
        assert cells[4] == f"source [{number}]" and links[4] == [f"#source-{number}"]
        assert words in cells[5]
    sources = text_of(html)[text_of(html).index("Sources According") :]
    assert "Secondary" in sources and "HiTechGlitz (republishing TechCrunch)" in sources
    assert f'href="{ARTICLE_URL}"' in html


def test_the_report_page_states_the_articles_shares_with_their_bases(client: Client, article_data: None) -> None:
    page = text_of(get(client, H1_2020).content.decode())
    assert "Subpoenas: handed over some data in 70% of 2,416." in page
    assert "Search warrants: handed over some data in 79% of 543." in page
    assert "Court orders: handed over some data in 74% of 146." in page
    assert "Requests from non-U.S. governments: no data in 92% of 177." in page
    assert "Computed: 4 answered in full and 10 in part, of 177" in page
    assert "National-security demands: between 0 and 249, published only as a band." in page


def test_the_report_page_says_the_figures_come_from_the_press_not_amazons_report(
    client: Client, article_data: None
) -> None:
    page = text_of(get(client, H1_2020).content.decode())
    assert (
        "Every figure on this page comes from a press report (a secondary source): "
        "Amazon's own report is not among the documents we hold."
    ) in page


def test_the_report_page_says_plainly_that_h1_2019_is_not_in_the_dataset(client: Client, article_data: None) -> None:
    # Amazon's earlier reports are in the full dataset; one stands for them here.
    ReportingPeriodFactory(
        company=Company.objects.get(slug="amazon"), start=dt.date(2018, 7, 1), end=dt.date(2018, 12, 31)
    )
    page = text_of(get(client, H1_2020).content.decode())
    assert (
        "H1 2019 is not in the dataset: Amazon's report for it is not among the documents we hold, "
        "so no change against it is given."
    ) in page
    assert "% more" not in page


def test_the_report_page_states_the_articles_year_on_year_changes_once_h1_2019_is_loaded(
    client: Client, article_data: None
) -> None:
    earlier = add_h1_2019()
    page = text_of(get(client, H1_2020).content.decode())
    assert "23% more subpoenas and search warrants than in H1 2019 (2,959 against 2,406)." in page
    assert "29% more court orders than in H1 2019 (146 against 113)." in page
    assert "23% more subpoenas than in H1 2019 (2,416 against 1,960)." in page
    assert "22% more search warrants than in H1 2019 (543 against 446)." in page
    assert "32% fewer requests from non-U.S. governments than in H1 2019 (177 against 260)." in page
    assert "National-security demands: 0–249 in both periods; a band cannot say whether the number changed." in page
    assert "not in the dataset" not in page
    assert f'href="{earlier.get_absolute_url()}"' in get(client, H1_2020).content.decode()


@pytest.mark.skipif(
    not bundled.PRIMARY_FIGURES_CSV.exists(),
    reason="reports/data/figures.csv (the figures from the primary documents) is not built yet",
)
def test_the_full_bundled_dataset_gives_amazon_h1_2020_its_neighbours_and_the_article_figures(
    client: Client, bundled_data: None
) -> None:
    html = get(client, H1_2020).content.decode()
    page = text_of(html)
    assert "← H2 2019" in page and "H2 2020 →" in page
    assert 'href="/companies/amazon/"' in html
    for _, _, _, shown, _words in ARTICLE_FIGURES:
        assert shown in page
    # Amazon's own H1 2020 report is the source of its counts now; the article stays for the shares it computed.
    assert "Information_Request_Report_June_2020.pdf" in html
    assert "According to Amazon, the police requirements for customer data have increased" in page
    # H1 2019 is in the dataset from Amazon's own report: the seed article's comparison can be checked.
    assert "H1 2019 is not in the dataset" not in page


# --- The report page: structure, sources, neighbours ------------------------------------------------


def test_a_figures_own_source_overrides_its_periods_and_primary_and_secondary_are_told_apart(client: Client) -> None:
    period = ReportingPeriodFactory(source=SourceDocumentFactory(title="Company report", kind="primary"))
    FigureFactory(period=period, value=Decimal(500))
    press = SourceDocumentFactory(title="Newspaper story", kind="secondary", publisher="The Paper")
    FigureFactory(period=period, request_type="search-warrant", value=Decimal(40), source=press)
    html = get(client, period.get_absolute_url()).content.decode()
    report, story = source_number(html, "Company report"), source_number(html, "Newspaper story")
    assert (report, story) == ("1", "2")
    rows = {cells[1]: cells for cells, _ in table_rows(html) if len(cells) == 6}
    assert rows["Subpoenas"][4] == "source [1]" and rows["Search warrants"][4] == "source [2]"
    sources = text_of(html)[text_of(html).index("Sources Company report") :]
    assert re.search(r"Company report Primary .* Newspaper story Secondary · The Paper", sources)
    assert "Every figure on this page comes from a press report" not in text_of(html)


def test_figures_are_grouped_by_jurisdiction_with_measures_as_columns_and_bands_and_gaps_said_in_words(
    client: Client,
) -> None:
    period = ReportingPeriodFactory()
    FigureFactory(period=period, value=Decimal(1200))
    FigureFactory(period=period, measure="accounts", value=None, note="The report gives no account count.")
    FigureFactory(period=period, request_type="nsl", value=None, value_min=Decimal(0), value_max=Decimal(499))
    FigureFactory(period=period, jurisdiction="DE", request_type="all", value=Decimal(30))
    html = get(client, period.get_absolute_url()).content.decode()
    rows = [cells for cells, _ in table_rows(html)]
    assert ["Request type", "Requests", "Accounts specified"] in rows
    assert ["Subpoenas", "1,200 source [1]", "not reported source [1]"] in rows
    assert ["National Security Letters", "0–499 source [1]", "– no figure"] in rows
    assert ["Germany", "All requests", "30 source [1]"] in rows
    assert "<caption>United States</caption>" in html and "<caption>Other countries</caption>" in html


def test_a_long_report_lists_one_by_one_only_the_figures_that_carry_a_note(client: Client) -> None:
    period = ReportingPeriodFactory()
    for number in range(61):
        FigureFactory(period=period, jurisdiction=f"X{number:02d}", request_type="all", value=Decimal(number))
    FigureFactory(period=period, request_type="emergency", value=Decimal(7), note="from the report's footnote 3")
    html = get(client, period.get_absolute_url()).content.decode()
    assert "Figures with a note from the source (1 of 62)" in text_of(html)
    listed = [cells for cells, _ in table_rows(html) if len(cells) == 6 and cells[0] != "Jurisdiction"]
    note = "from the report's footnote 3"
    assert listed == [["United States", "Emergency requests", "Requests", "7", "source [1]", note]]
    assert html.count('href="#source-1"') >= 62  # every figure in the tables still cites its source


def test_the_report_page_links_the_previous_and_next_report_of_the_same_scope_and_the_company(
    client: Client,
) -> None:
    company = CompanyFactory(slug="amazon", name="Amazon")
    before = ReportingPeriodFactory(company=company, start=dt.date(2019, 7, 1), end=dt.date(2019, 12, 31))
    period = ReportingPeriodFactory(company=company)
    after = ReportingPeriodFactory(company=company, start=dt.date(2020, 7, 1), end=dt.date(2020, 12, 31))
    aws = ReportingPeriodFactory(company=company, scope="aws")
    ReportingPeriodFactory(company=company, start=dt.date(2021, 1, 1), end=dt.date(2021, 6, 30), status="draft")
    html = get(client, period.get_absolute_url()).content.decode()
    assert f'<a href="{before.get_absolute_url()}" rel="prev">← H2 2019</a>' in html
    assert f'<a href="{after.get_absolute_url()}" rel="next">H2 2020 →</a>' in html
    assert f'<a href="{aws.get_absolute_url()}">AWS only</a>' in html
    assert '<a href="/companies/amazon/">All Amazon reports</a>' in html
    last = text_of(get(client, after.get_absolute_url()).content.decode())
    assert "No later report" in last and "H1 2021" not in last


def test_a_year_earlier_period_of_another_length_is_said_to_be_incomparable(client: Client) -> None:
    company = CompanyFactory(slug="ring", name="Ring")
    ReportingPeriodFactory(company=company, start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31))
    period = ReportingPeriodFactory(company=company)
    page = text_of(get(client, period.get_absolute_url()).content.decode())
    assert (
        "H1 2019 is not in the dataset as a period of its own: Ring reported 2019 then, "
        "which cannot be compared with a 6-month period."
    ) in page


def test_a_first_report_says_there_is_nothing_a_year_earlier_to_compare_with(client: Client) -> None:
    period = ReportingPeriodFactory(company__name="Newco")
    page = text_of(get(client, period.get_absolute_url()).content.decode())
    assert "H1 2019 is earlier than the first Newco report in the dataset (H1 2020)" in page


def test_draft_reports_are_not_found_and_never_become_neighbours_or_year_earlier_figures(client: Client) -> None:
    company = CompanyFactory(slug="amazon", name="Amazon")
    draft = ReportingPeriodFactory(company=company, start=dt.date(2019, 1, 1), end=dt.date(2019, 6, 30), status="draft")
    FigureFactory(period=draft, value=Decimal(1960))
    period = ReportingPeriodFactory(company=company)
    FigureFactory(period=period, value=Decimal(2416))
    assert get(client, draft.get_absolute_url()).status_code == 404
    page = text_of(get(client, period.get_absolute_url()).content.decode())
    assert "1,960" not in page and "% more" not in page and "H1 2019 is earlier than the first" in page


def test_a_report_address_with_a_malformed_date_is_not_found(client: Client) -> None:
    assert get(client, "/reports/amazon/total/2020-13-01/2020-06-30/").status_code == 404


def test_the_report_page_costs_the_same_queries_whatever_its_size(
    client: Client, django_assert_num_queries: Any
) -> None:
    company = CompanyFactory()
    earlier = ReportingPeriodFactory(company=company, start=dt.date(2019, 1, 1), end=dt.date(2019, 6, 30))
    period = ReportingPeriodFactory(company=company)
    FigureFactory(period=period)
    FigureFactory(period=earlier)
    with django_assert_num_queries(4):
        get(client, period.get_absolute_url())
    for start in (dt.date(2018, 1, 1), dt.date(2021, 1, 1), dt.date(2022, 1, 1)):
        ReportingPeriodFactory(company=company, start=start, end=start.replace(month=6, day=30))
    for code in ("DE", "FR", "GB", "NON-US"):
        for request_type in ("subpoena", "search-warrant", "emergency"):
            for p in (period, earlier):
                FigureFactory(period=p, jurisdiction=code, request_type=request_type, source=SourceDocumentFactory())
    with django_assert_num_queries(4):
        get(client, period.get_absolute_url())


# --- Statements, directly ------------------------------------------------------------------------------


def test_a_share_prefers_counts_to_a_given_percentage_and_says_how_it_was_got() -> None:
    figures = [
        Figure(jurisdiction="US", request_type="subpoena", measure="requests", value=Decimal(200)),
        Figure(jurisdiction="US", request_type="subpoena", measure="full-response", value=Decimal(100)),
        Figure(jurisdiction="US", request_type="subpoena", measure="partial-response", value=Decimal(41)),
        Figure(jurisdiction="US", request_type="subpoena", measure="some-data-pct", value=Decimal(70)),
    ]
    [share] = shares(figures)
    assert share.some_data == "70% of 200" and share.no_data == "30% of 200"
    assert share.basis == "computed: 100 answered in full and 41 in part, of 200"


def test_no_share_is_stated_without_an_exact_request_count() -> None:
    figures = [
        Figure(jurisdiction="US", request_type="nsl", measure="requests", value_min=Decimal(0), value_max=Decimal(499)),
        Figure(jurisdiction="US", request_type="subpoena", measure="requests", value=None),
        Figure(jurisdiction="US", request_type="subpoena", measure="some-data-pct", value=Decimal(70)),
    ]
    assert shares(figures) == []


def test_a_change_is_not_computed_from_a_figure_that_is_not_reported() -> None:
    now = [Figure(jurisdiction="US", request_type="subpoena", measure="requests", value=Decimal(10))]
    then = [Figure(jurisdiction="US", request_type="subpoena", measure="requests", value=None)]
    assert changes(now, then, earlier_label="H1 2019") == []


# --- Sources ----------------------------------------------------------------------------------------


def test_the_sources_page_lists_every_public_document_with_publisher_kind_dates_and_digest(
    client: Client, article_data: None
) -> None:
    html = get(client, "/sources/").content.decode()
    page = text_of(html)
    assert "According to Amazon, the police requirements for customer data have increased" in page
    assert "HiTechGlitz (republishing TechCrunch)" in page and "Secondary" in page
    assert "backs 1 report, 10 figures" in page
    # Without the Ring disclosures loaded, the articles about them back nothing published.
    assert "Amazon gave Ring videos to police" not in page


def test_sources_can_be_filtered_by_company_and_kind_and_the_permalink_keeps_the_filters(client: Client) -> None:
    amazon, ring = CompanyFactory(slug="amazon", name="Amazon"), CompanyFactory(slug="ring", name="Ring")
    ReportingPeriodFactory(company=amazon, source=SourceDocumentFactory(title="Amazon report", company=amazon))
    ReportingPeriodFactory(
        company=amazon,
        start=dt.date(2019, 1, 1),
        end=dt.date(2019, 6, 30),
        source=SourceDocumentFactory(title="Amazon story", company=amazon, kind="secondary"),
    )
    ReportingPeriodFactory(company=ring, source=SourceDocumentFactory(title="Ring report", company=ring))
    page = text_of(get(client, "/sources/?company=amazon&kind=secondary").content.decode())
    assert "Amazon story" in page and "Amazon report" not in page and "Ring report" not in page
    assert "1 document matching" in page
    html = get(client, "/sources/?company=amazon&kind=secondary").content.decode()
    assert '<a href="?company=amazon&amp;kind=secondary">permalink</a>' in html
    text = text_of(get(client, "/sources/?q=ring").content.decode())
    assert "Ring report" in text and "Amazon report" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("company=nobody", "company: Select a valid choice. nobody is not one of the available choices."),
        ("kind=tertiary", "kind: Select a valid choice. tertiary is not one of the available choices."),
        ("page=two", "page: must be a whole number such as 2"),
        ("page=9", "page: there is no page 9"),
        ("q=" + "x" * 101, "q: Ensure this value has at most 100 characters (it has 101)."),
    ],
)
def test_the_sources_page_answers_a_bad_parameter_with_400_and_says_why(
    client: Client, query: str, message: str
) -> None:
    ReportingPeriodFactory()
    response = get(client, f"/sources/?{query}")
    assert response.status_code == 400
    assert message in text_of(response.content.decode())


def test_the_sources_pages_pages_keep_their_filters(client: Client, settings: Any) -> None:
    company = CompanyFactory(slug="acme", name="Acme")
    for year in range(2000, 2052):
        ReportingPeriodFactory(
            company=company,
            start=dt.date(year, 1, 1),
            end=dt.date(year, 6, 30),
            source=SourceDocumentFactory(company=company, kind="primary"),
        )
    html = get(client, "/sources/?company=acme&kind=primary").content.decode()
    assert '<a href="?company=acme&amp;kind=primary&amp;page=2" rel="next">Next →</a>' in html
    assert "Page 1 of 2" in html


def test_the_source_page_lists_what_the_document_backs(client: Client) -> None:
    story = SourceDocumentFactory(title="Story", kind="secondary")
    period = ReportingPeriodFactory(source=story, company__name="Acme")
    FigureFactory(period=period)
    FigureFactory(period=period, request_type="search-warrant", source=SourceDocumentFactory())
    other = ReportingPeriodFactory(start=dt.date(2019, 1, 1), end=dt.date(2019, 6, 30), company=period.company)
    FigureFactory(period=other, source=story)
    disclosure = EmergencyDisclosureFactory(sources=[story], title="Footage given 11 times")
    rows = [cells for cells, _ in table_rows(get(client, f"/sources/{story.pk}/").content.decode())]
    assert ["Acme H1 2020", "1", "the report's source"] in rows
    assert ["Acme H1 2019", "1", "cited by single figures"] in rows
    assert disclosure.title in get(client, f"/sources/{story.pk}/").content.decode()


def test_a_document_that_backs_only_drafts_is_nowhere_public(client: Client, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    secret = SourceDocumentFactory(title="Secret draft source", archive=ContentFile(b"secret", name="secret.pdf"))
    draft = ReportingPeriodFactory(source=secret, status=Status.DRAFT)
    FigureFactory(period=draft, source=secret)
    FigureFactory(period=ReportingPeriodFactory(start=dt.date(2019, 1, 1), status=Status.DRAFT), source=secret)
    EmergencyDisclosureFactory(sources=[secret], status=Status.DRAFT)
    assert "Secret draft source" not in get(client, "/sources/").content.decode()
    assert get(client, f"/sources/{secret.pk}/").status_code == 404
    assert get(client, f"/sources/{secret.pk}/archive").status_code == 404


def test_the_archived_copy_downloads_with_its_content_type_and_file_name(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    data = b"%PDF-1.4 Amazon law enforcement information requests"
    document = SourceDocumentFactory(archive=ContentFile(data, name="amazon-h2-2019.pdf"))
    ReportingPeriodFactory(source=document)
    response = get(client, f"/sources/{document.pk}/archive")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="amazon-h2-2019.pdf"'
    assert b"".join(response.streaming_content) == data
    assert response["Content-Security-Policy"].startswith("sandbox;")  # an archived HTML page runs nothing here
    assert not response.cookies
    page = get(client, f"/sources/{document.pk}/").content.decode()
    assert document.sha256 in page and f'href="/sources/{document.pk}/archive"' in page


def test_an_archived_copy_lost_from_storage_is_a_404_in_words_with_the_company_s_address(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    document = SourceDocumentFactory(
        archive=ContentFile(b"%PDF-1.4 lost", name="lost.pdf"), url="https://www.amazon.com/report.pdf"
    )
    ReportingPeriodFactory(source=document)
    document.archive.storage.delete(document.archive.name)
    response = get(client, f"/sources/{document.pk}/archive")
    assert response.status_code == 404
    page = text_of(response.content.decode())
    assert "Our copy of this document is missing" in page and "https://www.amazon.com/report.pdf" in page


def test_a_document_without_an_archived_copy_has_no_download(client: Client) -> None:
    document = SourceDocumentFactory()
    ReportingPeriodFactory(source=document)
    assert get(client, f"/sources/{document.pk}/archive").status_code == 404
    assert "We hold no copy of this document" in text_of(get(client, f"/sources/{document.pk}/").content.decode())


def test_the_sources_pages_cost_the_same_queries_whatever_the_number_of_documents(
    client: Client, django_assert_num_queries: Any
) -> None:
    period = ReportingPeriodFactory()
    FigureFactory(period=period)
    EmergencyDisclosureFactory(sources=[period.source])
    with django_assert_num_queries(6):  # the figures each document backs: two grouped counts for the page
        get(client, "/sources/")
    with django_assert_num_queries(6):  # one of them lists the chart images its figures were read from
        get(client, f"/sources/{period.source.pk}/")
    for year in range(2001, 2011):
        other = ReportingPeriodFactory(company=period.company, start=dt.date(year, 1, 1), end=dt.date(year, 6, 30))
        FigureFactory(period=other, source=period.source)
        EmergencyDisclosureFactory(sources=[period.source, other.source])
    with django_assert_num_queries(6):  # the figures each document backs: two grouped counts for the page
        get(client, "/sources/")
    with django_assert_num_queries(6):
        get(client, f"/sources/{period.source.pk}/")


# --- Corrections ------------------------------------------------------------------------------------


def correct(instance: Any, reason: str, **values: Any) -> None:
    for name, value in values.items():
        setattr(instance, name, value)
    instance._change_reason = reason
    instance.save()


def test_a_change_to_a_published_figure_is_listed_with_old_new_when_and_why(client: Client) -> None:
    period = ReportingPeriodFactory(company__name="Amazon")
    figure = FigureFactory(period=period, value=Decimal(2416))
    staff = User.objects.create_user("jane.staff", "jane@example.org")
    figure._history_user = staff
    correct(figure, "Amazon revised its H1 2020 report", value=Decimal(2418))
    html = get(client, "/corrections/").content.decode()
    page = text_of(html)
    assert "Amazon H1 2020 · United States · Subpoenas · Requests" in page
    assert "Value: was 2,416 →, now 2,418" in page
    assert "Why: Amazon revised its H1 2020 report" in page
    assert f'href="{period.get_absolute_url()}"' in html
    assert "jane" not in html


def test_corrections_are_newest_first_across_figures_periods_and_disclosures(client: Client) -> None:
    period = ReportingPeriodFactory(company__name="Amazon")
    figure = FigureFactory(period=period, value=Decimal(10))
    disclosure = EmergencyDisclosureFactory(title="Footage given", count=1)
    correct(figure, "reason one", value=Decimal(11))
    correct(period, "reason two", published_on=dt.date(2020, 10, 1))
    correct(disclosure, "reason three", agency="Anytown Police")
    found = [c.reason for c in public_corrections()[:10]]
    assert found == ["reason three", "reason two", "reason one"]
    page = text_of(get(client, "/corrections/").content.decode())
    assert page.index("reason three") < page.index("reason two") < page.index("reason one")
    assert "Agency: was (none) →, now Anytown Police" in page
    assert "Published on: was (none) →, now 1 October 2020" in page


def test_what_was_never_public_is_never_a_correction(client: Client) -> None:
    draft = ReportingPeriodFactory(status=Status.DRAFT, company__name="Secretco")
    figure = FigureFactory(period=draft, value=Decimal(5))
    correct(figure, "typo while drafting", value=Decimal(6))
    correct(draft, "draft notes", notes="checked")
    hidden = EmergencyDisclosureFactory(status=Status.DRAFT, title="Unpublished disclosure")
    correct(hidden, "drafting", agency="Somewhere")
    services.publish_periods(periods=[draft], user=None, reason="published after review")
    assert public_corrections().count() == 0
    page = text_of(get(client, "/corrections/").content.decode())
    assert "Secretco" not in page and "Unpublished" not in page
    assert "No published figure, report or disclosure has been changed" in page


def test_a_save_that_changes_nothing_is_not_a_correction() -> None:
    figure = FigureFactory(value=Decimal(5))
    correct(figure, "re-saved")
    correct(figure.period, "re-saved")
    assert public_corrections().count() == 0


def test_removing_a_published_figure_and_withdrawing_a_report_are_corrections(client: Client) -> None:
    period = ReportingPeriodFactory(company__name="Acme")
    figure = FigureFactory(period=period, request_type="wiretap")
    figure._change_reason = "not in the company's report"
    figure.delete()
    withdrawn_period = ReportingPeriodFactory(
        company=period.company, start=dt.date(2019, 1, 1), end=dt.date(2019, 6, 30)
    )
    correct(withdrawn_period, "published by mistake", status=Status.DRAFT)
    [withdrawn, removed] = public_corrections()[:2]
    assert (withdrawn.action, withdrawn.url, withdrawn.subject) == ("withdrawn", "", "Acme H1 2019")
    assert (removed.action, removed.url) == ("removed", "")
    assert removed.subject == "Acme H1 2020 · United States · Wiretap (Title III) orders · Requests"
    page = text_of(get(client, "/corrections/").content.decode())
    assert (
        "Acme H1 2019 withdrawn" in page
        and "Acme H1 2020 · United States · Wiretap (Title III) orders · Requests removed" in page
    )


def test_the_figures_of_a_withdrawn_report_leave_the_corrections_page_with_it() -> None:
    figure = FigureFactory(value=Decimal(1))
    correct(figure, "fixed", value=Decimal(2))
    correct(figure.period, "withdrawn", status=Status.DRAFT)
    assert [c.reason for c in public_corrections()[:5]] == ["withdrawn"]


def test_a_correction_has_a_one_line_title_for_the_feed() -> None:
    figure = FigureFactory(value=Decimal(2416), period__company__name="Amazon")
    correct(figure, "revised", value=None, value_min=Decimal(0), value_max=Decimal(249))
    [item] = public_corrections()[:1]
    assert item.title == "Amazon H1 2020 · United States · Subpoenas · Requests: 2,416 → 0–249"
    assert item.uid.startswith("figure-")


def test_corrections_are_paginated_and_a_bad_page_is_a_400(client: Client) -> None:
    figure = FigureFactory(value=Decimal(0))
    for number in range(1, 28):
        correct(figure, f"change {number}", value=Decimal(number))
    first = text_of(get(client, "/corrections/").content.decode())
    assert "change 27" in first and "change 3 " in first and "change 2 " not in first and "Page 1 of 2" in first
    assert "change 2 " in text_of(get(client, "/corrections/?page=2").content.decode())
    assert get(client, "/corrections/?page=x").status_code == 400
    assert get(client, "/corrections/?page=3").status_code == 400


@pytest.mark.postgres
def test_postgresql_does_not_jit_compile_the_sites_queries(postgres: None) -> None:
    # The corrections query's correlated subqueries cost enough for PostgreSQL's JIT, which spent 1.4 s
    # compiling a query that runs in 2 ms (settings.py turns it off for the site's connections).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_the_corrections_page_costs_the_same_queries_however_much_was_corrected(
    client: Client, django_assert_num_queries: Any
) -> None:
    def one_of_each(number: int) -> None:
        figure = FigureFactory(period=period, jurisdiction=f"C{number}", value=Decimal(1))
        correct(figure, "figure", value=Decimal(number), source=SourceDocumentFactory())
        correct(period, "period", notes=f"note {number}")
        correct(EmergencyDisclosureFactory(), "disclosure", agency=f"Agency {number}")

    period = ReportingPeriodFactory()
    one_of_each(1)
    with django_assert_num_queries(12):
        get(client, "/corrections/")
    for number in range(2, 30):
        one_of_each(number)
    with django_assert_num_queries(12):
        get(client, "/corrections/")


# --- Methodology -------------------------------------------------------------------------------------


def test_the_methodology_page_defines_every_request_type_and_measure_and_who_uses_it(client: Client) -> None:
    FigureFactory(period__company__name="Acme", request_type="preservation", measure="accounts-preserved")
    FigureFactory(period__status=Status.DRAFT, period__company__name="Secretco", request_type="fisa")
    html = get(client, "/methodology/").content.decode()
    page = text_of(html)
    for code, definition in {**REQUEST_TYPE_DEFINITIONS, **MEASURE_DEFINITIONS}.items():
        assert f"<code>{code}</code>" in html
        assert text_of("<main>" + definition).strip() in page
    assert len(RequestType.values) + len(Measure.values) == html.count('<dt id="request-') + html.count(
        '<dt id="measure-'
    )
    preservation = page[page.index("Preservation requests preservation") :]
    assert preservation.index("Used by: Acme") < 300
    assert "Secretco" not in page


def test_the_methodology_page_explains_not_reported_bands_imports_and_where_figures_cannot_be_compared(
    client: Client,
) -> None:
    page = text_of(get(client, "/methodology/").content.decode())
    assert "It is never zero" in page
    assert "never as a midpoint" in page
    assert "image" in page and "Microsoft counts legal-process requests apart from emergency requests" in page
    assert "Preservation requests only freeze data" in page and "no disclosure share" in page
    assert "Excluding AWS" in page and "NON-US" in page


def test_the_methodology_page_costs_one_query(client: Client, django_assert_num_queries: Any) -> None:
    FigureFactory()
    with django_assert_num_queries(3):
        get(client, "/methodology/")


def test_the_methodology_page_says_from_the_data_which_periods_we_hold_and_from_what(client: Client) -> None:
    acme = CompanyFactory(slug="acme", name="Acme")
    press = SourceDocumentFactory(kind=SourceDocument.Kind.SECONDARY)
    halves = [(dt.date(2019, 1, 1), dt.date(2019, 6, 30)), (dt.date(2019, 7, 1), dt.date(2019, 12, 31))]
    for start, end in halves:
        ReportingPeriodFactory(company=acme, start=start, end=end)
    ReportingPeriodFactory(company=acme, start=dt.date(2020, 1, 1), end=dt.date(2020, 6, 30), source=press)
    # The same half year from the company's own report (another scope) outranks the press.
    ReportingPeriodFactory(company=acme, scope="aws", start=dt.date(2020, 1, 1), end=dt.date(2020, 6, 30))
    ReportingPeriodFactory(company=acme, start=dt.date(2021, 7, 1), end=dt.date(2021, 12, 31), source=press)
    ReportingPeriodFactory(company=acme, start=dt.date(2022, 1, 1), end=dt.date(2022, 6, 30), status=Status.DRAFT)
    page = text_of(get(client, "/methodology/").content.decode())
    row = page[page.index("What we hold") :]
    row = row[row.index("Acme") :]
    assert "H1 2019 to H1 2020 (3 periods): from Acme's own reports" in row
    assert "H2 2021 (1 period): from the press only" in row
    assert "Jul 2020–Jun 2021" in row[: row.index("Not reported")]  # the gap, said as such
    assert "H1 2022" not in row[: row.index("Not reported")]  # drafts are not held publicly
    assert "We do not hold" not in page


# --- Every provenance page ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [H1_2020, "/sources/", "/corrections/", "/methodology/"])
def test_provenance_pages_set_no_cookie_and_can_be_cached(client: Client, article_data: None, url: str) -> None:
    response = get(client, url)
    assert response.status_code == 200
    assert not response.cookies and "Cookie" not in response.get("Vary", "")
    assert "public" in response["Cache-Control"] and response["ETag"]
