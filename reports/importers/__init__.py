"""One importer module per document format; this package picks and runs the right one.

Each module exposes ``FORMAT`` (its name), ``LABEL``, ``sniff(data, filename) -> bool`` (does
the content look like this format?) and ``parse(data, *, filename, source_url, aliases) -> ParsedDocument``.
Importers know nothing of the database: what staff taught them arrives as plain :class:`Aliases`.

The drift rule (docs/importers.md): a row, column, label, sheet or file an importer does not know
is an :class:`~reports.importers.base.Unknown` on the parsed document, never imported and never a
reason to refuse the rest. A document is refused whole only when it is not the format at all or
when what it says is inconsistent.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from reports.importers.base import NO_ALIASES, Aliases, DocumentError, ParsedDocument, looks_like_html, validate

# Order matters for detection: the most specific formats first.
FORMAT_MODULES = (
    "canonical_csv",
    "google_csv",
    "meta_csv",
    "apple_csv",
    "microsoft_xlsx",
    "ring_pdf",
    "amazon_pdf",
)

#: Largest document any importer accepts, in bytes (the biggest real one is under 1 MB).
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def importer(fmt: str) -> ModuleType:
    if fmt not in FORMAT_MODULES:
        raise DocumentError(f"unknown format {fmt!r}; expected one of {', '.join(FORMAT_MODULES)}")
    return import_module(f"reports.importers.{fmt}")


def format_choices() -> list[tuple[str, str]]:
    return [(fmt, importer(fmt).LABEL) for fmt in FORMAT_MODULES]


def detect(data: bytes, *, filename: str = "") -> str:
    """The format whose sniffer recognises the content; DocumentError when none does."""
    check_payload(data, filename=filename)
    if data.startswith(b"%PDF") and b"%%EOF" not in data[-2048:]:
        # A PDF cut short in transit: say so, rather than that it matches no format.
        raise DocumentError("the PDF is truncated: it does not end with the %%EOF marker", filename=filename)
    for fmt in FORMAT_MODULES:
        if importer(fmt).sniff(data, filename):
            return fmt
    raise DocumentError(
        "the content matches no known format (Amazon or Ring PDF, Google, Meta, Apple or canonical CSV, "
        "Microsoft XLSX)",
        filename=filename,
    )


def check_payload(data: bytes, *, filename: str = "") -> None:
    if not data:
        raise DocumentError("the document is empty", filename=filename)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"the document is {len(data):,} bytes, over the {MAX_DOCUMENT_BYTES:,}-byte limit", filename=filename
        )
    if looks_like_html(data):
        raise DocumentError("expected a report, got an HTML page (an error page or a login wall?)", filename=filename)


def parse(
    data: bytes, *, filename: str = "", fmt: str | None = None, source_url: str = "", aliases: Aliases = NO_ALIASES
) -> ParsedDocument:
    """Detect (unless given) the format, parse and validate. Raises DocumentError."""
    check_payload(data, filename=filename)
    fmt = fmt or detect(data, filename=filename)
    module = importer(fmt)
    document: ParsedDocument = module.parse(data, filename=filename, source_url=source_url, aliases=aliases)
    return validate(document, filename=filename)


__all__ = [
    "FORMAT_MODULES",
    "Aliases",
    "DocumentError",
    "ParsedDocument",
    "detect",
    "format_choices",
    "importer",
    "parse",
]
