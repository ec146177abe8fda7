"""Reading a CSV table as the companies publish them: any encoding, any line ends, blank rows skipped, each
row with its line number so an error or an unknown names its place."""

from __future__ import annotations

import csv
import io
import re

from reports.importers.base import DocumentError, decode_text, looks_like_html


def sniff_header(data: bytes) -> list[str] | None:
    """The first non-blank line's cells, from the first 16 KB; None for what is not a text table."""
    if not data.strip() or looks_like_html(data):
        return None
    try:
        text = decode_text(data[:16384])
    except UnicodeDecodeError:
        return None
    # Some exports end their lines with \r alone (Meta's H2 2019).
    for line in re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")):
        if line.strip():
            return next(csv.reader([line]), None)
    return None


def read_table(data: bytes, *, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank rows with their line numbers. Empty documents, HTML pages and
    header-only files are DocumentErrors."""
    if not data.strip():
        raise DocumentError("the document is empty", filename=filename)
    if looks_like_html(data):
        raise DocumentError("expected a CSV file, got an HTML page (an error page or a login wall?)", filename=filename)
    text = decode_text(data, filename=filename)
    reader = csv.reader(io.StringIO(text, newline=""))  # newline="": \r, \n and \r\n all end a row
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # rows of bare commas end some files (Meta's)
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in cells]
            else:
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise DocumentError(
            f"not a readable CSV file: {error}", filename=filename, location=f"row {reader.line_num}"
        ) from None
    if header is None:
        raise DocumentError("the document is empty", filename=filename)
    if not rows:
        raise DocumentError("the document has a header but no rows of figures", filename=filename)
    return header, rows
