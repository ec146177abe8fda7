"""What the chart families share: the parameters of a government, a kind of demand and a measure, the words
for them, and the frame of a chart with nothing to show."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from dashboard.caching import kept_for_generation
from dashboard.charts.frame import Chart, Column, Control, Option
from dashboard.charts.labels import TOTAL, type_noun
from dashboard.charts.plotting import Break, data_updated, empty_figure
from dashboard.charts.points import Point
from dashboard.charts.registry import ChartParamError, Param
from reports.models import Figure
from reports.statements import jurisdiction_name
from reports.vocabulary import SUMMABLE, RequestType

JURISDICTION_CODE = re.compile(r"^(?:[A-Z]{2}|NON-US|WW)$")


TYPE_CHOICES = ((TOTAL, "All requests"), *((t, str(label)) for t, label in RequestType.choices if t != "all"))


COUNT_MEASURES = (("requests", "Requests"), ("accounts", "Accounts named in requests"))


TOTAL_TYPES = frozenset({"all", "legal-process"} | SUMMABLE)


TYPE = Param("type", "Request type", TOTAL, TYPE_CHOICES)


JURISDICTION = Param("jurisdiction", "Government", "US", upper=True)


MEASURE = Param("measure", "Measure", "requests", COUNT_MEASURES)


def jurisdictions_reported(*, company: str | None = None, scope: str | None = None) -> list[str]:
    """``Figure.objects.jurisdictions_reported``, kept per data generation: a government filter offers the same
    list in every state of a chart, and the query behind it costs more than the rest of a chart's build."""
    return kept_for_generation(
        f"jurisdictions:{company}:{scope}", lambda: Figure.objects.jurisdictions_reported(company=company, scope=scope)
    )


def check_jurisdiction(code: str) -> None:
    if not JURISDICTION_CODE.match(code):
        raise ChartParamError(
            f"Government must be an ISO 3166-1 alpha-2 code such as US or DE, NON-US or WW; “{code[:20]}” is not."
        )


def from_whom(jurisdiction: str) -> str:
    """'from U.S. authorities', 'from Germany', 'from non-U.S. governments', 'worldwide'."""
    if jurisdiction == "US":
        return "from U.S. authorities"
    if jurisdiction == "NON-US":
        return "from non-U.S. governments"
    if jurisdiction == "WW":
        return "worldwide"
    return f"from {jurisdiction_name(jurisdiction)}"


def noun_for(request_type: str, measure: str = "requests") -> str:
    """'requests', 'subpoenas', 'accounts named in subpoenas'."""
    kind = type_noun(request_type)
    return kind if measure == "requests" else f"accounts named in {kind}"


def latest_point(points: list[Point]) -> Point | None:
    reported = [point for point in points if point.status != "not reported"]
    return reported[-1] if reported else None


def point_size(point: Point) -> Decimal:
    return point.value if point.value is not None else point.high or Decimal(0)


COMPARISON_COLUMNS = [
    Column("company", "Company"),
    Column("period", "Period"),
    Column("period_start", "Start", "date"),
    Column("period_end", "End", "date"),
    Column("jurisdiction", "Government"),
    Column("request_type", "Request type"),
    Column("measure", "Measure"),
    Column("value", "Value", "number"),
    Column("value_min", "Range from", "number"),
    Column("value_max", "Range to", "number"),
    Column("status", "Status"),
    Column("basis", "How obtained"),
    Column("source", "Source"),
    Column("source_url", "Source address", "url"),
]


def numbered(breaks: list[Break]) -> list[str]:
    return [f"{number}. {mark.sentence}" for number, mark in enumerate(breaks, start=1)]


def jurisdiction_control(codes: list[str], selected: str) -> Control:
    options = _jurisdiction_options(tuple(codes))
    if selected not in codes:
        options = (Option(selected, jurisdiction_name(selected)), *options)
    return Control("jurisdiction", "Government", options, selected)


@lru_cache(maxsize=256)
def _jurisdiction_options(codes: tuple[str, ...]) -> tuple[Option, ...]:
    """The governments in the order a reader looks for them (U.S., non-U.S., worldwide, then by name), once per
    process and list: the same list in every state of a chart."""
    first = [code for code in ("US", "NON-US", "WW") if code in codes]
    rest = sorted((code for code in codes if code not in first), key=jurisdiction_name)
    return tuple(Option(code, jurisdiction_name(code)) for code in [*first, *rest])


def static_control(param: Param, selected: str) -> Control:
    return Control(param.name, param.label, tuple(Option(v, label) for v, label in param.choices or ()), selected)


def empty_chart(slug: str, state: dict[str, str], message: str, subtitle: str, controls: list[Control]) -> Chart:
    """A chart with nothing to draw: its title and summary say so, the page shows no plot."""
    return Chart(
        slug=slug,
        params=state,
        title=message,
        subtitle=subtitle,
        summary=message,
        figure=empty_figure(message),
        columns=COMPARISON_COLUMNS,
        rows=[],
        data_updated=data_updated(),
        controls=controls,
        has_data=False,
    )
