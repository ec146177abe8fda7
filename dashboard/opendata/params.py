"""The open-data API's contract in declarations: each endpoint's query parameters as ``Param`` objects (they
check requests and write /api/v1/openapi.json, so the documentation cannot drift from what the views accept),
the endpoints, the licence, and the parsing of a query string into a ``Query``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import JsonResponse, QueryDict

from reports.models import Company, EmergencyDisclosure, TriState
from reports.vocabulary import Measure, RequestType, Scope

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
FIGURE_KINDS = ("exact", "band", "not-reported")
#: How a computed figure was obtained (dashboard.opendata.computed).
COMPUTATIONS = ("period-total", "calendar-year")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
JURISDICTION_PATTERN = re.compile(r"^(?:[A-Z]{2}|NON-US|WW|OTHER)$")
POSITIVE_INTEGER = re.compile(r"^[1-9][0-9]{0,8}$")


class BadParameter(Exception):
    """A query parameter the API cannot accept; answered with a 400 that names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message

    def response(self) -> JsonResponse:
        return JsonResponse({"error": self.message, "parameter": self.parameter}, status=400)


# --- Parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One query parameter: a comma-separated list of values, or an ISO date.

    ``lookup`` is the ORM lookup it filters on; ``choices`` the values the vocabulary allows;
    ``known`` a database check for values that only the data can confirm (company slugs).
    """

    name: str
    description: str
    lookup: str
    kind: str = "list"  # "list" or "date"
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    known: Callable[[list[str]], set[str]] | None = None
    to_q: Callable[[Any], Q] | None = None
    example: str = ""

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    def parse(self, raw: str) -> Any:
        if self.kind == "date":
            return _parse_date(self.name, raw)
        values = raw.split(",")
        for value in values:
            if not value:
                raise BadParameter(self.name, "is empty; give one value, or several separated by commas")
            if self.choices and value not in self.choices:
                raise BadParameter(self.name, f"unknown {self.label} {value!r}; {_one_of(self.choices)}")
            if self.pattern and not self.pattern.match(value):
                raise BadParameter(self.name, f"{value!r} is not a valid {self.label}")
        if self.known:
            unknown = sorted(set(values) - self.known(values))
            if unknown:
                raise BadParameter(self.name, f"unknown {self.label} {', '.join(map(repr, unknown))}")
        return values

    def q(self, value: Any) -> Q:
        if self.to_q:
            return self.to_q(value)
        return Q(**{f"{self.lookup}__in" if self.kind == "list" else self.lookup: value})


def _parse_date(name: str, raw: str) -> dt.date:
    # date.fromisoformat also takes "20200101" and week dates; the API promises YYYY-MM-DD only.
    try:
        if DATE_PATTERN.match(raw):
            return dt.date.fromisoformat(raw)
    except ValueError:
        pass
    raise BadParameter(name, f"{raw!r} is not a date; use YYYY-MM-DD, e.g. 2020-01-01")


def _one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(choices)


def published_company_slugs(values: list[str]) -> set[str]:
    """Which of ``values`` name a company with published data (a draft-only company stays unknown)."""
    return set(Company.objects.with_published_data().filter(slug__in=values).values_list("slug", flat=True))


def _company(lookup: str) -> Param:
    return Param(
        "company",
        "Company slugs, comma-separated (amazon, ring, google, ...); see /api/v1/companies.",
        lookup,
        pattern=SLUG_PATTERN,
        known=published_company_slugs,
        example="amazon",
    )


def _tristate(name: str, what: str) -> Param:
    return Param(name, f"Whether {what}: yes, no or unknown; comma-separated.", name, choices=tuple(TriState.values))


def _figure_kind_q(kinds: list[str]) -> Q:
    parts = {
        "exact": Q(value__isnull=False),
        "band": Q(value_min__isnull=False),
        "not-reported": Q(value__isnull=True, value_min__isnull=True, value_max__isnull=True),
    }
    combined = Q(pk__in=[])
    for kind in kinds:
        combined |= parts[kind]
    return combined


SCOPE = Param(
    "scope",
    "Scopes, comma-separated: 'total' unless a company reports parts apart (Amazon: aws, excluding-aws).",
    "period__scope",
    choices=tuple(Scope.values),
)
PERIOD_START_FROM = Param(
    "period_start_from",
    "Only reporting periods that start on or after this date (YYYY-MM-DD).",
    "period__start__gte",
    kind="date",
    example="2020-01-01",
)
PERIOD_END_TO = Param(
    "period_end_to",
    "Only reporting periods that end on or before this date (YYYY-MM-DD).",
    "period__end__lte",
    kind="date",
    example="2020-12-31",
)

FIGURE_PARAMS = (
    _company("period__company__slug"),
    SCOPE,
    PERIOD_START_FROM,
    PERIOD_END_TO,
    Param(
        "jurisdiction",
        "Jurisdictions, comma-separated: ISO 3166-1 alpha-2 codes (US, DE), NON-US for all non-U.S. "
        "governments together, WW for a worldwide total.",
        "jurisdiction",
        pattern=JURISDICTION_PATTERN,
        example="US",
    ),
    Param(
        "request_type",
        "Request types, comma-separated; defined in the data dictionary (/methodology/).",
        "request_type",
        choices=tuple(RequestType.values),
        example="subpoena",
    ),
    Param(
        "measure",
        "Measures, comma-separated; defined in the data dictionary (/methodology/).",
        "measure",
        choices=tuple(Measure.values),
        example="requests",
    ),
    Param(
        "kind",
        "Kinds of value, comma-separated: exact, band (a published range such as 0-249) or not-reported.",
        "kind",
        choices=FIGURE_KINDS,
        to_q=_figure_kind_q,
    ),
)
COMPUTED_PARAMS = (
    *(param for param in FIGURE_PARAMS if param.name != "kind"),
    Param(
        "kind",
        "Kinds of value, comma-separated: exact, or band (a sum with a published range in it).",
        "kind",
        choices=("exact", "band"),
    ),
    Param(
        "computation",
        "How the figure was computed, comma-separated: period-total (all of a period's requests where the company "
        "gives no total: the sum of the kinds it lists) or calendar-year (the first half plus the second).",
        "computation",
        choices=COMPUTATIONS,
    ),
)
PERIOD_PARAMS = (
    _company("company__slug"),
    Param("scope", SCOPE.description, "scope", choices=SCOPE.choices),
    Param("period_start_from", PERIOD_START_FROM.description, "start__gte", kind="date", example="2020-01-01"),
    Param("period_end_to", PERIOD_END_TO.description, "end__lte", kind="date", example="2020-12-31"),
)
DISCLOSURE_PARAMS = (
    _company("company__slug"),
    Param(
        "date_from",
        "Only disclosures whose dates reach this day or later (YYYY-MM-DD): a batch counts if its range overlaps.",
        "date_end__gte",
        kind="date",
        example="2022-01-01",
    ),
    Param(
        "date_to",
        "Only disclosures whose dates begin on or before this day (YYYY-MM-DD).",
        "date_start__lte",
        kind="date",
        example="2022-12-31",
    ),
    Param(
        "basis",
        "The legal basis the company claimed, comma-separated.",
        "basis",
        choices=tuple(EmergencyDisclosure.Basis.values),
    ),
    _tristate("warrant", "there was a warrant"),
    _tristate("user_consent", "the user consented"),
    _tristate("user_notified", "the user was told"),
    Param(
        "requester",
        "Who asked: law-enforcement, impersonator (a forged request) or unknown, comma-separated.",
        "requester",
        choices=tuple(EmergencyDisclosure.Requester.values),
    ),
    Param(
        "evidence",
        "What the record rests on, comma-separated.",
        "evidence",
        choices=tuple(EmergencyDisclosure.Evidence.values),
    ),
)


@dataclass
class Query:
    filters: list[Q] = field(default_factory=list)
    #: The checked value of each parameter given (name -> list of values, or a date), for filters not in SQL.
    values: dict[str, Any] = field(default_factory=dict)
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def parse_query(query: QueryDict, params: tuple[Param, ...], *, paginated: bool = True) -> Query:
    """Check every parameter of the query string; raise ``BadParameter`` on the first bad one."""
    accepted = [param.name for param in params] + (["page", "page_size"] if paginated else [])
    for name in query:
        if name not in accepted:
            takes = f"this endpoint takes {', '.join(accepted)}" if accepted else "this endpoint takes no parameters"
            raise BadParameter(name, f"unknown parameter; {takes}")
        if len(query.getlist(name)) > 1:
            raise BadParameter(name, "given more than once; separate several values with commas")
    result = Query()
    for param in params:
        raw = query.get(param.name)
        if raw is not None:
            result.values[param.name] = value = param.parse(raw)
            result.filters.append(param.q(value))
    if paginated:
        result.page = _positive_integer(query, "page", 1)
        result.page_size = _positive_integer(query, "page_size", DEFAULT_PAGE_SIZE)
        if result.page_size > MAX_PAGE_SIZE:
            raise BadParameter("page_size", f"{result.page_size} is too big; at most {MAX_PAGE_SIZE}")
    return result


def _positive_integer(query: QueryDict, name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not POSITIVE_INTEGER.match(raw):
        raise BadParameter(name, f"{raw!r} is not a whole number of 1 or more")
    return int(raw)


LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}

#: (name, route name, description) of every endpoint, for the index and the OpenAPI document.
ENDPOINTS = (
    ("companies", "api-companies", "Companies with published data, by slug."),
    ("periods", "api-periods", "Published reporting periods: one company, one scope, start and end dates."),
    ("figures", "api-figures", "Every published figure: one number of one period, exact, a band, or not reported."),
    (
        "computed-figures",
        "api-computed-figures",
        "Figures this site computes from published ones, as its charts show them: period totals where a company "
        "gives none, and calendar years from two halves. Each says how.",
    ),
    ("emergency-disclosures", "api-emergency-disclosures", "Data handed to police without a warrant or consent."),
    ("openapi", "api-openapi", "This API described in OpenAPI 3.1."),
)
