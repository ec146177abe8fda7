"""The chart builders: ranges drawn as ranges, gaps never zeros, findings computed from the figures,
bad states refused with a sentence, and every registered chart a valid Plotly figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
import pytest
from django.test import Client

from dashboard.charts.registry import CHARTS, ChartParamError, UnknownChart, build_chart
from dashboard.charts.styles import COMPANY_COLOURS
from reports.models import Company
from tests.factories import CompanyFactory, FigureFactory, ReportingPeriodFactory

pytestmark = pytest.mark.django_db


def half(year: int, number: int) -> dict[str, dt.date]:
    if number == 1:
        return {"start": dt.date(year, 1, 1), "end": dt.date(year, 6, 30)}
    return {"start": dt.date(year, 7, 1), "end": dt.date(year, 12, 31)}


def amazon() -> Company:
    return CompanyFactory(slug="amazon", name="Amazon")


def trace(chart: Any, name: str) -> dict[str, Any]:
    return next(t for t in chart.figure["data"] if t.get("name") == name)


def test_a_national_security_band_is_drawn_as_a_range_from_its_minimum_to_its_maximum() -> None:
    period = ReportingPeriodFactory(company=amazon(), **half(2020, 1))
    FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
    chart = build_chart("company-national-security", {"company": "amazon"})
    band = chart.figure["data"][0]
    assert band["type"] == "bar"
    assert (band["base"], band["y"]) == ([0.0], [249.0])
    assert not any(124.5 in (t.get("y") or []) for t in chart.figure["data"]), "a band is never drawn as its midpoint"
    assert chart.title == "Amazon reported 0–249 national-security demands in H1 2020 — a range, as U.S. law requires"
    assert chart.rows[0][7:11] == [None, Decimal(0), Decimal(249), "band"]
    # A bar alone in its period says what it spans, so a 0–249 bar filling the plot never reads as "about 250".
    assert (band["text"], band["textposition"]) == (["0–249"], "inside")
    assert "a range: the exact number is not published" in band["hovertext"][0]


def test_bands_side_by_side_leave_their_ranges_to_the_tooltip() -> None:
    for slug in ("amazon", "apple"):
        period = ReportingPeriodFactory(company=CompanyFactory(slug=slug, name=slug.title()), **half(2020, 1))
        FigureFactory(period=period, request_type="national-security", value=None, value_min=0, value_max=249)
    chart = build_chart("requests-over-time", {"type": "national-security"})
    bands = [t for t in chart.figure["data"] if t["type"] == "bar"]
    assert len(bands) == 2 and all(b["textposition"] == "none" and b["offsetgroup"] for b in bands)


def test_a_band_in_a_line_of_exact_figures_is_a_shaded_range_and_a_gap_in_the_line() -> None:
    company = CompanyFactory(slug="meta", name="Meta")
    first, second = (
        ReportingPeriodFactory(company=company, **half(2013, 1)),
        ReportingPeriodFactory(company=company, **half(2013, 2)),
    )
    FigureFactory(period=first, request_type="all", value=None, value_min=11000, value_max=12000)
    FigureFactory(period=second, request_type="all", value=12598)
    chart = build_chart("requests-over-time", {})
    assert trace(chart, "Meta")["y"] == [None, 12598.0]
    band = next(t for t in chart.figure["data"] if t["type"] == "bar")
    assert (band["base"], band["y"]) == ([11000.0], [1000.0])


def test_a_figure_a_report_does_not_give_is_a_gap_in_the_line_never_a_zero() -> None:
    company = amazon()
    for (year, number), value in zip([(2019, 1), (2019, 2), (2020, 1)], [100, None, 300], strict=True):
        FigureFactory(period=ReportingPeriodFactory(company=company, **half(year, number)), value=value, note="")
    chart = build_chart("company-requests", {"company": "amazon"})
    assert trace(chart, "Subpoenas")["y"] == [100.0, None, 300.0]
    missing = next(row for row in chart.rows if row[1] == "H2 2019")
    assert missing[7] is None and missing[10] == "not reported"
    assert "H2 2019,2019-07-01,2019-12-31,US,subpoena,requests,,,,not reported" in chart.csv_text()


def test_a_period_no_report_covers_breaks_the_line_instead_of_joining_its_neighbours() -> None:
    company = amazon()
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2018, 2)), value=100)
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2019, 2)), value=200)
    line = trace(build_chart("company-requests", {"company": "amazon"}), "Subpoenas")
    assert line["y"] == [100.0, None, 200.0]


def test_the_title_states_how_often_data_was_handed_over_with_its_base_in_the_summary() -> None:
    period = ReportingPeriodFactory(company=amazon(), **half(2020, 1))
    FigureFactory(period=period, request_type="subpoena", measure="requests", value=2416)
    FigureFactory(period=period, request_type="subpoena", measure="full-response", value=1200)
    FigureFactory(period=period, request_type="subpoena", measure="partial-response", value=491)
    FigureFactory(period=period, request_type="subpoena", measure="no-response", value=725)
    chart = build_chart("company-outcomes", {"company": "amazon"})
    assert chart.title == "Amazon handed over data for 70% of subpoenas from U.S. authorities in H1 2020"
    assert "70% of 2,416" in chart.summary
    full = trace(chart, "Answered in full")
    assert full["y"] == [pytest.approx(49.67, abs=0.01)]
    assert "1,200 of 2,416" in full["text"][0]


def test_the_title_compares_the_largest_kind_with_the_same_period_a_year_earlier() -> None:
    company = amazon()
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2019, 1)), value=1964)
    latest = ReportingPeriodFactory(company=company, **half(2020, 1))
    FigureFactory(period=latest, value=2416)
    FigureFactory(period=latest, request_type="search-warrant", value=543)
    chart = build_chart("company-requests", {"company": "amazon"})
    assert chart.title == "Amazon received 2,416 subpoenas in H1 2020, 23% more than in H1 2019"
    assert chart.summary.startswith("In H1 2020, Amazon reported 2,416 subpoenas, 543 search warrants")


def test_a_company_without_a_total_of_its_own_is_summed_from_the_kinds_it_reports() -> None:
    period = ReportingPeriodFactory(company=amazon(), **half(2020, 1))
    FigureFactory(period=period, request_type="subpoena", value=2416)
    FigureFactory(period=period, request_type="search-warrant", value=543)
    FigureFactory(period=period, request_type="preservation", value=900)  # counted outside totals
    chart = build_chart("requests-over-time", {})
    assert trace(chart, "Amazon")["y"] == [2959.0]
    assert chart.rows[0][7] == Decimal(2959)
    assert chart.rows[0][11] == "sum of subpoenas and search warrants"


def test_no_sum_is_made_when_one_of_the_kinds_is_not_reported() -> None:
    period = ReportingPeriodFactory(company=amazon(), **half(2020, 1))
    FigureFactory(period=period, request_type="subpoena", value=2416)
    FigureFactory(period=period, request_type="search-warrant", value=None)
    chart = build_chart("requests-over-time", {})
    assert not chart.has_data
    assert chart.title == "No company publishes requests from U.S. authorities."


def test_a_company_own_total_wins_over_the_sum_of_its_kinds() -> None:
    period = ReportingPeriodFactory(company=CompanyFactory(slug="meta", name="Meta"), **half(2021, 2))
    FigureFactory(period=period, request_type="all", value=59996)
    FigureFactory(period=period, request_type="subpoena", value=10)
    chart = build_chart("requests-over-time", {})
    assert chart.rows[0][7] == Decimal(59996)
    assert chart.title == (
        "Meta reported 59,996 requests from U.S. authorities in H2 2021, the only company to report them for 2021"
    )


def test_a_change_in_the_length_of_a_company_periods_is_marked_on_the_time_axis() -> None:
    company = amazon()
    spans = [(dt.date(2015, 1, 1), dt.date(2015, 5, 31)), (dt.date(2015, 6, 1), dt.date(2015, 12, 31))]
    for start, end in spans:
        FigureFactory(period=ReportingPeriodFactory(company=company, start=start, end=end), value=100)
    chart = build_chart("company-requests", {"company": "amazon"})
    assert [shape["x0"] for shape in chart.figure["layout"]["shapes"]] == ["2015-06-01"]
    assert (
        chart.notes[0]
        == "1. From Jun–Dec 2015, Amazon's reports cover 7 months; the one before covered 5 (Jan–May 2015)."
    )


def test_a_company_starting_to_report_a_part_of_itself_apart_is_marked_as_a_break() -> None:
    company = amazon()
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2017, 2)), value=100)
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2018, 1)), value=120)
    ReportingPeriodFactory(company=company, scope="aws", **half(2018, 1))
    chart = build_chart("company-requests", {"company": "amazon"})
    assert "From H1 2018, Amazon also reports “AWS only” apart." in " ".join(chart.notes)


def test_draft_figures_never_reach_a_chart_or_its_csv() -> None:
    company = amazon()
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2020, 1)), value=2416)
    FigureFactory(period=ReportingPeriodFactory(company=company, status="draft", **half(2020, 2)), value=999999)
    chart = build_chart("company-requests", {"company": "amazon"})
    assert "999999" not in chart.csv_text()
    assert 999999.0 not in trace(chart, "Subpoenas")["y"]


def test_the_csv_holds_exactly_the_rows_of_the_table() -> None:
    company = amazon()
    for year in (2019, 2020):
        period = ReportingPeriodFactory(company=company, **half(year, 1))
        FigureFactory(period=period, value=100 + year)
        FigureFactory(period=period, request_type="search-warrant", value=year)
    chart = build_chart("company-requests", {"company": "amazon"})
    lines = chart.csv_text().splitlines()
    assert lines[0].split(",") == [column.key for column in chart.columns]
    assert len(lines) - 1 == len(chart.rows) == len(chart.table()) == 4


@pytest.mark.parametrize(
    ("slug", "params", "message"),
    [
        ("requests-over-time", {"type": "bogus"}, "Request type must be one of"),
        ("requests-over-time", {"jurisdiction": "Germany"}, "ISO 3166-1 alpha-2"),
        ("company-requests", {"company": "nobody"}, "No company “nobody” has published reports"),
        ("company-requests", {"company": "amazon", "scope": "aws"}, "Amazon publishes no reports for the scope “aws”"),
        ("company-requests", {"company": "amazon", "measure": "devices"}, "Amazon reports no “devices” here"),
        ("countries-ranking", {"period": "2021-H3"}, "Period must look like 2021-H2"),
        ("company-national-security", {"company": "amazon", "unit": "<script>"}, "Counted in must be one of"),
    ],
)
def test_a_chart_state_that_cannot_be_drawn_is_refused_with_a_sentence(
    slug: str, params: dict[str, str], message: str
) -> None:
    FigureFactory(period=ReportingPeriodFactory(company=amazon()), value=1)
    with pytest.raises(ChartParamError, match=message):
        build_chart(slug, params)


def test_an_unknown_chart_is_not_found() -> None:
    with pytest.raises(UnknownChart):
        build_chart("pie-of-everything", {})


def test_the_csv_of_a_bad_state_answers_400_with_the_sentence(client: Client) -> None:
    response = client.get("/charts/requests-over-time.csv?type=bogus")
    assert response.status_code == 400
    assert "Request type must be one of" in response.content.decode()
    assert client.get("/charts/pie-of-everything.csv").status_code == 404


def test_the_state_is_kept_whole_in_every_link_of_a_chart() -> None:
    FigureFactory(period=ReportingPeriodFactory(company=amazon()), value=1)
    chart = build_chart("company-requests", {"company": "amazon", "jurisdiction": "us"})
    assert chart.params == {"company": "amazon", "scope": "total", "jurisdiction": "US", "measure": "requests"}
    state = "company=amazon&scope=total&jurisdiction=US&measure=requests"
    assert chart.csv_url() == f"/charts/company-requests.csv?{state}"
    assert chart.embed_url() == f"/embed/company-requests?{state}"
    assert chart.image_url("svg") == f"/charts/company-requests.svg?{state}"
    assert chart.permalink() == "/companies/amazon/?scope=total&jurisdiction=US&measure=requests#chart-company-requests"


def test_a_company_has_the_same_colour_on_every_chart() -> None:
    company = CompanyFactory(slug="google", name="Google")
    period = ReportingPeriodFactory(company=company, **half(2021, 2))
    FigureFactory(period=period, request_type="all", value=500)
    FigureFactory(period=period, request_type="all", jurisdiction="DE", value=8000)
    over_time = build_chart("requests-over-time", {})
    ranking = build_chart("countries-ranking", {})
    assert trace(over_time, "Google")["line"]["color"] == COMPANY_COLOURS["google"]
    assert trace(ranking, "Google")["marker"]["color"] == COMPANY_COLOURS["google"]


def test_the_ranking_of_governments_names_the_one_with_most_requests_and_each_company_figure() -> None:
    google, meta = CompanyFactory(slug="google", name="Google"), CompanyFactory(slug="meta", name="Meta")
    for company, figures in ((google, {"DE": 8000, "FR": 9000}), (meta, {"DE": 7000, "FR": 1000})):
        period = ReportingPeriodFactory(company=company, **half(2021, 2))
        for jurisdiction, value in figures.items():
            FigureFactory(period=period, request_type="all", jurisdiction=jurisdiction, value=value)
    chart = build_chart("countries-ranking", {})
    assert chart.params == {"period": "2021-H2"}
    assert chart.title == "Germany made the most requests in H2 2021: 8,000 to Google, 7,000 to Meta"
    assert [row[1] for row in chart.rows] == ["DE", "DE", "FR", "FR"]


@pytest.mark.slow
def test_every_registered_chart_builds_a_valid_plotly_figure_from_the_bundled_data(bundled_data: None) -> None:
    """Figures are built unvalidated at request time for speed; here plotly validates each one strictly."""
    states = {
        "company-requests": {"company": "amazon"},
        "company-outcomes": {"company": "amazon"},
        "company-national-security": {"company": "amazon"},
        "company-countries": {"company": "google"},
    }
    for slug in CHARTS:
        if slug not in states and CHARTS[slug].params and any(p.in_path for p in CHARTS[slug].params):
            continue  # a chart of another area of the site that needs a state we do not know
        chart = build_chart(slug, states.get(slug, {}))
        go.Figure(chart.figure)  # raises ValueError on any invalid property
        assert chart.summary and chart.title, slug


def test_the_governments_of_a_company_are_ranked_within_the_scope_shown() -> None:
    google = CompanyFactory(slug="google", name="Google")
    total = ReportingPeriodFactory(company=google, **half(2021, 2))
    FigureFactory(period=total, request_type="all", jurisdiction="DE", value=8000)
    workspace = ReportingPeriodFactory(company=google, scope="enterprise-workspace", **half(2021, 2))
    FigureFactory(period=workspace, request_type="all", jurisdiction="DE", value=12)
    chart = build_chart("company-countries", {"company": "google", "scope": "enterprise-workspace"})
    assert chart.title == "Germany made the most requests in H2 2021: 12 to Google"


def test_a_kind_a_report_lists_without_a_number_says_why_rather_than_that_nothing_was_published() -> None:
    period = ReportingPeriodFactory(company=amazon(), scope="excluding-aws", **half(2022, 1))
    FigureFactory(period=period, request_type="all", value=None, note="Drawn as an image in the report")
    chart = build_chart("company-requests", {"company": "amazon", "scope": "excluding-aws"})
    assert not chart.has_data
    assert chart.title == (
        "No figure yet for Amazon's requests from U.S. authorities (Excluding AWS): Drawn as an image in the report."
    )


@pytest.mark.django_db
def test_a_chart_offers_an_archived_copy_only_when_the_site_holds_the_file() -> None:
    from dashboard.charts.frame import SourceEntry
    from tests.factories import SourceDocumentFactory

    digest_only = SourceDocumentFactory(sha256="a" * 64)  # the bundled data knows the file's digest, not the file

    assert SourceEntry.of(digest_only).archive_url == ""


def test_no_two_kinds_of_request_share_a_colour_and_dash_or_a_colour_and_marker() -> None:
    from dashboard.charts.styles import request_type_style
    from reports.vocabulary import RequestType

    styles = [request_type_style(kind) for kind in RequestType.values]

    assert len({(s.colour, s.dash) for s in styles}) == len(styles)
    assert len({(s.colour, s.symbol) for s in styles}) == len(styles)


@pytest.mark.django_db
def test_each_row_names_its_own_document_and_the_headlines_document_comes_first(bundled_data: None) -> None:
    from dashboard.charts.registry import build_chart

    chart = build_chart("company-requests", {"company": "amazon"})

    assert chart.title.startswith("Amazon received 2,416 subpoenas in H1 2020")
    assert chart.sources[0].url.endswith("#Information_Request_Report_June_2020.pdf")
    columns = [column.key for column in chart.columns]
    rows = [dict(zip(columns, row, strict=True)) for row in chart.rows]
    h1_2020 = next(r for r in rows if r["period"] == "H1 2020" and r["request_type"] == "subpoena")
    h2_2019 = next(r for r in rows if r["period"] == "H2 2019" and r["request_type"] == "subpoena")
    assert h1_2020["source_url"].endswith("#Information_Request_Report_June_2020.pdf")
    assert h2_2019["source_url"].endswith("#Information_Request_Report_December_2019.pdf")
    assert "source_url" in chart.csv_text().splitlines()[0]


@pytest.mark.django_db
def test_headlines_compare_the_latest_reports_and_never_rank_ranges(bundled_data: None) -> None:
    from dashboard.charts.registry import build_chart

    share = build_chart("share-over-time", {"type": "total", "jurisdiction": "US"})
    bands = build_chart("requests-over-time", {"type": "national-security", "jurisdiction": "US"})

    # Google's share stopped being published for all requests years ago: the headline is of a recent report.
    assert "2012" not in share.title
    assert "a range, as U.S. law requires, not a count to rank" in bands.title


def test_every_tooltip_names_the_document_of_its_own_point_in_every_chart_that_draws_figures() -> None:
    """A journalist quoting from a tooltip cites the right document: each point's hover names its own source."""
    company = amazon()
    for number, title in ((1, "Report June 2020"), (2, "Report December 2020")):
        period = ReportingPeriodFactory(company=company, source__title=title, **half(2020, number))
        FigureFactory(period=period, request_type="subpoena", value=Decimal(100 * number))
        FigureFactory(period=period, request_type="subpoena", measure="full-response", value=Decimal(50))
        FigureFactory(period=period, jurisdiction="DE", request_type="subpoena", value=Decimal(7))
    charts = [
        build_chart("company-requests", {"company": "amazon"}),
        build_chart("requests-over-time", {"type": "subpoena", "jurisdiction": "US"}),
        build_chart("company-outcomes", {"company": "amazon", "type": "subpoena"}),
        build_chart("countries-ranking", {"period": "2020-H2"}),
    ]
    for chart in charts:
        texts = [text for t in chart.figure["data"] for text in (t.get("text") or []) if text]
        assert texts, chart.slug
        for text in texts:
            expected = "Report June 2020" if "H1 2020" in text else "Report December 2020"
            assert f"Source: {expected}" in text, (chart.slug, text)
        columns = [column.key for column in chart.columns]
        assert {"source", "source_url"} <= set(columns), chart.slug
        for row in chart.rows:
            cells = dict(zip(columns, row, strict=True))
            assert cells["source"] in ("Report June 2020", "Report December 2020"), (chart.slug, cells)


@pytest.mark.django_db
def test_a_figure_read_from_a_chart_image_says_so_in_the_table_and_its_sources(bundled_data: None) -> None:
    chart = build_chart("company-requests", {"company": "amazon", "scope": "aws"})

    columns = [column.key for column in chart.columns]
    rows = [dict(zip(columns, row, strict=True)) for row in chart.rows]
    h2_2022 = next(r for r in rows if r["period"] == "H2 2022" and r["request_type"] == "all")
    h1_2020 = next(r for r in rows if r["period"] == "H1 2020" and r["request_type"] == "subpoena")
    assert (h2_2022["value"], h2_2022["basis"]) == (478, "read by OCR from a chart image in the report, and checked")
    assert h1_2020["basis"] == "as published"
    assert "From H2 2020" in " ".join(chart.notes)


def test_a_scope_whose_reports_stop_early_says_where_the_later_figures_are() -> None:
    """Amazon gives no whole-company total from H2 2020: the default view says where its later figures are."""
    company = amazon()
    FigureFactory(period=ReportingPeriodFactory(company=company, **half(2020, 1)), value=Decimal(2416))
    later = ReportingPeriodFactory(company=company, scope="excluding-aws", **half(2022, 2))
    FigureFactory(period=later, value=Decimal(1000))
    notes = " ".join(build_chart("company-requests", {"company": "amazon"}).notes)
    assert "reports for this scope stop in H1 2020; its later reports, to H2 2022, give" in notes
    assert "choose them under Scope" in notes
    later_notes = build_chart("company-requests", {"company": "amazon", "scope": "excluding-aws"}).notes
    assert not any("stop in" in note for note in later_notes)
