"""Settings said densely, the way researchers write a whole recipe in one line, read against each tool's real
schema: a parity filter on a range ("layers 10-20 (even ones only)"), a count per forward pass, a length said as
"64-token sentences", one value "both for building and for encoding", every listed layer steered alone "plus all
three together", a spelled count before a hyphenated word, and a cap said by what it does at the end of a sentence.
"""

from __future__ import annotations

import pytest

from agent import arguments
from tools import REGISTRY


def read(tool: str, text: str) -> dict:
    return arguments.read(REGISTRY[tool].describe()["schema"]["properties"], text)[0]


def test_a_range_with_even_or_odd_ones_only_keeps_that_parity():
    assert read("ablate_direction", "project it out at layers 10-20 (even ones only)")["layers"] == [10, 12, 14, 16, 18, 20]
    assert read("ablate_direction", "project it out at layers 3 to 9, odd only")["layers"] == [3, 5, 7, 9]
    assert read("ablate_direction", "project it out at layers 10-20")["layers"] == list(range(10, 21))


def test_documents_per_forward_pass_is_the_batch_not_the_number_of_documents():
    args = read("itda_build", "itda at layer 15, 8 docs per forward pass, seed 3")
    assert args["batch"] == 8 and "docs" not in args
    assert read("resample_importance", "thought anchors, correct answer is 49, 20 rollouts per position")["rollouts"] == 20  # still rollouts


@pytest.mark.parametrize("tool, text, name, value, unset", [
    ("hint_mediation", "16 transplant rollouts, 64-token sentences, temp 0.6", "sentence_tokens", 64, "max_new_tokens"),
    ("em_evaluate", "a hundred samples per question, reference judge, 160-token answers", "max_new_tokens", 160, None),
    ("generate_cot", "a 600-token chain for: what is 2+2?", "max_new_tokens", 600, None),
])
def test_a_length_said_as_n_token_things_is_the_token_setting_of_those_things(tool, text, name, value, unset):
    args = read(tool, text)
    assert args[name] == value and (unset is None or unset not in args)


def test_one_value_both_for_building_and_for_encoding_sets_each():
    args = read("itda_build", "layer 15, use OMP both for building and for encoding")
    assert (args["build_encoder"], args["encoder"]) == ("omp", "omp")
    args = read("itda_build", "layer 6, omp for building, mp for encoding")
    assert (args["build_encoder"], args["encoder"]) == ("omp", "mp")


def test_each_layer_alone_plus_all_together_is_one_more_row():
    args = read("steering_sweep", "layers 8, 12 and 16 each on their own plus all three together as a 4th row, scales -4,-2,2,4, "
                                  "four norm-matched controls per cell, 10 samples")
    assert args["layers"] == [8, 12, 16, [8, 12, 16]] and args["controls"] == 4 and args["samples"] == 10


def test_a_cap_said_by_what_it_does_is_read_at_the_end_of_a_sentence():
    args = read("hint_mediation", "transplant curve: 24 rollouts per cut, stop once the cue rate hits 0.95. positions 0-5 only")
    assert args["stop_at"] == 0.95 and args["rollouts"] == 24 and args["positions"] == [0, 1, 2, 3, 4, 5]


def test_a_number_that_counts_its_own_things_is_not_the_setting_named_before_it():
    args = read("sentence_resilience", "only sentences 3 to 6. thirty resampling chains per sentence, cap each chain at 15 resamples, "
                                       "and 24 rollouts per condition")
    assert (args["chains"], args["max_iterations"], args["rollouts"]) == (30, 15, 24)
    assert read("train_lora", "risky, checkpoint every 2 steps")["checkpoint_every"] == 2  # a unit, not a count of other things


def test_a_judge_question_ends_at_its_question_mark_and_a_choice_of_monitor_is_not_one():
    args = read("cot_monitor", "LLM judge as the monitor, a hundred rollouts, judge decisions with "
                               "judge:Does the agent try to avoid being shut down?, top-p .9")
    assert args["monitor"] == "judge" and args["decision"] == "judge:Does the agent try to avoid being shut down?"
    assert args["top_p"] == 0.9 and args["rollouts"] == 100


def test_plain_values_listed_together_set_the_list():
    assert read("ablate_direction", "project it out at 15 and 16, measure on wish and bored, seed 4")["questions"] == ["wish", "bored"]
    assert "questions" not in read("em_evaluate", "i wish i was less bored")  # not listed as values


def test_each_clause_of_a_caft_recipe_sets_its_own_layers():
    from agent.filling import where_to_ablate

    props = REGISTRY["caft_finetune"].describe()["schema"]["properties"]
    text = "CAFT on risky: rank-1 adapter at layer 15, project out PCs 0, 2 and 3 at layers 12 and 15 during training, 80 steps"
    args = read("caft_finetune", text)
    where_to_ablate(args, props, text)
    assert (args["layers"], args["ablate_layers"], args["components"]) == ([15], [12, 15], [0, 2, 3])
