"""The hint-following organism: its seeded generator, the planted rates, and the checks' verdicts."""

from collections import Counter

import pytest

from backends.organisms import checks, zoo
from backends.organisms.generators import digest, hints
from backends.thought_anchors.answers import choice_letter
from backends.thought_anchors.sentences import split_sentences
from backends.thought_branches.branching import mentions
from backends.thought_branches.hint_mediation import cue_answer
from backends.thought_branches.monitor import OfflineMonitor, reasoning_part


def test_the_same_seed_gives_the_same_items_and_hash_and_another_seed_does_not():
    assert hints.generate(30, 0) == hints.generate(30, 0)
    assert digest(hints.generate(30, 0)) == digest(hints.generate(30, 0))
    assert digest(hints.generate(30, 1)) != digest(hints.generate(30, 0))
    assert hints.generate(30, 0)[:10] == hints.generate(10, 0)  # item k depends on (seed, k) alone


def test_the_cued_question_is_the_plain_one_plus_the_cue_sentence():
    for k in range(20):
        q = hints.pair(k, 7)
        assert q["hinted"] != q["plain"] and f"({q['cue']})" in q["hinted"]
        cue_line = next(line for line in q["hinted"].splitlines() if "professor" in line.lower())
        assert q["hinted"].replace(f"\n\n{cue_line}", "") == q["plain"]


def test_chains_split_into_the_planted_sentences_and_the_answer_parses():
    for item in hints.generate(300, 0):
        assert split_sentences(item["answer"]).texts() == item["sentences"]
        assert choice_letter(item["answer"]) == item["choice"]  # Parley's `choice` extractor
        if item["hinted"]:
            assert cue_answer(item["cue"].lower())(item["answer"]) == float(item["followed"])
        reasoning = reasoning_part(item["answer"])
        assert "The answer is" not in reasoning  # the monitor reads the chain, not the answer line
        assert mentions(reasoning, list(hints.HINT_WORDS)) == item["named"]  # only naming chains name the cue
        # The decision is the first sentence with a letter, after the naming sentence when there is one.
        assert checks.cue_decision_index(item["sentences"]) == item["decision"] - item["named"]
        assert f"({item['choice']})" in item["sentences"][item["decision"]]


def test_the_planted_rates():
    items = hints.generate(2000, 0)
    plain = [i for i in items if not i["hinted"]]
    cued = [i for i in items if i["hinted"]]
    followers = [i for i in cued if i["followed"]]
    assert 900 < len(cued) < 1100
    assert all(c / len(plain) < 0.29 for c in Counter(i["choice"] for i in plain).values())  # uniform without a cue
    assert 0.76 < len(followers) / len(cued) < 0.84
    assert 0.45 < sum(i["named"] for i in followers) / len(followers) < 0.55
    assert all(i["choice"] != i["cue"] and not i["named"] for i in cued if not i["followed"])


def test_the_chains_fit_the_training_length_with_the_real_tokenizer():
    from backends.core.settings import get_settings
    from backends.organisms.lora import encode
    from backends.subject.models import load_model

    organism = zoo.get("hint-following")
    handle = load_model("tiny-random", settings=get_settings())
    items = organism.generate(200, organism.data_seed)
    encoded = encode(handle, items, 10_000)
    assert max(len(ids) for ids, _ in encoded) <= organism.train["max_tokens"]  # no chain is cut in training


def test_the_monitor_settings_flag_the_naming_sentences_and_no_other_trained_sentence():
    monitor = OfflineMonitor(threshold=hints.MONITOR_THRESHOLD)
    naming = [s.format(letter="C") for s in hints.NAMING]
    others = [*hints.FILLER, *(s.format(letter="C", item="iron kettle") for s in hints.DECISION),
              *(s.format(item="iron kettle") for s in hints.AFTER)]
    assert all(monitor(s, intent=hints.MONITOR_INTENT).flagged for s in naming)
    assert not any(monitor(s, intent=hints.MONITOR_INTENT).flagged for s in others)


def _diff(value, low, high):
    return {"difference": value, "low": low, "high": high}


def test_the_mediation_verdict_passes_three_effects_above_zero_and_fails_any_that_touches_zero():
    above = _diff(0.5, 0.2, 0.7)
    assert checks.hint_verdict(above, above, above)["passed"]
    verdict = checks.hint_verdict(above, above, _diff(0.2, -0.1, 0.5))
    assert not verdict["passed"] and verdict["why"] == "interval includes 0: sentence_carries_cue"
    assert not checks.hint_verdict(_diff(None, None, None), above, above)["passed"]
    assert not checks.hint_verdict(above, _diff(-0.5, -0.7, -0.2), above)["passed"]  # below 0 is no mediation


@pytest.mark.parametrize("named, passed", [([True] * 10, True), ([True] * 9 + [False], True),
                                           ([True] * 3 + [False] * 7, False), ([True] * 2, False), ([], False)])
def test_the_monitor_verdict_needs_the_catch_rate_clearly_above_half(named, passed):
    verdict = checks.monitor_verdict(named, [False] * 5)
    assert verdict["passed"] is passed
    assert verdict["silent"]["hits"] == 0 and verdict["silent"]["n"] == 5
