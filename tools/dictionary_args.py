"""The arguments of the ITDA tools (`itda_build`, `itda_compare`, `itda_explain`), with their bounds."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from tools.inputs import ModelName, Seed
from tools.registry import ToolArgs


CorpusArg = Field(["builtin"], min_length=1, max_length=100, description=(
    "Text to stream: 'builtin' (320 documents that ship with Parley), 'builtin:<kind>' (prose, story, code, "
    "dialogue), or paths to .txt/.md/.jsonl files or folders."))


class BuildArgs(ToolArgs):
    model: ModelName = None
    layers: list[int] | None = Field(None, min_length=1, max_length=512, description="Layers to build for (default: all).")
    corpus: list[str] = CorpusArg
    split: bool = Field(False, description="Cut .txt files into documents at blank lines.")
    docs: int | None = Field(None, ge=2, le=1_000_000, description="Use at most this many documents.")
    max_tokens: int = Field(128, ge=4, le=4096, description="Tokens read per document.")
    k: int = Field(40, ge=1, le=1024, description="Matching pursuit steps (paper: 40).")
    tau: float | list[float] = Field(0.4, description="Error threshold between unit vectors above which an activation becomes an atom (0 < tau < 1); a list builds one dictionary per value.")
    threshold_mse: float | list[float] | None = Field(None, description=(
        "The ITDA paper's threshold instead of tau: mean squared error over the width between the unit activation and "
        "the normalized reconstruction (0 < threshold_mse < 2/width); converted with tau = sqrt(1 - (1 - thr*width/2)^2) "
        "(2.9e-4 at width 576 is tau 0.4)."))
    encoder: Literal["omp", "mp"] = Field("omp", description=(
        "How activations are encoded to measure the held-out error and to explain texts: omp (orthogonal matching "
        "pursuit, lower error) or mp (plain matching pursuit, the paper's, faster)."))
    build_encoder: Literal["mp", "omp"] = Field("mp", description="How the build decides which activations become atoms (mp: the paper's).")
    held_out: float = Field(0.1, ge=0.0, le=0.5, description="Share of documents kept out of the build to measure reconstruction.")
    batch: int = Field(16, ge=1, le=1024, description="Documents per forward pass.")
    base_run: str | None = Field(None, min_length=1, description="Continue this itda_build run's dictionaries on `model` (model diffing: the atoms added are the difference).")
    seed: Seed = 0

    @field_validator("tau")
    @classmethod
    def _tau(cls, tau):
        taus = tau if isinstance(tau, list) else [tau]
        if not taus or len(taus) > 8 or any(not 0.0 < t < 1.0 for t in taus):
            raise ValueError("every tau must be between 0 and 1 (exclusive), at most 8 of them")
        return tau

    @field_validator("threshold_mse")
    @classmethod
    def _threshold_mse(cls, thr):
        values = thr if isinstance(thr, list) else [thr]
        if thr is not None and (not values or len(values) > 8 or any(not 0.0 < v < 1.0 for v in values)):
            raise ValueError("every threshold_mse must be between 0 and 2/width (exclusive), at most 8 of them")
        return thr


class CompareArgs(ToolArgs):
    dictionary_run: str = Field(min_length=1, description="An itda_build run (dictionary A).")
    other_run: str | None = Field(None, min_length=1, description="Another itda_build run (B; default: A itself, its layers against each other).")
    mode: Literal["layers", "distribution"] = Field("layers", description="layers: match layers by each measure; distribution: how A's dictionaries reconstruct another corpus.")
    corpus: list[str] | None = Field(None, min_length=1, max_length=100, description="For mode distribution: the other text (default: builtin:code).")
    tokens: int = Field(1024, ge=64, le=16384, description="Held-out tokens for CKA, SVCCA and relative representations.")
    seed: Seed = 0


class ExplainArgs(ToolArgs):
    dictionary_run: str = Field(min_length=1, description="An itda_build run.")
    layer: int | None = Field(None, ge=0, le=4096, description="Which layer's dictionary (default: the middle one built).")
    text: str | None = Field(None, min_length=1, max_length=20_000, description="List the atoms this text uses, token by token.")
    atom: int | None = Field(None, ge=0, description="Show this atom's label and its nearest atoms.")
    added: bool = Field(False, description="List the atoms the run added on top of its base (model diffing).")
    top: int = Field(5, ge=1, le=100, description="How many atoms per token / neighbours / rows.")
