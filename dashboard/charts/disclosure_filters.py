"""The emergency-disclosure tracker's filters: the tracker page's GET form and the timeline chart's state are
one thing, so the page and the chart (and its embed) answer a bad value with the same sentence."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.forms import BoundField
from django.utils.safestring import SafeString

from dashboard.caching import kept_for_generation
from dashboard.charts.frame import Control, Option
from reports.models import Company, EmergencyDisclosure, TriState

ANY = [("", "Any")]
FIRST_YEAR = 2000


class TrackerFilters(forms.Form):
    """The tracker's GET form: its state is the URL, so a permalink keeps the filters."""

    company = forms.ChoiceField(required=False)
    year = forms.IntegerField(required=False, widget=forms.Select)
    requester = forms.ChoiceField(
        required=False, label="Who asked", choices=ANY + EmergencyDisclosure.Requester.choices
    )
    evidence = forms.ChoiceField(
        required=False, label="What it rests on", choices=ANY + EmergencyDisclosure.Evidence.choices
    )
    # "data" is the URL parameter; the metaclass moves it into base_fields, so Form.data is untouched.
    data = forms.ChoiceField(  # type: ignore[assignment]
        required=False, label="What was disclosed", choices=ANY + EmergencyDisclosure.DataCategory.choices
    )
    basis = forms.ChoiceField(required=False, label="Basis claimed", choices=ANY + EmergencyDisclosure.Basis.choices)
    warrant = forms.ChoiceField(required=False, label="Warrant", choices=ANY + TriState.choices)
    consent = forms.ChoiceField(required=False, label="User consent", choices=ANY + TriState.choices)
    notified = forms.ChoiceField(required=False, label="User notified", choices=ANY + TriState.choices)

    #: Form field -> keyword of EmergencyDisclosureQuerySet.matching().
    LOOKUPS = {"data": "data_category", "consent": "user_consent", "notified": "user_notified"}

    def __init__(self, data: Any, *, companies: list[tuple[str, str]], years: range) -> None:
        super().__init__(data)
        last_year = dt.date.today().year + 1
        cast(forms.ChoiceField, self.fields["company"]).choices = [("", "All companies"), *companies]
        year = self.fields["year"]
        year.error_messages["invalid"] = f"Give the year as four digits, from {FIRST_YEAR} to {last_year}."
        chosen = str(data.get("year", "")).strip()
        offered = [str(y) for y in reversed(years)]
        options = [("", "Any year"), *((y, y) for y in offered)]
        if chosen and chosen not in offered:
            options.append((chosen, chosen))
        cast(forms.Select, year.widget).choices = options
        for name, form_field in self.fields.items():
            if isinstance(form_field, forms.ChoiceField):
                known = ", ".join(str(value) for value, _ in cast(list[tuple[str, str]], form_field.choices) if value)
                message = f"“%(value)s” is not a known value for {name}; use one of: {known}."
                form_field.error_messages["invalid_choice"] = message

    def clean_year(self) -> int | None:
        year = self.cleaned_data.get("year")
        if year is not None and not FIRST_YEAR <= year <= dt.date.today().year + 1:
            raise forms.ValidationError(self.fields["year"].error_messages["invalid"])
        return year

    def lookups(self) -> dict[str, Any]:
        """The cleaned filters as EmergencyDisclosureQuerySet.matching() keywords."""
        return {
            self.LOOKUPS.get(name, name): value for name, value in self.cleaned_data.items() if value not in ("", None)
        }

    def state(self) -> dict[str, str]:
        """The cleaned filters as the chart's state: every filter, in form order, as text."""
        return {name: "" if value is None else str(value) for name, value in self.cleaned_data.items()}

    def selects(self) -> list[tuple[BoundField, SafeString]]:
        """Each filter with its <option>s, escaped, the chosen one selected, for ``<select>``s the template writes
        itself: Django renders a widget's every option through a template of its own, which cost a third of the
        tracker's render; the option lists are joined once per process (``Control.options_html``)."""
        selects = []
        for bound in self:
            choices = cast(forms.Select, bound.field.widget).choices
            value = bound.value()
            control = Control(
                bound.name,
                str(bound.label),
                tuple(Option(str(choice), str(label)) for choice, label in choices),
                "" if value is None else str(value),
            )
            selects.append((bound, control.options_html()))
        return selects

    def error_sentences(self) -> list[str]:
        """Every error as a sentence; each names its URL parameter."""
        return [str(error) for errors in self.errors.values() for error in errors]

    def active(self) -> list[tuple[str, str]]:
        """(label, shown value) of every filter in use, to say what the page shows."""
        shown = []
        for name, value in self.cleaned_data.items():
            if value in ("", None):
                continue
            form_field = self.fields[name]
            choices = dict(getattr(form_field, "choices", []))
            shown.append((str(form_field.label or name.capitalize()), str(choices.get(value, value))))
        return shown


def tracker_filters(data: Any) -> TrackerFilters:
    """The filter form, offering the companies with published data and the years the records touch (the same in
    every state: two queries per data generation)."""
    companies, years = kept_for_generation("tracker-filter-choices", _choices)
    return TrackerFilters(data, companies=companies, years=years)


def _choices() -> tuple[list[tuple[str, str]], range]:
    companies = [
        (str(slug), str(name) if disclosures else f"{name} (none on record)")
        for slug, name, disclosures in Company.objects.for_disclosure_filter()
    ]
    return companies, EmergencyDisclosure.objects.published().years_covered()
