"""Reporting periods as journalists write them."""

from __future__ import annotations

import datetime as dt


def period_label(start: dt.date, end: dt.date) -> str:
    """'H1 2020', 'H2 2021', '2019', 'Q3 2020', or 'Jan–May 2015' for an irregular period."""
    if start.year == end.year and start.day == 1 and _is_month_end(end):
        months = (start.month, end.month)
        if months == (1, 6):
            return f"H1 {start.year}"
        if months == (7, 12):
            return f"H2 {start.year}"
        if months == (1, 12):
            return str(start.year)
        if start.month == end.month:
            return f"{start:%b %Y}"
        if end.month - start.month == 2 and start.month in (1, 4, 7, 10):
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
        return f"{start:%b}–{end:%b} {start.year}"
    if start.day == 1 and _is_month_end(end):
        return f"{start:%b %Y}–{end:%b %Y}"
    return f"{start:%-d %b %Y}–{end:%-d %b %Y}"


def period_dates(start: dt.date, end: dt.date) -> str:
    """The dates in full, for hover text and citations: '1 January 2020 to 30 June 2020'."""
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"


def half_year_bounds(end: dt.date) -> tuple[dt.date, dt.date]:
    """The half year ending on ``end`` (30 June or 31 December); ValueError otherwise."""
    if (end.month, end.day) == (6, 30):
        return dt.date(end.year, 1, 1), end
    if (end.month, end.day) == (12, 31):
        return dt.date(end.year, 7, 1), end
    raise ValueError(f"{end.isoformat()} is not the last day of a half year (30 June or 31 December)")


def same_period_a_year_earlier(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    return _year_before(start), _year_before(end)


def length_in_months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1
