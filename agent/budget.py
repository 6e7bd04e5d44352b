"""The time or compute a researcher says they have, said as a sentence of its own before or after the request: "this
can run overnight, so go big: 100 rollouts per position", "we have the cluster overnight. ITDA on every layer ...",
"no time to rerun anything before the meeting -- just put this morning's importance table back up".

The budget is the reason for the settings, not a request: the sentence is left out when reading what is asked, unless
it names a run ("that sweep took 40 minutes, I'm not running it again. show me its table": "its" is that sweep's).
"""

from __future__ import annotations

import re

from agent.run_kinds import RUN_WORDS

# A sentence of the time or compute there is, wherever it stands: "this can run overnight, so go big: 100 rollouts ...", "we have the
# cluster overnight. ITDA on every layer ...", "no rush -- ..."
BUDGET = re.compile(r"(?:^|(?<=[.!?] ))(?:\W*[^:.!?\n]{0,50}?\b(?:overnight|all night|(?:the|a) (?:long )?weekend|no rush|plenty of (?:time|compute)|in a (?:hurry|rush)|short on (?:time|compute)|"
                    r"(?:\d+|a few|five|ten|twenty|thirty) min(?:ute)?s\b|before (?:the |my |our |group |lab )?meeting|go big|quick and dirty|"
                    r"(?:time|compute|gpu) is (?:cheap|free|no object)|budget)\b[^:.!?\n]{0,40}?(?:[:.!]|\s[—–-]+|,\s*so)\s+)+", re.I)
PASTED = re.compile(r"[\"“”]|(?<!\w)'[^']{3,}'(?!\w)|<think>|\\boxed|\n")  # quoted or pasted text: data, not the budget


def left_out(text: str) -> str:
    """The message without a sentence of the time or compute there is, when a request is left ("those intervals are
    useless. this can run overnight, so go big: 100 rollouts per position")."""
    said = BUDGET.search(text)
    if said is None or re.search(rf"\b(?:{RUN_WORDS})\b", said.group(0), re.I) or PASTED.search(text):
        return text  # "that sweep took 40 minutes, I'm not running it again. show me its table": the sentence names the run;
    rest = text[:said.start()] + text[said.end():]  # "split this: <think>Start at 45 minutes. ...": a chain's own words
    return rest if len(rest.split()) >= 4 and "?" not in rest else text  # "Before a weekend of GPU time: would CAFT ...?": asked
