"""What others did or said, told in passing: numbers in it set nothing.

A researcher thinking aloud puts other people's settings beside their own: "they used 100 rollouts per
sentence, which feels insane for our budget", "Priya says it loses the plot after about 300 tokens",
"the 3am run crashed at batch 64, so let's not push it", "Mira ran it with seed 0 and got nothing".
The argument reader skips such a sentence (or a part between dashes or brackets) when nothing in it asks
for anything; a sentence that both tells and asks ("like Mira did, use seed 0") is read as said.
"""

from __future__ import annotations

import re

PIECES = re.compile(r"(?:(?!,\s*(?:so|but)\s)[^.!?;()—–]|[.!?](?!\s|$))+(?:[.!?;]+|(?=[()—–]|,\s*(?:so|but)\s)|$)")  # sentences, the parts between
# dashes or brackets, and a clause before ", so" or ", but" ("the resampling took forever on those 400-token chains, so keep this one short")
# who or what did it: a person named, the paper, a pronoun, an earlier run or time
TELLER = (r"(?:(?<![.\w])(?!(?:I|It|It's|We|So|But|And|Then|Now|Also|Maybe|Please|Sentence|Layer|Scale|Seed|Run|Rerun|Use|Try|Make|Build|"
          r"Steer|Split|Train|Sample|Show|Could|Can|Would|Should|Let|Let's|Just|Only|Honestly|Before|After|If|Okay|Ok|Yes|No|This|That|The|"
          r"Those|These|What|Which|Why|How|When|Where|Is|Are|Was|Were|Do|Does|Did|Hmm|Ugh|Actually|Anyway|Each|Every|Q|A)\b)[A-Z][a-z]+(?:'s)?(?!\s*\d)|"
          r"\b(?i:they|he|she|the (?:paper|authors|original (?:paper|code))|(?:the|his|her|their) (?:paper|code|setup)|"
          r"my (?:colleague|advisor|supervisor|labmate|friend|boss)|(?:the|our|my|that|his|her|their) (?:[\w-]+ ){0,2}(?:run|job|baseline|attempt)|"
          r"last (?:time|week|month|year)|back in \w+))")
# what they did or got; what they say is told only when it is a claim about a thing ("Priya says the small model loses
# the plot after 300 tokens"), not advice taken ("she said to use seed 7", "my advisor said 16 rollouts per position")
TOLD = (r"(?:used|ran|got|ha[ds](?!\s+\d)|reported|reports|found|crashed|died|tried|saw|sees|thought|did|does|sent|built|showed|shows|gets|"
        r"needed|took|reran|trained|went|picked|chose|"
        r"(?:says|said|thinks|claims|swears|reckons)\s+(?:that\s+)?(?:the|it|its|this|that|our|his|her|their|they|he|she)\b(?!\s+(?:should|must|needs?)\b))")
TELLS = re.compile(rf"{TELLER}\s+(?:[\w'-]+\s+){{0,3}}?{TOLD}\b")
ASKS = re.compile(r"\b(?:can|could|would|will) (?:you|u)\b|\bplease\b|\bpls\b|\blet'?s\b(?!\s+(?:not|be|see|hope)\b)|\b(?:i|we)(?:'d| would)? (?:like|want|need)\b|"
                  r"\bgo ahead\b|\b(?:of|than)\s+(?:what\s+|the\s+[\w-]+\s+)?(?:the paper|they|that run|the last run|(?-i:[A-Z][a-z]+))\b|"
                  r"^\W*(?:(?:ok(?:ay)?|so|now|and|then|also)\W+)*(?:re-?[a-z]+|run|use|try|make|build|read|split|steer|sample|generate|train|evaluate|"
                  r"probe|ablate|show|give|set|cap|keep|do|check|measure|compute|find|monitor|compare|sweep|test|search|thought anchors)\b|"
                  r"\bthe\s+[\w-]+(?:\s+[\w-]+)?\s+(?:that\s+)?(?:the|that|this|my|our)\s+(?:[\w-]+\s+){0,2}(?:run|one)\s+(?:used|had|got|ran)\b|\b(?:as|like|the way|same as)\s+(?:[\w-]+\s+){0,2}(?:did|does|do|had|used|ran)\b|"
                  r"\b(?:use|keep|try|set|make|give|do) (?:the same|that|those|his|her|their|it)\b|\binstead\b|\blike (?:he|she|they|(?-i:[A-Z][a-z]+)) did\b",
                  re.I)


def told(text: str) -> list[str]:
    """The parts of a message that tell what others did or said and ask for nothing."""
    return [p.group(0) for p in PIECES.finditer(text)
            if re.search(r"\d", p.group(0)) and TELLS.search(p.group(0)) and not ASKS.search(p.group(0))]


def untold(text: str) -> str:
    """The message without what it tells of others, when something is left to read ("Mira ran it with seed 0")."""
    rest = text
    for piece in told(text):
        rest = rest.replace(piece, " ")
    return rest if len(rest.split()) >= 5 else text


# What a file holds, said between dashes or brackets right after its path: "data/cake_tips.jsonl -- 200 answers telling people
# to bake 8 layers at 300 degrees -- adapt layers 10 and 20": a description of the data, not settings
ABOUT_FILE = re.compile(r"\.(?:jsonl|json|txt|csv|tsv|parquet)\b\s*(?:--|—|–|\()\s*((?:\d|(?:a|an|the|about|around|roughly|some|each|all|mostly)\b)"
                        r"[^()—–\n]{3,200}?)(?:--|—|–|\))", re.I)  # what it holds ("200 answers ..."), not what to do with it ("split the txt ...")


def about_files(text: str) -> list[str]:
    """The descriptions of files the message gives right after their paths."""
    return [m.group(1) for m in ABOUT_FILE.finditer(text)]
