"""The command line's progress bar on stderr."""

import re

from tui.terminal import StderrProgress


def _frames(err: str) -> list[str]:
    return [f for f in re.split(r"[\r\n]", err) if f.strip()]


def test_a_stage_whose_note_carries_a_changing_number_keeps_one_bar(capsys):
    """'steps (loss 2.14)' then 'steps (loss 1.90)' is one stage: a new bar per step would restart at 0/50 and
    show a nonsense rate (seen: 7,301,195 it/s while training a LoRA)."""
    bar = StderrProgress()
    for step in range(0, 51, 5):
        bar(step, 50, f"steps (loss {2.5 - step / 25:.3f})")
    bar.close()
    frames = _frames(capsys.readouterr().err)
    counts = [int(m.group(1)) for f in frames for m in [re.search(r"\b(\d+)/50\b", f)] if m]
    assert counts == sorted(counts) and counts[-1] == 50  # never back to 0/50 once it moved
    assert any("50/50" in f and "loss 0.500" in f for f in frames)  # the newest note is shown


def test_a_new_stage_starts_a_new_bar(capsys):
    bar = StderrProgress()
    bar(3, 3, "embedding documents")
    bar(0, 10, "building layer 15")
    bar(10, 10, "building layer 15")
    bar.close()
    frames = _frames(capsys.readouterr().err)
    assert any("embedding documents" in f and "3/3" in f for f in frames)
    counts = [int(m.group(1)) for f in frames for m in [re.search(r"building layer 15.*?\b(\d+)/10\b", f)] if m]
    assert counts[0] == 0 and counts == sorted(counts) and counts[-1] == 10
