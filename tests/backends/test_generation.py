import torch

from backends.subject.generation import sample

PROMPT_Q = "What is 17 + 25?"


def test_the_same_seed_gives_the_same_text_and_another_seed_another(tiny):
    prompt = tiny.chat_prompt(PROMPT_Q)
    a = sample(tiny, prompt, max_new_tokens=24, seed=7)
    b = sample(tiny, prompt, max_new_tokens=24, seed=7)
    c = sample(tiny, prompt, max_new_tokens=24, seed=8)
    assert a.token_ids == b.token_ids and a.text == b.text
    assert a.token_ids != c.token_ids


def test_sampling_leaves_the_callers_random_state_alone(tiny):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    sample(tiny, tiny.chat_prompt(PROMPT_Q), max_new_tokens=5, seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_progress_counts_every_token_up_to_the_budget(tiny):
    calls = []
    gen = sample(tiny, tiny.chat_prompt(PROMPT_Q), max_new_tokens=12, seed=1,
                 progress=lambda done, total, note: calls.append((done, total)))
    assert gen.finish_reason in ("length", "eos")
    assert calls[0] == (1, 12) and calls[-1] == (gen.n_tokens, 12)
    assert [d for d, _ in calls] == list(range(1, gen.n_tokens + 1))


def test_should_stop_returns_what_was_generated_and_resume_continues_it(tiny):
    prompt = tiny.chat_prompt(PROMPT_Q)
    steps = []
    stopped = sample(tiny, prompt, max_new_tokens=30, seed=3, should_stop=lambda: len(steps) >= 6,
                     progress=lambda d, t, n: steps.append(d))
    assert stopped.finish_reason == "stopped"
    assert stopped.n_tokens == 6
    resumed = sample(tiny, prompt, max_new_tokens=30, seed=3, resume_ids=stopped.token_ids)
    assert resumed.token_ids[:6] == stopped.token_ids
    assert resumed.n_tokens == 30 or resumed.finish_reason == "eos"
    assert resumed.text.startswith(stopped.text)


def test_resuming_from_a_saved_checkpoint_gives_the_text_of_a_run_never_stopped(tiny):
    prompt = tiny.chat_prompt(PROMPT_Q)
    saved = []
    whole = sample(tiny, prompt, max_new_tokens=40, seed=4, checkpoint_every=16, checkpoint_s=3600,
                   on_checkpoint=lambda ids, rng: saved.append((ids, rng)))
    assert [len(ids) for ids, _ in saved] == [16, 32] and whole.n_tokens == 40
    for ids, rng in saved:  # as a run killed right after saving would go on
        assert ids == whole.token_ids[: len(ids)]
        resumed = sample(tiny, prompt, max_new_tokens=40, seed=4, resume_ids=ids, rng_state=rng)
        assert resumed.token_ids == whole.token_ids and resumed.text == whole.text


def test_generation_ends_at_the_end_of_turn_token_and_hides_it(smol):
    gen = sample(smol, smol.chat_prompt("Say only the word: yes"), max_new_tokens=40, temperature=0, seed=0)
    assert gen.finish_reason == "eos"
    assert gen.token_ids[-1] in smol.stop_token_ids
    assert "<|im_end|>" not in gen.text and gen.text.strip()
