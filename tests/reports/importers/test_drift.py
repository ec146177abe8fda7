"""The drift corpus: variants of the real shared documents as companies and copies change them from one
edition to the next. Each variant must import exactly the known figures of the original and list exactly
its novelties as unknowns (the drift rule, docs/importers.md)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from reports import importers
from reports.importers.base import ParsedDocument

Table = list[list[str]]
FigureKey = tuple[str, str, str, str, str, str, str]
Values = tuple[Decimal | None, Decimal | None, Decimal | None]


def figures(document: ParsedDocument) -> dict[FigureKey, Values]:
    """Every figure by its natural key, with its values (places and notes aside: a variant moves them)."""
    return {
        (p.company, p.scope, p.start.isoformat(), p.end.isoformat(), *f.key): (f.value, f.value_min, f.value_max)
        for p in document.periods
        for f in p.figures
    }


def unknowns(document: ParsedDocument) -> list[tuple[str, str]]:
    return sorted((u.kind, u.text) for u in document.unknowns)


def read_table(data: bytes) -> Table:
    return [row for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) if any(row)]


def write_table(rows: Table, *, newline: str = "\r\n", encoding: str = "utf-8", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def reorder(rows: Table) -> Table:
    """The columns in reverse order: a copy that sorts them differently."""
    return [list(reversed(row)) for row in rows]


def extra_column(rows: Table) -> Table:
    return [[*rows[0], "Analyst Notes"], *[[*row, "checked"] for row in rows[1:]]]


def notes_row(rows: Table) -> Table:
    return [*rows, ["Source: the company's transparency report. Figures may be revised."]]


def rename(rows: Table, old: str, new: str) -> Table:
    return [[new if cell == old else cell for cell in rows[0]], *rows[1:]]


def dates(rows: Table, columns: list[int], rewrite: Callable[[str], str]) -> Table:
    return [rows[0], *[[rewrite(c) if i in columns else c for i, c in enumerate(row)] for row in rows[1:]]]


def iso_to_day_first(text: str) -> str:
    year, month, day = text.split("-")
    return f"{int(day)}/{int(month)}/{year[2:]}"


def us_to_iso(text: str) -> str:
    month, day, year = (int(part) for part in text.split("/"))
    return f"{2000 + year if year < 100 else year:04d}-{month:02d}-{day:02d}"


def us_to_day_first(text: str) -> str:
    month, day, year = text.split("/")
    return f"{day}/{month}/{year}"


# (name, how to make it from the original's bytes, the unknowns it must list)
Variant = tuple[str, Callable[[bytes], bytes], list[tuple[str, str]]]


def csv_variants(
    *,
    first_data_column: int,
    rename_pair: tuple[str, str],
    date_columns: list[int],
    redate: Callable[[str], str],
    new_label_row: Callable[[Table], Table] | None = None,
    new_label: tuple[str, str] | None = None,
    notes_unknown: tuple[str, str],
    extra_column_kind: str = "column",
) -> list[Variant]:
    def table(change: Callable[[Table], Table], **options: object) -> Callable[[bytes], bytes]:
        return lambda data: write_table(change(read_table(data)), **options)  # type: ignore[arg-type]

    variants: list[Variant] = [
        ("a byte-order mark", table(lambda rows: rows, bom=True), []),
        ("LF line ends", table(lambda rows: rows, newline="\n"), []),
        ("CRLF line ends", table(lambda rows: rows, newline="\r\n"), []),
        # What Excel on Windows writes as "Latin-1": Windows-1252 (it also holds the curly apostrophe).
        ("Latin-1 (Windows-1252)", table(lambda rows: rows, encoding="cp1252"), []),
        ("columns reordered", table(reorder), []),
        ("an extra column", table(extra_column), [(extra_column_kind, "Analyst Notes")]),
        ("a header renamed to a known synonym", table(lambda rows: rename(rows, *rename_pair)), []),
        ("a notes row at the end", table(notes_row), [notes_unknown]),
        ("another date format", table(lambda rows: dates(rows, date_columns, redate)), []),
    ]
    units = table(
        lambda rows: [rows[0], ["" if i < first_data_column else "#" for i in range(len(rows[0]))], *rows[1:]]
    )
    # What the units row reads as ("# | # | #") is checked by its shape in the test.
    variants.append(("a units row under the header", units, [("row", "#")]))
    if new_label_row and new_label:
        variants.append(("an unknown request kind", table(new_label_row), [new_label]))
    return variants


def google_new_kind(rows: Table) -> Table:
    return [*rows, ["2020-06-30", "United States", "US", "Geofence Warrants", "5", "80", "7"]]


def apple_new_country(rows: Table) -> Table:
    return [*rows, ["2013 H1", "1/1/13", "6/30/13", "Atlantis", "1", "1", "0", "1", "0", "100%"]]


def meta_new_kind(rows: Table) -> Table:
    return [[*rows[0], "Carrier Pigeon Requests"], *[[*row, "1"] for row in rows[1:]]]


CASES = {
    "google": (
        "google/google-global-user-data-requests.csv",
        {
            "first_data_column": 4,
            "rename_pair": ("Legal Process", "Request Type"),
            "date_columns": [0],
            "redate": iso_to_day_first,
            "new_label_row": google_new_kind,
            "new_label": ("label", "Geofence Warrants"),
            "notes_unknown": ("row", "Source: the company's transparency report. Figures may be revised."),
        },
    ),
    "apple": (
        "apple/account_requests.csv",
        {
            "first_data_column": 4,
            "rename_pair": ("Country/Region", "Country"),
            "date_columns": [1, 2],
            "redate": us_to_iso,
            "new_label_row": apple_new_country,
            "new_label": ("jurisdiction", "Atlantis"),
            "notes_unknown": ("row", "Source: the company's transparency report. Figures may be revised."),
        },
    ),
    "meta": (
        "meta/PRPL-Facebook-Government-Report-2021_H2.csv",
        {
            "first_data_column": 1,
            "rename_pair": ("Country", "Country/Region"),
            "date_columns": [],
            "redate": str,
            "new_label_row": meta_new_kind,
            "new_label": ("label", "Carrier Pigeon Requests"),
            # Meta's columns name kinds of request ("Emergency Requests Accounts"): an unknown one is a label.
            "extra_column_kind": "label",
            "notes_unknown": ("jurisdiction", "Source: the company's transparency report. Figures may be revised."),
        },
    ),
}


def cases() -> list[tuple[str, str, Callable[[bytes], bytes], list[tuple[str, str]]]]:
    found = []
    for company, (_relative, options) in CASES.items():
        for name, change, expected in csv_variants(**options):  # type: ignore[arg-type]
            found.append((company, name, change, expected))
    return found


@pytest.mark.parametrize(("company", "variant", "change", "expected"), cases(), ids=lambda v: str(v)[:40])
def test_a_variant_imports_exactly_the_originals_figures_and_lists_exactly_its_novelties(
    shared_data: Path, company: str, variant: str, change: Callable[[bytes], bytes], expected: list[tuple[str, str]]
) -> None:
    path = shared_data / "reports" / CASES[company][0]
    original = importers.parse(path.read_bytes(), filename=path.name)
    changed = importers.parse(change(path.read_bytes()), filename=path.name)

    assert figures(changed) == figures(original), variant
    # The original's own unknowns (Google's CLOUD Act rows) stay; the variant adds exactly its novelties.
    found = unknowns(changed)
    for known in unknowns(original):
        found.remove(known)
    if variant == "a units row under the header":
        assert [kind for kind, _ in found] == ["row"] and re.fullmatch(r"[# |]+", found[0][1])
    else:
        assert found == sorted(expected), variant


# --- Microsoft's workbooks: an extra sheet, a units row, a renamed sheet ----------------------------


def _workbook_variant(path: Path, change: Callable[[openpyxl.Workbook], None]) -> bytes:
    # data_only: openpyxl would save the formulas without the values Excel cached for them.
    workbook = openpyxl.load_workbook(path, data_only=True)
    change(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _add_sheet(workbook: openpyxl.Workbook) -> None:
    workbook.create_sheet("Content Removal").append(["Requests to remove content", 12])


def _units_row(workbook: openpyxl.Workbook) -> None:
    sheet = next(ws for ws in workbook.worksheets if "criminal" in ws.title.casefold())
    header = next(
        row[0].row
        for row in sheet.iter_rows()
        if any(isinstance(c.value, str) and c.value.casefold().startswith("total number of") for c in row)
    )
    sheet.insert_rows(header + 1)
    for cell in sheet[header]:
        if cell.value:
            sheet.cell(row=header + 1, column=cell.column, value="#")


@pytest.mark.parametrize(
    ("variant", "change", "expected_kind"),
    [("an extra sheet", _add_sheet, "sheet"), ("a units row under the header", _units_row, "row")],
)
def test_a_workbook_variant_imports_the_originals_figures_and_lists_its_novelty(
    shared_data: Path, variant: str, change: Callable[[openpyxl.Workbook], None], expected_kind: str
) -> None:
    path = shared_data / "reports" / "microsoft" / "Microsoft_LERR_2021_H2.xlsx"
    original = importers.parse(path.read_bytes(), filename=path.name)

    changed = importers.parse(_workbook_variant(path, change), filename=path.name)

    assert figures(changed) == figures(original), variant
    assert [u.kind for u in changed.unknowns] == [*(u.kind for u in original.unknowns), expected_kind]
    if expected_kind == "row":
        assert re.fullmatch(r"[# |]+", changed.unknowns[-1].text)
