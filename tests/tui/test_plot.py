"""The plot spec (tools/plots.py) and the PlotView widget that draws it (tui/widgets/plot.py).

Snapshot baselines live in tests/tui/__snapshots__/test_plot/; after a deliberate change to
the drawing, refresh them with `pytest tests/tui/test_plot.py --snapshot-update`.
pytest-asyncio is not installed, so async scenarios run under asyncio.run.
"""

import asyncio
import json
import math

import pytest
from pydantic import ValidationError
from textual.app import App, ComposeResult
from textual.geometry import Region

from tools.plots import bar, heatmap, line, validate_plot
from tui.widgets.plot import PlotView, shorten

GOOD = {
    "bar": bar("importance", ["S0", "S1", 2], [0.1, -0.2, 3], xlabel="sentence", highlight=[1]),
    "line": line("dose-response", [{"name": "steered", "x": [0, 0.5, 1], "y": [0.2, 0.4, 0.7],
                                    "low": [0.1, 0.3, 0.6], "high": [0.3, 0.5, 0.8]},
                                   {"name": "random", "x": [0, 1], "y": [0.2, 0.2]}], xlabel="scale"),
    "heatmap": heatmap("suppression", [[None, 0.25], [1.5, None]], ["S0", "S1"], ["row A", "row B"]),
}


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_specs_pass_and_round_trip_through_json(kind):
    spec = GOOD[kind]
    assert spec["kind"] == kind
    text = json.dumps(spec, allow_nan=False)  # plain JSON, no NaN
    assert validate_plot(json.loads(text)) == spec


def test_defaults_are_filled_in_and_nan_cells_of_a_heatmap_are_masked():
    assert bar("t", ["a"], [1]) == {"kind": "bar", "title": "t", "x": ["a"], "y": [1], "xlabel": "", "ylabel": "", "highlight": []}
    assert line("t", [{"x": [1], "y": [2]}])["series"] == [{"name": "", "x": [1], "y": [2], "low": None, "high": None}]
    assert heatmap("t", [[math.nan, 1.0]], ["a", "b"], ["r"])["matrix"] == [[None, 1.0]]


@pytest.mark.parametrize("make, field", [
    (lambda: bar("t", ["a", "b"], [1.0]), "y"),
    (lambda: bar("t", [], []), "x"),
    (lambda: bar("t", ["a"], [1.0], highlight=[3]), "highlight"),
    (lambda: bar("t", ["a"], [math.nan]), "y"),
    (lambda: bar("t", ["a"], [1.0], highlights=[0]), "highlights"),  # a typo is not dropped silently
    (lambda: line("t", []), "series"),
    (lambda: line("t", [{"x": [1, 2], "y": [1]}]), "y"),
    (lambda: line("t", [{"x": [1, 2], "y": [1, 2], "low": [0]}]), "low"),
    (lambda: line("t", [{"x": [], "y": []}]), "x"),
    (lambda: heatmap("t", [[1, 2]], ["a"], ["r"]), "matrix"),
    (lambda: heatmap("t", [[1]], ["a"], ["r", "s"]), "ylabels"),
    (lambda: heatmap("t", [], [], []), "matrix"),
    (lambda: heatmap("t", [[]], [], ["r"]), "xlabels"),
    (lambda: validate_plot({"kind": "pie", "x": ["a"], "y": [1]}), "kind"),
])
def test_mismatched_or_empty_data_is_rejected_naming_the_field(make, field):
    with pytest.raises(ValidationError) as e:
        make()
    assert field in str(e.value)


def test_long_labels_are_shortened_with_an_ellipsis():
    assert shorten("S12") == "S12"
    assert shorten("First, add  17\nand 25.", 8) == "First,…"  # whitespace folded, no space before …


class PlotApp(App):
    def __init__(self, spec) -> None:
        super().__init__()
        self.spec = spec

    def compose(self) -> ComposeResult:
        yield PlotView(self.spec)


def screen_text(widget) -> str:
    """What a widget shows on screen, as plain text."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text for strip in strips)


def run(spec, scenario, size=(80, 24)):
    async def go():
        app = PlotApp(spec)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(app.query_one(PlotView), pilot)

    asyncio.run(go())


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_kind_mounts_and_draws(kind):
    async def scenario(view, pilot):
        (child,) = view.children
        text = screen_text(child)
        assert GOOD[kind]["title"] in text
        if kind == "heatmap":
            assert all(label in text for label in ["S0", "S1", "row A", "row B", "0.25", "1.5", "·"])
        else:
            assert "┌" in text and "└" in text  # plotext drew its frame

    run(GOOD[kind], scenario)


def test_a_wide_heatmap_falls_back_to_colour_blocks_and_spells_out_cut_labels():
    n = 30
    labels = [f"sentence number {i}" for i in range(n)]
    spec = heatmap("big", [[(i * j) % 7 for j in range(n)] for i in range(n)], labels, labels)

    async def scenario(view, pilot):
        text = screen_text(view.query_one(".heatmap"))  # the whole grid: it is as tall as its content
        assert "big" in text and "0 sentence…" in text and "29 sentence…" in text  # rows: index, label cut
        assert "labels: 0=sentence number 0" in text  # and spelt out in the key below
        assert "10  12" in text and "." not in text.split("labels:")[0]  # indices, no numbers in the grid

    run(spec, scenario)


def test_set_spec_switches_kinds_awaited_or_not():
    async def scenario(view, pilot):
        assert len(view.query("SpecChart")) == 1
        await view.set_spec(GOOD["heatmap"])
        await pilot.pause()  # mounted; laid out after the next refresh
        assert len(view.query("SpecChart")) == 0 and "row A" in screen_text(view.query_one(".heatmap"))
        view.set_spec(GOOD["line"])  # not awaited: still happens
        await pilot.pause()
        assert len(view.query("SpecChart")) == 1 and view.spec["kind"] == "line"
        await view.set_spec(None)
        await pilot.pause()
        assert screen_text(view.query_one(".empty")).startswith("no plot for this run")

    run(GOOD["bar"], scenario)


def test_a_bad_spec_shows_a_message_instead_of_crashing():
    async def scenario(view, pilot):
        assert "cannot draw this plot: bar.y" in screen_text(view.query_one(".empty"))

    run({"kind": "bar", "title": "t", "x": ["a", "b"], "y": []}, scenario)


def test_bar_plot_snapshot(snap_compare):
    assert snap_compare("snapshot_apps/plot_app.py:bar_app", terminal_size=(80, 24))


def test_heatmap_snapshot(snap_compare):
    assert snap_compare("snapshot_apps/plot_app.py:heatmap_app", terminal_size=(80, 24))
