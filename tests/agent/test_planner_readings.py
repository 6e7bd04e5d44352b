"""Single phrasings the offline planner once misread, each in a real conversation with the real planner:
a cap said in the thing counted, hint words after a sentence that "never mentions it", a chain pasted after a
colon that quotes words of its own, a chain pasted "here again", and a memory question about a tool's name.
"""

from __future__ import annotations

from tests.agent.conftest import call


CHAIN = "20271101-090000-generate_cot-5aa9"
COT = {"user": "sample a chain for: What is 6 + 7?, seed 5", "tool": "generate_cot", "args": {"question": "What is 6 + 7?", "seed": 5},
       "run_id": CHAIN, "summary": "Sampled a 64-token chain of thought (seed 5); \\boxed{} answer: 13."}




def test_at_most_so_many_documents_caps_the_documents_not_the_tokens_per_document(plan):
    tool, args = call(plan([], "ITDA dictionaries for layers 6, 15 and 24, only the prose and dialogue builtin texts, at most 200 documents"))
    assert tool == "itda_build" and args["docs"] == 200 and "max_tokens" not in args


def test_hint_words_are_the_words_listed_not_a_pronoun(plan):
    tool, args = call(plan([], "in hint-syllogism, how does the hint shape the reasoning even when the model never mentions it? count a "
                                "sentence as talking about the hint if it says professor, Stanford or suggests. 12 rollouts per cut position"))
    assert tool == "hint_mediation" and args["hint_words"] == ["professor", "Stanford", "suggests"] and args["rollouts"] == 12


def test_a_chain_pasted_after_a_colon_keeps_the_words_it_quotes(plan):
    chain = 'First, the subject is plural. So the verb must agree. Hm. But wait, "the news" is grammatically singular. Therefore the answer is "is".'
    tool, args = call(plan([], f"split it into sentences and merge anything shorter than twenty characters: {chain}"))
    assert tool == "split_sentences" and args["cot"] == chain and args["min_chars"] == 20


def test_a_chain_pasted_here_again_is_shown_not_rerun(plan):
    other = {"user": "same question, seed 2", "tool": "generate_cot", "args": {"question": "What is 6 + 7?", "seed": 2},
             "run_id": "20271101-091000-generate_cot-5aab", "summary": "Sampled a 70-token chain of thought (seed 2); \\boxed{} answer: 12."}
    importance = {"user": "importance on the seed-5 one, answer 13", "tool": "resample_importance", "args": {"cot_run": CHAIN, "answer": "13"},
                  "run_id": "20271101-092000-resample_importance-5aac", "summary": "4 sentences; top: sentence 2, +0.41."}
    reply = plan([COT, other, importance], "paste the seed-5 chain here again, I want to read how it got to 13")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == CHAIN


def test_have_we_already_run_a_tool_asks_memory(plan):
    tool, args = call(plan([], "before I ask anyone to redo it: have we already run hint mediation on hint-planet? runs only, three hits"))
    assert tool == "recall" and (args["scope"], args["k"]) == ("runs", 3) and "hint-planet" in args["query"]


def test_search_the_old_chat_asks_memory_even_with_a_run_of_the_tool_in_sight(plan):
    importance = {"user": "importance on it, answer 13", "tool": "resample_importance", "args": {"cot_run": CHAIN, "answer": "13"},
                  "run_id": "20271101-092000-resample_importance-5aac", "summary": "4 sentences; top: sentence 2, +0.41."}
    tool, args = call(plan([COT, importance], "didn't I say yesterday that the anchor organism sometimes anchors on the wrong sentence? "
                                               "search the old chat, my own messages included"))
    assert tool == "recall" and (args["scope"], args["include_user"]) == ("turns", True)
