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
from pathlib import Path, PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from reports import importers, planning, services
from reports.importers.base import DocumentError
from reports.models import ImportRun
from reports.periods import period_label

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
    return HttpResponseRedirect(reverse("admin:reports_importrun_change", args=[run.pk]))


def _preview(plan: planning.ImportPlan) -> dict[str, Any]:
    """What the preview page shows: periods, new figures, changed figures (old → new), counts, warnings."""
    periods: dict[str, PeriodPreview] = {}
    for key, period in plan.periods.items():
        company, scope, start, end = key
        label = f"{company} {scope} {start}..{end}"  # the label plan_import gives its changes
        scope_text = "" if scope == "total" else f" ({scope})"
        periods[label] = PeriodPreview(
            f"{company} {period_label(start, end)}{scope_text}", f"{start} to {end}", period is None
        )
    for change in plan.changes:
        if change.period in periods:
            if change.old:
                periods[change.period].changed += 1
            else:
                periods[change.period].created += 1
    created = [c for c in plan.changes if not c.old]
    changed = [c for c in plan.changes if c.old]
    return {
        "document": plan.document,
        "periods": list(periods.values()),
        "new_rows": [(periods[c.period].label, *c.key, c.new) for c in created[:PREVIEW_NEW_ROWS]],
        "new_count": len(created),
        "new_hidden": max(0, len(created) - PREVIEW_NEW_ROWS),
        "changed_rows": [(periods[c.period].label, *c.key, c.old, c.new) for c in changed[:PREVIEW_CHANGED_ROWS]],
        "changed_count": len(changed),
        "changed_hidden": max(0, len(changed) - PREVIEW_CHANGED_ROWS),
        "unchanged": plan.unchanged,
        "kept": plan.kept,
        "warnings": plan.document.warnings,
    }


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
