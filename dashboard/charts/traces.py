"""Plotly traces of a series: a line through exact points, a shaded span for bands, and the hover text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import plotly.graph_objects as go

from dashboard.charts.plotting import as_float, bar, midpoint, scatter
from dashboard.charts.points import Point, Span
from dashboard.charts.styles import translucent


def hover(name: str, point: Point, noun: str = "") -> str:
    value = point.text + (f" {noun}" if noun and point.status != "not reported" else "")
    extra = f"<br><i>{point.basis}</i>" if point.basis and point.basis not in ("as published",) else ""
    if point.status == "band":
        extra += "<br><i>a range: the exact number is not published</i>"
    return f"<b>{name}</b><br>{point.span.hover}<br>{value}{extra}"


def line_trace(
    name: str,
    points: Sequence[Point],
    *,
    colour: str,
    dash: str = "solid",
    symbol: str = "circle",
    noun: str = "",
    legendgroup: str = "",
) -> go.Scatter:
    """A line through the exact points, broken wherever a period is missing, a band or not reported."""
    xs: list[str | None] = []
    ys: list[float | None] = []
    texts: list[str] = []
    previous: Span | None = None
    for point in points:
        if previous is not None and point.span.start > previous.end + dt.timedelta(days=1):
            xs.append(midpoint(previous.end, point.span.start))
            ys.append(None)  # no report covers these dates: a gap, not a slope
            texts.append("")
        xs.append(midpoint(point.span.start, point.span.end))
        ys.append(as_float(point.value))
        texts.append(hover(name, point, noun))
        previous = point.span
    return scatter(
        x=xs,
        y=ys,
        text=texts,
        name=name,
        mode="lines+markers",
        connectgaps=False,
        line={"color": colour, "width": 2.5, "dash": dash},
        marker={"color": colour, "size": 7, "symbol": symbol},
        hovertemplate="%{text}<extra></extra>",
        legendgroup=legendgroup or name,
    )


def band_trace(
    name: str,
    points: Sequence[Point],
    *,
    colour: str,
    pattern: str = "",
    noun: str = "",
    legendgroup: str = "",
    showlegend: bool = True,
    offsetgroup: str | None = None,
) -> go.Bar | None:
    """Bands as floating bars from their minimum to their maximum, a period wide: a range, never a midpoint."""
    bands = [point for point in points if point.status == "band"]
    if not bands:
        return None
    return bar(
        x=[midpoint(p.span.start, p.span.end) for p in bands],
        base=[as_float(p.low) for p in bands],
        y=[as_float((p.high or Decimal(0)) - (p.low or Decimal(0))) for p in bands],
        width=None if offsetgroup else [_width_ms(p.span) for p in bands],
        text=[hover(name, p, noun) for p in bands],
        name=f"{name} (range)" if showlegend and not offsetgroup else name,
        hovertemplate="%{text}<extra></extra>",
        textposition="none",
        marker={
            # A light fill with a hatch over it: reads as "somewhere in here", not as a solid quantity.
            "color": translucent(colour, 0.18),
            "line": {"color": colour, "width": 1.5},
            "pattern": {"shape": pattern or "/", "fgcolor": colour, "fillmode": "overlay", "solidity": 0.15},
        },
        legendgroup=legendgroup or name,
        showlegend=showlegend,
        offsetgroup=offsetgroup,
    )


def _width_ms(span: Span) -> float:
    # 80% of the period, so neighbouring periods stay apart.
    return (span.end - span.start + dt.timedelta(days=1)).total_seconds() * 1000 * 0.8
