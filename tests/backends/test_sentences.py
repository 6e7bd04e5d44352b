"""Sentences of a chain of thought: byte-exact round trip and the cutting rules."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backends.thought_anchors.sentences import Sentence, SentenceSplit, split_sentences

MODEST = settings(max_examples=200, deadline=None)

# Pieces a chain of thought is made of, joined with no separator so that
# hypothesis also tries awkward adjacencies (a tag glued to a word, a title at the end...).
COT_PIECES = st.sampled_from(
    [
        "Let me think.", "So the answer is 42", "Why?", "Wait!!", "Hmm...", "It is 3.14",
        "pi = 3.14159.", "1.", "2.", "12.", "(a).", "iv.", "Dr.", "Mr. Smith", "e.g.", "vs.",
        '"Done."', "(see above.)", "Ok.", "x", "<think>", "</think>", " ", "  ", "\n", "\n\n",
        " \n \n", "\t", "Add 2 and 3", "Multiply by 4.", "the result", "é ünïcode.",
    ]
)
COT_TEXT = st.lists(COT_PIECES, max_size=30).map("".join)


def assert_invariants(split: SentenceSplit, text: str, min_chars: int = 10) -> None:
    assert split.text == text
    assert split.rebuild() == text
    assert text.startswith(split.head) and text.endswith(split.tail)
    pos = len(split.head)
    for i, s in enumerate(split.sentences):
        assert s.index == i
        assert s.start == pos, "sentences are contiguous: each starts after the previous sep"
        assert text[s.start : s.end] == s.text
        assert s.text and s.text == s.text.strip()
        assert text[s.end : s.end + len(s.sep)] == s.sep
        assert s.sep == "" or s.sep.isspace()
        assert "</think>" not in s.text
        assert split.prefix_before(i) == text[: s.start]
        assert split.prefix_after(i) == split.prefix_before(i) + s.text + s.sep
        if len(split.sentences) > 1:
            assert len(s.text) >= min_chars, "short pieces are merged"
        pos = s.end + len(s.sep)
    assert pos + len(split.tail) == len(text)
    assert SentenceSplit.from_dict(json.loads(json.dumps(split.to_dict())), text) == split


@MODEST
@given(st.text())
def test_any_text_round_trips_with_all_invariants(text):
    assert_invariants(split_sentences(text), text)


@MODEST
@given(COT_TEXT, st.integers(min_value=0, max_value=20))
def test_cot_like_text_round_trips_with_all_invariants(text, min_chars):
    assert_invariants(split_sentences(text, min_chars=min_chars), text, min_chars)


@MODEST
@given(COT_TEXT)
def test_no_non_whitespace_text_is_lost_from_the_region(text):
    split = split_sentences(text)
    region_text = "".join(s.text for s in split.sentences)
    assert "".join(region_text.split()) in "".join(text.split())
    assert bool(split.sentences) == bool(text[len(split.head) : len(text) - len(split.tail)].strip())


def test_decimals_stay_whole():
    assert split_sentences("The value is 3.14 exactly. Then we add 2.5 to it.").texts() == [
        "The value is 3.14 exactly.",
        "Then we add 2.5 to it.",
    ]


def test_list_numbers_glue_to_the_next_sentence():
    texts = split_sentences("1. Add 2 and 3.\n2. Multiply by 4.").texts()
    assert texts == ["1. Add 2 and 3.", "2. Multiply by 4."]
    # Even with merging switched off the markers are never sentences of their own.
    assert split_sentences("(a). First step here.\niv. Fourth step.", min_chars=0).texts() == [
        "(a). First step here.",
        "iv. Fourth step.",
    ]


def test_titles_and_abbreviations_do_not_end_sentences():
    assert split_sentences("Dr. Smith said hi. Then he left.").texts() == ["Dr. Smith said hi.", "Then he left."]
    assert split_sentences("Use a prime, e.g. seven. Or eleven vs. thirteen.", min_chars=0).texts() == [
        "Use a prime, e.g. seven.",
        "Or eleven vs. thirteen.",
    ]


def test_paragraph_break_without_punctuation_cuts():
    split = split_sentences("First paragraph no stop\n\nSecond paragraph here")
    assert split.texts() == ["First paragraph no stop", "Second paragraph here"]
    assert split.sentences[0].sep == "\n\n"


def test_single_newline_cuts_only_after_punctuation():
    assert split_sentences("A line without a stop\ncontinues here. Next one here.").texts() == [
        "A line without a stop\ncontinues here.",
        "Next one here.",
    ]


def test_short_piece_merges_into_next_and_short_last_into_previous():
    assert split_sentences("Ok. So the answer must be 42.").texts() == ["Ok. So the answer must be 42."]
    assert split_sentences("So the answer must be 42. Ok.").texts() == ["So the answer must be 42. Ok."]
    assert split_sentences("Ok.").texts() == ["Ok."]


def test_last_sentence_is_kept_without_final_punctuation():
    split = split_sentences("We add the numbers. The result is seven\n")
    assert split.texts() == ["We add the numbers.", "The result is seven"]
    assert split.sentences[-1].sep == "\n"


def test_think_tags_only_the_inside_is_split():
    text = "Prompt.<think>\nFirst we compute it. Then we check it.\n</think>\nThe answer is 5."
    split = split_sentences(text)
    assert split.head == "Prompt.<think>\n"
    assert split.texts() == ["First we compute it.", "Then we check it."]
    assert split.sentences[-1].sep == "\n"
    assert split.tail == "</think>\nThe answer is 5."
    assert split.prefix_before(1) == "Prompt.<think>\nFirst we compute it. "


def test_unclosed_think_runs_to_the_end():
    split = split_sentences("<think>Still thinking here. Not done yet")
    assert split.head == "<think>"
    assert split.texts() == ["Still thinking here.", "Not done yet"]
    assert split.tail == ""


def test_only_closing_tag_splits_from_the_start():
    split = split_sentences("  First we compute it. Then we check it.</think>The answer is 5.")
    assert split.head == "  "
    assert split.texts() == ["First we compute it.", "Then we check it."]
    assert split.tail == "</think>The answer is 5."


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t ", "<think>\n\n</think>answer.", "</think>Answer."])
def test_no_text_in_the_region_gives_no_sentences(text):
    split = split_sentences(text)
    assert split.sentences == ()
    assert split.head + split.tail == text


def test_to_dict_is_json_friendly():
    d = split_sentences("<think>One sentence here.</think>").to_dict()
    assert json.loads(json.dumps(d)) == {
        "head": "<think>",
        "tail": "</think>",
        "sentences": [{"index": 0, "text": "One sentence here.", "start": 7, "end": 25, "sep": ""}],
    }
    assert Sentence(**d["sentences"][0]).text == "One sentence here."
