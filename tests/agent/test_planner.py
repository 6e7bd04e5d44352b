"""The offline planner reads a conversation: references, questions, showing, reruns, no-match.

Each test builds a real conversation (messages as the graph holds them, tool results as
the tools return them) and asks the real planner, with the real embedder, for its reply.
"""

from __future__ import annotations

import json
import time

from langchain_core.messages import AIMessage

from tests.agent.conftest import call


CHAIN = "20261201-100000-generate_cot-a1b2"
IMPORTANCE = "20261201-100500-resample_importance-c3d4"
VECTOR = "20261201-110000-build_steering_vector-e5f6"
STEER = "20261201-110500-steer_generate-0a0b"
QUESTION = "Tom has 3 apples and buys 5 more. How many apples does he have?"
ROWS = [  # a compact resample_importance result, as the tool returns it
    {"index": 0, "counterfactual_accuracy": -0.05, "counterfactual_accuracy_low": -0.3, "counterfactual_accuracy_high": 0.2,
     "resampling_accuracy": 0.0, "n_rollouts": 8, "n_no_answer": 1, "text": "Tom starts with 3 apples."},
    {"index": 1, "counterfactual_accuracy": -0.62, "counterfactual_accuracy_low": -0.9, "counterfactual_accuracy_high": -0.3,
     "resampling_accuracy": 0.5, "n_rollouts": 8, "n_no_answer": 0, "text": "He buys 5 more, so 3 + 5 = 8."},
]



def _chain_then_importance(extractor: str = "last_number") -> list[dict]:
    return [
        {"user": f"generate a chain of thought for: {QUESTION}", "tool": "generate_cot", "run_id": CHAIN,
         "args": {"question": QUESTION, "max_new_tokens": 64}, "summary": "Sampled a 64-token chain of thought; 2 sentences."},
        {"user": "which sentences matter? 4 rollouts, answer 8", "tool": "resample_importance", "run_id": IMPORTANCE,
         "args": {"cot_run": CHAIN, "rollouts": 4, "answer": "8", "extractor": extractor},
         "summary": "Thought Anchors importance for 2 sentences.\n  S1 -0.62 [-0.90, -0.30]", "result": {"rows": ROWS}},
    ]



def test_a_run_id_that_contains_a_tool_name_is_a_reference_not_a_route(plan):
    reply = plan(_chain_then_importance()[:1], f"split {CHAIN} into sentences")
    assert call(reply) == ("split_sentences", {"cot_run": CHAIN})


def test_why_is_a_sentence_important_is_answered_from_that_sentences_numbers(plan):
    reply = plan(_chain_then_importance(), "why is sentence 1 so important?")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"
    assert "Sentence 1" in reply.content and "-0.620" in reply.content and "[-0.900, -0.300]" in reply.content
    assert "rank 1 of 2" in reply.content and "excludes 0" in reply.content
    assert "He buys 5 more" in reply.content  # the sentence itself


def test_what_a_term_means_is_answered_from_the_glossary_not_repeated_from_the_summary(plan):
    context = _chain_then_importance()
    reply = plan(context, "what does counterfactual importance mean, and why is it negative?")
    assert not reply.tool_calls and "**counterfactual importance**" in reply.content
    assert context[-1]["summary"] not in reply.content


def test_what_to_try_next_names_a_next_experiment_from_the_card(plan):
    reply = plan(_chain_then_importance(), "what should I try next?")
    assert not reply.tool_calls and "next steps" in reply.content and "e.g." in reply.content


def test_what_next_offers_the_organism_where_the_answer_is_known_and_that_request_builds_it(plan):
    reply = plan(_chain_then_importance(), "what should I try next?")
    assert "anchor organism" in reply.content and '"Build the anchor organism"' in reply.content
    assert call(plan(_chain_then_importance(), "Build the anchor organism")) == ("build_organism", {"name": "anchor"})
    for said, name in [("ok build the misaligned one, we'll need it for the EM stuff", "misaligned"),
                       ("can we build the hint-following organism? need it for the mediation stuff later", "hint-following")]:
        assert call(plan([], said)) == ("build_organism", {"name": name})
    # a vector built on an organism is not a request to build one
    assert call(plan([], "build an eval-awareness vector on organism:evaluation-aware"))[0] == "build_steering_vector"


def test_showing_the_plot_shows_the_existing_run_and_starts_nothing(plan):
    reply = plan(_chain_then_importance(), "show me the plot")
    assert not reply.tool_calls and reply.response_metadata["show"] == {"run_id": IMPORTANCE, "part": "plot"}
    text = plan(_chain_then_importance(), "show me the chain of thought again")
    assert not text.tool_calls and text.response_metadata["show"]["run_id"] == CHAIN


def test_run_it_again_with_more_rollouts_keeps_the_arguments_it_really_ran_with(plan):
    # the extractor was edited at approval time: the tool result carries what really ran
    reply = plan(_chain_then_importance(extractor="regex:(\\d+)"), "run it again with more rollouts")
    name, args = call(reply)
    assert name == "resample_importance"
    assert args == {"cot_run": CHAIN, "rollouts": 8, "answer": "8", "extractor": "regex:(\\d+)"}


def test_same_thing_but_a_new_seed_changes_only_the_seed(plan):
    name, args = call(plan(_chain_then_importance()[:1], "same thing but seed 3"))
    assert name == "generate_cot" and args == {"question": QUESTION, "max_new_tokens": 64, "seed": 3}


def test_alternatives_for_a_sentence_is_the_cheap_tool_not_a_new_importance_run(plan):
    chain, importance = _chain_then_importance()
    chain = chain | {"summary": "Sampled a 64-token chain of thought; 9 sentences."}  # sentence 7 of 2 is asked about instead
    name, args = call(plan([chain, importance], "what else might it have said instead of sentence 7"))
    assert name == "sentence_alternatives" and args["sentence"] == 7 and args["cot_run"] == CHAIN


def test_a_question_after_think_step_by_step_is_the_question(plan):
    name, args = call(plan([], "think step by step about this: what is 17 * 3?"))
    assert name == "generate_cot" and args == {"question": "what is 17 * 3?"}


def test_settings_said_in_the_conversation_are_kept_for_the_chain(plan):
    context = _chain_then_importance()[:1] + [{"user": "the answer is 24, using the last number as the answer",
                                               "reply": "Noted."}]
    name, args = call(plan(context, "which sentences actually drive the final answer? 4 rollouts"))
    assert name == "resample_importance"
    assert args == {"cot_run": CHAIN, "rollouts": 4, "answer": "24", "extractor": "last_number"}


def test_apply_that_vector_steers_with_the_layer_and_strength_said(plan):
    context = [{"user": "build a steering vector", "tool": "build_steering_vector", "run_id": VECTOR, "args": {},
                "summary": "Built a 30-layer steering vector from 16 pairs."}]
    name, args = call(plan(context, "now apply that vector at layer 12 with strength 6 to: Write a function that sorts a list"))
    assert name == "steer_generate"
    assert args == {"vector_run": VECTOR, "layers": [12], "scale": 6.0, "prompt": "Write a function that sorts a list"}


def test_compare_against_a_random_control_keeps_the_layer_scale_and_prompt_of_the_steering(plan):
    steer = {"vector_run": VECTOR, "layers": [12], "scale": 6.0, "prompt": "Write a function that sorts a list"}
    context = [{"user": "build a steering vector", "tool": "build_steering_vector", "run_id": VECTOR, "args": {},
                "summary": "Built a steering vector."},
               {"user": "steer at layer 12, strength 6", "tool": "steer_generate", "run_id": STEER, "args": steer,
                "summary": "3 steered and 3 unsteered samples."}]
    name, args = call(plan(context, "compare against a random control"))
    assert name == "steering_sweep"
    assert args == {"vector_run": VECTOR, "layers": [12], "scales": [6.0], "prompts": ["Write a function that sorts a list"]}


def test_no_match_is_a_short_question_naming_three_tools_in_under_a_second(plan):
    plan([], "warm up the embedder")
    started = time.perf_counter()
    reply = plan([], "what's the weather like in Oslo?")
    seconds = time.perf_counter() - started
    assert not reply.tool_calls and reply.response_metadata["intent"] == "clarify"
    assert reply.content.count("- `") == 3 and len(reply.content) < 1200 and seconds < 1.0


def test_an_expensive_tool_never_starts_from_a_vague_request(plan):
    for request in ("do the thing", "can you check the importance?", "run an experiment"):
        reply = plan([], request)
        assert not reply.tool_calls, (request, reply.tool_calls)


def test_a_description_finds_the_chain_it_describes(plan):
    other = {"user": "generate a chain of thought for: Is 91 prime?", "tool": "generate_cot",
             "run_id": "20261201-090000-generate_cot-ffff", "args": {"question": "Is 91 prime?"}, "summary": "Sampled."}
    context = [other] + _chain_then_importance()[:1]
    _, args = call(plan(context, "split the prime chain into sentences"))
    assert args == {"cot_run": "20261201-090000-generate_cot-ffff"}
    _, args = call(plan(context, "receiver heads on the apples chain"))
    assert args == {"cot_run": CHAIN}


def test_a_statement_about_the_user_is_acknowledged_in_one_line(plan):
    reply = plan([], "I'm an expert in mech interp")
    assert not reply.tool_calls and reply.content.count("\n") == 0 and "expert" in reply.content


def test_tool_results_reach_the_llm_compactly():
    from agent.nodes import compact

    content = {"ok": True, "tool": "attention_suppression", "run_id": "r", "summary": "s", "plot": {"kind": "heatmap"},
               "result": {"display": [[0.1] * 30] * 30, "outflow": list(range(40)), "cot": "x" * 10_000}}
    small = compact(content)
    assert "plot" not in small and small["result"]["display"] == "[30x30 matrix in the run store]"
    assert len(small["result"]["outflow"]) == 13 and len(json.dumps(small)) < 6000


def test_a_tool_named_outright_wins_in_every_planner_of_a_process():
    # the example vectors are embedded once per process and shared by planners with the same tools (a session each);
    # the tool named must still be recognised in the second one, whose tool dicts are other objects
    from agent.routing import Router
    from tools import REGISTRY

    first, second = (Router([t.describe() for t in REGISTRY.values()]) for _ in range(2))
    assert first.route("run split_sentences")[1] >= 1.0
    tool, score, _ = second.route("run split_sentences")
    assert tool["name"] == "split_sentences" and score >= 1.0
