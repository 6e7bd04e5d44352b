"""Tiny apps holding one PlotView each, for the snapshot tests in tests/tui/test_plot.py.

snap_compare loads them by path: "snapshot_apps/plot_app.py:bar_app" or ":heatmap_app".
`python tests/tui/snapshot_apps/plot_app.py [bar|heatmap]` shows one (from the repo root).
"""

import sys

from textual.app import App, ComposeResult

from tools.plots import bar, heatmap
from tui.widgets.plot import PlotView

SENTENCES = ["First, add 17 and 25.", "That gives 42.", "Double-check: 42 - 25 = 17.", "So the answer is 42."]

BAR = bar("Counterfactual importance per sentence", [f"S{i}" for i in range(8)],
          [0.02, 0.31, -0.12, 0.05, 0.44, 0.0, -0.2, 0.18], xlabel="sentence", ylabel="accuracy change",
          highlight=[1, 4])

HEATMAP = heatmap("Suppression effect (log KL)",
                  [[None, None, None, None], [0.8, None, None, None], [0.1, 1.3, None, None], [-0.4, 0.6, 2.1, None]],
                  SENTENCES, SENTENCES, xlabel="suppressed sentence", ylabel="affected sentence")


class PlotApp(App):
    CSS = "PlotView { height: 1fr; }"

    def __init__(self, spec: dict | None) -> None:
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        yield PlotView(self.spec)


bar_app = PlotApp(BAR)
heatmap_app = PlotApp(HEATMAP)

if __name__ == "__main__":
    PlotApp(HEATMAP if sys.argv[1:] == ["heatmap"] else BAR).run()
