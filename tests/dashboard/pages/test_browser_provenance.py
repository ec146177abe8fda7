"""The Amazon H1 2020 report page in Debian's Chromium: what a reader sees, and axe finds no serious
or critical accessibility violation, at desktop and phone widths."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.dashboard.pages.test_provenance import H1_2020, load_article_data

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_amazon_h1_2020_report_reads_well_and_passes_axe(live_server: Any, page: Any, width: int) -> None:
    load_article_data()
    page.set_viewport_size({"width": width, "height": 667 if width < 400 else 900})
    page.goto(live_server.url + H1_2020)
    assert page.get_by_role("heading", level=1).inner_text() == "Amazon: H1 2020"
    statements = page.locator("#says ~ ul.statements").inner_text()
    assert "Subpoenas: handed over some data in 70% of 2,416." in statements
    assert "Requests from non-U.S. governments: no data in 92% of 177." in statements
    # The first statement a visitor came for is above the fold, on a small phone too.
    first = page.locator("ul.statements li").first.bounding_box()
    assert first["y"] + first["height"] <= page.viewport_size["height"]
    page.get_by_role("link", name="source [1]").first.click()
    assert page.url.endswith("#source-1")
    assert serious_violations(page) == []
