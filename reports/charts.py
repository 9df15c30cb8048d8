"""The geometry of the summary's SVG bar charts; the templates draw it as inline SVG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scanner.core.documents import HistoryPoint, RoundPoint
from scanner.core.lifecycle import LEVELS, RiskLevel

#: Chart colours per risk level (the same as the badges in _style.css).
LEVEL_COLORS = {RiskLevel.HIGH: "#b3261e", RiskLevel.MEDIUM: "#b86e00", RiskLevel.LOW: "#3a6ea5"}
#: The rounds chart's colours: issues rectified, issues still open.
ROUND_COLORS = {"rectified": "#2e7d32", "still_open": "#b3261e"}


def px(value: float) -> str:
    """An SVG coordinate, short: 12.0 -> 12, 12.345 -> 12.3."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Bar:
    """One rectangle of a chart, in SVG user units, with the value it shows."""

    x: float
    y: float
    width: float
    height: float
    level: str
    value: int


@dataclass(frozen=True)
class Column:
    """One run in an entity's history chart: its label and its stacked bars, worst on top."""

    x: float
    width: float
    run_id: int
    label: str
    total: int
    top: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """Geometry of a bar chart: plot area, scale ticks and the bars or columns."""

    width: float
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    ticks: tuple[tuple[float, int], ...]
    bars: tuple[Bar, ...] = ()
    columns: tuple[Column, ...] = ()


def _nice_max(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def _ticks(top: float, height: float, maximum: int) -> tuple[tuple[float, int], ...]:
    marks = sorted({0, maximum // 2, maximum} if maximum >= 2 else {0, maximum})
    return tuple((top + height - height * v / maximum, v) for v in marks)


def level_chart(counts: Mapping[str, int], width: float = 420, height: float = 200) -> Chart:
    """A vertical bar per risk level."""
    left, top, bottom = 40.0, 12.0, 28.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    maximum = _nice_max(max((counts.get(lvl, 0) for lvl in LEVELS), default=0))
    slot = plot_w / len(LEVELS)
    bars = tuple(
        Bar(
            x=left + slot * k + slot * 0.2,
            y=top + plot_h - plot_h * counts.get(lvl, 0) / maximum,
            width=slot * 0.6,
            height=plot_h * counts.get(lvl, 0) / maximum,
            level=lvl,
            value=counts.get(lvl, 0),
        )
        for k, lvl in enumerate(LEVELS)
    )
    return Chart(width, height, left, top, plot_w, plot_h, _ticks(top, plot_h, maximum), bars=bars)


def history_chart(
    points: Sequence[HistoryPoint], lang: str, width: float = 420, height: float = 150
) -> Chart:
    """Stacked columns of open issues by level, one per run, oldest first (the last 12 runs)."""
    points = points[-12:]
    left, top, bottom = 40.0, 10.0, 30.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    maximum = _nice_max(max((sum(p.counts.values()) for p in points), default=0))
    slot = plot_w / max(len(points), 1)
    columns = []
    for k, point in enumerate(points):
        x = left + slot * k + slot * 0.2
        base = top + plot_h
        bars = []
        for lvl in reversed(LEVELS):  # low at the bottom, high on top
            value = point.counts.get(lvl, 0)
            h = plot_h * value / maximum
            base -= h
            if value:
                bars.append(Bar(x, base, slot * 0.6, h, lvl, value))
        label = (
            f"{point.day.month}/{point.day.day}" if lang == "zh-CN" else point.day.strftime("%d %b")
        )
        total = sum(point.counts.get(lvl, 0) for lvl in LEVELS)
        columns.append(Column(x, slot * 0.6, point.run_id, label, total, base, tuple(bars)))
    return Chart(
        width,
        height,
        left,
        top,
        plot_w,
        plot_h,
        _ticks(top, plot_h, maximum),
        columns=tuple(columns),
    )


def rounds_chart(
    points: Sequence[RoundPoint], lang: str, width: float = 420, height: float = 170
) -> Chart:
    """Stacked columns per rectification round: issues rectified (bottom) and still open (top)
    after the round's last run, oldest round first (the last 12)."""
    points = points[-12:]
    left, top, bottom = 40.0, 10.0, 30.0
    plot_w, plot_h = width - left - 10, height - top - bottom
    maximum = _nice_max(max((p.rectified + p.still_open for p in points), default=0))
    slot = plot_w / max(len(points), 1)
    columns = []
    for k, point in enumerate(points):
        x = left + slot * k + slot * 0.2
        base = top + plot_h
        bars = []
        for key, value in (("rectified", point.rectified), ("still_open", point.still_open)):
            h = plot_h * value / maximum
            base -= h
            if value:
                bars.append(Bar(x, base, slot * 0.6, h, key, value))
        label = f"第{point.number}轮" if lang == "zh-CN" else f"Round {point.number}"
        total = point.rectified + point.still_open
        columns.append(Column(x, slot * 0.6, point.run_id, label, total, base, tuple(bars)))
    return Chart(
        width,
        height,
        left,
        top,
        plot_w,
        plot_h,
        _ticks(top, plot_h, maximum),
        columns=tuple(columns),
    )
