"""The floor plan (docs/architecture.md): no import loops, and every chart findable from its slug."""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

from dashboard.charts.registry import CHARTS, FAMILIES

ROOT = Path(__file__).resolve().parent.parent


def import_cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Every loop of direct imports among ``modules`` (imports for type hints excluded), found depth first."""
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if state.get(imported) == "open":
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(modules):
        if module not in state:
            visit(module, [module])
    return cycles


def test_no_module_of_the_project_imports_itself_through_others() -> None:
    graph = grimp.build_graph("dashboard", "reports", exclude_type_checking_imports=True)
    modules = {m for m in graph.modules if not m.startswith("reports.migrations")}

    assert import_cycles(graph, modules) == []


def test_the_architecture_lists_every_chart_under_the_module_that_builds_it() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([a-z-]+)` \| `dashboard/charts/([a-z_]+)\.py` \|", text, re.M))
    built_in = {slug: spec.builder.__module__.rsplit(".", 1)[1] for slug, spec in CHARTS.items()}

    assert listed == built_in
    assert {f"dashboard.charts.{module}" for module in built_in.values()} <= set(FAMILIES)


def test_templates_link_to_the_sites_pages_by_route_name_not_by_a_written_path() -> None:
    written = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r'href="/(?!/)', line)
    ]

    assert written == []


def test_charts_js_takes_the_narrow_width_from_the_page_not_a_number_of_its_own() -> None:
    from dashboard.charts.themes import NARROW_WIDTH

    script = (ROOT / "static" / "js" / "charts.js").read_text(encoding="utf-8")

    assert str(NARROW_WIDTH) not in script and "narrow_width" in script


def test_the_data_contract_page_lists_every_scope_request_type_and_measure() -> None:
    from reports.opendata import DISCLOSURE_COLUMNS, FIGURE_COLUMNS
    from reports.vocabulary import Measure, RequestType, Scope

    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, re.M))

    assert {*Scope.values, *RequestType.values, *Measure.values} <= listed
    assert ", ".join(FIGURE_COLUMNS) in text and ", ".join(DISCLOSURE_COLUMNS) in text


@pytest.mark.django_db
def test_every_public_route_answers_head_as_it_answers_get() -> None:
    """Link checkers and link-preview bots ask with HEAD: a 405 reads as a broken link."""
    from django.test import Client

    from reports.statements import jurisdiction_name

    head_client = Client()
    for path in ("/", "/countries/", "/emergency-disclosures/", "/methodology/", "/data/", "/api/v1/", "/oembed"):
        get, head = head_client.get(path), head_client.head(path)
        assert head.status_code == get.status_code != 405, path
        assert head.content == b"", path
    assert (jurisdiction_name("XK"), jurisdiction_name("AN")) == ("Kosovo", "Netherlands Antilles (former)")
