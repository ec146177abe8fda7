"""Plotly helpers the chart builders share: traces, the base layout, break marks, empty figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

import plotly.graph_objects as go

from dashboard.caching import current_generation
from dashboard.charts.styles import FONT
from reports.periods import period_dates, period_label

if TYPE_CHECKING:
    pass

# --- Figure helpers shared by the builders --------------------------------------------------------


def midpoint(start: dt.date, end: dt.date) -> str:
    """Where a period sits on a time axis: its middle, so irregular periods stay in place."""
    return (start + (end - start) / 2).isoformat()


def period_hover(start: dt.date, end: dt.date) -> str:
    return f"{period_label(start, end)} ({period_dates(start, end)})"


def as_float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


@dataclass(frozen=True)
class Break:
    """A change in how a company reports, marked on the time axis."""

    on: dt.date
    label: str
    sentence: str


# Plotly validates every property it is given, which costs more than the rest of a chart: at request time
# figures are built unvalidated, and tests/dashboard/test_charts.py validates every registered chart strictly.


def scatter(**properties: Any) -> go.Scatter:
    return go.Scatter(_validate=False, **properties)


def bar(**properties: Any) -> go.Bar:
    return go.Bar(_validate=False, **properties)


def figure_json(data: Sequence[go.Scatter | go.Bar], layout: go.Layout) -> dict[str, Any]:
    """The figure as the JSON-able dict pages send to charts.js and kaleido draws."""
    # Not through go.Figure, which copies every trace again: four times slower for the same dict.
    return {"data": [trace.to_plotly_json() for trace in data], "layout": layout.to_plotly_json()}


def base_layout(*, y_title: str = "", percent: bool = False, height: int = 420, **extra: Any) -> go.Layout:
    """The look every chart shares; charts.js swaps text and grid colours for dark mode."""
    return go.Layout(
        _validate=False,
        template="none",
        font={"family": FONT, "size": 13, "color": "#1d1d1f"},
        height=height,
        margin={"l": 64, "r": 16, "t": 16, "b": 48},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode="closest",
        hoverlabel={"font": {"family": FONT}, "align": "left"},
        legend={"orientation": "h", "x": 0, "y": -0.14, "xanchor": "left", "yanchor": "top"},
        xaxis={"type": "date", "gridcolor": "#e4e4ea", "zeroline": False, "automargin": True},
        yaxis={
            "title": {"text": y_title},
            "gridcolor": "#e4e4ea",
            "rangemode": "tozero",
            "tickformat": ",.0f" if not percent else ".0f",
            "ticksuffix": "%" if percent else "",
            "range": [0, 100] if percent else None,
            "zeroline": True,
            "zerolinecolor": "#b8b8c0",
            "automargin": True,
        },
        separators=".,",
        **extra,
    )


class BreakMarks(TypedDict):
    """Layout keys for ``base_layout(**break_marks(...))``."""

    shapes: list[dict[str, Any]]
    annotations: list[dict[str, Any]]


def break_marks(breaks: Iterable[Break]) -> BreakMarks:
    """A vertical dotted line for each date the reporting changes, labelled with the numbers of its notes
    ('4, 5' when two changes fall on one date, so the labels never overlap)."""
    by_day: dict[str, list[tuple[int, Break]]] = {}
    for number, mark in enumerate(breaks, start=1):
        by_day.setdefault(mark.on.isoformat(), []).append((number, mark))
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for day, marks in by_day.items():
        shapes.append(
            {
                "type": "line",
                "x0": day,
                "x1": day,
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": "#8a8a96", "width": 1.5, "dash": "dot"},
            }
        )
        annotations.append(
            {
                "x": day,
                "y": 1,
                "yref": "paper",
                "text": ", ".join(str(number) for number, _ in marks),
                "hovertext": "<br>".join(mark.sentence for _, mark in marks),
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 12, "color": "#5b5b66"},
                "bgcolor": "rgba(255,255,255,0.6)",
            }
        )
    return {"shapes": shapes, "annotations": annotations}


def empty_figure(message: str) -> dict[str, Any]:
    # Changed as a dict: Layout.update() validates what it is given, which cost more than the rest of the chart.
    layout = base_layout(height=220).to_plotly_json()
    layout["xaxis"] = {**layout["xaxis"], "visible": False}
    layout["yaxis"] = {**layout["yaxis"], "visible": False}
    note = {"text": message, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}
    layout["annotations"] = [note]
    return {"data": [], "layout": layout}


def data_updated() -> dt.datetime | None:
    """When the published data last changed (the generation every cache is keyed by)."""

    _, changed_at = current_generation()
    return dt.datetime.fromtimestamp(changed_at, tz=dt.UTC) if changed_at else None
