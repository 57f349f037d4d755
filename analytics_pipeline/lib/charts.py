"""Charts drawn with matplotlib: static SVG for the report pages, PNG for Dagster metadata.

One library draws both (axes, ticks, legends, colour bars), with no JavaScript and nothing fetched
at view time. Figures are made with `matplotlib.figure.Figure` directly, not pyplot: no global
figure registry, no GUI backend. SVG text stays text (`svg.fonttype: none`, smaller files that the
page's own font renders), and each chart's element ids are salted with its name, so several charts
inline in one page never share an id and the same data gives the same bytes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Sequence

import matplotlib
import matplotlib.dates as mdates
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PALETTE = ["#1f6feb", "#d1495b", "#2a9d8f", "#e9a03b", "#6f42c1", "#8c564b"]
STYLE = {
    "font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#e5e5e5", "axes.edgecolor": "#888888", "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.fonttype": "none", "legend.frameon": False,
}


@dataclass
class Series:
    label: str
    values: Sequence[float | None]
    right_axis: bool = False  # a second y axis, for a series in other units


@dataclass
class Marks:
    """Points to mark on a line chart (e.g. key moments), with their own legend entry."""

    label: str
    x: Sequence[float]
    y: Sequence[float]
    marker: str = "v"


@dataclass
class Chart:
    name: str               # unique within a page: salts the SVG ids
    x: Sequence
    series: list[Series]
    x_label: str = ""
    y_label: str = ""
    right_label: str = ""
    kind: str = "line"      # line | bar | barh
    marks: list[Marks] = field(default_factory=list)
    size: tuple[float, float] = (8.0, 3.0)


def _figure(chart: Chart) -> Figure:
    # constrained layout only where tick labels are words (bar labels); fixed margins are half the time
    fig = Figure(figsize=chart.size, layout="constrained" if chart.kind != "line" else None)
    if chart.kind == "line":
        fig.subplots_adjust(left=0.08, right=0.9 if any(s.right_axis for s in chart.series) else 0.97,
                            bottom=0.2, top=0.95)
    ax = fig.add_subplot()
    handles = []
    if chart.kind == "barh":
        labels = [str(v) for v in chart.x]
        positions = range(len(labels))
        ax.barh(positions, [v or 0 for v in chart.series[0].values], label=chart.series[0].label, color=PALETTE[0])
        ax.set_yticks(list(positions), labels)
        ax.invert_yaxis()
        ax.set_xlabel(chart.y_label)
        ax.grid(axis="y", visible=False)
        return fig
    if chart.kind == "bar":
        labels = [str(v) for v in chart.x]
        ax.bar(range(len(labels)), [v or 0 for v in chart.series[0].values], label=chart.series[0].label,
               color=PALETTE[0])
        ax.set_xticks(range(len(labels)), labels)
        ax.grid(axis="x", visible=False)
    else:
        right = None
        for i, s in enumerate(chart.series):
            target = ax
            if s.right_axis:
                right = right or ax.twinx()
                target = right
            values = [float("nan") if v is None else v for v in s.values]
            handles += target.plot(chart.x, values, label=s.label, color=PALETTE[i % len(PALETTE)], linewidth=1.6)
        if right is not None:
            right.set_ylabel(chart.right_label)
            right.spines["right"].set_visible(True)
            right.grid(False)
            right.set_ylim(bottom=0)
        for j, m in enumerate(chart.marks):
            handles.append(ax.scatter(m.x, m.y, marker=m.marker, s=40, zorder=3, label=m.label,
                                      color=PALETTE[(len(chart.series) + j) % len(PALETTE)]))
        ax.set_ylim(bottom=0)
        if chart.x and hasattr(chart.x[0], "isoformat"):
            locator = mdates.AutoDateLocator(maxticks=10)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel(chart.x_label)
    ax.set_ylabel(chart.y_label)
    if handles and (len(handles) > 1 or chart.marks):
        ax.legend(handles=handles, loc="best", fontsize=8)
    return fig


def chart_svg(chart: Chart, description: str) -> str:
    """The chart as an inline `<svg>` element that scales to its container, labelled for screen readers."""
    buf = io.StringIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": chart.name}):
        fig = _figure(chart)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    # glue: drop the fixed size (CSS sizes it from the viewBox) and add the accessible name
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    label = description.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg", f'<svg role="img" aria-label="{label}" class="chart"', 1)


MOMENT_STYLE = {"intro": ("o", "#2a9d8f"), "spike": ("^", "#1f6feb"), "dip": ("v", "#111111")}


def heatmap_png(rows: list[list[float]], labels: list[str], x_step_s: int = 10, title: str = "",
                marks: list[dict[int, str]] | None = None) -> bytes:
    """Retention heatmap, one band per row (values 0..1 per segment), axes in seconds and a colour bar;
    `marks[i]` maps segment indexes of band i to a key moment kind (intro, spike, dip), drawn as markers."""
    width = max((len(r) for r in rows), default=1) or 1
    grid = [[(r[i] if i < len(r) else float("nan")) for i in range(width)] for r in rows]
    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        fig = Figure(figsize=(7, 0.5 + 0.45 * max(len(rows), 1)), dpi=100)
        ax, cax = fig.add_axes((0, 0, 1, 1)), fig.add_axes((0, 0, 1, 1))
        image = ax.imshow(grid, aspect="auto", cmap="Reds", vmin=0, vmax=1, interpolation="nearest",
                          extent=(0, width * x_step_s, len(rows) - 0.5, -0.5))
        ax.set_yticks(range(len(rows)), labels)
        ax.set_xlabel("position in the video (s)")
        if title:
            ax.set_title(title)
        for kind, (marker, colour) in MOMENT_STYLE.items():
            points = [((seg + 0.5) * x_step_s, band) for band, band_marks in enumerate(marks or [])
                      for seg, k in band_marks.items() if k == kind]
            if points:
                ax.scatter(*zip(*points), marker=marker, s=60, color=colour, edgecolors="white", label=kind, zorder=3)
        if any(marks or []):
            ax.legend(title="key moments", loc="upper right", fontsize="small")
        fig.colorbar(image, cax=cax, label="retention (share of the day's views)")
        _place(fig, ax, colorbar=cax)
        return _png(fig)


def bars_png(values: list[float], labels: list[str], xlabel: str, ylabel: str, title: str = "") -> bytes:
    """A bar chart with labelled axes (for Dagster metadata)."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6, 2.6), dpi=100)
        ax = fig.add_subplot()
        ax.bar(labels, values, color=PALETTE[0], label=ylabel)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left", fontsize="small")
        if title:
            ax.set_title(title)
        _place(fig, ax)
        return _png(fig)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _place(fig: Figure, ax, colorbar=None) -> None:
    """Margins that fit the axes' texts, measured once, where constrained layout would draw the whole
    figure an extra time to find them (a Dagster picture of every backfill day: 60 of 190 ms).

    Assumes one row of tick labels under the axes and labels left of it, as these PNG charts have."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    pt = fig.dpi / 72

    def size(texts) -> tuple[float, float]:
        boxes = [renderer.get_text_width_height_descent(t.get_text(), t.get_fontproperties(), ismath=False)
                 for t in texts if t.get_text()]
        return max((w for w, _, _ in boxes), default=0.0), max((h for _, h, _ in boxes), default=0.0)

    def beside(axis) -> float:  # tick, tick labels and axis label of one axis, in pixels
        tick_w, tick_h = size(axis.get_ticklabels())
        label_w, label_h = size([axis.label])
        along = tick_h if axis.axis_name == "x" else tick_w
        return (_tick(axis, "major.size") + _tick(axis, "major.pad")) * pt + along \
            + ((rcParams["axes.labelpad"] * pt + label_h) if label_w else 0)

    edge = 4 * pt  # constrained layout's default padding, about 3 points
    title_w, title_h = size([ax.title])
    top = edge + ((title_h + rcParams["axes.titlepad"] * pt) if title_w else 0)
    left, bottom = min(edge + beside(ax.yaxis), fig.bbox.width / 2), edge + beside(ax.xaxis)  # ids of any length
    right = edge + (beside(colorbar.yaxis) + 0.025 * fig.bbox.width if colorbar is not None else 0)
    width, height = fig.bbox.width, fig.bbox.height
    ax.set_position((left / width, bottom / height, (width - left - right) / width, (height - bottom - top) / height))
    if colorbar is not None:
        bar = 0.02 * width
        colorbar.set_position(((width - right + 0.01 * width) / width, bottom / height, bar / width,
                               (height - bottom - top) / height))


def _tick(axis, key: str) -> float:
    return rcParams[f"{axis.axis_name}tick.{key}"]
