"""A result as a person reads it: rounded numbers, intervals in one cell, text that stays literal."""

from tools import present


def test_numbers_are_rounded_and_unmeasured_values_say_n_a():
    assert present.fmt(4.978083906861741) == "4.98"
    assert present.fmt(0.0123456) == "0.0123"
    assert present.fmt(1234.5) == "1234"
    assert present.fmt(None) == "n/a" and present.fmt(float("nan")) == "n/a"
    assert present.fmt([0.1234, None]) == "[0.123, n/a]"


def test_an_interval_shares_a_cell_with_its_value_and_the_plotted_metric_comes_first():
    rows = [{"text": "That gives 42.", "n_rollouts": 16, "counterfactual_accuracy": 0.49781,
             "counterfactual_accuracy_low": 0.21, "counterfactual_accuracy_high": 0.7123, "index": 1}]
    columns, cells = present.table(rows, "resample_importance")
    assert columns[:2] == ["#", "counterfactual"] and columns[-1] == "text"
    assert cells[0][:2] == ["1", "0.498 [0.21, 0.712]"]


def test_markdown_keeps_each_summary_line_and_adds_a_table():
    content = {"tool": "resample_importance", "summary": "First line.\nSecond line.\n  S1 +0.50 [0.2, 0.7]",
               "result": {"rows": [{"index": i, "counterfactual_accuracy": None, "text": f"s{i}"} for i in range(14)]}}
    text = present.markdown(content)
    assert "First line.  \nSecond line." in text  # a hard break, not one paragraph
    assert "\n- S1 +0.50" in text
    assert text.count("| n/a |") == 12 and "2 more rows in the run" in text


def test_tags_stars_and_pipes_stay_literal_but_plain_text_stays_clean():
    assert present.escape("<think> a*b") == "\\<think> a\\*b"
    assert present.escape("top_p \\boxed{42}") == "top_p \\boxed{42}"  # nothing Markdown would swallow
    assert present.escape("x | y", cell=True) == "x \\| y"
    assert present.keep_tags("**bold** <think>hm</think>") == "**bold** \\<think>hm\\</think>"


def test_long_parts_hold_the_whole_chain_and_every_sentence():
    chain = "Step one is long. " * 40
    sentences = [f"Sentence {i} is here." for i in range(30)]
    parts = dict(present.long_parts("split_sentences", {"text": chain, "sentences": sentences}))
    assert parts["Chain of thought (720 characters)"].count("Step one is long.") == 40
    assert parts["All 30 sentences"].splitlines()[-1] == "29. Sentence 29 is here."
