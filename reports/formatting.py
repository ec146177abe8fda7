"""Numbers as journalists write them: thousands separators, bands as ranges, percentages with bases."""

from __future__ import annotations

from decimal import Decimal

NOT_REPORTED = "not reported"


def format_number(number: Decimal | int | float | None) -> str:
    if number is None:
        return NOT_REPORTED
    value = Decimal(str(number))
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}".rstrip("0").rstrip(".")


def format_figure(
    value: Decimal | None, value_min: Decimal | None, value_max: Decimal | None, *, percent: bool = False
) -> str:
    """'2,416', '0–249', '70%' or 'not reported'."""
    suffix = "%" if percent else ""
    if value is not None:
        return format_number(value) + suffix
    if value_min is not None and value_max is not None:
        return f"{format_number(value_min)}–{format_number(value_max)}{suffix}"
    return NOT_REPORTED


def csv_number(number: Decimal | None) -> str:
    """A figure in the open-data CSV: '2416', '81.5', or '' when absent."""
    if number is None:
        return ""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def percent(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """part as a percentage of whole, or None when either is missing or the whole is zero."""
    if part is None or whole is None or whole == 0:
        return None
    return Decimal(part) * 100 / Decimal(whole)


def format_percent(share: Decimal | None, *, base: Decimal | int | None = None) -> str:
    """'70%' or '70% of 2,416'."""
    if share is None:
        return NOT_REPORTED
    text = f"{share.quantize(Decimal('1')):,}%" if abs(share) >= 10 else f"{share.quantize(Decimal('0.1')):,}%"
    text = text.replace(".0%", "%")
    return f"{text} of {format_number(base)}" if base is not None else text


def format_change(old: Decimal | None, new: Decimal | None) -> str:
    """'23% more', '31% fewer', 'unchanged', or '' when it cannot be computed."""
    if old is None or new is None or old == 0:
        return ""
    change = (Decimal(new) - Decimal(old)) * 100 / Decimal(old)
    rounded = change.quantize(Decimal("1"))
    if rounded == 0:
        return "about the same"
    return f"{abs(rounded)}% {'more' if rounded > 0 else 'fewer'}"


#: A spreadsheet reads a cell that starts with one of these as a formula (=HYPERLINK(...) runs when opened).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text_cell(text: str) -> str:
    """A text cell as every CSV the site serves writes it: one that a spreadsheet would run as a formula gets a
    leading apostrophe, which spreadsheets show as text (OWASP's advice; docs/data.md says so). Numbers and
    dates are written by their own functions and never pass through here."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
