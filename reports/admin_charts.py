"""Staff review of chart readings: the image beside the numbers OCR read from it, to correct and publish.

A reading that failed its checks left its figures not reported; staff read the image, type what it says,
and the same checks run on that (reports.chart_review) before anything is published."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from reports import chart_review
from reports.importers.base import DocumentError
from reports.models import ChartReading

#: Blank rows offered below the parts OCR read, for a label it missed.
EXTRA_ROWS = 3


class PartForm(forms.Form):
    label = forms.CharField(required=False, max_length=80)
    count = forms.IntegerField(required=False, min_value=0, max_value=100_000_000)
    share = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=2, label="Share (%)")


PartFormSet = forms.formset_factory(PartForm, extra=0)


class TotalForm(forms.Form):
    total = forms.IntegerField(
        min_value=0, max_value=100_000_000, help_text="The number printed in the middle of the donut."
    )


@admin.register(ChartReading)
class ChartReadingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "period", "status", "engine")
    list_filter = ("status", "kind")
    list_select_related = ("source", "period", "period__company")
    search_fields = ("image_sha256", "source__title")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        image = self.admin_site.admin_view(self.image_view)
        return [path("<int:pk>/image.png", image, name="reports_chartreading_image"), *super().get_urls()]

    def image_view(self, request: HttpRequest, pk: int) -> FileResponse:
        reading = get_object_or_404(ChartReading.objects.exclude(image=""), pk=pk)
        return FileResponse(reading.image.open("rb"), content_type="image/png")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        reading = get_object_or_404(ChartReading.objects.select_related("source", "period"), pk=object_id)
        parts, total = self._forms(request, reading)
        posted = request.method == "POST" and self.has_change_permission(request, reading)
        if posted and (published := self._publish(request, reading, parts, total)) is not None:
            return published
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review: {reading}",
            "reading": reading,
            "parts": parts,
            "total": total,
            "image_url": reverse("admin:reports_chartreading_image", args=[reading.pk]),
            "can_publish": self.has_change_permission(request, reading),
        }
        return TemplateResponse(request, "admin/reports/chartreading/review.html", context)

    def _publish(
        self, request: HttpRequest, reading: ChartReading, parts: Any, total: TotalForm
    ) -> HttpResponse | None:
        """Publish what staff typed when it passes every check; else say what failed (None: show the form again)."""
        if not (parts.is_valid() and total.is_valid()):
            return None
        typed = [
            (row["label"], row["count"], "" if row["share"] is None else str(row["share"]))
            for row in parts.cleaned_data
            if row.get("label") and row.get("count") is not None
        ]
        try:
            chart_review.publish_reading(
                reading=reading,
                parts=typed,
                total=total.cleaned_data["total"],
                user=request.user,  # type: ignore[arg-type]  # the admin only lets staff in
            )
        except DocumentError as error:
            messages.error(request, error.message)
            return None
        messages.success(request, f"{reading}: the figures passed every check and are published.")
        return HttpResponseRedirect(reverse("admin:reports_chartreading_changelist"))

    def _forms(self, request: HttpRequest, reading: ChartReading) -> tuple[Any, TotalForm]:
        if request.method == "POST":
            return PartFormSet(request.POST, prefix="parts"), TotalForm(request.POST)
        read = [
            {"label": part["label"], "count": part["count"], "share": part["share"]}
            for part in reading.reading.get("parts", [])
        ]
        initial = read + [{}] * EXTRA_ROWS
        return PartFormSet(initial=initial, prefix="parts"), TotalForm(initial={"total": reading.reading.get("total")})
