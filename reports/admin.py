"""Staff admin: enter and correct reports, figures and disclosures, with a reason for every change."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from reports import bulk, services
from reports.importers.base import TEACHABLE_KINDS, DocumentError
from reports.models import (
    Company,
    DataFeed,
    DiscoveredDocument,
    EmergencyDisclosure,
    EmergencyStatement,
    Figure,
    ImporterAlias,
    ImportRun,
    ReportingPeriod,
    SourceDocument,
    SourceExcerpt,
    Status,
)
from reports.vocabulary import RESPONSE_PART_MEASURES


def _teach_link(add_url: str, fmt: str, unknown: dict[str, str]) -> SafeString | str:
    """A link to a new ImporterAlias filled in from an unknown; rows, sheets and files cannot be taught."""
    from urllib.parse import urlencode

    if unknown.get("kind") not in TEACHABLE_KINDS:
        return ""
    query = urlencode({"format": fmt, "kind": unknown["kind"], "text": unknown.get("text", "")})
    return format_html(
        '<a href="{}?{}">Teach the importer: map to a {}</a>', add_url, query, TEACHABLE_KINDS[unknown["kind"]]
    )


REASON_HELP = "Why you are making this change; shown on the public corrections page for published data."


class ReasonForm(forms.ModelForm):
    """A model form that asks why, and insists on an answer when the record is already published."""

    change_reason = forms.CharField(
        required=False, max_length=200, label="Reason for this change", help_text=REASON_HELP
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        was_published = (
            hasattr(self.instance, "status")
            and self.instance.pk
            and type(self.instance).objects.filter(pk=self.instance.pk, status=Status.PUBLISHED).exists()
        )
        if was_published and self.has_changed() and not cleaned.get("change_reason"):
            self.add_error("change_reason", "This record is published: say why you are changing it.")
        return cleaned


class FigureInlineFormSet(forms.BaseInlineFormSet):
    """Check parts against totals across the whole inline, as the database will at commit."""

    def clean(self) -> None:
        super().clean()
        totals: dict[tuple[str, str], Decimal] = {}
        parts: list[tuple[forms.Form, Decimal]] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("value") is None:
                continue
            key = (data.get("jurisdiction"), data.get("request_type"))
            if data.get("measure") == "requests":
                totals[key] = data["value"]  # type: ignore[index]
            elif data.get("measure") in RESPONSE_PART_MEASURES:
                parts.append((form, data["value"]))
        for form, value in parts:
            key = (form.cleaned_data["jurisdiction"], form.cleaned_data["request_type"])
            total = totals.get(key)  # type: ignore[arg-type]
            if total is not None and value > total:
                form.add_error("value", f"This response count ({value:,}) is above the requests total ({total:,}).")


class FigureInline(admin.TabularInline):
    model = Figure
    formset = FigureInlineFormSet
    extra = 3
    fields = ("jurisdiction", "request_type", "measure", "value", "value_min", "value_max", "note")


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class SourceDocumentForm(ReasonForm):
    class Meta:
        model = SourceDocument
        fields = "__all__"


@admin.register(SourceDocument)
class SourceDocumentAdmin(SimpleHistoryAdmin):
    form = SourceDocumentForm
    list_display = ("title", "publisher", "kind", "published_on", "short_sha256")
    list_filter = ("kind", "company")
    search_fields = ("title", "publisher", "url", "sha256")
    readonly_fields = ("sha256", "size")
    date_hierarchy = "published_on"

    @admin.display(description="SHA-256")
    def short_sha256(self, obj: SourceDocument) -> str:
        return obj.sha256[:12] if obj.sha256 else "—"

    def save_model(self, request: HttpRequest, obj: SourceDocument, form: forms.ModelForm, change: bool) -> None:
        if "archive" in form.changed_data:
            obj.sha256 = ""
        obj._change_reason = form.cleaned_data.get("change_reason") or "edited in the admin"  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)


class ReportingPeriodForm(ReasonForm):
    class Meta:
        model = ReportingPeriod
        fields = "__all__"


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    form = ReportingPeriodForm
    inlines = [FigureInline]
    list_display = ("__str__", "company", "scope", "start", "end", "status", "source")
    list_filter = ("status", "company", "scope")
    search_fields = ("company__name", "notes", "source__title")
    date_hierarchy = "start"
    list_select_related = ("company", "source")
    autocomplete_fields = ("source",)
    actions = ["publish"]

    def save_model(self, request: HttpRequest, obj: ReportingPeriod, form: forms.ModelForm, change: bool) -> None:
        obj._change_reason = form.cleaned_data.get("change_reason") or ("edited" if change else "entered")  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)
        if obj.status == Status.PUBLISHED:
            services.bump_generation()

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        reason = form.cleaned_data.get("change_reason") or ("edited" if change else "entered")
        for inline_form in formset.forms:
            inline_form.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    @admin.action(description="Publish the selected periods")
    def publish(self, request: HttpRequest, queryset: QuerySet[ReportingPeriod]) -> None:
        try:
            count = services.publish_periods(periods=queryset, user=request.user, reason="published")  # type: ignore[arg-type]
        except DocumentError as error:
            self.message_user(request, f"Nothing was published: {error.message}.", messages.ERROR)
            return
        self.message_user(request, f"Published {count} period{'s' if count != 1 else ''}.", messages.SUCCESS)


class ProposeFromLinkForm(forms.Form):
    url = forms.URLField(label="Address of the report", max_length=1000, assume_scheme="https")
    title = forms.CharField(max_length=300, help_text="The headline of the article, filing or statement.")
    publisher = forms.CharField(max_length=200, help_text="Who published it: a newspaper, a court, the company.")
    published_on = forms.DateField(required=False, help_text="When, if it says.")
    republication_of = forms.CharField(
        max_length=300, required=False, help_text="If it re-posts another outlet's story: that outlet and date."
    )
    company = forms.ModelChoiceField(Company.objects.all(), required=False, help_text="Whose disclosure it reports.")


class EmergencyDisclosureForm(ReasonForm):
    class Meta:
        model = EmergencyDisclosure
        fields = "__all__"
        # The model's MinValueValidator would otherwise answer "Ensure this value is greater than or equal to 1."
        error_messages = {"count": {"min_value": "A disclosure record counts at least one disclosure."}}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        sources = cleaned.get("sources")
        has_sources = bool(sources) and sources.exists()  # type: ignore[union-attr]
        if not has_sources and cleaned.get("kind") == EmergencyDisclosure.Kind.BATCH:
            self.add_error("sources", "A batch admitted in aggregate must cite the document that admits it.")
        elif not has_sources and cleaned.get("status") == Status.PUBLISHED:
            self.add_error("sources", "A published disclosure needs at least one source.")
        return cleaned


class SourceExcerptInline(admin.TabularInline):
    """The quotations that show what each source says: staff attach them as they check the record."""

    model = SourceExcerpt
    extra = 1
    fields = ("source", "quote", "supports", "stance")
    autocomplete_fields = ("source",)


@admin.register(EmergencyDisclosure)
class EmergencyDisclosureAdmin(SimpleHistoryAdmin):
    form = EmergencyDisclosureForm
    inlines = [SourceExcerptInline]
    list_display = ("title", "company", "kind", "date_start", "date_end", "count", "evidence", "contested", "status")
    list_filter = (
        "status",
        "company",
        "kind",
        "requester",
        "evidence",
        "contested",
        "basis",
        "data_category",
        "warrant",
        "user_consent",
        "user_notified",
    )
    search_fields = ("title", "summary", "agency", "data_disclosed")
    date_hierarchy = "date_start"
    filter_horizontal = ("sources",)
    actions = ["publish"]
    change_list_template = "admin/reports/emergencydisclosure/change_list.html"

    def get_urls(self) -> list[Any]:
        from django.urls import path

        view = self.admin_site.admin_view(self.propose_from_link)
        return [path("propose/", view, name="reports_emergencydisclosure_propose"), *super().get_urls()]

    def propose_from_link(self, request: HttpRequest) -> Any:
        """Staff paste the address of a report of a disclosure: the source is recorded (once), and a draft
        record opens with it attached, for them to fill in, quote and publish after review."""
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        form = ProposeFromLinkForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            source = bulk.source_from_link(**form.cleaned_data, reason=f"proposed by {request.user}")
            company = form.cleaned_data["company"]
            query = f"?sources={source.pk}&status=draft" + (f"&company={company.pk}" if company else "")
            self.message_user(request, f"Source recorded: “{source}”. Fill in what it establishes, then save.")
            return redirect(reverse("admin:reports_emergencydisclosure_add") + query)
        context = {**self.admin_site.each_context(request), "form": form, "title": "Propose a disclosure from a link"}
        return TemplateResponse(request, "admin/reports/emergencydisclosure/propose.html", context)

    def save_model(self, request: HttpRequest, obj: EmergencyDisclosure, form: forms.ModelForm, change: bool) -> None:
        obj._change_reason = form.cleaned_data.get("change_reason") or ("edited" if change else "entered")  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)
        # Taking a record back to draft must also move the caches on, or public pages keep showing it.
        if obj.status == Status.PUBLISHED or "status" in form.changed_data:
            services.bump_generation()

    def delete_model(self, request: HttpRequest, obj: EmergencyDisclosure) -> None:
        was_published = obj.status == Status.PUBLISHED
        super().delete_model(request, obj)
        if was_published:
            services.bump_generation()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[EmergencyDisclosure]) -> None:
        was_published = queryset.filter(status=Status.PUBLISHED).exists()
        super().delete_queryset(request, queryset)
        if was_published:
            services.bump_generation()

    @admin.action(description="Publish the selected disclosures")
    def publish(self, request: HttpRequest, queryset: QuerySet[EmergencyDisclosure]) -> None:
        try:
            count = services.publish_disclosures(disclosures=queryset, user=request.user, reason="published")  # type: ignore[arg-type]
        except DocumentError as error:
            self.message_user(request, f"Nothing was published: {error.message}.", messages.ERROR)
            return
        self.message_user(request, f"Published {count} disclosure{'s' if count != 1 else ''}.", messages.SUCCESS)


@admin.register(DataFeed)
class DataFeedAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "kind", "enabled", "publish_on_import", "last_checked_at", "runs_link")
    list_filter = ("enabled", "kind", "company")
    search_fields = ("name", "url")
    fieldsets = (
        (None, {"fields": ("name", "company", "url", "kind", "enabled", "publish_on_import", "format")}),
        (
            "Discovery (page feeds)",
            {
                "fields": ("link_types", "link_pattern"),
                "description": "Which links on the page are report documents. A zip is unpacked and each file "
                "in it imported; a page on which no link matches fails its run.",
            },
        ),
        ("Last fetched", {"fields": ("etag", "last_modified", "last_sha256", "last_checked_at")}),
        ("What it found and did", {"fields": ("documents_found", "recent_runs")}),
    )
    readonly_fields = ("etag", "last_modified", "last_sha256", "last_checked_at", "documents_found", "recent_runs")
    actions = ["run_now", "enable", "disable"]
    recent_run_count = 10

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "format":
            from reports.importers import format_choices

            choices = [("", "Detect from the content"), *format_choices()]
            return forms.ChoiceField(choices=choices, required=False, label="Importer", help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.action(description="Run the selected feeds now")
    def run_now(self, request: HttpRequest, queryset: QuerySet[DataFeed]) -> None:
        from reports.tasks import refresh_feed

        feed_ids = list(queryset.values_list("pk", flat=True))
        for feed_id in feed_ids:
            # robust: without a broker the task runs right here, and one failing feed must not stop the others.
            task = partial(refresh_feed.delay, feed_id, triggered_by=f"staff {request.user.get_username()}")
            transaction.on_commit(task, robust=True)
        self.message_user(
            request,
            f"Refresh started for {len(feed_ids)} feed{'s' if len(feed_ids) != 1 else ''}; "
            "each run appears on its feed's page and under Import runs.",
            messages.SUCCESS,
        )

    @admin.action(description="Enable the selected feeds (refreshed by the scheduled refresh from now on)")
    def enable(self, request: HttpRequest, queryset: QuerySet[DataFeed]) -> None:
        count = queryset.filter(enabled=False).update(enabled=True)
        self.message_user(request, f"Enabled {count} feed{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Disable the selected feeds")
    def disable(self, request: HttpRequest, queryset: QuerySet[DataFeed]) -> None:
        count = queryset.filter(enabled=True).update(enabled=False)
        self.message_user(request, f"Disabled {count} feed{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.display(description="Runs")
    def runs_link(self, obj: DataFeed) -> SafeString:
        url = reverse("admin:reports_importrun_changelist") + f"?feed__id__exact={obj.pk}&parent__isnull=True"
        return format_html('<a href="{}">runs</a>', url)

    @admin.display(description="Documents found")
    def documents_found(self, obj: DataFeed) -> SafeString | str:
        if not obj.pk or obj.kind != DataFeed.Kind.PAGE:
            return "Only a page feed discovers documents."
        count = obj.documents.count()
        if not count:
            return "None yet: the first refresh reads the page."
        url = reverse("admin:reports_discovereddocument_changelist") + f"?feed__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{} document{} found on the page: review them</a>', url, count, "s" * (count != 1)
        )

    @admin.display(description="Recent runs")
    def recent_runs(self, obj: DataFeed) -> SafeString | str:
        if not obj.pk:
            return "No run yet."
        runs = list(obj.runs.filter(parent__isnull=True).order_by("-started_at", "-id")[: self.recent_run_count])
        if not runs:
            return "No run yet."
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:reports_importrun_change", args=[run.pk]),
                    f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                    run.get_outcome_display(),
                    f"{run.created} created, {run.updated} updated, {run.unchanged} unchanged, {run.rejected} rejected",
                    _lines(run.errors[:5] or [run.message]),
                )
                for run in runs
            ),
        )
        return format_html(
            "<table><thead><tr><th>Started</th><th>Outcome</th><th>Figures</th><th>Message and errors</th></tr>"
            '</thead><tbody>{}</tbody></table><p><a href="{}">All runs of this feed</a></p>',
            rows,
            reverse("admin:reports_importrun_changelist") + f"?feed__id__exact={obj.pk}&parent__isnull=True",
        )


@admin.register(DiscoveredDocument)
class DiscoveredDocumentAdmin(admin.ModelAdmin):
    """What page feeds found on the companies' pages: staff review what each brought and publish it."""

    list_display = ("filename", "company", "found_at", "last_run", "review")
    list_filter = ("feed__company", "feed")
    search_fields = ("filename", "url")
    list_select_related = ("feed__company", "run")
    fields = ("feed", "url_link", "filename", "found_at", "last_run", "review", "etag", "last_modified", "sha256")
    readonly_fields = fields
    actions = ["publish"]

    @admin.display(description="Company", ordering="feed__company__name")
    def company(self, obj: DiscoveredDocument) -> str:
        return obj.feed.company.name

    @admin.display(description="Address")
    def url_link(self, obj: DiscoveredDocument) -> SafeString:
        return format_html('<a href="{}" rel="noreferrer">{}</a>', obj.url, obj.url)

    @admin.display(description="Last import")
    def last_run(self, obj: DiscoveredDocument) -> SafeString | str:
        if obj.run is None:
            return "Not imported"
        url = reverse("admin:reports_importrun_change", args=[obj.run.pk])
        return format_html('<a href="{}">{}</a>: {}', url, obj.run.get_outcome_display(), obj.run.message)

    @admin.display(description="Periods to review")
    def review(self, obj: DiscoveredDocument) -> SafeString | str:
        statuses = list(obj.periods().values_list("status", flat=True))
        if not statuses:
            return "No period"
        drafts = statuses.count(Status.DRAFT)
        ids = ",".join(str(pk) for pk in obj.periods().values_list("pk", flat=True))
        url = reverse("admin:reports_reportingperiod_changelist") + f"?id__in={ids}"
        if not drafts:
            return format_html('<a href="{}">{} published</a>', url, len(statuses))
        return format_html(
            '<a href="{}"><strong>{} draft{}</strong> awaiting review</a>, {} published',
            url,
            drafts,
            "s" * (drafts != 1),
            len(statuses) - drafts,
        )

    @admin.action(description="Publish the draft periods of the selected documents")
    def publish(self, request: HttpRequest, queryset: QuerySet[DiscoveredDocument]) -> None:
        periods = ReportingPeriod.objects.filter(
            pk__in=[pk for document in queryset for pk in document.periods().values_list("pk", flat=True)]
        )
        names = ", ".join(document.filename for document in queryset)[:150]
        try:
            count = services.publish_periods(
                periods=periods,
                user=request.user,  # type: ignore[arg-type]
                reason=f"reviewed and published from {names}",
            )
        except DocumentError as error:
            self.message_user(request, f"Nothing was published: {error.message}.", messages.ERROR)
            return
        self.message_user(request, f"Published {count} period{'s' if count != 1 else ''}.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _lines(items: list[str]) -> SafeString | str:
    """Messages as an escaped list, one per line."""
    if not items:
        return "None."
    return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((item,) for item in items)))


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "filename",
        "feed",
        "format",
        "outcome",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "not_understood",
    )
    list_filter = ("outcome", "format", "feed", ("parent", admin.EmptyFieldListFilter))
    search_fields = ("filename", "message", "payload_sha256")
    list_select_related = ("feed",)
    # The changelist links to the staff upload (upload, preview, then apply or cancel: reports.admin_upload).
    change_list_template = "admin/reports/importrun/change_list.html"
    # A run's page ends the upload: the draft periods it left, with a button that publishes them.
    change_form_template = "admin/reports/importrun/change_form.html"
    # A run is a record of what happened: staff read it, nobody edits it.
    fieldsets = (
        (None, {"fields": ("outcome", "message", "feed", "parent", "source", "filename", "format", "triggered_by")}),
        ("Parts: the documents of a page, the files of a zip", {"fields": ("parts_table",)}),
        ("When", {"fields": ("started_at", "finished_at")}),
        ("Figures", {"fields": ("created", "updated", "unchanged", "rejected", "payload_sha256")}),
        ("Not understood (not imported)", {"fields": ("unknowns_table",)}),
        ("Errors and warnings", {"fields": ("errors_list", "warnings_list")}),
    )
    readonly_fields = ("started_at", "errors_list", "warnings_list", "unknowns_table", "parts_table")

    @admin.display(description="Parts")
    def parts_table(self, obj: ImportRun) -> SafeString | str:
        parts = list(obj.parts.order_by("id")) if obj.pk else []
        if not parts:
            return "None: one document."
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:reports_importrun_change", args=[part.pk]),
                    part.filename,
                    part.get_outcome_display(),
                    part.message,
                )
                for part in parts
            ),
        )
        return format_html(
            "<table><thead><tr><th>Document</th><th>Outcome</th><th>What it did</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Not understood")
    def not_understood(self, obj: ImportRun) -> int:
        return len(obj.unknowns)

    @admin.display(description="Unknowns")
    def unknowns_table(self, obj: ImportRun) -> SafeString | str:
        """Each unknown with its place, and a link that teaches the importer what it means."""
        if not obj.unknowns:
            return "None: the importer understood every row, column and label."
        add = reverse("admin:reports_importeralias_add")
        rows = format_html_join(
            "\n",
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            (
                (
                    unknown.get("kind", ""),
                    unknown.get("place", ""),
                    unknown.get("text", ""),
                    unknown.get("detail", ""),
                    _teach_link(add, obj.format, unknown),
                )
                for unknown in obj.unknowns
            ),
        )
        return format_html(
            '<table class="unknowns"><thead><tr><th>What</th><th>Where</th><th>Text</th><th>Why</th><th></th></tr>'
            "</thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="Errors")
    def errors_list(self, obj: ImportRun) -> SafeString | str:
        return _lines(obj.errors)

    @admin.display(description="Warnings")
    def warnings_list(self, obj: ImportRun) -> SafeString | str:
        return _lines(obj.warnings)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        from django.urls import path

        from reports.admin_upload import publish_run_view, upload_view

        view = self.admin_site.admin_view(partial(upload_view, self))
        publish = self.admin_site.admin_view(publish_run_view)
        return [
            path("upload/", view, name="reports_importrun_upload"),
            path("<int:pk>/publish/", publish, name="reports_importrun_publish"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        from reports.admin_upload import run_drafts

        run = ImportRun.objects.filter(pk=object_id).select_related("source").first() if object_id.isdigit() else None
        drafts = run_drafts(run) if run is not None else []
        return super().change_view(request, object_id, form_url, {"drafts": drafts, **(extra_context or {})})


@admin.register(ImporterAlias)
class ImporterAliasAdmin(SimpleHistoryAdmin):
    """Staff teach an importer a label, header or place name it reported as unknown; every later import uses it.

    Opened from an import run's unknowns with the format, kind and text filled in."""

    list_display = ("text", "kind", "target", "format", "created_at", "created_by")
    list_filter = ("format", "kind")
    search_fields = ("text", "target", "note")
    fields = ("format", "kind", "text", "target", "note")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        return {key: initial[key] for key in ("format", "kind", "text") if key in initial}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "format":
            from reports.importers import format_choices

            return forms.ChoiceField(choices=format_choices(), label="Importer")
        if db_field.name == "target":
            kwargs["widget"] = forms.TextInput(attrs={"list": "alias-targets"})
            kwargs["help_text"] = (
                "A request type (e.g. search-warrant), a measure (e.g. accounts) or an ISO code (e.g. DE), as the "
                "data dictionary at /data/ lists them; or out-of-scope to leave it out knowingly."
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ImporterAlias, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(EmergencyStatement)
class EmergencyStatementAdmin(SimpleHistoryAdmin):
    """What companies and governments said that is not a disclosure: standards, statements, notices."""

    list_display = ("title", "company", "kind", "date", "status")
    list_filter = ("status", "kind", "company")
    search_fields = ("title", "quote", "summary")
    filter_horizontal = ("sources",)
    actions = ["publish"]

    def save_model(self, request: HttpRequest, obj: EmergencyStatement, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.status == Status.PUBLISHED or "status" in form.changed_data:
            services.bump_generation()

    @admin.action(description="Publish the selected statements")
    def publish(self, request: HttpRequest, queryset: QuerySet[EmergencyStatement]) -> None:
        count = queryset.exclude(status=Status.PUBLISHED).update(status=Status.PUBLISHED)
        services.bump_generation()
        self.message_user(request, f"Published {count} statement{'s' if count != 1 else ''}.", messages.SUCCESS)


# Chart readings have their own review screen (the image beside the numbers): reports/admin_charts.py.
from reports import admin_charts  # noqa: E402, F401
