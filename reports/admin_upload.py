"""Staff upload a document in the admin, see what it would change, then apply it or cancel.

The uploaded bytes wait between preview and apply in ``MEDIA_ROOT/uploads/<sha256>`` (never served:
the site serves archived copies through a view, not MEDIA_ROOT), and are checked against that digest
before they are applied. Every write still goes through ``services.import_document``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from reports import importers, planning, services
from reports.formatting import format_figure, format_number
from reports.importers.base import DocumentError
from reports.models import Figure, ImportRun, ReportingPeriod, Status
from reports.periods import period_label
from reports.statements import HEADLINE_JURISDICTIONS
from reports.vocabulary import total_parts

log = logging.getLogger(__name__)

#: What staff need to change the published record through an upload.
UPLOAD_PERMISSIONS = ("reports.add_figure", "reports.change_figure", "reports.add_reportingperiod")
#: Rows of new figures shown in a preview; the rest are counted (a Google table holds thousands).
PREVIEW_NEW_ROWS = 200
PREVIEW_CHANGED_ROWS = 1000
#: Uploads previewed but neither applied nor cancelled are removed after this long.
STALE_UPLOAD_SECONDS = 24 * 3600
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _format_choices() -> list[tuple[str, str]]:
    return [("", "Detect from the content"), *importers.format_choices()]


class UploadForm(forms.Form):
    document = forms.FileField(
        help_text=f"A company's PDF, CSV or XLSX report, or a figures.csv; at most "
        f"{importers.MAX_DOCUMENT_BYTES // (1024 * 1024)} MB."
    )
    format = forms.ChoiceField(choices=_format_choices, required=False)
    source_url = forms.URLField(
        required=False,
        max_length=1000,
        label="Published at",
        help_text="Where the company published it. Empty: its transparency page, then '#' and the file name.",
    )
    publish = forms.BooleanField(
        required=False, label="Publish new periods at once", help_text="Otherwise they wait as drafts for review."
    )

    def clean_document(self) -> Any:
        document = self.cleaned_data["document"]
        if document.size > importers.MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                f"The document is {document.size:,} bytes, over the {importers.MAX_DOCUMENT_BYTES:,}-byte limit."
            )
        return document


class ApplyForm(forms.Form):
    """What the preview page sends back: the upload's digest and the choices made before the preview."""

    sha256 = forms.RegexField(_DIGEST, widget=forms.HiddenInput)
    filename = forms.CharField(max_length=300, widget=forms.HiddenInput)
    format = forms.ChoiceField(choices=_format_choices, required=False, widget=forms.HiddenInput)
    source_url = forms.URLField(required=False, max_length=1000, widget=forms.HiddenInput)
    publish = forms.BooleanField(required=False, widget=forms.HiddenInput)


@dataclass
class PeriodPreview:
    label: str
    dates: str
    is_new: bool
    created: int = 0
    changed: int = 0


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def keep_upload(data: bytes) -> str:
    """Store the bytes under their SHA-256 until applied or cancelled; returns the digest."""
    digest = hashlib.sha256(data).hexdigest()
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STALE_UPLOAD_SECONDS
    for stale in directory.iterdir():
        if stale.is_file() and stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    (directory / digest).write_bytes(data)
    return digest


def kept_upload(digest: str) -> bytes | None:
    """The stored bytes, only if they still match their digest."""
    path = upload_dir() / digest
    if not _DIGEST.match(digest) or not path.is_file():
        return None
    data = path.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == digest else None


def forget_upload(digest: str) -> None:
    if _DIGEST.match(digest):
        (upload_dir() / digest).unlink(missing_ok=True)


def upload_view(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: preview (with a file), apply or cancel (with the preview's digest)."""
    if not request.user.has_perms(UPLOAD_PERMISSIONS):
        raise PermissionDenied
    if request.method == "POST" and ("apply" in request.POST or "cancel" in request.POST):
        return _apply_or_cancel(model_admin, request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        data = b"".join(upload.chunks())
        filename = PurePath(upload.name or "upload").name[-200:]
        fmt = form.cleaned_data["format"] or None
        try:
            plan = planning.preview_document(data=data, filename=filename, fmt=fmt)
        except DocumentError as error:
            form.add_error("document", error.describe())
        except Exception as error:  # a reader library failing on a strange file: a message, never a 500
            log.exception("preview of %s failed", filename)
            form.add_error("document", f"{filename}: could not be read ({type(error).__name__}: {error})")
        else:
            apply_form = ApplyForm(
                initial={
                    "sha256": keep_upload(data),
                    "filename": filename,
                    "format": plan.document.format,
                    "source_url": form.cleaned_data["source_url"],
                    "publish": form.cleaned_data["publish"],
                }
            )
            return _render(model_admin, request, "Preview the import", apply_form=apply_form, **_preview(plan))
    return _render(model_admin, request, "Upload a document", form=form)


def _apply_or_cancel(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    form = ApplyForm(request.POST)
    here = reverse("admin:reports_importrun_upload")
    if not form.is_valid():
        messages.error(request, "The preview was incomplete; upload the document again.")
        return HttpResponseRedirect(here)
    digest = form.cleaned_data["sha256"]
    if "cancel" in request.POST:
        forget_upload(digest)
        messages.info(request, f"Cancelled: nothing was imported from {form.cleaned_data['filename']}.")
        return HttpResponseRedirect(here)
    data = kept_upload(digest)
    if data is None:
        messages.error(request, "That upload is no longer here (applied, cancelled or expired); upload it again.")
        return HttpResponseRedirect(here)
    run = services.import_document(
        data=data,
        filename=form.cleaned_data["filename"],
        fmt=form.cleaned_data["format"] or None,
        source_url=form.cleaned_data["source_url"],
        triggered_by=request.user.get_username(),
        user=request.user,  # type: ignore[arg-type]
        publish=form.cleaned_data["publish"],
    )
    forget_upload(digest)
    if run.outcome == ImportRun.Outcome.FAILED:
        messages.error(request, f"Nothing was imported: {run.message}")
    else:
        messages.success(request, f"{run.filename}: {run.get_outcome_display().lower()}: {run.message}.")
        drafts = run_drafts(run)
        if drafts:
            messages.warning(
                request,
                f"{len(drafts)} period{'s' if len(drafts) != 1 else ''} of this document "
                f"{'are drafts' if len(drafts) != 1 else 'is a draft'}: readers see nothing of "
                f"{'them' if len(drafts) != 1 else 'it'} until you publish below.",
            )
    return HttpResponseRedirect(reverse("admin:reports_importrun_change", args=[run.pk]))


def run_drafts(run: ImportRun) -> list[ReportingPeriod]:
    """The draft periods of an import run's document: what it left for review."""
    return list(
        run.periods.filter(status=Status.DRAFT)
        .select_related("company")
        .annotate(figure_count=Count("figures"))
        .order_by("company__name", "start", "scope")
    )


def publish_run_view(request: HttpRequest, pk: int) -> HttpResponse:
    """POST: publish the draft periods an import run left (the button on the run's page)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("reports.change_reportingperiod"):
        raise PermissionDenied
    run = get_object_or_404(ImportRun, pk=pk)
    here = reverse("admin:reports_importrun_change", args=[run.pk])
    try:
        count = services.publish_periods(
            periods=run_drafts(run),
            user=request.user,  # type: ignore[arg-type]
            reason=f"published after review of import run {run.pk} ({run.filename})",
        )
    except DocumentError as error:
        messages.error(request, f"Nothing was published: {error.message}.")
        return HttpResponseRedirect(here)
    messages.success(
        request,
        f"Published {count} period{'s' if count != 1 else ''}: readers see {'them' if count != 1 else 'it'} now.",
    )
    return HttpResponseRedirect(here)


def _preview(plan: planning.ImportPlan) -> dict[str, Any]:
    """What the preview page shows: what readers will see (headline figures before → after), the periods, the
    changed figures (old → new) and the new ones, headline governments first; counts as the apply reports them."""
    periods: dict[str, PeriodPreview] = {}
    for key, period in plan.periods.items():
        company, scope, start, end = key
        scope_text = "" if scope == "total" else f" ({scope})"
        periods[_plan_label(key)] = PeriodPreview(
            f"{company} {period_label(start, end)}{scope_text}", f"{start} to {end}", period is None
        )
    for change in plan.changes:
        if change.period in periods:
            if change.old:
                periods[change.period].changed += 1
            else:
                periods[change.period].created += 1
    created = sorted((c for c in plan.changes if not c.old), key=_reader_order)
    changed = sorted((c for c in plan.changes if c.old), key=_reader_order)
    return {
        "document": plan.document,
        **_headline_context(headline_rows(plan, periods)),
        "periods": list(periods.values()),
        "new_rows": [(periods[c.period].label, *c.key, c.new) for c in created[:PREVIEW_NEW_ROWS]],
        "new_count": len(created),
        "new_hidden": max(0, len(created) - PREVIEW_NEW_ROWS),
        "changed_rows": [(periods[c.period].label, *c.key, c.old, c.new) for c in changed[:PREVIEW_CHANGED_ROWS]],
        # As the apply will count them: changed figures, and those only re-cited by name (ImportRun.updated).
        "changed_count": len(changed) + plan.recited,
        "recited": plan.recited,
        "changed_hidden": max(0, len(changed) - PREVIEW_CHANGED_ROWS),
        "unchanged": plan.unchanged + plan.kept,
        "kept": plan.kept,
        "warnings": plan.document.warnings,
    }


def _headline_context(rows: list[Headline]) -> dict[str, Any]:
    """Only the headline figures that change are listed; the rest are counted."""
    changed = [row for row in rows if row.changed]
    return {"headlines": changed, "headlines_unchanged": len(rows) - len(changed)}


def _plan_label(key: tuple[Any, ...]) -> str:
    company, scope, start, end = key
    return f"{company} {scope} {start}..{end}"  # the label plan_import gives its changes


def _reader_order(change: planning.FigureChange) -> tuple[Any, ...]:
    """Headline governments (U.S., non-U.S., worldwide) and requests first, as a report page shows them."""
    jurisdiction, request_type, measure = change.key
    where = HEADLINE_JURISDICTIONS.index(jurisdiction) if jurisdiction in HEADLINE_JURISDICTIONS else 9
    return change.period, where, measure != "requests", jurisdiction, request_type, measure


@dataclass(frozen=True)
class Headline:
    period: str
    jurisdiction: str
    request_type: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


Numbers = tuple[Decimal | None, Decimal | None, Decimal | None]


def headline_rows(plan: planning.ImportPlan, periods: dict[str, PeriodPreview]) -> list[Headline]:
    """The requests a report page headlines (U.S., non-U.S., worldwide), each kind and the total, now and after
    the apply: the figures a reader will see change, and nothing else."""
    existing = [period.pk for period in plan.periods.values() if period is not None]
    keys = {period.pk: key for key, period in plan.periods.items() if period is not None}
    before: dict[tuple[Any, ...], Numbers] = {}
    for period_id, *key, value, low, high in Figure.objects.filter(
        period__in=existing, jurisdiction__in=HEADLINE_JURISDICTIONS, measure="requests"
    ).values_list("period_id", "jurisdiction", "request_type", "value", "value_min", "value_max"):
        before[(keys[period_id], *key)] = (value, low, high)
    after = dict(before)
    applied = [(record.key, figure) for record, figure in plan.creates]
    applied += [(keys[current.period_id], figure) for current, figure in plan.updates]
    for period_key, figure in applied:
        if figure.jurisdiction in HEADLINE_JURISDICTIONS and figure.measure == "requests":
            after[(period_key, figure.jurisdiction, figure.request_type)] = (
                figure.value,
                figure.value_min,
                figure.value_max,
            )
    return _headlines(before, after, periods)


def _headlines(
    before: dict[tuple[Any, ...], Numbers], after: dict[tuple[Any, ...], Numbers], periods: dict[str, PeriodPreview]
) -> list[Headline]:
    rows = []
    groups = sorted({key[:2] for key in after}, key=lambda g: (g[0], HEADLINE_JURISDICTIONS.index(g[1])))
    for period_key, jurisdiction in groups:
        label = periods[_plan_label(period_key)].label
        kinds = sorted({k[2] for k in after if k[:2] == (period_key, jurisdiction)})
        for kind in kinds:
            old, new = before.get((period_key, jurisdiction, kind)), after[(period_key, jurisdiction, kind)]
            rows.append(Headline(label, jurisdiction, kind, _numbers_text(old), _numbers_text(new)))
        old_total = _total(before, period_key, jurisdiction)
        rows.append(Headline(label, jurisdiction, "all (total)", old_total, _total(after, period_key, jurisdiction)))
    return rows


def _total(figures: dict[tuple[Any, ...], Numbers], period_key: tuple[Any, ...], jurisdiction: str) -> str:
    """The company's own total, else the sum of the kinds it lists (as the charts compute it), else a dash."""
    by_type = {k[2]: v for k, v in figures.items() if k[:2] == (period_key, jurisdiction)}
    if "all" in by_type and by_type["all"] != (None, None, None):
        return _numbers_text(by_type["all"])
    parts = [by_type[kind] for kind in total_parts(by_type)]
    if not parts or any(value is None for value, _, _ in parts):
        return "—"
    return f"{format_number(sum((value for value, _, _ in parts if value is not None), Decimal(0)))} (sum)"


def _numbers_text(numbers: Numbers | None) -> str:
    if numbers is None:
        return "—"
    return format_figure(*numbers)


def _render(model_admin: ModelAdmin, request: HttpRequest, title: str, **context: Any) -> TemplateResponse:
    return TemplateResponse(
        request,
        "admin/reports/importrun/upload.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title,
            "max_bytes": importers.MAX_DOCUMENT_BYTES,
            **context,
        },
    )
