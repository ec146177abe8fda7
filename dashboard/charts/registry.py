"""The chart registry: a chart is found from its slug here.

``CHARTS`` maps each slug to its :class:`ChartSpec` (name, parameters, builder, page). Builders register
with :func:`register` in their family's module; ``FAMILIES`` lists those modules, and
``DashboardConfig.ready()`` imports them so the registry is complete before the first request. Which slug
lives in which module is listed in docs/architecture.md (and checked by a test).

``build_chart(slug, params)`` validates the state (``ChartParamError`` with a sentence -> the caller answers
400; ``UnknownChart`` -> 404) and returns a :class:`~dashboard.charts.frame.Chart`, built once per data
generation and state.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.conf import settings

from dashboard.caching import Canonical, kept_for_generation

if TYPE_CHECKING:
    from dashboard.charts.frame import Chart

    pass


class ChartParamError(ValueError):
    """A chart state that cannot be drawn; the message is a sentence for the reader (HTTP 400)."""


class UnknownChart(LookupError):
    """No chart is registered under this slug (HTTP 404)."""


_FREE_VALUE = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


@dataclass(frozen=True)
class Param:
    """One piece of a chart's state in the query string."""

    name: str
    label: str
    default: str = ""
    #: Allowed values and their labels; ``None`` lets the builder check the value against the data.
    choices: tuple[tuple[str, str], ...] | None = None
    #: Part of the page's path (the company of a company page), not a filter of the page.
    in_path: bool = False
    #: Codes such as jurisdictions are upper case whatever the reader typed.
    upper: bool = False

    def clean(self, raw: str | None) -> str:
        value = (raw or "").strip() or self.default
        value = value.upper() if self.upper else value
        if self.choices is not None:
            allowed = [choice for choice, _ in self.choices]
            if value not in allowed:
                listed = ", ".join(allowed[:12]) + (", …" if len(allowed) > 12 else "")
                raise ChartParamError(f"{self.label} must be one of {listed}; “{value[:40]}” is not.")
        elif value and not _FREE_VALUE.match(value):
            raise ChartParamError(f"{self.label} “{value[:40]}” is not a valid value.")
        return value


@dataclass(frozen=True)
class ChartSpec:
    """A registered chart: its slug, what it shows in general, its parameters and its builder."""

    slug: str
    name: str
    description: str
    params: tuple[Param, ...]
    builder: Callable[[dict[str, str]], Chart]
    #: The page that shows the chart for a state (a path without query string).
    page: Callable[[dict[str, str]], str]

    def clean(self, params: Mapping[str, Any]) -> dict[str, str]:
        """The validated, normalised state: every declared parameter, in declared order."""
        state: dict[str, str] = {}
        for param in self.params:
            raw = params.get(param.name)
            state[param.name] = param.clean(raw if isinstance(raw, str) or raw is None else str(raw))
        return state


CHARTS: dict[str, ChartSpec] = {}


def register(
    slug: str,
    *,
    name: str,
    description: str,
    params: Sequence[Param],
    page: Callable[[dict[str, str]], str],
) -> Callable[[Callable[[dict[str, str]], Chart]], Callable[[dict[str, str]], Chart]]:
    """Register a builder: ``@register("slug", name=..., description=..., params=[...], page=...)``."""

    def decorator(builder: Callable[[dict[str, str]], Chart]) -> Callable[[dict[str, str]], Chart]:
        CHARTS[slug] = ChartSpec(slug, name, description, tuple(params), builder, page)
        return builder

    return decorator


def build_chart(slug: str, params: Mapping[str, Any]) -> Chart:
    """Validate ``params`` for the chart ``slug`` and build it (ChartParamError, UnknownChart), once per
    data generation and state: the page, its embed, CSV, pictures and oEmbed answer share one build."""
    spec, state = _spec_and_state(slug, params)
    if not settings.CHART_CACHE_SECONDS:
        return spec.builder(state)
    # A copy of its own: pages add their filters to a chart.
    return kept_for_generation(_key("chart", slug, state), lambda: _primed(spec.builder(state)))


def build_page_chart(slug: str, params: Mapping[str, Any]) -> Chart:
    """``build_chart`` for a page: the chart with its frame rendered, without the figure, rows and sources behind
    it (``Chart.page_copy``), kept apart once per generation and state since pages fetch it on every render."""
    spec, state = _spec_and_state(slug, params)
    if not settings.CHART_CACHE_SECONDS:
        return spec.builder(state)
    return kept_for_generation(_key("page-chart", slug, state), lambda: build_chart(slug, state).page_copy())


def _spec_and_state(slug: str, params: Mapping[str, Any]) -> tuple[ChartSpec, dict[str, str]]:
    spec = CHARTS.get(slug)
    if spec is None:
        raise UnknownChart(f"There is no chart called “{slug[:40]}”.")
    return spec, spec.clean(params)


def _key(kind: str, slug: str, state: dict[str, str]) -> str:
    return f"{kind}:{slug}:{hashlib.sha256(urlencode(state).encode()).hexdigest()[:32]}"


def _primed(chart: Chart) -> Chart:
    chart.prime()
    return chart


def chart_query(*slugs: str, path: Mapping[str, str] | None = None, also: Sequence[Param] = ()) -> Canonical:
    """The query a page of the charts ``slugs`` (none: the chart its path's ``slug`` names) depends on: each
    chart parameter the reader sets, cleaned, in declared order, defaults left out; ``also`` the view's own
    parameters (an embed's theme). ``path`` maps a chart parameter to the path argument that fixes it."""
    from_path = path or {}

    def canonical(request: Any, path_args: Mapping[str, Any]) -> dict[str, str] | None:
        specs = [CHARTS.get(slug) for slug in slugs or (str(path_args.get("slug")),)]
        given = {**request.GET.dict(), **{name: str(path_args[arg]) for name, arg in from_path.items()}}
        try:
            states = [(spec, spec.clean(given)) for spec in specs if spec is not None]
            own = {param.name: (param.clean(given.get(param.name)), param.default) for param in also}
        except ChartParamError:
            return None  # the view answers it (400)
        if len(states) < len(specs):
            return None  # an unknown chart (404)
        cleaned: dict[str, set[tuple[str, str]]] = {}
        for spec, state in states:
            for param in spec.params:
                if param.name not in from_path:
                    cleaned.setdefault(param.name, set()).add((state[param.name], param.default))
        cleaned |= {name: {value} for name, value in own.items()}
        return {name: _one_value(values, given.get(name, "")) for name, values in cleaned.items() if _set(values)}

    return canonical


def _set(values: set[tuple[str, str]]) -> bool:
    """Whether a parameter is set: some chart's value is not its default."""
    return any(value != default for value, default in values)


def _one_value(values: set[tuple[str, str]], given: str) -> str:
    """The cleaned value when the charts agree on it, else the value as given (each chart cleans it alike)."""
    return next(iter(values))[0] if len({value for value, _ in values}) == 1 else given.strip()


#: The modules that register charts, one per family. Each chart's slug is in one of them (docs/architecture.md).
FAMILIES = (
    "dashboard.charts.company",
    "dashboard.charts.outcomes",
    "dashboard.charts.rankings",
    "dashboard.charts.comparisons",
    "dashboard.charts.disclosures",
)


def load_families() -> None:
    """Import every family so that its charts are registered (DashboardConfig.ready)."""
    for module in FAMILIES:
        import_module(module)
