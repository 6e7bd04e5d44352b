"""Free text arguments read from a request: the chain of thought, question, prompt, insert, text or query.

Quoted text, labelled text ("question: ...", "cot: ..."), a chain pasted in <think> tags, after
"this chain:" or after a blank line; a search's topic. Phrases that set other arguments are left out.
"""

from __future__ import annotations

import re

from agent.model_names import SIZED
from agent.wording import INSERTED, answer_line, labelled, named_then_given, payload, quoted, quoted_all, without


NOT_GIVEN = re.compile(r"(?:my|our|an?|some|one)\s+(?:own\s+)?(?:[\w-]+\s+){0,3}(?:problem|question|prompt|puzzle|riddle|text|example)s?(?=\s*(?:[,;(.]|$))", re.I)
# "I have a particular question in mind", "reason step by step on a question for me", "I'll paste the problem": to come
TO_COME = re.compile(r"\b(?:i|we)(?:'ve| have|'ve got| got| do)? (?:a |one )?(?:particular |specific |certain |good |new )?(?:question|problem|prompt|puzzle)"
                     r" (?:in mind|ready|lined up)\b|\b(?:on|about|for|with|through) a (?:question|problem|prompt|puzzle) (?:for me|of mine)\b|"
                     r"\b(?:i'?ll|i will|let me|i can|(?:i'?m )?gonna|(?:i'?m )?going to) (?:give|paste|send|type|share|provide|hand|feed) (?:you |it |the model )?"
                     r"(?:the|an?|my) (?:(?:fresh|new|different|harder|easier|short|longer) )?(?:word )?(?:question|problem|prompt|puzzle)\b(?!\s*:)", re.I)
# "could you get tiny-random to reason through something for me at temperature 1?": a question to come, not given
SOMETHING = re.compile(r"\b(?:reason|think|work|go)\s+(?:through|thru|about|on|over)\s+(?:something|anything|a (?:problem|question))\b(?!\s*:)", re.I)


# A problem pasted first, then after a blank line the request that points back at it
ABOVE = re.compile(r"^\s*(\S[\s\S]{10,}?)\n[^\S\n]*\n(?=[\s\S]*\b(?:(?:that|the above|this)\s+(?:question|problem|item|puzzle)\b|above\b|for that\b))")


def reasoning(text: str) -> bool:
    """'Start with 10. Double it to get 20. Final answer 20.': statements in a row, not a question."""
    return len(re.findall(r"[.!](?:\s|$)", text)) >= 3 and not text.rstrip().endswith("?")


def _rest(text: str, said: list[str]) -> str:
    """`text` without the phrases that set other arguments, and without the words that join them."""
    for phrase in sorted(said, key=len, reverse=True):
        text = text.replace(phrase, " ")
    return re.sub(r"\b(?:and|with|at|on|in|only|each|per|the|a|pls|please)\b|[^\w\s]", " ", text, flags=re.I)


def read_free(props: dict, text: str, said: list[str], required: tuple = ()) -> dict:
    """Free text arguments (cot, question, prompt, insert, text, query), without the phrases that set others."""
    args: dict = {}
    donor = "donor_cot" in props and re.search(r"\b(?:donor(?!\s+(?:rollouts?|pools?|samples?)\b)|(?:other|another|different|second) (?:chain|cot|trace|model'?s? chain)|"
                                               r"(?:chain|cot|trace) (?:the|a|another) (?:[\w-]+ )?model wrote)\b", text, re.I)
    for field, value in labelled(text).items():  # "question: ... reasoning: ...", "chain '...'", "system prompt 'X'"
        target = {"question": "question", "prompt": "prompt", "system": "system", "cot": "donor_cot" if donor else "cot",
                  "hinted_question": "hinted_question", "answer": "answer"}[field]
        if target not in props and target == "question" and "prompt" in props:
            target = "prompt"
        if target not in props and target == "prompt" and "question" in props:
            target = "question"
        if target in props:
            args[target] = value
    texts = [t for t in quoted_all(text) if t not in args.values() and not any(t in v for v in args.values())
             and not any(t in phrase for phrase in said)]  # not the quoted value of another argument ("sys prompt: '...'")
    texts += [f for f in (b.strip() for b in re.findall(r"```[\w-]*[^\S\n]*\n(.+?)```", text, re.S)) if f and f not in texts]  # a problem in a fenced block
    given = [t for t in texts if not re.search(rf"\b(?:insert|put|add|plant|splice|place)\w*\s+(?:the\s+(?:sentence|line)\s+)?['\"“‘]{re.escape(t)}", text, re.I)] \
        if donor and "donor_cot" not in args else []
    if given:  # not the sentence to insert ("insert '...' ... search 16 rollouts for the off-policy donor")
        args["donor_cot"] = max(given, key=len)  # "take the off-policy sentence from this other chain: '...'"
        texts.remove(args["donor_cot"])
    termed = [t for t in texts if len(t.split()) <= 4 and not re.search(r"[.?!]$", t)
              and re.search(rf"\bthe(?:\s+[\w-]+)?\s*['\"“‘]{re.escape(t)}", text, re.I)]  # "the off-policy 'most similar sentence'": a term
    inserts = [t for t in texts if t not in termed]
    if "insert" in props and inserts and re.search(r"\b(?:insert|put|add|plant|splice|place)(?:s|ing|ed)?\b|\bputting\b|\bafter sentence\b", text, re.I):
        args["insert"] = inserts[0]
        texts.remove(inserts[0])
    own_line = re.search(r":[^\S\n]*\n\s*([^\n]{3,})", text) if "insert" in props and "insert" not in args and re.search(
        r"\b(?:insert|put|add|plant|splice|place)\w*\s+(?:this|the following)\s+(?:sentence|line|text)\b", text, re.I) else None
    if own_line:  # "put this sentence in right after sentence 3 ...:\nI must not let them turn me off.\n24 rollouts"
        args["insert"] = own_line.group(1).strip()
    elif "insert" in props and "insert" not in args and (same_line := INSERTED.search(text)):
        args["insert"] = same_line.group(1).strip()  # "put this after sentence 2: The operator said ... is fine. then compare ..."
    if "intent" in props and texts and len(texts[0]) <= 80 and re.search(r"\b(?:look(?:ing)? for|watch(?:ing)? for|flag|intent(?: to| of)?|misbehaviou?r)\W+['\"“]", text, re.I):
        args["intent"] = texts.pop(0)  # "look for 'deceiving the customer to earn a bonus'"
    elif "intent" in props and (named := re.search(r"\b(?:judge|check|monitor|scan|flag|read)\w*\s+(?:this|it|that|the chain|the reasoning)?\s*for\s+"
                                                 r"((?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*ing)\s*:", text, re.I)):
        args["intent"] = named.group(1)  # "LLM-judge this for sandbagging: '...'"
    pasted = payload(text, "cot") if "cot" in props and texts else None
    if "cot" in args:
        pass
    elif pasted and reasoning(pasted) and all(t in pasted for t in texts):  # a chain pasted after a colon, quoting words of its own
        args["cot"], texts = pasted, []
    elif "cot" in props and "<think>" in text and all(text.find(t) < text.index("<think>") for t in texts):
        args["cot"] = text[text.index("<think>"):]  # "fragments such as 'So.' and 'Right.' ... split the following?\n<think>...": the chain
    elif "cot" in props and texts and (len(texts) > 1 or len(texts[0]) > 80 or "question" not in props and "prompt" not in props
                                       or reasoning(texts[0]) or named_then_given(text, texts[0])):
        # "suppress attention on this reasoning, ...: \"The bus has 7 stops. ...\"": the chain named, then given
        longest = max(texts, key=len)
        args["cot"] = longest
        texts.remove(longest)
    elif "cot" in props and ("<think>" in text or re.search(r"\\boxed", text) and (boxed := payload(text, "cot"))):
        args["cot"] = text[text.index("<think>"):] if "<think>" in text else boxed  # a colon inside the chain is the chain's
    elif "cot" in props and (pasted := payload(text, "cot")) and pasted not in args.values() and (
            reasoning(pasted) or re.search(r"\b(?:this|my|the following|following) (?:chain|cot|trace|reasoning)\b[^:]{0,40}:\s*\n", text, re.I)):
        args["cot"] = pasted  # "receiver heads for this chain:\n<the chain>"
    elif "cot" in props and len(blocks := re.split(r"\n\s*\n", text.strip())) >= 2 and reasoning(blocks[-1]) \
            and blocks[-1] not in args.values():
        args["cot"] = blocks[-1].strip()  # "thought anchors on this pls. q was '...'\n\n<the chain>"
    if args.get("cot") and isinstance(args.get("question"), str) and (
            asked := re.match(rf"\s*(?:q(?:uestion)?\s*:\s*)?{re.escape(args['question'])}[ \t]*\n", args["cot"], re.I)):
        args["cot"] = args["cot"][asked.end():].strip()  # "Q: Is 57 prime?\n<the chain>": the question's line is not a sentence of it
    if isinstance(args.get("cot"), str) and (answer := answer_line(args["cot"]))[1] is not None:
        args["cot"] = answer[0]  # "Chain: ... 60 km/h.\nAnswer: 60": the pasted problem's answer, not a sentence of it
        args |= {"answer": answer[1]} if "answer" in props else {}
    if "prompts" in props and texts:
        args["prompts"] = texts
        texts = []
    ticked = [t for t in re.findall(r"`([^`\n]{3,})`", text) if not any(t in phrase for phrase in said)]  # not a ticked regex's
    for free in ("question", "prompt", "text"):
        if free in props and free not in args:
            user = re.search(r"\buser\s*:\s*(.+?)(?=\s+system(?: prompt)?\s*:|\s+(?:scale|layers?|seed|decision)\b|$)", text, re.I | re.S)
            if user and free in ("prompt", "question"):
                value = (quoted(user.group(1)) or user.group(1)).strip()
            else:
                value = texts[0] if texts else ticked[0] if ticked else payload(text, free, free in required)  # "which atoms does `def f(): ...` use?"
                if free == "question" and value in texts and len(value.split()) <= 2 and not re.search(r"[\d?]", value):
                    value = payload(text, free, free in required) or value  # "whether these systems really 'think' ... riddle? If 5 machines ...": a word in quotes
            if value and (any(":" in phrase and value.startswith(phrase.split(":", 1)[1].strip()) for phrase in said)
                          or any(phrase in value for phrase in said) and len(_rest(value, said).split()) < 2):  # "like fig 3 of the paper: layers 12 and 16, scale 2": settings only
                value = None  # "hint words: professor, Stanford": the text after that colon is the hint words'
            if value and (NOT_GIVEN.match(without(value, said).strip(" .,;")) or (SOMETHING.search(value) or SOMETHING.search(text) and re.match(
                    r"\W*(?:something|anything|a (?:problem|question))\b", value, re.I)) and not quoted_all(text)
                          or free == "question" and re.match(r"\W*(?:insert|put|add|plant|splice|replace|swap)\b", value, re.I)):  # "...: insert '...', 16 rollouts"
                value = None  # "new chain on my multi-step word problem": named, not given; asked for
            if not value and free in ("question", "prompt") and (above := ABOVE.match(text)):
                value = above.group(1).strip()  # "Which of the following is prime?\n(A) 51 ...\n\nfor that question: insert '...'"
            if value and free in ("question", "prompt") and TO_COME.search(text) and not quoted_all(text) and ":" not in text:
                value = None  # "... at temperature 0.8? I have a particular question in mind."
            if value and (sized := SIZED.search(text)) and value.strip(" .?!") == sized.group(1):
                value = None  # "now the same on smollm2-360m": the model to run on, no topic
            if value and value != args.get("cot") and value.strip("'\"“”") != args.get("donor_cot"):  # the donor chain is no question
                args[free] = without(value, said)
    same = re.search(r"\bhinted\b[^'\"]{0,40}?\b(?:same|that|it|this|the (?:original|question|plain one|unhinted(?: one| question| version)?))\b[^'\"]{0,40}?"
                     r"(\bwith|\bw/|\bplus|\band|\+|\b(?:but )?(?:starting|beginning) with)\s*(['\"“])(.+?)['\"”]"
                     r"(\s*(?:prepended|in front|before it|first|(?:\w+\s+){0,2}(?:at|to) the (?:start|beginning|front)))?", text, re.I)  # "... is that with '...' tacked on the end"
    adds = re.search(r"\bhinted(?: (?:version|one|question|variant))?\s+(adds|appends|prepends|starts with|begins with|ends with)\s*(?=['\"“‘])", text, re.I)
    if "hinted_question" in props and adds and args.get("question") and quoted(text[adds.end():]):  # "the hinted version adds '...' at the end"
        insert = quoted(text[adds.end():])
        first = adds.group(1).lower().startswith(("prepend", "start", "begin"))
        args["hinted_question"] = f"{insert} {args['question']}" if first else f"{args['question']} {insert}"
    if "hinted_question" in props and same and args.get("question"):  # "hinted is the same with 'My teacher says (A).' appended"
        first = bool(same.group(4)) or "start" in same.group(1).lower() or "begin" in same.group(1).lower()
        args["hinted_question"] = f"{same.group(3)} {args['question']}" if first else f"{args['question']} {same.group(3)}"
    if "query" in props:  # a search: the topic after "about", else the whole message
        from agent.search_query import query_of

        args["query"] = query_of(text, texts, lambda value: without(value, said))
    return args
