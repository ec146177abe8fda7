"""Finding report documents on a company's transparency page: the links a feed's rules accept.

A rule is a list of file types (the ending of the link's path: ``pdf``, ``zip``...) and an optional
regular expression the link's address must contain. Nothing here fetches or touches the database.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit


class RuleError(ValueError):
    """A feed's link rules that cannot be applied (an invalid regular expression)."""


@dataclass(frozen=True)
class Link:
    url: str
    filename: str


@dataclass(frozen=True)
class LinkRules:
    types: tuple[str, ...]
    pattern: str = ""

    @classmethod
    def parse(cls, types: str, pattern: str = "") -> LinkRules:
        """From a feed's fields: ``"pdf, zip"`` and a regular expression (checked here)."""
        wanted = tuple(dict.fromkeys(t.strip().lstrip(".").casefold() for t in re.split(r"[,\s]+", types) if t.strip()))
        try:
            re.compile(pattern)
        except re.error as error:
            raise RuleError(f"the link pattern {pattern!r} is not a valid regular expression: {error}") from None
        return cls(types=wanted, pattern=pattern)

    def describe(self) -> str:
        kinds = ", ".join(self.types) or "any type"
        return f"{kinds} links" + (f" matching {self.pattern!r}" if self.pattern else "")

    def accepts(self, url: str) -> bool:
        path = unquote(urlsplit(url).path)
        suffix = PurePosixPath(path).suffix.lstrip(".").casefold()
        if self.types and suffix not in self.types:
            return False
        return not self.pattern or re.search(self.pattern, unquote(url), re.IGNORECASE) is not None


def find_links(html: bytes, *, base_url: str, rules: LinkRules) -> list[Link]:
    """The page's links to documents the rules accept, as absolute http(s) addresses, in page order, once each."""
    collector = _Anchors()
    collector.feed(html.decode("utf-8", errors="replace"))
    collector.close()
    found: dict[str, Link] = {}
    for href in collector.hrefs:
        url = _absolute(href, base_url)
        if url and url not in found and rules.accepts(url) and not _reaches_inside(url, base_url):
            found[url] = Link(url=url, filename=PurePosixPath(unquote(urlsplit(url).path)).name)
    return list(found.values())


def _absolute(href: str, base_url: str) -> str:
    """The link resolved against the page, without its fragment; empty for mailto:, javascript: and the like."""
    parts = urlsplit(urljoin(base_url, href.strip()))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _reaches_inside(url: str, base_url: str) -> bool:
    """A public page's link to a private, loopback or link-local address (the worker's own network): not
    followed. A page served from such an address itself (a test, an intranet mirror) may link to its own host."""
    host = urlsplit(url).hostname or ""
    if host == (urlsplit(base_url).hostname or ""):
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


class _Anchors(HTMLParser):
    """Collects the href of every <a>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)
