"""/feeds/updates.atom: new reports, newly known emergency disclosures and corrections, newest first.

Journalists subscribe to know when a report lands or a published figure changes. Links are built from
SITE_URL, not the request's host, because the whole response is cached and shared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from dashboard.caching import cached_public
from dashboard.opendata.records import absolute
from reports.history import public_corrections
from reports.models import EmergencyDisclosure, ReportingPeriod

ENTRIES_PER_KIND = 30
ENTRIES = 50


@dataclass(frozen=True)
class Entry:
    category: str  # "report", "emergency-disclosure" or "correction"
    title: str
    link: str
    summary: str
    updated: dt.datetime
    guid: str


def updates() -> list[Entry]:
    """The feed's entries, newest first, from a constant number of queries."""
    entries: list[Entry] = []
    for period in ReportingPeriod.objects.newly_published(ENTRIES_PER_KIND):
        link = absolute(period.get_absolute_url())
        source = f" Source: {period.source.title}." if period.source else ""
        entries.append(
            Entry(
                "report",
                f"New report: {period}",
                link,
                f"{period.figure_count} figures from {period.company}'s report for {period.label}.{source}",  # type: ignore[attr-defined]
                period.published_at,  # type: ignore[attr-defined]
                f"{link}#published",
            )
        )
    for item in EmergencyDisclosure.objects.newly_published(ENTRIES_PER_KIND):
        link = absolute(item.get_absolute_url())
        entries.append(
            Entry(
                "emergency-disclosure",
                f"Emergency disclosure: {item.title}",
                link,
                item.summary,
                item.published_at,  # type: ignore[attr-defined]
                f"{link}#published",
            )
        )
    for correction in public_corrections()[:ENTRIES_PER_KIND]:
        # A removed record has no page left; the corrections page still lists it.
        link = absolute(correction.url or reverse("corrections"))
        summary = f"Reason: {correction.reason}" if correction.reason else "No reason was recorded."
        entries.append(
            Entry(
                "correction",
                f"Correction: {correction.title}",
                link,
                summary,
                correction.when,
                absolute(f"{reverse('corrections')}#{correction.uid}"),
            )
        )
    entries.sort(key=lambda entry: (entry.updated, entry.guid), reverse=True)
    return entries[:ENTRIES]


class UpdatesFeed(Feed):
    feed_type = Atom1Feed
    title = "Data Demands: updates"
    subtitle = "New transparency reports, newly known emergency disclosures, and corrections to published data."
    author_name = "Data Demands"

    def link(self) -> str:
        return absolute(reverse("home"))

    def feed_url(self) -> str:
        return absolute(reverse("feed-updates"))

    def feed_guid(self) -> str:
        return self.feed_url()

    def items(self) -> list[Entry]:
        return updates()

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        return item.summary

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_guid(self, item: Entry) -> str:
        return item.guid

    def item_guid_is_permalink(self, item: Entry) -> bool:
        return False

    def item_pubdate(self, item: Entry) -> dt.datetime:
        return item.updated

    def item_updateddate(self, item: Entry) -> dt.datetime:
        return item.updated

    def item_categories(self, item: Entry) -> tuple[str, ...]:
        return (item.category,)


_feed = UpdatesFeed()


@require_safe
@cached_public()
def updates_atom(request: HttpRequest) -> HttpResponse:
    return _feed(request)


urlpatterns = [path("feeds/updates.atom", updates_atom, name="feed-updates")]
