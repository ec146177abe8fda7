"""Computed figures (/api/v1/computed-figures, /data/computed-figures.csv): the totals the charts show where a
company gives none, and calendar years from two halves, each marked as computed and saying how."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from dashboard.charts.registry import build_chart
from reports.models import ReportingPeriod
from tests.factories import FigureFactory, ReportingPeriodFactory

pytestmark = pytest.mark.django_db

H1 = (dt.date(2021, 1, 1), dt.date(2021, 6, 30))
H2 = (dt.date(2021, 7, 1), dt.date(2021, 12, 31))


def half(slug: str, dates: tuple[dt.date, dt.date], url: str, **figures: Any) -> None:
    """A published half year of ``slug`` in Germany: request type -> value (a tuple is a band, None not reported)."""
    period = ReportingPeriodFactory(
        company__slug=slug, company__name=slug.title(), start=dates[0], end=dates[1], source__url=url
    )
    for request_type, value in figures.items():
        low, high = value if isinstance(value, tuple) else (None, None)
        exact = None if isinstance(value, tuple) else value
        FigureFactory(
            period=period,
            jurisdiction="DE",
            request_type=request_type.replace("_", "-"),
            value=exact,
            value_min=low,
            value_max=high,
            note="" if value is not None else "not in the report",
        )


def chart_value(chart: Any) -> int:
    return [column.key for column in chart.columns].index("value")


def results(client: Client, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/computed-figures?{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_company_without_a_total_gets_the_sum_the_charts_show_and_a_calendar_year(client: Client) -> None:
    half("google", H1, "https://google.example/h1.csv", subpoena=Decimal(100), search_warrant=Decimal(20))
    half("google", H2, "https://google.example/h2.csv", subpoena=Decimal(110), search_warrant=Decimal(30))
    totals = results(client, "company=google&computation=period-total")
    assert [(t["period_start"], t["value"], t["method"]) for t in totals] == [
        ("2021-01-01", 120, "sum of subpoenas and search warrants"),
        ("2021-07-01", 140, "sum of subpoenas and search warrants"),
    ]
    assert totals[0]["request_type"] == "all" and totals[0]["source_urls"] == ["https://google.example/h1.csv"]
    years = {(y["request_type"]): y for y in results(client, "company=google&computation=calendar-year")}
    assert years["all"]["value"] == 260 and years["subpoena"]["value"] == 210
    assert years["all"]["period_start"] == "2021-01-01" and years["all"]["period_end"] == "2021-12-31"
    assert years["all"]["method"] == "H1 2021 + H2 2021 (sum of subpoenas and search warrants)"
    assert years["subpoena"]["source_urls"] == ["https://google.example/h1.csv", "https://google.example/h2.csv"]
    # The same number the site's chart of the period draws (one path from figures to totals).
    chart = build_chart("requests-over-time", {"type": "total", "jurisdiction": "DE"})
    drawn = [row for row in chart.rows if "Google" in row]
    assert [t["value"] for t in totals] == [int(Decimal(str(row[chart_value(chart)]))) for row in drawn]


def test_no_sum_is_made_of_a_part_not_reported_a_percentage_a_lone_half_or_a_company_total(client: Client) -> None:
    half("acme", H1, "https://acme.example/h1", subpoena=Decimal(5), search_warrant=None)
    half("acme", H2, "https://acme.example/h2", subpoena=Decimal(6), search_warrant=Decimal(1))
    half("solo", H1, "https://solo.example/h1", subpoena=Decimal(9))
    half("owner", H1, "https://owner.example/h1", all=Decimal(50), subpoena=Decimal(40))
    acme_h2 = ReportingPeriod.objects.get(company__slug="acme", start=H2[0])
    FigureFactory(period=acme_h2, jurisdiction="DE", measure="percent-disclosed", value=Decimal(80))
    rows = results(client, "jurisdiction=DE")
    acme = [(r["period_start"], r["request_type"], r["computation"]) for r in rows if r["company"] == "acme"]
    # H1's total would understate (warrants not reported), so neither it nor the year's total exists.
    assert acme == [("2021-01-01", "subpoena", "calendar-year"), ("2021-07-01", "all", "period-total")]
    assert not [r for r in rows if r["company"] == "owner"]  # its own total is a published figure
    solo = [(r["computation"], r["method"]) for r in rows if r["company"] == "solo"]
    assert solo == [("period-total", "subpoenas: the only kind its report lists")]  # as its chart says; no year
    assert all(r["measure"] != "percent-disclosed" for r in rows)


def test_a_band_in_a_sum_makes_a_band_and_a_year_the_company_publishes_is_not_recomputed(client: Client) -> None:
    half("banded", H1, "https://b.example/h1", subpoena=Decimal(10), fisa=(Decimal(0), Decimal(249)))
    half("banded", H2, "https://b.example/h2", subpoena=Decimal(12), fisa=(Decimal(0), Decimal(499)))
    ReportingPeriodFactory(company__slug="banded", start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31), scope="aws")
    fisa = results(client, "company=banded&request_type=fisa")
    assert [(r["kind"], r["value"], r["value_min"], r["value_max"]) for r in fisa] == [("band", None, 0, 748)]
    # A year the company reports itself (Ring reported whole years) leaves only other scopes to compute.
    half("yearly", H1, "https://y.example/h1", subpoena=Decimal(1))
    half("yearly", H2, "https://y.example/h2", subpoena=Decimal(2))
    ReportingPeriodFactory(company__slug="yearly", start=dt.date(2021, 1, 1), end=dt.date(2021, 12, 31))
    assert results(client, "company=yearly&computation=calendar-year") == []


def test_the_csv_json_and_data_package_carry_them_and_bad_parameters_are_400s(client: Client) -> None:
    half("google", H1, "https://google.example/h1.csv", subpoena=Decimal(100), search_warrant=Decimal(20))
    half("google", H2, "https://google.example/h2.csv", subpoena=Decimal(110), search_warrant=Decimal(30))
    body = b"".join(client.get("/data/computed-figures.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    year = next(r for r in rows if r["computation"] == "calendar-year" and r["request_type"] == "all")
    assert (year["value"], year["kind"], year["value_min"]) == ("260", "exact", "")
    assert year["source_urls"] == "https://google.example/h1.csv https://google.example/h2.csv"
    document = json.loads(b"".join(client.get("/data/computed-figures.json").streaming_content))
    assert document["count"] == len(rows)
    package = json.loads(b"".join(client.get("/data/datapackage.json").streaming_content))
    resource = next(r for r in package["resources"] if r["name"] == "computed-figures")
    assert [f["name"] for f in resource["schema"]["fields"]] == list(rows[0])
    import jsonschema_rs  # schemathesis's validator

    spec = client.get("/api/v1/openapi.json").json()
    validator = jsonschema_rs.Draft202012Validator({"$ref": "#/components/schemas/ComputedFigurePage", **spec})
    validator.validate(client.get("/api/v1/computed-figures").json())
    for query, parameter in [("computation=daily", "computation"), ("kind=not-reported", "kind"), ("x=1", "x")]:
        response = client.get(f"/api/v1/computed-figures?{query}")
        assert response.status_code == 400 and response.json()["parameter"] == parameter
