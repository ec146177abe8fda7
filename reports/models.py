"""The nouns of Data Demands: companies, their reports, the figures in them, and emergency disclosures.

Every invariant is a named database constraint, paired with a ``clean()`` message so that staff
see a sentence rather than an IntegrityError.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from reports.querysets import (
    ChartReadingQuerySet,
    CompanyQuerySet,
    EmergencyDisclosureQuerySet,
    EmergencyStatementQuerySet,
    FigureQuerySet,
    ImportRunQuerySet,
    ReportingPeriodQuerySet,
    SourceDocumentQuerySet,
)
from reports.vocabulary import PERCENT_MEASURES, Measure, RequestType, Scope


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class TriState(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class Company(models.Model):
    slug = models.SlugField(unique=True, help_text="Lower-case identifier used in URLs and the CSV, e.g. 'amazon'.")
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
        help_text="The company that owns this one (Ring -> Amazon).",
    )
    website = models.URLField(blank=True)
    transparency_url = models.URLField(blank=True, help_text="The page where the company publishes its reports.")
    description = models.TextField(blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="reports_company_not_its_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("company", args=[self.slug])


def archive_path(instance: SourceDocument, filename: str) -> str:
    # The document's own name is kept whole (up to 200 characters) so its download is named as it was published.
    return f"sources/{instance.sha256[:2] or 'new'}/{instance.sha256 or 'pending'}-{filename[-200:]}"


class SourceDocument(models.Model):
    class Kind(models.TextChoices):
        PRIMARY = "primary", "Primary (the company's own document)"
        # The company's figures, but from a third party's text copy: its SHA-256 is the copy's, not the
        # company's file's. The company's own file for the same period replaces it when imported.
        TRANSCRIBED = "transcribed", "Transcribed copy of the company's file"
        SECONDARY = "secondary", "Secondary (press, letters reported by press)"

    url = models.URLField(max_length=1000, help_text="Where the document was published.")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, help_text="Who published it: the company, a newspaper, a senator.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PRIMARY)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="documents", help_text="Whose data."
    )
    published_on = models.DateField(null=True, blank=True)
    retrieved_at = models.DateTimeField(null=True, blank=True, help_text="When we fetched or received our copy.")
    archive = models.FileField(
        upload_to=archive_path, max_length=500, blank=True, help_text="Our copy; its SHA-256 is computed."
    )
    sha256 = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    content_type = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    republication_of = models.CharField(
        max_length=300,
        blank=True,
        help_text="When this is a later copy of another report (a re-post of a Bloomberg story, say): the "
        "original's publisher and date, which the project does not hold.",
    )

    objects = SourceDocumentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"], condition=~Q(sha256=""), name="reports_sourcedocument_unique_archive"
            ),
            models.CheckConstraint(
                condition=Q(sha256="") | Q(sha256__regex=r"^[0-9a-f]{64}$"), name="reports_sourcedocument_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        if self.archive and not self.sha256:
            self.set_archive_digest()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("source", args=[self.pk])

    @property
    def provenance(self) -> str:
        """How the document reached us, in words a reader can check (no query: named by its publisher)."""
        if self.kind == self.Kind.TRANSCRIBED:
            whose = f"{self.publisher}'s" if self.publisher else "the company's"
            digest = f", SHA-256 of the copy {self.sha256[:12]}…" if self.sha256 else ""
            return f"Transcribed copy of {whose} file{digest}"
        if self.kind == self.Kind.SECONDARY:
            return "Secondary source (press)"
        return "The company's own document"

    def set_archive_digest(self) -> None:
        """Compute SHA-256 and size of the archived copy (before it is stored, so the name carries it)."""
        digest = hashlib.sha256()
        self.archive.open("rb")
        size = 0
        for chunk in self.archive.chunks():
            digest.update(chunk)
            size += len(chunk)
        self.archive.seek(0)
        self.sha256 = digest.hexdigest()
        self.size = size

    def clean(self) -> None:
        if self.archive and not self.sha256:
            self.set_archive_digest()
            duplicate = SourceDocument.objects.filter(sha256=self.sha256).exclude(pk=self.pk).first()
            if duplicate:
                raise ValidationError({"archive": f"This exact file is already archived as “{duplicate}”."})


class ReportingPeriod(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="periods")
    scope = models.CharField(
        max_length=20,
        choices=Scope.choices,
        default=Scope.TOTAL,
        help_text="'Total' unless the company reports parts apart (Amazon: total with AWS, AWS, excluding AWS).",
    )
    start = models.DateField(help_text="First day the report covers.")
    end = models.DateField(help_text="Last day the report covers.")
    published_on = models.DateField(null=True, blank=True, help_text="When the company published the report.")
    source = models.ForeignKey(SourceDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="periods")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(blank=True, help_text="Methodology notes: what changed in how the company counts.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportingPeriodQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["company__name", "-start", "scope"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="reports_reportingperiod_end_not_before_start"
            ),
            models.UniqueConstraint(
                fields=["company", "scope", "start", "end"], name="reports_reportingperiod_unique_natural_key"
            ),
        ]

    def __str__(self) -> str:
        scope = "" if self.scope == Scope.TOTAL else f" ({self.get_scope_display()})"
        return f"{self.company} {self.label}{scope}" if self.company_id else self.label

    def get_absolute_url(self) -> str:
        return reverse("report", args=[self.company.slug, self.scope, self.start.isoformat(), self.end.isoformat()])

    @property
    def label(self) -> str:
        """How journalists write a period: 'H1 2020', '2021', or the dates when irregular."""
        from reports.periods import period_label

        if self.start is None or self.end is None:
            return "new period"
        return period_label(self.start, self.end)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "The period cannot end before it starts."})
        if self.status == Status.PUBLISHED and not self.source_id:
            raise ValidationError({"source": "A published period needs its source document."})


class Figure(models.Model):
    """One number of one period. Exact (``value``), a band (``value_min``..``value_max``), or
    not reported (all three empty): never store zero for a figure a document does not give."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="figures")
    jurisdiction = models.CharField(
        max_length=6, default="US", help_text="ISO 3166-1 alpha-2 (US, DE), NON-US for all non-U.S. together, WW."
    )
    request_type = models.CharField(max_length=30, choices=RequestType.choices)
    measure = models.CharField(max_length=30, choices=Measure.choices, default=Measure.REQUESTS)
    value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="An exact figure. Leave empty for a band."
    )
    value_min = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Band minimum, e.g. 0 in '0-249'."
    )
    value_max = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Band maximum, e.g. 249 in '0-249'."
    )
    note = models.CharField(max_length=500, blank=True, help_text="Why a figure is not reported, or a caveat.")
    chart_image = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="SHA-256 of the chart image this figure was read from by OCR (a ChartReading); empty otherwise.",
    )
    source = models.ForeignKey(
        SourceDocument,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="figures",
        help_text="Only when this figure comes from another document than its period's source.",
    )

    objects = FigureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "jurisdiction", "request_type", "measure"]
        indexes = [
            # Charts compare one jurisdiction and kind of demand across every period and company.
            models.Index(fields=["jurisdiction", "request_type", "measure"], name="reports_figure_chart_lookup"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "jurisdiction", "request_type", "measure"], name="reports_figure_unique_natural_key"
            ),
            models.CheckConstraint(
                condition=(Q(value__isnull=True) | Q(value__gte=0))
                & (Q(value_min__isnull=True) | Q(value_min__gte=0))
                & (Q(value_max__isnull=True) | Q(value_max__gte=0)),
                name="reports_figure_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(value_min__isnull=True, value_max__isnull=True)
                | Q(value_min__isnull=False, value_max__isnull=False, value_min__lte=F("value_max")),
                name="reports_figure_band_min_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value_min__isnull=True, value_max__isnull=True),
                name="reports_figure_exact_or_band",
            ),
            models.CheckConstraint(
                condition=~Q(measure__in=sorted(PERCENT_MEASURES))
                | ((Q(value__isnull=True) | Q(value__lte=100)) & (Q(value_max__isnull=True) | Q(value_max__lte=100))),
                name="reports_figure_percentage_at_most_100",
            ),
            # reports_figure_parts_not_above_total spans rows: a deferred constraint trigger on
            # PostgreSQL (migration 0002), and Figure.clean() / the importers everywhere.
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.request_type} {self.measure}: {self.display_value}"

    @property
    def kind(self) -> str:
        if self.value is not None:
            return "exact"
        if self.value_min is not None:
            return "band"
        return "not-reported"

    @property
    def display_value(self) -> str:
        from reports.formatting import format_figure

        return format_figure(self.value, self.value_min, self.value_max, percent=self.measure in PERCENT_MEASURES)

    @property
    def cited_source(self) -> SourceDocument | None:
        """The document this figure comes from: its own source, else its period's."""
        return self.source or self.period.source

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("value", "value_min", "value_max"):
            number = getattr(self, field)
            if number is not None and number < 0:
                errors[field] = "Figures cannot be negative."
            elif number is not None and self.measure in PERCENT_MEASURES and number > 100:
                errors[field] = "A percentage cannot be above 100."
        if self.value is not None and (self.value_min is not None or self.value_max is not None):
            errors["value"] = "Give either an exact value or a band (minimum and maximum), not both."
        elif (self.value_min is None) != (self.value_max is None):
            errors["value_max" if self.value_max is None else "value_min"] = (
                "A band needs both a minimum and a maximum."
            )
        elif self.value_min is not None and self.value_max is not None and self.value_min > self.value_max:
            errors["value_min"] = f"The band minimum ({self.value_min}) is above its maximum ({self.value_max})."
        # Parts against totals span rows: the admin formset and the importers check them together.
        if errors:
            raise ValidationError(errors)


def chart_image_path(instance: ChartReading, filename: str) -> str:
    """Chart images are archived beside the documents, named by their own SHA-256."""
    return f"sources/charts/{instance.image_sha256}.png"


class ChartReading(models.Model):
    """A chart image a document only draws its figures in, as read by OCR: the image (archived), what was read
    (labels, numbers, boxes), the checks it passed or failed, and whether its figures are published."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Passed its checks: published"
        AWAITING_REVIEW = "review", "Failed its checks: awaiting staff review"
        CORRECTED = "corrected", "Corrected and published by staff"

    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="chart_readings")
    period = models.ForeignKey(
        ReportingPeriod, null=True, blank=True, on_delete=models.SET_NULL, related_name="chart_readings"
    )
    page = models.PositiveIntegerField()
    image_name = models.CharField(max_length=100)
    #: Empty only for a bundled reading whose document the site does not hold (nothing to cut it from).
    image = models.FileField(upload_to=chart_image_path, max_length=200, blank=True)
    image_sha256 = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=20, help_text="country or content")
    engine = models.CharField(max_length=100, blank=True)
    #: {"parts": [{"label", "count", "share", "box"}], "total", "unpaired", "variant"}
    reading = models.JSONField(default=dict)
    #: [{"name", "passed", "detail"}]
    checks = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices)
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = ChartReadingQuerySet.as_manager()

    class Meta:
        ordering = ["source", "page", "image_name"]

    def __str__(self) -> str:
        return f"{self.source} page {self.page}, {self.image_name}"

    @property
    def failed_checks(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if not check.get("passed")]


class EmergencyDisclosure(models.Model):
    """Data handed to police without a warrant or user consent under an emergency exception:
    one documented event, or a batch a company admitted in aggregate."""

    class Kind(models.TextChoices):
        EVENT = "event", "Single documented event"
        BATCH = "batch", "Batch admitted in aggregate"

    class Basis(models.TextChoices):
        EMERGENCY = "emergency", "Emergency: imminent danger of death or serious injury"
        GOOD_FAITH = "good-faith", "Good-faith determination of an emergency"
        EXIGENT = "exigent", "Exigent circumstances"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not stated"

    class Requester(models.TextChoices):
        LAW_ENFORCEMENT = "law-enforcement", "A law-enforcement agency"
        IMPERSONATOR = "impersonator", "Someone impersonating law enforcement (a forged request)"
        UNKNOWN = "unknown", "Not known"

    class Evidence(models.TextChoices):
        # Strongest first: the tracker says what each record rests on.
        COURT_RECORD = "court-record", "Court record"
        COMPANY_STATEMENT = "company-statement", "Company letter or statement"
        GOVERNMENT_NOTICE = "government-notice", "Government notice"
        NAMED_REPORTING = "named-source-reporting", "Reporting with named sources"
        ANONYMOUS_REPORTING = "anonymous-source-reporting", "Reporting from anonymous sources"

    class DataCategory(models.TextChoices):
        VIDEO = "video", "Video recordings"
        AUDIO = "audio", "Audio recordings"
        LOCATION = "location", "Location data"
        SUBSCRIBER = "subscriber", "Subscriber / account information"
        CONTENT = "content", "Messages or other content"
        OTHER = "other", "Other"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="emergency_disclosures")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EVENT)
    title = models.CharField(max_length=200, help_text="A short headline, e.g. 'Ring gave police footage 11 times'.")
    date_start = models.DateField(help_text="The day of the event, or the first day of the batch's range.")
    date_end = models.DateField(help_text="Same as the start for a single event; the last day for a batch.")
    count = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many disclosures (1 for a single event). Leave empty when the sources do not say: never guess.",
    )
    count_is_minimum = models.BooleanField(
        default=False, help_text="The count is a floor (“at least 1”), not the whole number."
    )
    requester = models.CharField(
        max_length=20,
        choices=Requester.choices,
        default=Requester.LAW_ENFORCEMENT,
        help_text="Who asked: a law-enforcement agency, or someone impersonating one with a forged request.",
    )
    evidence = models.CharField(
        max_length=30,
        choices=Evidence.choices,
        default=Evidence.NAMED_REPORTING,
        help_text="What the record rests on: the strongest kind of source it has.",
    )
    contested = models.BooleanField(default=False, help_text="Sources disagree, or the company denies it.")
    contested_note = models.TextField(blank=True, help_text="Who says what, on each side.")
    date_note = models.CharField(
        max_length=300, blank=True, help_text="What the dates are when the sources give no exact ones."
    )
    agency = models.CharField(max_length=200, blank=True, help_text="The police force or agency, if known.")
    jurisdiction = models.CharField(max_length=6, default="US", help_text="ISO 3166-1 alpha-2 country code.")
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.EMERGENCY)
    company_standard = models.TextField(blank=True, help_text="The standard the company says it applies, quoted.")
    warrant = models.CharField(max_length=7, choices=TriState.choices, default=TriState.UNKNOWN)
    user_consent = models.CharField(max_length=7, choices=TriState.choices, default=TriState.UNKNOWN)
    user_notified = models.CharField(max_length=7, choices=TriState.choices, default=TriState.UNKNOWN)
    data_category = models.CharField(max_length=20, choices=DataCategory.choices, default=DataCategory.OTHER)
    data_disclosed = models.CharField(max_length=300, blank=True, help_text="What was handed over, in words.")
    summary = models.TextField(help_text="What happened, in two or three sentences, as the sources say it.")
    sources = models.ManyToManyField(SourceDocument, related_name="emergency_disclosures", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EmergencyDisclosureQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        ordering = ["-date_end", "company__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_end__gte=F("date_start")), name="reports_emergencydisclosure_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1), name="reports_emergencydisclosure_count_at_least_one"
            ),
            models.CheckConstraint(
                condition=~Q(kind="event") | Q(count=1), name="reports_emergencydisclosure_event_is_one_disclosure"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("disclosure", args=[self.pk])

    @property
    def count_text(self) -> str:
        """The count as a sentence may use it: "11", "at least 1", "unknown"."""
        if self.count is None:
            return "unknown"
        return f"at least {self.count:,}" if self.count_is_minimum else f"{self.count:,}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.date_start and self.date_end and self.date_end < self.date_start:
            errors["date_end"] = "The date range cannot end before it starts."
        if self.count is not None and self.count < 1:
            errors["count"] = "A disclosure record counts at least one disclosure."
        elif self.kind == self.Kind.EVENT and self.count != 1:
            errors["count"] = "A single event is one disclosure; record several, or an unknown number, as a batch."
        if self.contested and not self.contested_note.strip():
            errors["contested_note"] = "Say who disputes it and what each side's sources say."
        if errors:
            raise ValidationError(errors)


class SourceExcerpt(models.Model):
    """A short quotation from a source, shown on a disclosure's page so a reader can check what the source
    establishes; ``stance`` says whether it supports the record or contradicts it."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts or disputes"

    disclosure = models.ForeignKey("EmergencyDisclosure", on_delete=models.CASCADE, related_name="excerpts")
    source = models.ForeignKey(SourceDocument, on_delete=models.PROTECT, related_name="excerpts")
    quote = models.TextField(help_text="The source's own words, at most about 30 words.")
    supports = models.CharField(max_length=300, help_text="The fact of the record this quotation is cited for.")
    stance = models.CharField(max_length=12, choices=Stance.choices, default=Stance.SUPPORTS)

    history = HistoricalRecords()

    class Meta:
        ordering = ["disclosure", "stance", "id"]

    def __str__(self) -> str:
        return f"{self.source}: “{self.quote[:60]}”"

    def clean(self) -> None:
        if len(self.quote.split()) > MAX_EXCERPT_WORDS:
            raise ValidationError(
                {"quote": f"Quote at most {MAX_EXCERPT_WORDS} words ({len(self.quote.split())} now): enough to check."}
            )


#: A quotation is an excerpt, not a copy: about 30 words, with a little room for a long name.
MAX_EXCERPT_WORDS = 40


class EmergencyStatement(models.Model):
    """What a company or a government has said about emergency disclosures, which is not itself a disclosure:
    a company's stated standard, a policy change, a denial; a government's notice (the FBI's warning about
    forged requests)."""

    class Kind(models.TextChoices):
        STANDARD = "standard", "A company's stated emergency standard"
        COMPANY_STATEMENT = "company-statement", "A company statement"
        GOVERNMENT_NOTICE = "government-notice", "A government notice"
        CONTEXT = "context", "Context from others (reporting, industry figures)"

    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="emergency_statements",
        help_text="Empty for a government notice that names no company.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    date = models.DateField(null=True, blank=True, help_text="When it was said; empty when the sources do not say.")
    quote = models.TextField(help_text="The words, quoted from a source (at most about 30 words).")
    summary = models.TextField(blank=True, help_text="Context, as the sources give it.")
    sources = models.ManyToManyField(SourceDocument, related_name="emergency_statements")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    objects = EmergencyStatementQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        ordering = ["kind", "company__name", "-date"]

    def __str__(self) -> str:
        return self.title


class DataFeed(models.Model):
    """Where a refresh fetches a company's published documents from, and what it saw last time: one document
    (or a zip of documents) at a fixed address, or a page whose links to report documents are discovered."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", "One document, or a zip of documents, at this address"
        PAGE = "page", "A page linking to report documents: discover and import each new one"

    name = models.CharField(max_length=200)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="feeds")
    url = models.URLField(max_length=1000)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DOCUMENT)
    link_types = models.CharField(
        max_length=100,
        blank=True,
        default="pdf, csv, xlsx, zip",
        help_text="Page feeds: the file types of the links to follow, by the address's ending (e.g. pdf, zip).",
    )
    link_pattern = models.CharField(
        max_length=300,
        blank=True,
        help_text="Page feeds: a regular expression a link's address must contain (case ignored); empty: any.",
    )
    format = models.CharField(
        max_length=30, help_text="Importer format; empty means detect from the content.", blank=True
    )
    enabled = models.BooleanField(default=True)
    publish_on_import = models.BooleanField(
        default=False, help_text="Publish new periods at once; otherwise they wait as drafts for staff review."
    )
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["company__name", "name"]
        constraints = [models.UniqueConstraint(fields=["url"], name="reports_datafeed_unique_url")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from reports.discovery import LinkRules, RuleError

        try:
            LinkRules.parse(self.link_types, self.link_pattern)
        except RuleError as error:
            raise ValidationError({"link_pattern": str(error)}) from None


class ImportRun(models.Model):
    """What one import did: a refresh of a feed, a staff upload or a command-line import."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        UNCHANGED = "unchanged", "Unchanged (same document as last time)"
        FAILED = "failed", "Failed"

    feed = models.ForeignKey(DataFeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    #: The run this one is part of: a refresh of a page (one run per document found) or a zip (one per member).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="parts", verbose_name="part of"
    )
    source = models.ForeignKey(SourceDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    filename = models.CharField(max_length=300, blank=True)
    format = models.CharField(max_length=30, blank=True)
    triggered_by = models.CharField(max_length=100, blank=True, help_text="command, beat, staff user name")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    payload_sha256 = models.CharField(max_length=64, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="The reason a run failed, or a one-line summary.")
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    #: What the importer did not understand, each {"kind", "place", "text", "detail"}: not imported.
    unknowns = models.JSONField(default=list, blank=True)
    #: The reporting periods the document gives (new or existing): what its run page offers to review and publish.
    periods = models.ManyToManyField(ReportingPeriod, blank=True, related_name="import_runs")
    ocr_engine = models.CharField(
        max_length=100, blank=True, help_text="The OCR engine that read the document's chart images, and its version."
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename or self.feed or 'import'} at {self.started_at:%Y-%m-%d %H:%M} ({self.outcome})"

    @property
    def duration_seconds(self) -> float | None:
        if not self.finished_at:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class DiscoveredDocument(models.Model):
    """A report document a page feed found linked from the company's page: what it fetched last and the run that
    imported it, so that a later refresh asks for it only conditionally and staff can review what it brought."""

    feed = models.ForeignKey(DataFeed, on_delete=models.CASCADE, related_name="documents")
    url = models.URLField(max_length=1000)
    filename = models.CharField(max_length=300, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    #: The last run that fetched changed bytes (succeeded, or failed: then it is fetched in full again).
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["feed", "url"], name="reports_discovereddocument_unique_url")]

    def __str__(self) -> str:
        return self.filename or self.url

    def periods(self) -> models.QuerySet[ReportingPeriod]:
        """The periods the document's last run recorded or gave figures to (a zip's: those of its files)."""
        if self.run_id is None:
            return ReportingPeriod.objects.none()
        sources = SourceDocument.objects.filter(Q(runs=self.run_id) | Q(runs__parent=self.run_id))
        found = Q(source__in=sources) | Q(figures__source__in=sources)
        return ReportingPeriod.objects.filter(pk__in=ReportingPeriod.objects.filter(found).values("pk"))


class ImporterAlias(models.Model):
    """What staff taught an importer: a label, header or place name it did not know, mapped to a term of the
    vocabulary (or marked out of scope). Every later import of that format uses it."""

    class Kind(models.TextChoices):
        LABEL = "label", "Label of a kind of request (maps to a request type)"
        COLUMN = "column", "Column header (maps to a measure)"
        JURISDICTION = "jurisdiction", "Country or region name (maps to a jurisdiction code)"

    format = models.CharField(max_length=30, help_text="The importer this alias teaches (e.g. google_csv).")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300, help_text="The text as the document writes it.")
    normalised = models.CharField(max_length=300, editable=False)
    target = models.CharField(
        max_length=30,
        help_text="The request type, measure or jurisdiction code it means; 'out-of-scope' to leave it out knowingly.",
    )
    note = models.TextField(blank=True, help_text="Why: what the company means by it, and where that is said.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["format", "kind", "normalised"]
        verbose_name_plural = "importer aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["format", "kind", "normalised"], name="reports_importeralias_unique_per_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text} → {self.target}"

    def save(self, *args: object, **kwargs: object) -> None:
        from reports.importers.base import normalise_label

        self.normalised = normalise_label(self.text)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        from reports.importers import FORMAT_MODULES
        from reports.importers.base import OUT_OF_SCOPE, normalise_label

        errors: dict[str, str] = {}
        if self.format not in FORMAT_MODULES:
            errors["format"] = f"Unknown importer; one of {', '.join(FORMAT_MODULES)}."
        allowed: list[str] | None = {"label": RequestType.values, "column": Measure.values}.get(self.kind)
        if self.target != OUT_OF_SCOPE:
            if allowed is not None and self.target not in allowed:
                errors["target"] = f"“{self.target}” is not a {self.get_kind_display().split('(')[1].rstrip(')')}."
            elif self.kind == self.Kind.JURISDICTION and not re.fullmatch(r"[A-Z]{2}", self.target):
                errors["target"] = "A jurisdiction is an ISO 3166-1 alpha-2 code such as DE."
        if not normalise_label(self.text or ""):
            errors["text"] = "The text has no letters or digits to match."
        if errors:
            raise ValidationError(errors)


class DataGeneration(models.Model):
    """One row: a number that every finished refresh or publish bumps; caches are keyed by it."""

    number = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="reports_datageneration_single_row")]

    def __str__(self) -> str:
        return f"generation {self.number}"
