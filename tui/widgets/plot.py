"""Draws a run's plot spec (tools/plots.py) in the terminal: bars and lines with
textual-plotext, heatmaps as a coloured grid (plotext's heatmap needs pandas)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

SHADES = ["#1e3a5f", "#2f6690", "#3a7ca5", "#81c3d7", "#d9dcd6", "#f2c14e", "#f78154", "#d1495b"]


def _short(label, width: int = 8) -> str:
    text = str(label)
    return text if len(text) <= width else text[: width - 1] + "…"


def heatmap_table(spec: dict) -> Table:
    """A grid whose cell colour follows its value; the legend gives the range."""
    values = [v for row in spec["matrix"] for v in row if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    table = Table(title=spec.get("title") or None, show_lines=False, pad_edge=False, box=None,
                  caption=f"{spec.get('ylabel', '')} x {spec.get('xlabel', '')}   low {low:.3g} ▕{''.join(Text('█', style=s).plain for s in SHADES)}▏ high {high:.3g}")
    table.add_column("", no_wrap=True)
    for label in spec["xlabels"]:
        table.add_column(_short(label, 6), justify="center", no_wrap=True)
    for label, row in zip(spec["ylabels"], spec["matrix"]):
        cells = []
        for value in row:
            if value is None:
                cells.append(Text(" · ", style="dim"))
            else:
                shade = SHADES[min(len(SHADES) - 1, int((value - low) / ((high - low) or 1) * len(SHADES)))]
                cells.append(Text(f"{value:5.2g}", style=f"black on {shade}"))
        table.add_row(_short(label, 10), *cells)
    return table


class PlotView(Vertical):
    """One plot; `set_spec` swaps it for another."""

    DEFAULT_CSS = """
    PlotView { height: 20; }
    PlotView PlotextPlot { height: 1fr; }
    PlotView .heatmap { height: auto; }
    PlotView .empty { color: $text-muted; }
    """

    def __init__(self, spec: dict | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def compose(self) -> ComposeResult:
        yield from self._widgets()

    def _widgets(self):
        spec = self.spec
        if not spec:
            yield Static("no plot for this run", classes="empty")
        elif spec["kind"] == "heatmap":
            yield Static(heatmap_table(spec), classes="heatmap")
        else:
            yield PlotextPlot()

    def on_mount(self) -> None:
        self._draw()

    async def set_spec(self, spec: dict | None) -> None:
        self.spec = spec
        await self.remove_children()
        await self.mount(*self._widgets())
        self._draw()

    def _draw(self) -> None:
        spec = self.spec
        if not spec or spec["kind"] == "heatmap":
            return
        widget = self.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_figure()
        plt.title(spec.get("title", ""))
        plt.xlabel(spec.get("xlabel", ""))
        plt.ylabel(spec.get("ylabel", ""))
        if spec["kind"] == "bar":
            labels = [_short(x) for x in spec["x"]]
            highlight = set(spec.get("highlight", []))
            colors = ["orange" if i in highlight else "blue" for i in range(len(labels))]
            plt.bar(labels, spec["y"], color=colors)
        else:
            for series in spec["series"]:
                plt.plot(series["x"], series["y"], label=series.get("name") or None, marker="braille")
                for bound in ("low", "high"):  # the interval, fainter
                    if series.get(bound):
                        plt.plot(series["x"], series[bound], marker="dot", color="gray")
        widget.refresh()
