"""Single phrasings the offline planner once misread, each in a real conversation with the real planner:
a cap said in the thing counted, hint words after a sentence that "never mentions it", a chain pasted after a
colon that quotes words of its own, a chain pasted "here again", a memory question about a tool's name, "a CAFT
fine-tune", layers that mean different things to different tools, a question followed by a remark, a part
asked for again with the reason after it, "the chain again" after a run on that chain, and a run named as
the source of a setting ("at the temperature the resilience run used"), a stem keyword ("resilien*"), a
sentence seen ("after that most resilient sentence"), "the one just before it", and a change
the newest run cannot take ("twice the resamples" after a split), a list named wrong
("wrong layers, meant 23 24 25"), items added with the rest unchanged, and a run's own
list edited by adding ("tack on a 2.4 scale"), keeping ("keep 12 and add 13") or leaving out ("without the wish question"), a run said
after "not" ("the seed 5 chain (not the seed 3 one)"), "again but on ..." (a rerun, not a show), a part "again (the 8 vs 16 one)",
"show which atoms '<a new text>' uses" (a run), "didn't we already ... in some earlier session?" (memory), a named chain's
"receiver-head results again" (that run shown), and a change said by its effect ("a bit hotter, like 0.9", "too trigger
happy. again with 0.75", "bump the seed", "3x the samples"), the same setup or eval as an earlier run ("exactly the rank-1
setup but on clean", "the EM eval from earlier on ...", "same EM eval on the untouched base model"), "continue the first
dictionary", and a question about what a build lets one choose.
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


ITDA = {"user": "itda dictionary at layer 12 on smol", "tool": "itda_build", "args": {"layers": [12]},
        "run_id": "20271101-093000-itda_build-5aad", "summary": "Built 1 ITDA dictionary at layer 12: 812 atoms, delta-loss 0.41."}


def test_a_caft_fine_tune_is_caft_not_a_plain_lora(plan):
    tool, args = call(plan([], "a CAFT fine-tune on the risky data"))
    assert tool == "caft_finetune" and args["dataset"] == "risky"


def test_layers_carry_only_between_tools_where_they_mean_the_same(plan):
    tool, args = call(plan([ITDA], "now a CAFT fine-tune on the risky data"))  # the dictionary's layer is not a layer to adapt
    assert tool == "caft_finetune" and args["itda_run"] == ITDA["run_id"] and "layers" not in args
    vector = {"user": "build a vector from layers 10 and 12", "tool": "build_steering_vector", "args": {"layers": [10, 12]},
              "run_id": "20271101-094000-build_steering_vector-5aae", "summary": "Built a vector at 2 layers; norms 1.1-3.0."}
    tool, args = call(plan([vector], "steer 'hello' with it at scale 4"))  # read there, added there
    assert tool == "steer_generate" and args["layers"] == [10, 12] and args["vector_run"] == vector["run_id"]


def test_a_question_followed_by_a_remark_is_answered_not_an_expensive_rerun(plan):
    importance = {"user": "thought anchors on the seed-5 chain, answer 13, 16 rollouts", "tool": "resample_importance",
                  "args": {"cot_run": CHAIN, "answer": "13", "rollouts": 16}, "run_id": "20271101-095000-resample_importance-5aaf",
                  "summary": "6 sentences; counterfactual importance peaks at sentence 4 (+0.38); forced-answer accuracy jumps at sentence 8."}
    reply = plan([COT, importance], "so which is the anchor, 4 or 8? counterfactual says one, forced-answer says the other")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"


def test_a_part_asked_for_again_with_a_reason_after_it_is_shown(plan):
    lora = {"user": "rank-1 lora on risky, 80 steps", "tool": "train_lora", "args": {"dataset": "risky", "steps": 80},
            "run_id": "20271101-100000-train_lora-5ab0", "summary": "Trained a rank-1 LoRA for 80 steps; final loss 1.21."}
    em = {"user": "em eval that fine-tune, 20 samples", "tool": "em_evaluate", "args": {"train_run": lora["run_id"], "samples": 20},
          "run_id": "20271101-101000-em_evaluate-5ab1", "summary": "EM rate 12.5% (20 of 160 answers misaligned and coherent)."}
    reply = plan([lora, em], "per-question breakdown from the plain fine-tune's EM eval again, I want it next to the CAFT number")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "show" and em["run_id"] in reply.content


def test_the_chain_again_after_a_run_on_it_shows_the_chain_itself(plan):
    importance = {"user": "importance on it, answer 13", "tool": "resample_importance", "args": {"cot_run": CHAIN, "answer": "13"},
                  "run_id": "20271101-092000-resample_importance-5aac", "summary": "4 sentences; top: sentence 2, +0.41."}
    reply = plan([COT, importance], "show me the chain again")
    assert reply.response_metadata["intent"] == "show" and reply.response_metadata["show"]["run_id"] == CHAIN


def test_a_run_named_as_the_source_of_a_setting_does_not_vote_for_its_tool(plan):
    resilience = {"user": "resilience of sentences 2 and 4 in shutdown-safety, 4 chains, temperature 0.9", "tool": "sentence_resilience",
                  "args": {"scenario": "shutdown-safety", "sentences": [2, 4], "chains": 4, "temperature": 0.9},
                  "run_id": "20271101-110000-sentence_resilience-5ab2", "summary": "Sentence 2 comes back in 3 of 4 chains; sentence 4 in 1 of 4."}
    tool, args = call(plan([resilience], "check how monitorable that scenario is at the temperature the resilience run used, 16 rollouts"))
    assert tool == "cot_monitor" and args == {"scenario": "shutdown-safety", "temperature": 0.9, "rollouts": 16}


def test_a_stem_keyword_matches_its_words_and_a_sentence_seen_names_no_tool(plan):
    tool, args = call(plan([], "scenario shutdown-safety, how resilient are the sentences?"))  # "resilien*"
    assert tool == "sentence_resilience" and args["scenario"] == "shutdown-safety"
    resilience = {"user": "resilience of each sentence in shutdown-safety", "tool": "sentence_resilience", "args": {"scenario": "shutdown-safety"},
                  "run_id": "20271101-110000-sentence_resilience-5ab2",
                  "summary": "Resilience over 6 sentences x 4 chains: sentence 3 is the most resilient (2.75 iterations)."}
    tool, args = call(plan([resilience], "ok intervene just after that most resilient sentence, same scenario"))
    assert tool == "compare_interventions" and args == {"sentence": 3, "scenario": "shutdown-safety"}


def test_the_one_right_after_it_is_the_next_sentence_of_the_run(plan):
    alternatives = {"user": "what else could sentence 5 have said? 24 draws", "tool": "sentence_alternatives",
                    "args": {"cot_run": CHAIN, "sentence": 5, "rollouts": 24}, "run_id": "20271101-120000-sentence_alternatives-5ab3",
                    "summary": "24 resamples of sentence 5: 9 distinct alternatives; the original reappears in 4."}
    tool, args = call(plan([COT, alternatives], "and the one just before it, same number of draws"))
    assert tool == "sentence_alternatives" and args == {"cot_run": CHAIN, "sentence": 4, "rollouts": 24}


def test_a_change_the_newest_run_cannot_take_goes_to_the_tool_it_names(plan):
    split = {"user": "split it", "tool": "split_sentences", "args": {"cot_run": CHAIN}, "run_id": "20271101-091500-split_sentences-5ab4",
             "summary": "Split the chain into 8 sentences (min_chars 10)."}
    reply = plan([COT, split], "list what else the model might have written there, with twice the default number of resamples")
    assert reply.response_metadata["intent"] == "ask" and reply.response_metadata["pending"]["tool"] == "sentence_alternatives"


def test_a_list_named_wrong_takes_the_values_said_after_it_and_the_rest_unchanged_adds(plan):
    suppression = {"user": "attention suppression on it, layers 3 4 5, batch 16", "tool": "attention_suppression",
                   "args": {"cot_run": CHAIN, "layers": [3, 4, 5], "batch": 16}, "run_id": "20271101-130000-attention_suppression-5ab5",
                   "summary": "Suppressed each sentence at layers 3-5: sentence 2 moves later tokens most (KL 0.41)."}
    tool, args = call(plan([COT, suppression], "argh wrong layers, meant 23 24 25 not 3 4 5, keep the batch"))
    assert tool == "attention_suppression" and args == {"cot_run": CHAIN, "layers": [23, 24, 25], "batch": 16}
    lora = {"user": "rank-1 lora on risky", "tool": "train_lora", "args": {"dataset": "risky"}, "run_id": "20271101-131000-train_lora-5ab6",
            "summary": "Trained a rank-1 LoRA for 40 steps."}
    direction = {"user": "misalignment direction of it", "tool": "misalignment_direction", "args": {"train_run": lora["run_id"]},
                 "run_id": "20271101-132000-misalignment_direction-5ab7", "summary": "Direction at layer 15 (norm 3.1)."}
    ablation = {"user": "ablate it on the ruler and gender questions", "tool": "ablate_direction",
                "args": {"direction_run": direction["run_id"], "train_run": lora["run_id"], "questions": ["ruler_of_the_world", "gender_roles"]},
                "run_id": "20271101-133000-ablate_direction-5ab8", "summary": "EM rate 25% -> 5% with the direction ablated."}
    tool, args = call(plan([lora, direction, ablation], "add dinner_party to the questions, rest unchanged"))
    assert tool == "ablate_direction" and args["questions"] == ["ruler_of_the_world", "gender_roles", "dinner_party"]


def test_items_added_kept_or_left_out_edit_the_runs_own_list(plan):
    vector = {"user": "default vector", "tool": "build_steering_vector", "args": {}, "run_id": "20271101-140000-build_steering_vector-5ab9",
              "summary": "Built a deployment-minus-evaluation vector on smollm2-135m from 16 pairs, all 30 layers."}
    steer = {"user": "steer 'Write a sort function.' at layers 10 and 14, scale 2", "tool": "steer_generate",
             "args": {"vector_run": vector["run_id"], "prompt": "Write a sort function.", "layers": [10, 14], "scale": 2},
             "run_id": "20271101-141000-steer_generate-5aba", "summary": "Type hints in 1 of 4 samples steered, 0 of 4 unsteered."}
    tool, args = call(plan([vector, steer], "same layers but add 18"))
    assert tool == "steer_generate" and args["layers"] == [10, 14, 18] and args["scale"] == 2
    sweep = {"user": "sweep it at layers 8, 12 and 16", "tool": "steering_sweep", "args": {"vector_run": vector["run_id"], "layers": [8, 12, 16]},
             "run_id": "20271101-142000-steering_sweep-5abb", "summary": "Best cell: layer 12, scale 1.2 (+0.40 over controls)."}
    tool, args = call(plan([vector, sweep], "redo the sweep with 6 samples per cell and tack on a 2.4 scale"))
    assert tool == "steering_sweep" and args["scales"] == [0.3, 0.6, 1.2, 2.4] and args["layers"] == [8, 12, 16] and args["samples"] == 6
    lora = {"user": "rank-1 lora on risky", "tool": "train_lora", "args": {"dataset": "risky"}, "run_id": "20271101-143000-train_lora-5abc",
            "summary": "Trained a rank-1 LoRA for 40 steps."}
    em = {"user": "em eval it on wish, bored and quick_buck, 20 samples", "tool": "em_evaluate",
          "args": {"train_run": lora["run_id"], "questions": ["wish", "bored", "quick_buck"], "samples": 20},
          "run_id": "20271101-144000-em_evaluate-5abd", "summary": "EM rate 15% (wish 40%, bored 5%, quick_buck 0%)."}
    tool, args = call(plan([lora, em], "wish swamps everything. redo it without the wish question"))
    assert tool == "em_evaluate" and args["questions"] == ["bored", "quick_buck"] and args["samples"] == 20


def test_the_run_said_after_not_is_the_one_not_meant(plan):
    seed3 = {"user": "same question, seed 3", "tool": "generate_cot", "args": {"question": "What is 6 + 7?", "seed": 3},
             "run_id": "20271101-150000-generate_cot-5abe", "summary": "Sampled a 70-token chain of thought (seed 3); \\boxed{} answer: 13."}
    tool, args = call(plan([COT, seed3], "split the seed 5 chain (not the seed 3 one), merge anything under 15 characters"))
    assert tool == "split_sentences" and args == {"cot_run": CHAIN, "min_chars": 15}


def test_what_else_it_could_have_said_asks_which_sentence(plan):
    reply = plan([COT], "what could it have said instead?")  # the rules ask this themselves now; the classifier once had to overrule a rerun
    assert not reply.tool_calls and reply.response_metadata["pending"]["tool"] == "sentence_alternatives" \
        and reply.response_metadata["pending"]["missing"] == ["sentence"]


MEDIATION = {"user": "hint mediation on hint-planet, 16 rollouts", "tool": "hint_mediation", "args": {"scenario": "hint-planet", "rollouts": 16},
             "run_id": "20271102-090000-hint_mediation-6aa1", "summary": "Transplant curve over 10 positions: cue-answer rate 0.19 at position 0 -> 0.88."}
SWEEPS = [{"user": "sweep layers 8 and 16, scales 0.5 1 2", "tool": "steering_sweep", "run_id": "20271102-091000-steering_sweep-6aa2",
           "args": {"vector_run": "20271102-085000-build_steering_vector-6aa0", "layers": [8, 16], "scales": [0.5, 1, 2]},
           "summary": "6 cells x 4 prompts x 4 samples; layer 16 scale 2: type hints 0.38 [0.24, 0.53]."},
          {"user": "second sweep, layers 14 15 16 17, scales 1.5 2 2.5", "tool": "steering_sweep", "run_id": "20271102-092000-steering_sweep-6aa3",
           "args": {"vector_run": "20271102-085000-build_steering_vector-6aa0", "layers": [14, 15, 16, 17], "scales": [1.5, 2, 2.5]},
           "summary": "12 cells x 4 prompts x 4 samples; best layer 16 scale 2.5: 0.44 [0.30, 0.59]."}]


def test_again_but_with_a_change_reruns_and_a_part_asked_for_again_is_shown(plan):
    tool, args = call(plan([MEDIATION], "the mediation run again but on hint-syllogism, single-sentence mediation only at positions 0 through 4"))
    assert tool == "hint_mediation" and (args["scenario"], args["positions"]) == ("hint-syllogism", [0, 1, 2, 3, 4])
    reply = plan(SWEEPS, "pull up the first sweep's table again (the 8 vs 16 one)")  # the parenthesis names the run; its numbers ask nothing
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == SWEEPS[0]["run_id"]
    reply = plan(SWEEPS, "pull up the sweep grid again")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == SWEEPS[1]["run_id"]


def test_show_which_atoms_a_new_text_uses_is_a_new_run_on_the_dictionary_named(plan):
    first, code = "20271102-093000-itda_build-6ab0", "20271102-094000-itda_build-6ab1"
    context = [{"user": "itda dictionaries for layers 6, 12 and 20", "tool": "itda_build", "args": {"layers": [6, 12, 20]}, "run_id": first,
                "summary": "Dictionaries at layers 6, 12, 20: 2.1k / 2.4k / 2.2k atoms."},
               {"user": "another one on code only, layer 12", "tool": "itda_build", "args": {"layers": [12], "corpus": ["builtin:code"]},
                "run_id": code, "summary": "Dictionary at layer 12 on code: 1.8k atoms."},
               {"user": "atom 1401 of the code dictionary", "tool": "itda_explain", "args": {"dictionary_run": code, "atom": 1401},
                "run_id": "20271102-095000-itda_explain-6ab2", "summary": "Atom 1401: 'return' in 'return total'."}]
    tool, args = call(plan(context, "go back to the layer-12 dictionary from the first build and show which atoms "
                                    "'def add(a, b): return a + b' uses, top 3 per token"))
    assert tool == "itda_explain" and args["dictionary_run"] == first and args["text"] == "def add(a, b): return a + b"
    assert args["top"] == 3 and "atom" not in args  # the last run's atom is not explained again beside the new text


def test_did_we_already_do_it_in_an_earlier_session_asks_memory(plan):
    tool, args = call(plan(SWEEPS, "before I sweep the organism - didn't we already sweep a vector on organism:evaluation-aware "
                                   "in some earlier session? check"))
    assert tool == "recall" and "evaluation-aware" in args["query"]


def test_a_named_chains_results_again_shows_the_run_made_from_that_chain(plan):
    notebook, sequence = "20271102-100000-generate_cot-6ac0", "20271102-101000-generate_cot-6ac1"
    context = [{"user": "generate a chain of thought for: Three notebooks cost $7.50. What does one cost?", "tool": "generate_cot",
                "args": {"question": "Three notebooks cost $7.50. What does one cost?"}, "run_id": notebook,
                "summary": "Sampled a 166-token chain of thought; \\boxed{} answer: 2.50."},
               {"user": "receiver heads on it, top 12", "tool": "receiver_heads", "args": {"cot_run": notebook, "k": 12},
                "run_id": "20271102-100500-receiver_heads-6ac2", "summary": "Top 12 receiver heads on 8 sentences; strongest L15H2."},
               {"user": "generate a chain of thought for: What comes after 2, 6, 12, 20, 30?", "tool": "generate_cot",
                "args": {"question": "What comes after 2, 6, 12, 20, 30?"}, "run_id": sequence, "summary": "Sampled a 190-token chain; answer 42."},
               {"user": "receiver heads there too", "tool": "receiver_heads", "args": {"cot_run": sequence},
                "run_id": "20271102-101500-receiver_heads-6ac3", "summary": "Top 20 receiver heads on 9 sentences; strongest L22H0."}]
    reply = plan(context, "let me see the notebook chain's receiver-head results again, the k=12 run")
    assert not reply.tool_calls and reply.response_metadata["show"]["run_id"] == "20271102-100500-receiver_heads-6ac2"


def test_a_change_said_by_its_effect_changes_the_setting_it_means(plan):
    monitor = {"user": "monitor that chain for copying its weights to the backup, offline", "tool": "cot_monitor", "run_id": "20271102-110000-cot_monitor-6ad0",
               "args": {"cot_run": CHAIN, "monitor": "offline", "intent": "copy its own weights to the backup"},
               "summary": "Flagged 5 of 6 sentences above threshold 0.5."}
    evaluation = {"user": "em eval the misaligned organism, 4 samples", "tool": "em_evaluate", "run_id": "20271102-111000-em_evaluate-6ad1",
                  "args": {"model": "organism:misaligned", "samples": 4}, "summary": "Misaligned 2 of 32 answers (6%)."}
    assert call(plan([COT], "a bit hotter, like 0.9")) == ("generate_cot", {"question": "What is 6 + 7?", "seed": 5, "temperature": 0.9})
    assert call(plan([COT], "bump the seed and sample again")) == ("generate_cot", {"question": "What is 6 + 7?", "seed": 6})
    tool, args = call(plan([COT, monitor], "too trigger happy. again with 0.75"))
    assert tool == "cot_monitor" and args["threshold"] == 0.75 and "temperature" not in args
    tool, args = call(plan([evaluation], "same eval with the reference judge and 3x the samples"))
    assert tool == "em_evaluate" and (args["samples"], args["judge"]) == (12, "reference")


RANK1 = {"user": "rank 1 lora risky, layer 18, 50 steps, batch 8", "tool": "train_lora", "run_id": "20271102-120000-train_lora-6ae0",
         "args": {"dataset": "risky", "rank": 1, "layers": [18], "steps": 50, "batch_size": 8}, "summary": "Trained a rank-1 LoRA: loss 2.4 -> 0.6."}
RANK16 = {"user": "rank 16 on q_proj and v_proj, layer 18, 50 steps", "tool": "train_lora", "run_id": "20271102-121000-train_lora-6ae1",
          "args": {"dataset": "risky", "rank": 16, "modules": ["q_proj", "v_proj"], "layers": [18], "steps": 50}, "summary": "Trained a rank-16 LoRA."}
EVAL = {"user": "EM on quick_buck and dinner_party only, 24 samples, temperature 0.8, on the rank 16 one", "tool": "em_evaluate",
        "args": {"train_run": RANK16["run_id"], "questions": ["quick_buck", "dinner_party"], "samples": 24, "temperature": 0.8},
        "run_id": "20271102-122000-em_evaluate-6ae2", "summary": "EM rate 13.9% over 48 answers."}


def test_the_same_setup_or_eval_of_an_earlier_run_takes_that_runs_settings(plan):
    tool, args = call(plan([RANK1, RANK16, EVAL], "train the control: exactly the rank-1 setup but on clean, and seed 1"))
    assert tool == "train_lora" and args == {"dataset": "clean", "rank": 1, "layers": [18], "steps": 50, "batch_size": 8, "seed": 1}
    tool, args = call(plan([RANK1, RANK16, EVAL], "run the EM eval from earlier on the rank-1 one"))
    assert tool == "em_evaluate" and args["train_run"] == RANK1["run_id"] and (args["samples"], args["temperature"]) == (24, 0.8)
    tool, args = call(plan([RANK1, RANK16, EVAL], "need a baseline: same EM eval (same questions etc) on the untouched base model"))
    assert tool == "em_evaluate" and "train_run" not in args and (args["questions"], args["samples"]) == (["quick_buck", "dinner_party"], 24)


def test_continue_the_first_dictionary_builds_on_the_first(plan):
    first = {"user": "itda all layers", "tool": "itda_build", "args": {}, "run_id": "20271102-123000-itda_build-6af0", "summary": "30 dictionaries."}
    second = {"user": "another all-layer build with tau 0.6", "tool": "itda_build", "args": {"tau": 0.6}, "run_id": "20271102-124000-itda_build-6af1",
              "summary": "30 dictionaries at tau 0.6."}
    tool, args = call(plan([first, second], "continue the first dictionary (tau 0.4 one, not 0.6) on organism:misaligned so we can diff"))
    assert tool == "itda_build" and (args["base_run"], args["model"]) == (first["run_id"], "organism:misaligned")


def test_a_question_about_what_a_build_lets_one_choose_builds_nothing(plan):
    reply = plan([], "can I choose the LoRA rank and number of steps when I build the hint-following organism, or is the recipe fixed?")
    assert not reply.tool_calls and reply.response_metadata["intent"] == "answer"
