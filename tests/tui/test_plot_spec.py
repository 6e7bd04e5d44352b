"""The plot spec tools return, and the widget that draws it."""

import asyncio
import json

import pytest
from pydantic import ValidationError
from textual.app import App, ComposeResult

from tools.plots import bar, heatmap, line, validate_plot
from tui.widgets.plot import PlotView, heatmap_table


def test_good_specs_of_each_kind_round_trip_as_json():
    specs = [
        bar("importance", ["S0", "S1"], [0.1, -0.2], highlight=[1]),
        line("dose-response", [{"name": "steered", "x": [0, 0.5, 1], "y": [0.2, 0.4, 0.7],
                                "low": [0.1, 0.3, 0.6], "high": [0.3, 0.5, 0.8]}]),
        heatmap("suppression", [[None, 0.2], [0.4, None]], ["S0", "S1"], ["S0", "S1"]),
    ]
    for spec in specs:
        assert validate_plot(json.loads(json.dumps(spec))) == spec


@pytest.mark.parametrize("make, field", [
    (lambda: bar("t", ["a", "b"], [1.0]), "y"),
    (lambda: bar("t", [], []), "x"),
    (lambda: bar("t", ["a"], [1.0], highlight=[3]), "highlight"),
    (lambda: line("t", [{"x": [1, 2], "y": [1]}]), "y"),
    (lambda: heatmap("t", [[1, 2]], ["a"], ["r"]), "matrix"),
    (lambda: heatmap("t", [[1]], ["a"], ["r", "s"]), "ylabels"),
])
def test_mismatched_or_empty_data_is_rejected_naming_the_field(make, field):
    with pytest.raises(ValidationError) as e:
        make()
    assert field in str(e.value)


def test_split_sentences_returns_a_bar_plot_of_sentence_lengths():
    from tools import run_tool

    out = run_tool("split_sentences", {"cot": "First we add. Then we multiply by four."})
    assert out.plot == bar("Characters per sentence", ["S0", "S1"], [13, 25], xlabel="sentence", ylabel="characters")


def test_the_heatmap_grid_shows_labels_values_and_masked_cells():
    from rich.console import Console

    console = Console(width=80, record=True)
    console.print(heatmap_table(heatmap("M", [[None, 0.25], [1.5, None]], ["S0", "S1"], ["row A", "row B"])))
    text = console.export_text()
    assert "row A" in text and "S1" in text and "0.25" in text and "1.5" in text and "·" in text


def test_the_widget_draws_every_kind_and_switches_between_them():
    class PlotApp(App):
        def compose(self) -> ComposeResult:
            yield PlotView(bar("b", ["S0", "S1"], [1, 2]), id="plot")

    async def scenario():
        app = PlotApp()
        async with app.run_test(size=(80, 30)) as pilot:
            view = app.query_one(PlotView)
            assert len(view.query("PlotextPlot")) == 1
            await view.set_spec(heatmap("h", [[1, 2]], ["a", "b"], ["r"]))
            await pilot.pause()
            assert len(view.query("PlotextPlot")) == 0 and len(view.query(".heatmap")) == 1
            await view.set_spec(line("l", [{"x": [1, 2, 3], "y": [3, 1, 2]}]))
            await pilot.pause()
            assert len(view.query("PlotextPlot")) == 1
            await view.set_spec(None)
            await pilot.pause()
            assert len(view.query(".empty")) == 1

    asyncio.run(scenario())
