"""The emergency-disclosure tracker: filters in the URL, batches counted as what they hold, drafts
never public, the companies' own emergency-request figures beside the incidents."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from reports.models import EmergencyDisclosure
from tests.factories import (
    CompanyFactory,
    EmergencyDisclosureFactory,
    FigureFactory,
    ReportingPeriodFactory,
    SourceDocumentFactory,
)

pytestmark = pytest.mark.django_db

TRACKER = "/emergency-disclosures/"


def page(client: Client, query: str = "") -> str:
    response = client.get(TRACKER + query)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.content.decode()


def timeline(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="chart-emergency-disclosures-figure" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page carries no timeline figure"
    return json.loads(found.group(1))


def listed_titles(html: str) -> list[str]:
    table = html.split('<table class="records">', 1)[1].split("</table>", 1)[0] if 'class="records"' in html else ""
    return re.findall(r'<th scope="row"><a href="/emergency-disclosures/\d+/">([^<]+)</a>', table)


@pytest.fixture
def ring() -> Any:
    return CompanyFactory(slug="ring", name="Ring")


@pytest.fixture
def google() -> Any:
    return CompanyFactory(slug="google", name="Google")


# --- The bundled record ---------------------------------------------------------------------------


def test_the_bundled_ring_batch_is_on_the_tracker_as_eleven_disclosures(client: Client, bundled_data: None) -> None:
    html = page(client)
    assert "Ring gave police doorbell footage 11 times without a warrant or the owners&#x27; consent" in html
    # Every record of the bundled data is on the tracker; totals say "at least" because some records give no number.
    assert html.count('<th scope="row"><a href="/emergency-disclosures/') == EmergencyDisclosure.objects.count() == 13
    assert "At least 18 disclosures are on record, in 13 records from 7 companies: 8 records give no number" in html


def test_the_bundled_ring_batch_cites_its_two_press_sources_as_secondary(client: Client, bundled_data: None) -> None:
    item = EmergencyDisclosure.objects.get(company__slug="ring")
    html = client.get(f"/emergency-disclosures/{item.pk}/").content.decode()
    secondary = html.split("Secondary: press and others reporting it", 1)[1]
    # The seed article's own words, quoted so a reader can check the 11 against it.
    assert "11 times so far this year alone" in secondary
    assert "Amazon gave Ring videos to police without owners&#x27; permission" in secondary
    assert "Amazon Gives Ring Doorbell Footage to Police without Warrant: Report" in secondary
    assert "Primary: the company" not in html
    assert "No primary document from Ring is held for this record" in html
    assert "1 Jan – 1 Jul 2022" in html
    assert 'href="/companies/ring/"' in html
    assert "good-faith determination" in html


def test_the_tracker_quotes_the_law_and_the_companies_stated_standard(client: Client, bundled_data: None) -> None:
    html = page(client)
    assert "18 U.S.C. § 2702(b)(8) and (c)(4)" in html
    assert (
        "if the provider, in good faith, believes that an emergency involving danger of death or serious physical "
        "injury to any person requires disclosure without delay"
    ) in html
    standards = html.split("What the companies say their standard is", 1)[1].split("</section>", 1)[0]
    assert "imminent danger of death or serious physical injury" in standards
    for company in ("Apple", "Meta", "Google", "Ring", "Discord", "Snap", "Twitter (X)"):
        assert f">{company}</a>" in standards, company
    assert "No stated emergency standard of Microsoft" in standards


# --- Counting ------------------------------------------------------------------------------------


def test_a_batch_counts_as_its_count_and_events_as_one_each(client: Client, ring: Any, google: Any) -> None:
    EmergencyDisclosureFactory(company=ring, kind="batch", count=11, date_start=dt.date(2022, 1, 1))
    EmergencyDisclosureFactory(company=google)
    EmergencyDisclosureFactory(company=google)
    html = page(client)
    assert "13 disclosures are on record, in 3 records from 2 companies." in html
    by_company = html.split("Counted by company", 1)[1].split("</table>", 1)[0]
    assert re.search(r"Ring</a></th><td class=\"num\">11</td><td class=\"num\">1</td>", by_company)
    assert re.search(r"Google</a></th><td class=\"num\">2</td><td class=\"num\">2</td>", by_company)


def test_warrant_consent_and_notice_are_counted_in_disclosures(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(company=ring, kind="batch", count=11, warrant="no", user_notified="unknown")
    EmergencyDisclosureFactory(company=ring, warrant="yes", user_notified="yes")
    html = page(client)
    assert "Without a warrant in 1 record; with a warrant in 1 record" in html
    # Unknowns are said as unknowns: never "0 of 12", which reads as if every user was told.
    assert "With notice to the user in 1 record; not known for 1 record" in html


# --- Filters --------------------------------------------------------------------------------------

FILTERS = [
    ("company=google", {"company__slug": "google", "company__name": "Google"}),
    ("year=2019", {"date_start": dt.date(2019, 5, 1), "date_end": dt.date(2019, 5, 1)}),
    ("data=location", {"data_category": "location"}),
    ("basis=exigent", {"basis": "exigent"}),
    ("warrant=yes", {"warrant": "yes"}),
    ("consent=no", {"user_consent": "no"}),
    ("notified=unknown", {"user_notified": "unknown"}),
]


@pytest.mark.parametrize(("query", "wanted"), FILTERS, ids=[q for q, _ in FILTERS])
def test_each_filter_keeps_only_the_matching_records(client: Client, query: str, wanted: dict[str, Any]) -> None:
    # The other record differs from the wanted one in every filtered field.
    other = {"company__slug": "ring", "company__name": "Ring", "data_category": "video", "basis": "good-faith"}
    other |= {"warrant": "no", "user_consent": "yes", "user_notified": "yes", "date_start": dt.date(2022, 3, 1)}
    EmergencyDisclosureFactory(title="Wanted", **(other | wanted))
    EmergencyDisclosureFactory(title="Other", **other)
    html = page(client, "?" + query)
    assert listed_titles(html) == ["Wanted"]
    assert "1 disclosure matches these filters" in html
    assert "2 disclosures on record in all" in html


def test_filters_combine_and_the_form_keeps_them_for_a_permalink(client: Client, ring: Any, google: Any) -> None:
    EmergencyDisclosureFactory(title="Ring 2022 no warrant", company=ring, warrant="no")
    EmergencyDisclosureFactory(title="Ring 2022 warrant", company=ring, warrant="yes")
    EmergencyDisclosureFactory(title="Google 2022 no warrant", company=google, warrant="no")
    EmergencyDisclosureFactory(
        title="Ring 2020 no warrant",
        company=ring,
        warrant="no",
        date_start=dt.date(2020, 1, 1),
        date_end=dt.date(2020, 1, 1),
    )
    html = page(client, "?company=ring&year=2022&warrant=no")
    assert listed_titles(html) == ["Ring 2022 no warrant"]
    assert '<option value="ring" selected>Ring</option>' in html
    assert '<option value="2022" selected>2022</option>' in html
    assert re.search(r'<select name="warrant"[^>]*>.*?<option value="no" selected>No</option>', html, re.S)
    assert "Company <strong>Ring</strong> · Year <strong>2022</strong> · Warrant <strong>No</strong>" in html


def test_companies_without_disclosures_are_offered_but_marked(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(company=ring, kind="batch", count=11)
    ReportingPeriodFactory(company=CompanyFactory(slug="apple", name="Apple"))
    html = page(client)
    assert '<option value="apple">Apple (none on record)</option>' in html
    assert '<option value="ring">Ring</option>' in html
    assert "No published disclosure matches these filters." in page(client, "?company=apple")


def test_a_year_matches_every_batch_whose_range_touches_it(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(
        title="Winter batch",
        company=ring,
        kind="batch",
        count=4,
        date_start=dt.date(2021, 12, 1),
        date_end=dt.date(2022, 2, 1),
    )
    assert listed_titles(page(client, "?year=2021")) == ["Winter batch"]
    assert listed_titles(page(client, "?year=2022")) == ["Winter batch"]
    assert listed_titles(page(client, "?year=2023")) == []


def test_empty_filter_values_mean_no_filter(client: Client) -> None:
    EmergencyDisclosureFactory(title="Only one")
    html = page(client, "?company=&year=&data=&basis=&warrant=&consent=&notified=")
    assert listed_titles(html) == ["Only one"]
    assert "1 disclosure is on record" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("company=nosuch", "“nosuch” is not a known value for company"),
        ("year=twenty", "Give the year as four digits"),
        ("year=1850", "Give the year as four digits, from 2000"),
        ("data=dna", "“dna” is not a known value for data; use one of: video, audio"),
        ("basis=whim", "“whim” is not a known value for basis"),
        ("warrant=maybe", "“maybe” is not a known value for warrant; use one of: yes, no, unknown"),
        ("consent=1", "“1” is not a known value for consent"),
        ("notified=later", "“later” is not a known value for notified"),
    ],
)
def test_a_bad_filter_value_is_a_400_that_says_what_is_wrong(client: Client, query: str, message: str) -> None:
    EmergencyDisclosureFactory()
    response = client.get(TRACKER + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()


# --- Drafts ---------------------------------------------------------------------------------------


def test_drafts_appear_nowhere_on_the_tracker(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(title="Public batch", company=ring, kind="batch", count=3)
    draft = EmergencyDisclosureFactory(
        title="Secret draft", company=ring, kind="batch", count=40, status="draft", company_standard="Secret standard"
    )
    html = page(client)
    assert "Secret" not in html
    assert "3 disclosures are on record" in html
    assert all("Secret" not in json.dumps(trace) for trace in timeline(html)["data"])
    assert ["40"] not in [trace.get("text") for trace in timeline(html)["data"]]
    assert client.get(f"/emergency-disclosures/{draft.pk}/").status_code == 404
    assert "Secret" not in page(client, "?company=ring&year=2022")


def test_a_company_with_only_drafts_is_not_offered_as_a_filter(client: Client) -> None:
    EmergencyDisclosureFactory(company__slug="hushco", company__name="Hushco", status="draft")
    assert "Hushco" not in page(client)
    assert client.get(TRACKER + "?company=hushco").status_code == 400


def test_the_detail_page_lists_only_published_related_disclosures(client: Client, ring: Any) -> None:
    item = EmergencyDisclosureFactory(title="This one", company=ring)
    EmergencyDisclosureFactory(title="Sibling", company=ring)
    EmergencyDisclosureFactory(title="Draft sibling", company=ring, status="draft")
    EmergencyDisclosureFactory(title="Other company")
    html = client.get(f"/emergency-disclosures/{item.pk}/").content.decode()
    related = html.split("Other disclosures by Ring", 1)[1]
    assert "Sibling" in related
    assert "Draft sibling" not in html and "Other company" not in html


# --- Query counts ---------------------------------------------------------------------------------


def make_disclosures(copies: int, first: int = 0) -> None:
    """``copies`` companies' worth of records of every kind, each with two sources and emergency figures."""
    for n in range(first, first + copies):
        company = CompanyFactory(slug=["ring", "google", "meta"][n % 3])
        sources = [SourceDocumentFactory(kind="secondary"), SourceDocumentFactory()]
        EmergencyDisclosureFactory(company=company, kind="batch", count=n + 2, sources=sources, company_standard="S")
        EmergencyDisclosureFactory(
            company=company, date_start=dt.date(2020 + n % 4, 1, 1), date_end=dt.date(2020 + n % 4, 1, 1)
        )
        period = ReportingPeriodFactory(company=company, start=dt.date(2010 + n, 1, 1), end=dt.date(2010 + n, 6, 30))
        FigureFactory(period=period, request_type="emergency", measure="requests", value=Decimal(100 + n))
        FigureFactory(period=period, request_type="emergency", measure="some-data-pct", value=Decimal(70))
    if not first:
        amazon = CompanyFactory(slug="amazon", name="Amazon")
        FigureFactory(period__company=amazon, request_type="subpoena", measure="requests")


def queries_for(client: Client, url: str) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_tracker_makes_the_same_number_of_queries_with_ten_times_the_data(
    client: Client, django_assert_num_queries: Any
) -> None:
    filtered = TRACKER + "?company=ring&year=2022&warrant=unknown"
    make_disclosures(3)
    few, few_filtered = queries_for(client, TRACKER), queries_for(client, filtered)
    make_disclosures(27, first=3)
    assert (queries_for(client, TRACKER), queries_for(client, filtered)) == (few, few_filtered)
    from django.core.cache import cache

    cache.clear()
    # Pinned: generation, companies, years, records + their sources, tallies, by company, which companies
    # report emergency requests, statements and standards + their sources, emergency figures (+ the total when
    # filtered).
    with django_assert_num_queries(10):
        client.get(TRACKER)
    assert few_filtered == few + 1


def test_the_detail_page_makes_the_same_number_of_queries_with_ten_times_the_data(client: Client) -> None:
    make_disclosures(3)
    item = EmergencyDisclosure.objects.filter(kind="batch").first()
    few = queries_for(client, f"/emergency-disclosures/{item.pk}/")
    make_disclosures(27, first=3)
    assert queries_for(client, f"/emergency-disclosures/{item.pk}/") == few
    # Pinned: generation, the record with its company and parent, its sources, its excerpts with theirs, the
    # company's other records.
    assert few == 5


def test_the_detail_page_names_the_parent_company_without_another_query(
    client: Client, django_assert_num_queries: Any
) -> None:
    ring = CompanyFactory(slug="ring", name="Ring", parent=CompanyFactory(slug="amazon", name="Amazon"))
    item = EmergencyDisclosureFactory(company=ring)
    with django_assert_num_queries(5):
        html = client.get(f"/emergency-disclosures/{item.pk}/").content.decode()
    assert '(part of <a href="/companies/amazon/">Amazon</a>)' in html


# --- The timeline ---------------------------------------------------------------------------------


def test_the_timeline_draws_a_batch_over_its_date_range_labelled_with_its_count(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(
        company=ring, kind="batch", count=11, date_start=dt.date(2022, 1, 1), date_end=dt.date(2022, 7, 1)
    )
    EmergencyDisclosureFactory(company=ring, date_start=dt.date(2022, 9, 5), date_end=dt.date(2022, 9, 5))
    figure = timeline(page(client))
    bars = [t for t in figure["data"] if t["mode"] == "lines"]
    assert [bar["x"] for bar in bars] == [["2022-01-01", "2022-07-01"]]
    labels = [t for t in figure["data"] if t.get("text") == ["11"]]
    assert labels and labels[0]["x"] == ["2022-04-01"] and labels[0]["y"][0] > bars[0]["y"][0]
    events = [t for t in figure["data"] if t["x"] == ["2022-09-05"]]
    assert events and events[0]["marker"]["size"] > 1


def test_overlapping_records_of_one_company_get_their_own_lanes(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(
        company=ring, kind="batch", count=3, date_start=dt.date(2022, 1, 1), date_end=dt.date(2022, 6, 1)
    )
    EmergencyDisclosureFactory(company=ring, date_start=dt.date(2022, 3, 1), date_end=dt.date(2022, 3, 1))
    figure = timeline(page(client))
    rows = {trace["y"][0] for trace in figure["data"] if trace["mode"] != "text"}
    assert len(rows) == 2
    assert figure["layout"]["yaxis"]["ticktext"] == ["Ring", ""]


def test_the_chart_summary_is_computed_from_the_records(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(
        company=ring, kind="batch", count=11, date_start=dt.date(2022, 1, 1), date_end=dt.date(2022, 7, 1)
    )
    html = page(client)
    assert (
        "11 disclosures known by Ring between 1 January 2022 and 1 July 2022, admitted in aggregate as one batch of 11."
    ) in html


def test_the_chart_title_states_the_finding_and_its_table_lists_each_record(client: Client, ring: Any) -> None:
    EmergencyDisclosureFactory(
        company=ring, kind="batch", count=11, date_start=dt.date(2022, 1, 1), date_end=dt.date(2022, 7, 1)
    )
    html = page(client)
    assert "Ring disclosed data to police 11 times under the emergency exception, 2022</h2>" in html
    table = html.split('<table class="chart-table">', 1)[1].split("</table>", 1)[0]
    assert '<td>1 Jan 2022</td><td>1 Jul 2022</td><td class="num">11</td>' in table


def test_the_registered_chart_keeps_drafts_out_of_its_csv(ring: Any) -> None:
    from dashboard.charts.registry import build_chart

    EmergencyDisclosureFactory(title="Public record", company=ring, kind="batch", count=11)
    EmergencyDisclosureFactory(title="Draft record", company=ring, status="draft")
    chart = build_chart("emergency-disclosures", {"company": "ring"})
    lines = chart.csv_text().splitlines()
    assert lines[0] == (
        "company,title,kind,date_start,date_end,count,count_text,requester,evidence,contested,data_disclosed,basis,"
        "warrant,user_consent,user_notified,url,source,source_url"
    )
    assert len(lines) == 2 and "Public record" in lines[1] and ",11," in lines[1]
    assert chart.permalink().startswith("/emergency-disclosures/?company=ring&year=&requester=&evidence=&")


def test_the_registered_chart_answers_a_bad_filter_with_the_tracker_s_sentence() -> None:
    from dashboard.charts.registry import ChartParamError, build_chart

    with pytest.raises(ChartParamError, match="“maybe” is not a known value for warrant; use one of: yes, no, unknown"):
        build_chart("emergency-disclosures", {"warrant": "maybe"})


# --- The companies' own emergency-request figures -------------------------------------------------


def emergency_figures(company: Any, start: dt.date, end: dt.date, **measures: int) -> None:
    period = ReportingPeriodFactory(company=company, start=start, end=end)
    for measure, value in measures.items():
        FigureFactory(period=period, request_type="emergency", measure=measure.replace("_", "-"), value=Decimal(value))


def test_the_companies_emergency_request_figures_are_shown_with_their_bases(client: Client, google: Any) -> None:
    h1 = (dt.date(2021, 1, 1), dt.date(2021, 6, 30))
    emergency_figures(google, *h1, requests=119, some_data_pct=81, accounts=175)
    emergency_figures(google, dt.date(2020, 7, 1), dt.date(2020, 12, 31), requests=100, some_data_pct=50)
    # The company's own rounding (66%) is shown, not one recomputed from the counts (65.4%).
    emergency_figures(CompanyFactory(slug="apple", name="Apple"), *h1, requests=107, some_data=70, some_data_pct=66)
    emergency_figures(
        CompanyFactory(slug="microsoft", name="Microsoft"),
        *h1,
        requests=80,
        content_disclosed=5,
        non_content_disclosed=50,
    )
    html = page(client).split("Emergency requests the companies report", 1)[1]
    google_card = html.split('href="/companies/google/">Google</a>', 1)[1].split("</li>", 1)[0]
    assert '<span class="stat-value">119</span>' in google_card
    assert 'U.S. emergency requests, <abbr title="1 January 2021 to 30 June 2021">H1 2021</abbr>' in google_card
    assert "Data handed over: <strong>81% of 119</strong>" in google_card
    assert "<strong>70 of 107 (66%)</strong>" in html
    assert "<strong>55 of 80 (69%)</strong>" in html and "Content or only non-content disclosed, added together" in html
    assert "Google: every period (2)" in html and "50% of 100" in html


def test_companies_that_do_not_report_emergency_requests_are_named(client: Client, google: Any) -> None:
    emergency_figures(google, dt.date(2021, 1, 1), dt.date(2021, 6, 30), requests=10)
    FigureFactory(period__company=CompanyFactory(slug="amazon", name="Amazon"), request_type="subpoena")
    FigureFactory(period__company=CompanyFactory(slug="ring", name="Ring"), request_type="search-warrant")
    FigureFactory(
        period__company=CompanyFactory(slug="draftco", name="Draftco"), period__status="draft", request_type="emergency"
    )
    html = page(client)
    for name in ("Amazon", "Ring"):
        card = html.split(f'">{name}</a>\n      <span class="stat-value">', 1)[1].split("</li>", 1)[0]
        assert card.startswith("Not reported</span>")
        assert "None of its published reports held here counts emergency requests" in card
    assert "Draftco" not in html


def test_an_unpublished_period_s_emergency_figures_are_not_shown(client: Client, google: Any) -> None:
    period = ReportingPeriodFactory(company=google, status="draft")
    FigureFactory(period=period, request_type="emergency", value=Decimal(4321))
    assert "4,321" not in page(client) and "4321" not in page(client)


# --- Staff workflow through the admin ------------------------------------------------------------


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("editor", "editor@example.org", "a long enough password"))
    return client


def disclosure_form(company_id: int, **overrides: Any) -> dict[str, Any]:
    data = {
        "company": str(company_id),
        "kind": "event",
        "title": "Doorbell footage given to county police",
        "date_start": "2022-05-02",
        "date_end": "2022-05-02",
        "count": "1",
        "agency": "County police",
        "jurisdiction": "US",
        "basis": "emergency",
        "requester": "law-enforcement",
        "evidence": "company-statement",
        "company_standard": "",
        "excerpts-TOTAL_FORMS": "0",
        "excerpts-INITIAL_FORMS": "0",
        "excerpts-MIN_NUM_FORMS": "0",
        "excerpts-MAX_NUM_FORMS": "1000",
        "warrant": "no",
        "user_consent": "no",
        "user_notified": "unknown",
        "data_category": "video",
        "data_disclosed": "",
        "summary": "Given without a warrant.",
        "status": "draft",
    }
    return data | overrides


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_end": "2022-05-01"}, "The date range cannot end before it starts."),
        ({"kind": "batch", "count": "0"}, "A disclosure record counts at least one disclosure."),
        ({"count": "2"}, "A single event is one disclosure; record several, or an unknown number, as a batch."),
        ({"kind": "batch", "count": "3", "sources": []}, "A batch admitted in aggregate must cite the document"),
        ({"status": "published", "sources": []}, "A published disclosure needs at least one source."),
    ],
)
def test_the_admin_refuses_a_bad_disclosure_with_a_sentence(
    staff: Client, overrides: dict[str, Any], message: str
) -> None:
    company = CompanyFactory()
    data = disclosure_form(company.pk, sources=[str(SourceDocumentFactory().pk)]) | overrides
    response = staff.post("/admin/reports/emergencydisclosure/add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmergencyDisclosure.objects.exists()


def test_publishing_in_the_admin_puts_the_disclosure_on_the_cached_tracker(
    staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    company = CompanyFactory(slug="ring", name="Ring")
    source = SourceDocumentFactory()
    public = Client()
    assert "County police" not in page(public)  # the tracker is now cached
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/admin/reports/emergencydisclosure/add/", disclosure_form(company.pk, sources=[source.pk])
        )
    assert response.status_code == 302
    item = EmergencyDisclosure.objects.get()
    assert "Doorbell footage given to county police" not in page(public)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/admin/reports/emergencydisclosure/",
            {"action": "publish", "_selected_action": [str(item.pk)]},
            follow=True,
        )
    assert "Doorbell footage given to county police" in page(public)
    assert public.get(f"/emergency-disclosures/{item.pk}/").status_code == 200


def test_taking_a_disclosure_back_to_draft_removes_it_from_the_cached_tracker(
    staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    item = EmergencyDisclosureFactory(title="Withdrawn record", status="published")
    public = Client()
    assert "Withdrawn record" in page(public)
    data = disclosure_form(item.company_id, title="Withdrawn record", status="draft", change_reason="source retracted")
    data |= {"date_start": "2022-03-01", "date_end": "2022-03-01", "sources": [s.pk for s in item.sources.all()]}
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/reports/emergencydisclosure/{item.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "Withdrawn record" not in page(public)
    assert public.get(f"/emergency-disclosures/{item.pk}/").status_code == 404


def test_deleting_a_published_disclosure_in_the_admin_removes_it_from_the_cached_tracker(
    staff: Client, django_capture_on_commit_callbacks: Any
) -> None:
    item = EmergencyDisclosureFactory(title="Deleted record")
    public = Client()
    assert "Deleted record" in page(public)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/admin/reports/emergencydisclosure/{item.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert "Deleted record" not in page(public)


# --- Public-page hygiene --------------------------------------------------------------------------


def test_the_tracker_and_detail_pages_set_no_cookie_and_carry_no_inline_script(
    client: Client, bundled_data: None
) -> None:
    item = EmergencyDisclosure.objects.get(company__slug="ring")
    for url in (TRACKER, TRACKER + "?company=ring", f"/emergency-disclosures/{item.pk}/"):
        response = client.get(url)
        assert not response.cookies
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", response.content.decode())
        assert scripts == [], url
