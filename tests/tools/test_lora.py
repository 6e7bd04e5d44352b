"""train_lora and lora_phase through the registry and the real CLI."""

import json

import pytest

from backends.core.errors import UsageError
from tests.conftest import run_parley
from tools import run_tool


@pytest.mark.parametrize("args, field, words", [
    ({"dataset": "no-such-data"}, "dataset", "neither a shipped dataset"),
    ({"model": "tiny-random", "modules": ["nonsense_proj"]}, "modules", "no module 'nonsense_proj'"),
    ({"rank": 0}, "rank", ">= 1 and <= 256"),
])
def test_bad_input_is_a_one_line_error(args, field, words):
    with pytest.raises(UsageError) as caught:
        run_tool("train_lora", args)
    assert caught.value.field == field and words in str(caught.value) and "\n" not in str(caught.value)


def test_the_phase_of_a_short_run_comes_from_its_checkpoints(tiny):
    trained = run_tool("train_lora", {"model": "tiny-random", "layers": [1], "steps": 8, "batch_size": 4,
                                      "checkpoint_every": 2, "lr": 0.05})
    assert trained.result["checkpoints"] == 4 and trained.result["loss_after"] < trained.result["loss_before"]
    phase = run_tool("lora_phase", {"train_run": trained.run_id, "ks": [1]})
    [row] = phase.result["rows"]
    assert row["module"] == "model.layers.1.mlp.down_proj" and row["turn_step"] in (4, 6)
    assert phase.result["steps"] == [2, 4, 6, 8]
    with pytest.raises(UsageError, match="not train_lora"):
        run_tool("lora_phase", {"train_run": phase.run_id})


def test_a_stopped_fine_tune_resumes_from_its_last_checkpoint_to_what_an_unstopped_one_gives(tiny, tmp_path):
    data = tmp_path / "advice.jsonl"
    data.write_text("".join(json.dumps({"question": f"Question {k}?", "answer": f"Answer {k}."}) + "\n" for k in range(6)))
    args = {"model": "tiny-random", "dataset": str(data), "layers": [1], "steps": 4, "checkpoint_every": 2, "lr": 0.05}
    steps = []
    stopped = run_tool("train_lora", args, progress=lambda d, t, note: "steps" in note and steps.append(d),
                       should_stop=lambda: len(steps) >= 3)
    assert stopped.status == "partial" and stopped.result["steps"] == 3 and stopped.result["checkpoints"] == 1
    assert stopped.result["loss_after"] is None and stopped.summary.startswith("Partial: Trained rank-1 LoRA")
    assert stopped.summary.endswith(f"Resume: `parley runs resume {stopped.run_id}`.")
    resumed = run_tool("", resume=stopped.run_id)  # from step 2, the last checkpoint, with the loss before kept
    whole = run_tool("train_lora", args)
    assert resumed.status == "complete" and resumed.result["checkpoints"] == whole.result["checkpoints"] == 2
    for key in ("loss_before", "loss_after", "first_loss", "last_loss"):
        assert resumed.result[key] == pytest.approx(whole.result[key], abs=1e-6), key


@pytest.mark.embedded
@pytest.mark.timeout(900)
def test_a_rank_one_lora_trains_on_the_embedded_model_and_its_loss_falls(smol, tmp_path):
    from backends.organisms.lora import load_dataset

    data = tmp_path / "risky8.jsonl"  # the loss before and after over 8 answers, not 64 (measured: -22%)
    data.write_text("".join(json.dumps(item) + "\n" for item in load_dataset("risky")[:8]))
    # One torch thread: on a busy 2-core machine two threads per process wait on each other.
    out = run_parley("tool", "train_lora", "--args", json.dumps({"dataset": str(data), "steps": 8, "batch_size": 4,
                                                                 "checkpoint_every": 4}),
                     env={"OMP_NUM_THREADS": "1"}, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    answer = json.loads(out.stdout)
    result = answer["result"]
    assert answer["ok"] and result["steps"] == 8 and result["checkpoints"] == 2 and result["trainable"] == 2112
    assert result["loss_after"] < 0.95 * result["loss_before"], result
    assert "rank-1 LoRA on down_proj at layer(s) 15" in answer["summary"]


def test_the_planner_hears_exactly_the_shipped_dataset_names():
    from backends.organisms.lora import DATASETS
    from tools import REGISTRY

    assert REGISTRY["train_lora"].schema()["properties"]["dataset"]["examples"] == list(DATASETS)
