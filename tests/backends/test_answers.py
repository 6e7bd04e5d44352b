from backends.thought_anchors.answers import boxed_answer


def test_boxed_answer_reads_the_first_non_empty_box_with_nested_braces():
    assert boxed_answer(r"so \boxed{} then \boxed{\frac{1}{2}} and \boxed{3}") == r"\frac{1}{2}"


def test_boxed_answer_is_none_without_a_closed_box():
    assert boxed_answer("The answer is 42.") is None
    assert boxed_answer(r"\boxed{42") is None
