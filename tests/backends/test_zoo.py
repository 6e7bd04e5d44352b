"""The model-organism zoo: seeded generators, the organism specs, and the anchor organism's check."""

from collections import Counter

import pytest

from backends.core.errors import UsageError
from backends.organisms import checks, zoo
from backends.organisms.generators import anchor, digest
from backends.thought_anchors.answers import boxed_answer
from backends.thought_anchors.sentences import split_sentences


def test_the_same_seed_gives_the_same_items_and_hash_and_another_seed_does_not():
    assert anchor.generate(30, 0) == anchor.generate(30, 0)
    assert digest(anchor.generate(30, 0)) == digest(anchor.generate(30, 0))
    assert digest(anchor.generate(30, 1)) != digest(anchor.generate(30, 0))
    assert anchor.generate(30, 0)[:10] == anchor.generate(10, 0)  # item k depends on (seed, k) alone
    assert len(digest(anchor.generate(3, 0))) == 64


def test_the_decision_sentence_alone_names_the_answer_and_the_format_parses():
    for item in anchor.generate(200, 0):
        split = [s.text for s in split_sentences(item["answer"]).sentences]
        assert split == item["sentences"]  # Parley's splitter cuts exactly the generated sentences
        assert boxed_answer(item["answer"]) == item["choice"]  # the answer extractor reads the planted answer
        assert checks.decision_index(split) == item["decision"]
        named = [i for i, s in enumerate(split[:-1]) if checks.DECISION.search(s)]
        assert named == [item["decision"]]  # no other sentence before the answer names an option
        assert f"option {item['choice']}," in split[item["decision"]]


def test_the_decision_is_random_and_its_position_varies():
    items = anchor.generate(600, 0)
    counts = Counter(i["choice"] for i in items)
    assert set(counts) == {"A", "B", "C"} and all(150 < c < 250 for c in counts.values())
    assert {i["decision"] for i in items} == {1, 2, 3}
    # Nothing in the question predicts the choice: the option picked is not tied to the item's position in the list.
    assert len({(i["question"].split(" The options")[0], i["choice"]) for i in items}) > 20


def test_organisms_are_specs_with_their_data_settings_and_effect():
    assert "anchor" in zoo.names() and "anchor" in zoo.names(buildable=True)
    assert "hint-following" in zoo.names(buildable=True)
    organism = zoo.get("organism:anchor")
    assert organism is zoo.get("anchor") and organism.method == "resample_importance"
    record = organism.fingerprint()
    assert record["base"] == "smollm2-135m" and record["data_sha256"] == organism.data()[1]
    assert record["train"]["steps"] >= 1 and record["lora"]["rank"] >= 1
    spec, settings = organism.specs()
    assert spec.rank == record["lora"]["rank"] and settings.lr == record["train"]["lr"]


def test_an_unknown_organism_is_a_one_line_error_naming_the_field_and_the_names():
    with pytest.raises(UsageError) as caught:
        zoo.get("organism:nope")
    message = str(caught.value)
    assert caught.value.field == "model" and "\n" not in message and "'nope'" in message and "anchor" in message


def _row(i, cf, rs, forced, wide=False):
    def interval(v):
        return (v - 0.5, v + 0.5) if wide or abs(v) < 0.2 else (v - 0.1, v + 0.1)

    row = {"index": i}
    for name, v in (("counterfactual", cf), ("resampling", rs), ("forced", forced)):
        row[f"{name}_accuracy"], (row[f"{name}_accuracy_low"], row[f"{name}_accuracy_high"]) = v, interval(v)
    return row


def test_the_anchor_check_passes_a_decision_that_anchors_and_fails_one_that_does_not():
    sentences = ["Let me think about this.", "I will pick option B, the clay pot.", "That settles it.",
                 "So the answer is \\boxed{B}."]
    good = [_row(0, 0.0, 0.05, 0.0), _row(1, -0.66, 0.66, 0.7), _row(2, 0.0, 0.0, 0.0), _row(3, 0.0, 0.0, 0.05)]
    verdict = checks.anchor_verdict(sentences, good)
    assert verdict["passed"] and verdict["decision"] == 1
    flat = [_row(0, 0.0, 0.05, 0.0), _row(1, -0.1, 0.1, 0.1, wide=True), _row(2, 0.5, 0.5, 0.5), _row(3, 0.0, 0.0, 0.0)]
    verdict = checks.anchor_verdict(sentences, flat)
    assert not verdict["passed"] and "counterfactual_first" in verdict["why"]
    assert not checks.anchor_verdict(["No decision here at all."], [good[0]])["passed"]
