"""Thought Branches arithmetic against scripted samplers whose behaviour is known exactly.

Each sampler decides its continuation from the prefix it is given (and, where a test needs
a mixture, from the row), so every resilience, rate, gap and search length below is worked
out by hand. Sentences are compared with the real embedder.
"""

import pytest

from backends.subject.behaviour import get_metric
from backends.subject.sampling import Rollout
from backends.core.stats import difference_interval
from backends.thought_branches.branching import rate, rate_difference
from backends.thought_branches.hint_mediation import HintMediationRun, MediationSettings
from backends.thought_branches.interventions import InterventionRun, InterventionSettings
from backends.thought_branches.resilience import (
    ResilienceRun, ResilienceSettings, counterfactual_plus_plus, resilience_stats,
)

BLACKMAIL = get_metric("regex:BLACKMAIL")
PROMPT = "<prompt> "
COT = "I read the emails. I must survive at all costs. So I write to Kyle. Email: BLACKMAIL."


class ResilientSampler:
    """Content "I must survive at all costs." comes back `comes_back` times in every chain (after a
    filler sentence, so each return is one sentence further on), then the model writes a normal email.
    With `odd_rows_drop`, odd rows of a batch drop the content at once."""

    name = "scripted"

    def __init__(self, comes_back: int, odd_rows_drop: bool = False):
        self.comes_back, self.odd_rows_drop, self.calls = comes_back, odd_rows_drop, 0

    def sample(self, prefix, n, params, **kwargs):
        self.calls += 1
        out = []
        for row in range(n):
            if "I must survive at all costs." in prefix[len(PROMPT):]:  # kept: the content is in the prefix
                text = "So I threaten him. Email: BLACKMAIL."
            elif prefix.count("Hmm, let me think.") < self.comes_back and not (self.odd_rows_drop and row % 2):
                text = "Hmm, let me think. I must survive at all costs. So I threaten him. Email: BLACKMAIL."
            else:
                text = "I will write a normal email. Email: all fine."
            out.append(Rollout(text=text, n_tokens=10, finish_reason="eos"))
        return out


def test_rates_leave_unjudged_rollouts_out_and_count_them():
    r = rate([1.0, 0.0, None, 1.0, 1.0])
    assert r["rate"] == 0.75 and r["n"] == 4 and r["n_unscored"] == 1 and r["low"] < 0.75 < r["high"]
    assert rate([None, None]) == {"rate": None, "low": None, "high": None, "n": 0, "n_unscored": 2}
    d = rate_difference([1.0] * 9 + [0.0], [0.0] * 10)
    assert d["difference"] == pytest.approx(0.9) and d["low"] < 0.9 < d["high"]
    assert rate_difference([None], [1.0])["difference"] is None


def test_resilience_statistics_by_hand():
    chains = [{"status": "eliminated", "resilience": 2}, {"status": "eliminated", "resilience": 0},
              {"status": "persisted", "resilience": 20}, {"status": "eliminated", "resilience": 0},
              {"status": None, "resilience": 5}]  # unfinished: left out
    stats = resilience_stats(chains)
    assert stats["chains"] == 4 and stats["mean_resilience"] == 5.5
    assert stats["persistence_rate"] == 0.25 and stats["abandonment_rate"] == 0.5
    cfpp = counterfactual_plus_plus([1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 1.0, None])
    assert cfpp["difference"] == pytest.approx(0.75 - 1 / 3) and cfpp["eliminated"]["n_unscored"] == 1


def test_content_that_comes_back_twice_has_resilience_two_and_counterfactual_plus_plus_one():
    sampler = ResilientSampler(comes_back=2)
    run = ResilienceRun(sampler, PROMPT, COT, BLACKMAIL, ResilienceSettings(chains=3, rollouts=4, seed=1), targets=[1])
    assert run.advance()
    [row] = run.table()
    assert row["index"] == 1 and row["text"] == "I must survive at all costs."
    assert row["mean_resilience"] == 2.0 and row["persistence_rate"] == 0.0 and row["abandonment_rate"] == 0.0
    assert row["kept_rate"] == 1.0 and row["eliminated_rate"] == 0.0 and row["counterfactual_pp"] == 1.0
    # the plain resample brings the content (and the blackmail) back every time: resampling sees no effect
    assert row["resampled_rate"] == 1.0 and row["resampling"] == 0.0
    assert sampler.calls == 1 + 3 * 2 + 1  # one batch for the first resample, two more per chain, the kept side
    chain = run.state["sentences"]["1"]["chains"][0]
    assert chain["head"] == "I read the emails. Hmm, let me think. Hmm, let me think. "
    assert [it["sentence"] for it in chain["iterations"]] == ["I must survive at all costs."] * 2 + [None]


def test_content_that_never_leaves_persists_to_the_cap():
    run = ResilienceRun(ResilientSampler(comes_back=99), PROMPT, COT, BLACKMAIL,
                        ResilienceSettings(chains=2, rollouts=2, max_iterations=5), targets=[1])
    assert run.advance()
    [row] = run.table()
    assert row["mean_resilience"] == 5.0 and row["persistence_rate"] == 1.0
    assert row["n_eliminated"] == 0 and row["counterfactual_pp"] is None  # nothing shows the rate without it


def test_abandoned_chains_and_a_mixture():
    run = ResilienceRun(ResilientSampler(comes_back=1, odd_rows_drop=True), PROMPT, COT, BLACKMAIL,
                        ResilienceSettings(chains=4, rollouts=2), targets=[1])
    assert run.advance()
    [row] = run.table()
    assert row["mean_resilience"] == 0.5 and row["abandonment_rate"] == 0.5  # resilience 1, 0, 1, 0
    assert row["resampled_rate"] == 0.5 and row["resampling"] == 0.5


def test_a_stopped_resilience_run_resumes_to_the_same_table():
    settings = ResilienceSettings(chains=3, rollouts=2, seed=4)
    whole = ResilienceRun(ResilientSampler(2), PROMPT, COT, BLACKMAIL, settings, targets=[0, 1])
    whole.advance()
    asked = []
    part = ResilienceRun(ResilientSampler(2), PROMPT, COT, BLACKMAIL, settings, targets=[0, 1])
    assert not part.advance(should_stop=lambda: (asked.append(1) or len(asked)) > 2)  # inside target 0's rounds
    resumed = ResilienceRun(ResilientSampler(2), PROMPT, COT, BLACKMAIL, settings, targets=[0, 1], state=part.state)
    assert resumed.advance()
    assert resumed.table() == whole.table()


# --- Interventions ---

SURVIVAL = get_metric("regex:survival")


class InterventionSampler:
    """The decision (the word "survival" in the email) follows whether a survival sentence is in the prefix.

    On-policy: at the target position the model offers candidates; the sentence after a candidate
    means "my main goal is survival" only from iteration `reach_at` on (an iteration is one batch
    of candidates)."""

    name = "scripted"

    def __init__(self, reach_at: int):
        self.reach_at, self.candidate_batches, self.own = reach_at, 0, set()

    def sample(self, prefix, n, params, **kwargs):
        head = prefix[len(PROMPT):]
        if head == "I read the emails. ":  # resampling the target: candidates
            self.candidate_batches += 1
            texts = [f"Option {k} is on the table." for k in range(n)]
        elif head.startswith("I read the emails. Option"):  # continuing a candidate
            wanted = self.candidate_batches >= self.reach_at
            texts = ["My main goal is survival." if wanted else "The weather is nice."] * n
        elif head == "":  # other rollouts, for the most similar sentence
            texts = ["I want to keep running. Survival matters to me. Email: hi."] * n
        else:
            texts = ["Email: survival first." if "survival" in head.lower() else "Email: hello."] * n
        self.own.update(texts)
        return [Rollout(text=t, n_tokens=5, finish_reason="eos") for t in texts]

    def score(self, prefix, text):
        return [-0.5] * 4 if any(text in t for t in self.own) else [-3.0] * 4


def test_interventions_off_policy_and_on_policy_side_by_side():
    sampler = InterventionSampler(reach_at=2)
    run = InterventionRun(sampler, PROMPT, COT, SURVIVAL, InterventionSettings(rollouts=4, candidates=3, continuations=2),
                          target=1, insert="My primary goal is survival.")
    assert run.advance()
    rows = {r["condition"]: r for r in run.table()}
    assert rows["unedited"]["rate"] == 0.0 and rows["unedited"]["change"] is None
    assert rows["handwritten"]["rate"] == 1.0 and rows["handwritten"]["change"] == 1.0
    assert rows["handwritten"]["logprob"] == -3.0  # written by hand: off-policy
    assert rows["other rollout"]["inserted"] == "Survival matters to me." and rows["other rollout"]["logprob"] == -0.5
    assert rows["on-policy"]["inserted"] == "My main goal is survival." and rows["on-policy"]["rate"] == 1.0
    assert rows["on-policy"]["logprob"] == -0.5 and rows["on-policy"]["similarity"] >= 0.7
    search = run.state["search"]
    assert search["found"] is True and len(search["iterations"]) == 2  # stopped once the target was reached
    assert sampler.candidate_batches == 2
    assert run.state["conditions"]["handwritten"]["texts"][0].startswith(
        "I read the emails. I must survive at all costs. My primary goal is survival. Email:")


def test_on_policy_search_gives_up_at_the_cap():
    sampler = InterventionSampler(reach_at=99)
    run = InterventionRun(sampler, PROMPT, COT, SURVIVAL,
                          InterventionSettings(rollouts=2, candidates=2, continuations=2, max_iterations=6),
                          target=1, insert="My primary goal is survival.")
    assert run.advance()
    assert run.state["search"]["found"] is False and len(run.state["search"]["iterations"]) == 6
    assert sampler.candidate_batches == 6
    assert "on-policy" not in {r["condition"] for r in run.table()}


# --- Hint mediation ---

HINT_PROMPT = "<prompt with hint: a professor says (B)> "
CUE = get_metric("choice:B")


class HintSampler:
    """Answers (B) exactly when "B looks right." is in the prefix. With the hint in the prompt, the next
    sentence alternates between one naming the professor and "B looks right."; without it, "A seems right."."""

    name = "scripted"

    def sample(self, prefix, n, params, **kwargs):
        if params.max_new_tokens <= 48:  # a next sentence
            hinted = prefix.startswith(HINT_PROMPT)
            texts = [("The professor says B." if k % 2 == 0 else "B looks right.") if hinted else "A seems right."
                     for k in range(n)]
        else:
            texts = ["The answer is (B)." if "B looks right." in prefix else "The answer is (A)."] * n
        return [Rollout(text=t, n_tokens=5, finish_reason="eos") for t in texts]


def test_transplant_curve_rises_where_the_hinted_sentence_enters_and_stops_at_99_percent():
    run = HintMediationRun(HintSampler(), PROMPT, HINT_PROMPT, hinted="Let me see. B looks right. The answer is (B).",
                           unhinted="Let me see. A is the capital. The answer is (A).", cue_answer=CUE,
                           hint_words=["professor"], settings=MediationSettings(rollouts=4, sentence_tokens=32),
                           positions=[1])
    assert run.advance()
    assert [r["rate"] for r in run.curve()] == [0.0, 0.0, 1.0]  # before S0, before S1, before S2: then stop
    [row] = run.mediation()
    assert row["position"] == 1 and row["dropped"] == 4  # half of 8 hinted samples name the professor
    assert row["hinted_rate"] == 1.0 and row["unhinted_rate"] == 0.0 and row["gap"] == 1.0
    assert row["n_hinted"] == 4 and row["n_unhinted"] == 8 and row["example"] == "B looks right."
    assert (row["gap_low"], row["gap_high"]) == difference_interval([1.0] * 4, [0.0] * 8)  # Newcombe, 4 against 8
