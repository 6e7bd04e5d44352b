"""Draws a plot spec (tools/plots.py) in the terminal.

Bars and lines go through textual-plotext. Heatmaps are a coloured text grid: plotext's
`heatmap` needs a pandas DataFrame (not installed) and its `matrix_plot` has no labels,
values or legend, which are what a sentence x sentence matrix is read by.
"""

from __future__ import annotations

import math

from pydantic import ValidationError
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tools.plots import validate_plot

# One-signed values get a sequential scale (viridis); signed ones a diverging scale with
# white at 0, so "more" and "less than nothing" read apart.
SEQUENTIAL = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"]
DIVERGING = ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b"]
DARK = {"#440154", "#46327e", "#365c8d", "#277f8e", "#2166ac", "#b2182b"}  # white text on these
# RGB, not plotext's colour names: those map onto the terminal theme's ANSI palette,
# where "orange+" came out yellow and "blue+" purple.
SERIES_COLORS = [(86, 180, 233), (230, 159, 0), (0, 158, 115), (204, 121, 167), (240, 228, 66), (213, 94, 0)]
BAR_COLOR, HIGHLIGHT_COLOR = (86, 140, 200), (255, 140, 0)


def shorten(label, width: int = 8) -> str:
    """A label cut to `width` characters, with an ellipsis when cut."""
    text = " ".join(str(label).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _num(value: float, width: int = 5) -> str:
    """A value in at most `width` characters: two significant digits, then fewer."""
    for text in (f"{value:.2g}", f"{value:.1g}", f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-")):
        if len(text) <= width:
            return text
    return text[:width]


class HeatmapGrid:
    """A Rich renderable: one coloured cell per value, numbers in the cells when they fit
    the width it is given, else plain colour blocks (down to one character per cell)."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        values = [v for row in spec["matrix"] for v in row if v is not None]
        self.low, self.high = (min(values), max(values)) if values else (0.0, 0.0)
        self.signed = self.low < 0 < self.high
        if self.signed:  # symmetric about 0, so white means 0
            bound = max(-self.low, self.high)
            self.low, self.high = -bound, bound
        self.palette = DIVERGING if self.signed else SEQUENTIAL

    def _style(self, value: float) -> str:
        span = self.high - self.low
        step = len(self.palette) // 2 if span == 0 else min(len(self.palette) - 1, int((value - self.low) / span * len(self.palette)))
        shade = self.palette[step]
        return f"{'white' if shade in DARK else 'black'} on {shade}"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        spec, n = self.spec, len(self.spec["xlabels"])
        rows_cut = any(len(label) > 12 for label in spec["ylabels"])
        rows = [shorten(f"{i} {label}" if rows_cut else label, 12) for i, label in enumerate(spec["ylabels"])]
        left = max(map(len, rows)) + 1
        cell = next((w for w in (6, 3, 2, 1) if w * n <= options.max_width - left), 1)
        numbers = cell == 6  # 5 characters of value and a gap
        if spec.get("title"):
            yield Text(spec["title"], style="bold")
        if spec.get("xlabel") or spec.get("ylabel"):
            yield Text(f"rows ↓ {spec.get('ylabel') or '?'}   columns → {spec.get('xlabel') or '?'}", style="dim")
        # Column labels: each at its cell when there is room, else skipped (like axis ticks);
        # if any would be cut, their indices instead, which the key below spells out.
        width = 5 if numbers else 6
        shortened = any(len(label) > width for label in spec["xlabels"])
        header = Text(" " * left, no_wrap=True, overflow="crop")  # grid lines crop, never wrap
        for i, label in enumerate(spec["xlabels"]):
            short = str(i) if shortened else label
            pad = left + i * cell - len(header)
            if pad >= (1 if i else 0):
                header.append(" " * pad + (short.rjust(5) if numbers else short))
        yield header
        fill = {6: 5, 3: 2, 2: 2, 1: 1}[cell]
        for label, row in zip(rows, spec["matrix"]):
            line = Text(label.ljust(left), no_wrap=True, overflow="crop")
            for value in row:
                if value is None:
                    line.append("·".center(fill), style="dim")
                else:
                    line.append(_num(value).rjust(5) if numbers else " " * fill, style=self._style(value))
                line.append(" " * (cell - fill))
            yield line
        legend = Text(f"{_num(self.low)} ")
        for shade in self.palette:
            legend.append("  ", style=f"on {shade}")
        legend.append(f" {_num(self.high)}" + ("   white = 0" if self.signed else ""))
        if any(v is None for row in spec["matrix"] for v in row):
            legend.append("   · masked", style="dim")
        yield legend
        # Cut labels are spelt out below, so nothing is lost to the grid's width.
        keys = [("rows", spec["ylabels"], rows_cut), ("columns", spec["xlabels"], shortened)]
        if spec["xlabels"] == spec["ylabels"]:
            keys = [("labels", spec["xlabels"], rows_cut or shortened)]
        for name, labels, cut in keys:
            if cut:
                yield Text(f"{name}: " + "  ".join(f"{i}={label}" for i, label in enumerate(labels)), style="dim")


def heatmap_table(spec: dict) -> HeatmapGrid:
    """The heatmap grid for a heatmap spec (any Rich console can print it)."""
    return HeatmapGrid(spec)


class SpecChart(PlotextPlot):
    """A bar or line spec drawn with plotext, redrawn at every render because tick
    thinning depends on the width, which is only known then."""

    def __init__(self, spec: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def render(self):
        plt, spec = self.plt, self.spec
        plt.clear_figure()
        plt.title(spec["title"])
        plt.xlabel(spec["xlabel"])
        plt.ylabel(spec["ylabel"])
        if spec["kind"] == "bar":
            self._bars(plt, spec)
        else:
            for i, series in enumerate(spec["series"]):
                color = SERIES_COLORS[i % len(SERIES_COLORS)]
                plt.plot(series["x"], series["y"], label=series["name"] or None, marker="braille", color=color)
                for bound in ("low", "high"):  # the interval: a dotted line in the series' colour
                    if series.get(bound):
                        plt.plot(series["x"], series[bound], marker="·", color=color)
        return super().render()

    def _bars(self, plt, spec: dict) -> None:
        # Categories sit at 1..n. plotext colours a bar call as one and sizes bars by the
        # mean gap between them, so highlighted bars are drawn again one call each (a lone
        # bar keeps the default width), on top, in another colour.
        labels = [shorten(x) for x in spec["x"]]
        plt.bar(list(range(1, len(labels) + 1)), spec["y"], color=BAR_COLOR)
        for i in spec["highlight"]:
            plt.bar([i + 1], [spec["y"][i]], color=HIGHLIGHT_COLOR, reset_ticks=False)
        if spec["highlight"]:  # in the title: a plotext legend would sit on the bars
            plt.title(f"{spec['title']}  (orange: highlighted)".strip())
        # Show every k-th label so they do not run into each other (about 8 columns of axis).
        room = max(1, self.size.width - 8)
        step = max(1, math.ceil(len(labels) * (max(map(len, labels)) + 1) / room))
        shown = range(0, len(labels), step)
        plt.xticks([i + 1 for i in shown], [labels[i] for i in shown])
        plt.xlim(0.4, len(labels) + 0.6)


class PlotView(Vertical):
    """One plot from a spec dict, or a note when there is none; `set_spec` swaps it.

    Specs are validated here too: they may come from an old run in the run store, and a
    bad one should read as a message in the panel, not crash the app."""

    DEFAULT_CSS = """
    PlotView { height: 20; overflow-y: auto; }
    PlotView > SpecChart { height: 1fr; min-height: 10; }
    PlotView > .heatmap { height: auto; }
    PlotView > .empty { height: auto; color: $text-muted; }
    """

    def __init__(self, spec: dict | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._load(spec)

    def _load(self, spec: dict | None) -> None:
        self.spec, self.error = None, None
        try:
            self.spec = validate_plot(spec) if spec else None
        except ValidationError as e:
            first = e.errors()[0]
            self.error = f"cannot draw this plot: {'.'.join(map(str, first['loc']))}: {first['msg']}"

    def compose(self) -> ComposeResult:
        if self.error or not self.spec:
            yield Static(self.error or "no plot for this run", classes="empty")
        elif self.spec["kind"] == "heatmap":
            yield Static(HeatmapGrid(self.spec), classes="heatmap")
        else:
            yield SpecChart(self.spec)

    def set_spec(self, spec: dict | None) -> AwaitComplete:
        """Show another spec. Awaiting is optional: it returns once the new plot is mounted."""
        self._load(spec)
        return AwaitComplete(self.recompose())
