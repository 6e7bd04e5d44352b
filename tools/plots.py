"""The plot spec a tool may return for the TUI to draw (pure pydantic: no plotting library here).

    bar      {"kind": "bar", "title", "x": [labels], "y": [numbers], "xlabel", "ylabel", "highlight": [indices]}
    line     {"kind": "line", "title", "series": [{"name", "x", "y", "low"?, "high"?}], "xlabel", "ylabel"}
    heatmap  {"kind": "heatmap", "title", "matrix": [[number|None]], "xlabels", "ylabels", "xlabel", "ylabel"}

Importance per sentence is a bar plot; a dose-response curve or a training curve a line
plot (low/high: an interval); a sentence x sentence or layer x layer matrix a heatmap
(None marks a masked cell; NaN is read as None, since numpy matrices mask with NaN).

Specs are stored in the run store and drawn again later, so they must be plain JSON:
unknown keys are an error (a misspelt "highlights" would otherwise vanish silently) and
so are NaN and infinities outside a heatmap (JSON has no NaN; plotext cannot draw one).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

Number = Union[int, Annotated[float, Field(allow_inf_nan=False)]]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Plot(_Spec):
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""


class BarPlot(_Plot):
    kind: Literal["bar"] = "bar"
    x: list[Union[str, Number]] = Field(min_length=1)
    y: list[Number] = Field(min_length=1)
    highlight: list[int] = []

    @model_validator(mode="after")
    def _aligned(self):
        if len(self.x) != len(self.y):
            raise ValueError(f"y: {len(self.y)} values for {len(self.x)} x labels")
        if any(not 0 <= i < len(self.x) for i in self.highlight):
            raise ValueError(f"highlight: indices must be 0 to {len(self.x) - 1}")
        return self


class Series(_Spec):
    name: str = ""
    x: list[Number] = Field(min_length=1)
    y: list[Number] = Field(min_length=1)
    low: list[Number] | None = None
    high: list[Number] | None = None

    @model_validator(mode="after")
    def _aligned(self):
        for name in ("y", "low", "high"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.x):
                raise ValueError(f"{name}: {len(values)} values for {len(self.x)} x values")
        return self


class LinePlot(_Plot):
    kind: Literal["line"] = "line"
    series: list[Series] = Field(min_length=1)


class HeatmapPlot(_Plot):
    kind: Literal["heatmap"] = "heatmap"
    matrix: list[list[Number | None]] = Field(min_length=1)
    xlabels: list[str] = Field(min_length=1)
    ylabels: list[str] = Field(min_length=1)

    @field_validator("matrix", mode="before")
    @classmethod
    def _nan_is_masked(cls, matrix):
        if isinstance(matrix, list):
            return [[None if isinstance(v, float) and math.isnan(v) else v for v in row]
                    if isinstance(row, list) else row for row in matrix]
        return matrix

    @model_validator(mode="after")
    def _aligned(self):
        if len(self.matrix) != len(self.ylabels):
            raise ValueError(f"ylabels: {len(self.ylabels)} labels for {len(self.matrix)} rows")
        for i, row in enumerate(self.matrix):
            if len(row) != len(self.xlabels):
                raise ValueError(f"matrix: row {i} has {len(row)} cells for {len(self.xlabels)} xlabels")
        return self


PlotSpec = Annotated[Union[BarPlot, LinePlot, HeatmapPlot], Field(discriminator="kind")]
_ADAPTER = TypeAdapter(PlotSpec, config=ConfigDict(title="plot spec"))  # names errors "plot spec"


def validate_plot(spec: dict) -> dict:
    """The spec, checked and normalized to plain JSON; a bad one raises pydantic's ValidationError."""
    return _ADAPTER.validate_python(spec).model_dump(mode="json")


def bar(title: str, x: list, y: list, **kw) -> dict:
    return validate_plot({"kind": "bar", "title": title, "x": x, "y": y, **kw})


def line(title: str, series: list[dict], **kw) -> dict:
    return validate_plot({"kind": "line", "title": title, "series": series, **kw})


def heatmap(title: str, matrix: list[list], xlabels: list[str], ylabels: list[str], **kw) -> dict:
    return validate_plot({"kind": "heatmap", "title": title, "matrix": matrix, "xlabels": xlabels, "ylabels": ylabels, **kw})
