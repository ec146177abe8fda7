"""Dates as transparency-report files write them: ISO, day-first or month-first, with two- or
four-digit years. A numeric date's order must be evident from the file itself, and the same throughout."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from reports.importers.base import DocumentError

_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ]00:00(?::00)?)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
_TEXT_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")


class DateReader:
    """Reads period-end dates, ISO or numeric. A numeric date's order (day-first or month-first)
    must be evident from the date itself, and the same in the whole file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.order: str = ""
        self.order_seen_at = ""
        self.cache: dict[str, dt.date] = {}

    def learn(self, texts: Iterable[str]) -> None:
        """Take the file's date order from its first date that shows it, so that ambiguous dates
        before it (Apple's ``7/1/13`` start dates come before their ``12/31/13`` ends) read the same way."""
        for text in texts:
            if self.order or not (match := _NUMERIC_DATE.fullmatch(text.strip())):
                continue
            first, second = int(match[1]), int(match[2])
            if first > 12 >= second:
                self.order, self.order_seen_at = "day-first", f"the date {text.strip()!r}"
            elif second > 12 >= first:
                self.order, self.order_seen_at = "month-first", f"the date {text.strip()!r}"

    def read(self, text: str, location: str) -> dt.date:
        if text in self.cache:
            return self.cache[text]
        date = self._parse(text, location)
        self.cache[text] = date
        return date

    def _parse(self, text: str, location: str) -> dt.date:
        if match := _ISO_DATE.fullmatch(text):
            return self._date(int(match[1]), int(match[2]), int(match[3]), text, location)
        if match := _NUMERIC_DATE.fullmatch(text):
            first, second, year_text = int(match[1]), int(match[2]), match[3]
            # Two-digit years: transparency reports began in 2009.
            year = int(year_text) + 2000 if len(year_text) == 2 else int(year_text)
            if first > 12 >= second:
                order, day, month = "day-first", first, second
            elif second > 12 >= first:
                order, day, month = "month-first", second, first
            elif first == second:
                order, day, month = "", first, second
            elif self.order:
                order = self.order
                day, month = (first, second) if order == "day-first" else (second, first)
            else:
                raise DocumentError(
                    f"the date {text!r} could be read day-first or month-first; "
                    "write it as an ISO date (2017-06-30) or so that the order shows (30/6/17)",
                    filename=self.filename,
                    location=location,
                )
            if order and self.order and order != self.order:
                raise DocumentError(
                    f"the date {text!r} is {order}, but {self.order_seen_at} has a {self.order} date; "
                    "a file must write its dates one way",
                    filename=self.filename,
                    location=location,
                )
            if order and not self.order:
                self.order, self.order_seen_at = order, location.split(",")[0]
            return self._date(year, month, day, text, location)
        cleaned = " ".join(text.replace(",", " ").split())
        for pattern in _TEXT_DATE_FORMATS:
            try:
                return dt.datetime.strptime(cleaned, pattern).date()
            except ValueError:
                continue
        raise DocumentError(
            f"expected a date such as 2017-06-30 or 30/6/17, found {text!r}", filename=self.filename, location=location
        )

    def _date(self, year: int, month: int, day: int, text: str, location: str) -> dt.date:
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise DocumentError(f"{text!r} is not a valid date", filename=self.filename, location=location) from None
