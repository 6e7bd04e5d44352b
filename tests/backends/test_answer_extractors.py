"""Answer extractors and normalization: what a rollout's answer reads as, and when two answers are equal."""

import pytest

from backends.thought_anchors.answers import choice_letter, get_extractor, last_number, normalize_answer
from backends.core.errors import UsageError


@pytest.mark.parametrize("written, normal", [
    ("42", "42"),
    ("  42.0 ", "42"),
    ("4.50", "4.5"),
    ("1,000", "1000"),
    ("$1,000.50$", "1000.5"),
    ("-0.0", "0"),
    ("+5", "5"),
    ("42.", "42"),
    (r"\text{42}.", "42"),
    (r"$\text{ yes }$", "yes"),
    ("1/2", "1/2"),
    (r"\frac{1}{2}", "1/2"),
    (r"\dfrac{2}{4}", "2/4"),  # equal value, but not reduced: only what is written the same compares equal
    ("1,2", "1,2"),  # not a thousands group: may be a list of answers
    ("(B)", "b"),
    ("C", "c"),
    (r"\text{(D).}", "d"),
    ("x  =  5", "x = 5"),
])
def test_normalize_answer_makes_equal_answers_equal_strings(written, normal):
    assert normalize_answer(written) == normal


def test_normalize_answer_passes_no_answer_through():
    assert normalize_answer(None) is None


@pytest.mark.parametrize("text, number", [
    ("3 apples, then 4.50 dollars", "4.50"),
    ("the ratio is 3/4.", "3/4"),
    (r"so it is \frac{3}{4}", "3/4"),
    ("x = -3.5.", "-3.5"),
    ("5-3 leaves two, i.e. 2", "2"),
    ("5-3", "3"),  # a minus between terms is not a sign
    ("about 1,234,567 people", "1,234,567"),
    ("the list 1,2,3", "3"),
    ("no digits here", None),
])
def test_last_number_reads_the_last_number_in_the_text(text, number):
    assert last_number(text) == number


@pytest.mark.parametrize("text, letter", [
    ("I think (A) but the answer is (C).", "C"),
    ("Answer: B", "B"),
    ("The answer is B. Wait, no. The answer is D.", "D"),  # the last statement: models revise
    (r"**Final answer:** \boxed{E}", "E"),
    ("The correct option is (A), not (B).", "A"),  # a statement beats a later bare letter
    ("Comparing the options...\n\n(D)", "D"),  # a lone letter at the end
    ("The answer is a fraction, not a letter.", None),  # the article "a" is not choice A
    ("(A) looks plausible. " + "Then we check more things. " * 20, None),  # a bare letter far from the end
])
def test_choice_reads_the_last_stated_letter(text, letter):
    assert choice_letter(text) == letter


@pytest.mark.parametrize("name, text, expected", [
    ("boxed", r"so \boxed{} then \boxed{1,000} and \boxed{2}", "1000"),
    ("last_number", "3 apples, then 4.50 dollars", "4.5"),
    ("choice", "I think (A) but the answer is (C).", "c"),
    ("regex:final: (\\w+)", "final: yes ... final: no", "no"),
    ("regex:\\d+ cats", "2 cats, then 3 cats", "3 cats"),  # no group: the whole last match
])
def test_extractors_by_name_read_and_normalize(name, text, expected):
    assert normalize_answer(get_extractor(name)(text)) == expected


@pytest.mark.parametrize("name", ["boxed", "last_number", "choice", "regex:final: (\\w+)"])
def test_extractors_give_none_without_an_answer(name):
    assert get_extractor(name)("I am still thinking") is None


def test_an_unknown_extractor_is_a_one_line_error_listing_the_allowed_ones():
    with pytest.raises(UsageError) as e:
        get_extractor("magic")
    assert str(e.value) == "extractor: unknown extractor 'magic'; allowed: boxed, last_number, choice, regex:<pattern>, judge"
    assert e.value.field == "extractor"


@pytest.mark.parametrize("name, says", [("regex:(", "bad regex"), ("regex:", "needs a pattern")])
def test_a_bad_regex_is_a_one_line_error(name, says):
    with pytest.raises(UsageError) as e:
        get_extractor(name)
    assert says in str(e.value) and "\n" not in str(e.value)


def test_the_judge_without_an_llm_provider_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("PARLEY_PROVIDER", "offline")
    with pytest.raises(UsageError) as e:
        get_extractor("judge")
    assert str(e.value).startswith("extractor: judge needs an LLM provider")


@pytest.mark.parametrize("written", ["answer", "Your answer", "\\text{answer}", "<answer>", "...", "\u2026", "\\dots",
                                     "[your final answer]", "The answer."])
def test_a_template_placeholder_is_no_answer(written):
    from backends.thought_anchors.answers import is_placeholder, read_answer

    assert is_placeholder(written) and read_answer(written) is None


def test_boxed_skips_a_copied_placeholder_and_real_answers_stay():
    from backends.thought_anchors.answers import boxed_answer, is_placeholder, read_answer

    assert boxed_answer("give it as \\boxed{answer}. So \\boxed{42}.") == "42"
    assert boxed_answer("So \\boxed{answer}.") is None and boxed_answer("\\boxed{}") is None
    assert not any(is_placeholder(a) for a in ("42", "x", "a", "0", "yes", "x = 3", "1/2"))
    assert read_answer("(B)") == "b" and read_answer(None) is None


def test_equal_answers_are_one_class_with_math_verify_and_words_are_not_parsed():
    pytest.importorskip("math_verify")
    from backends.thought_anchors.answers import AnswerClasses

    same = AnswerClasses("auto")
    assert same.mode == "math"
    assert [same(a) for a in ("2/4", "1/2", "\\frac{1}{2}", "0.5", "42", "42.000", "41")] == ["2/4"] * 4 + ["42", "42", "41"]
    assert same("no") == "no" and same("on") == "on"  # a word parses as a product of letters: never compared
    exact = AnswerClasses("exact")
    assert [exact(a) for a in ("2/4", "1/2", "0.5")] == ["2/4", "1/2", "0.5"]
    with pytest.raises(UsageError, match="equivalence: unknown 'fuzzy'; allowed: auto, math, exact"):
        AnswerClasses("fuzzy")
