"""References a conversation cannot resolve: "ablate that vector" with no vector in sight, "the other vector" with
one, "the risky lora" that two fine-tunes fit alike, "the chain about pizza" with none about pizza. Each check
returns the sentence the planner says instead of guessing a run, or None.

A mixin of the dialogue state: it reads the state's runs, and never changes them.
"""

from __future__ import annotations

import re

from agent import by_result, found_in, pasted_output, run_times
from agent.descriptions import ABOUT, STOP_WORDS, content_words, describe_match, describe_scores
from agent.run_kinds import ANY_KIND, COUNTED, FILE, KIND_WORDS, ORDINAL, REFERRED, TOOL_RUN, TOOL_WORDS, TOOLS_OF_KIND, fitting, fragments, kind_of, plural


# "the run before last had the cleanest reasoning": a judgement of a run, not words its subject was said in
QUALITY = r"\b(?:(?:clean|clear|short|long|strong|weak|high|low|small|big|larg|simpl|strang|weird|nic|saf|fast|slow|sharp|great|wid|narrow|odd)est|most|least|best|worst)\b"

def left_said(noun: str) -> str:
    """The words that say a thing is the one left, for things named by `noun` (a pattern): "the remaining fine-tune",
    "the one we haven't swept yet", "the one not scored yet", "the vector that's left"."""
    return (rf"\bthe\s+(?:remaining\s+(?:{noun})|(?:{noun})\s+(?:(?:we|i|you)\s+(?:have\s*n[o']t|haven'?t|didn'?t|did not|never)|(?:not|never))"
            rf"\s+\w+(?:\s+\w+)?\s+yet|(?:{noun})\s+(?:that'?s\s+|still\s+)?left)\b")


class Referents:
    """The checks on what a request refers to; mixed into `DialogueState` (which has `runs`, `in_use`, `built_organisms` and `placed_before`)."""

    def missing_referent(self, text: str) -> str | None:
        """'ablate that vector' with no vector in sight, 'the second fine-tune' with one, 'the other vector'
        with only one: the thing referred to is not in this conversation (a sentence saying so), else None."""
        counted = self.miscounted(text)
        if counted:
            return counted
        tuned = re.search(r"\b(?:on|to|with|for|from) the (?:fine-?tune|finetune|fine-?tuned model)\b(?!\s+(?:in|at|from)\s+\S*/)", text, re.I)
        if tuned and not self.runs and not re.search(r"\borganism:|/", text):  # "continue the itda dicts on the fine-tune", nothing run
            return f"I see no fine-tune in this conversation, so I can't tell which one \"{tuned.group(0)}\" means."
        about = re.search(r"\b(?:the|that|our)\s+(chain|cot|trace|vector|fine-?tune|dictionary)\s+(?:about|from)\s+(?:the\s+)?"
                          r"((?!(?:first|second|last|other|earlier|same|previous|before|yesterday|today|this|that|these|those|its|their|my|our|your|it|above|about|around)\b)[\w-]{3,}(?:\s+[\w-]{3,})?)", text, re.I)
        if about and not kind_of(about.group(2).split()[0]) and not text[about.end():].startswith("'"):  # "from the eval's answers": another run
            kind = kind_of(about.group(1))  # "run anchors on the chain about pizza" with no pizza chain in sight: never another chain
            runs = [r for r in self.runs if kind and r.tool in REFERRED[kind]]
            if runs and describe_match(f"the {about.group(2)} {about.group(1)}", runs, self.runs) is None:
                return f"I see no {about.group(1)} about {about.group(2)} in this conversation."
        named = TOOL_RUN.search(text)
        asked = named and named.group(1) and re.search(r"(?:^|\b(?:now|run|do|start|launch|kick off|go(?: ahead)?(?: with)?|time for|let'?s(?: do)?|then|next))\W*$",
                                    text[:named.start()], re.I)  # "now the CAFT run against that fine-tune": do it
        if named and not asked and not any(r.tool in TOOL_WORDS[(named.group(1) or named.group(2)).lower()] for r in self.runs):
            return f"I see no {named.group(1) or named.group(2)} run in this conversation."  # "now the same on the CAFT run" with none
        return self.id_unfit(text) or self.copied_twice(text) or self.mistimed(text) or self.unpicked(text) or self.undescribed(text) or self._ambiguous(text) \
            or self.tied(text) or self.other_unsettled(text)

    def other_unsettled(self, text: str) -> str | None:
        """'run importance on the other one too' with three chains and one scored: two others, so which?"""
        said = re.search(rf"\bthe other\s+(?P<what>{ANY_KIND}|one)s?\b(?!\s+(?:of the two|two)\b)", text, re.I)
        if said is None or not self.runs:
            return None
        subject = self.runs[-1].subject  # "the other one": of the kind the newest run made or used
        kind = (subject[0] if subject else None) if said.group("what").lower() == "one" else kind_of(said.group("what"))
        if kind not in TOOLS_OF_KIND:
            return None
        used = self.in_use(kind)
        others = [r for r in {r.run_id: r for r in self.runs if r.tool in TOOLS_OF_KIND[kind]}.values() if r.run_id != used]
        if used is None or len(others) < 2:
            return None
        named = "; ".join(f"`{r.run_id}`" + (f" ({r.about()[:40]}" + ("" if r.seed() is None else f", seed {r.seed()}") + ")" if r.about() else "")
                          for r in others[-3:])
        return f"Besides `{used}` there are {len(others)} {plural(kind)} here ({named}), so \"{said.group(0)}\" could be any of them."

    def id_unfit(self, text: str) -> str | None:
        """'the 20270523-1015 one' when two runs began then, 'the b4d0 vector' with no run ending so: a piece of an id
        that names no one run here."""
        for found in fragments(text):
            piece = found.group(0)
            fits = sorted(fitting(piece, [r.run_id for r in self.runs]))
            if len(fits) >= 2:
                return f"\"{piece}\" fits {len(fits)} runs here ({', '.join(f'`{r}`' for r in fits[-3:])}), so I can't tell which."
            before = r"the|on|of|from|with|as|run|id" if not piece.isdigit() else r"run|id"  # ("on 100000 tokens" is no id)
            if not fits and ("-" in piece or re.search(rf"\b(?:{before})\s+{piece}\b|\b{piece}\s+(?:{ANY_KIND}|one|run)s?\b", text, re.I)):
                return f"I see no run whose id has \"{piece}\" in this conversation."
        return None

    def copied_twice(self, text: str) -> str | None:
        """'<a line we printed> steer with that' when two runs printed it: which?"""
        copied = pasted_output.source(text, self.runs)
        if copied is None or len(copied) < 2 or len({r.tool for r in copied}) > 1 or not pasted_output.POINTED.search(pasted_output.without(text, self.runs)):
            return None  # (a chain and its split both hold a sentence of it: "instead of the 'Wait, 91 = 7 x 13' sentence" names the chain)
        return f"What you pasted fits {len(copied)} runs here ({', '.join(f'`{r.run_id}`' for r in copied[-3:])}), so I can't tell which."

    def mistimed(self, text: str) -> str | None:
        """'split this morning's chain' when two chains ran this morning, 'yesterday's vector' with none from yesterday:
        the moment said picks no one run of that kind."""
        for kind, words in KIND_WORDS.items():
            said = run_times.said_of(text, words)
            runs = [r for r in self.runs if r.tool in REFERRED[kind]] if said and kind_of(said[1].rstrip("s")) == kind else []
            if not runs or run_times.ORDERED.search(text):
                continue
            fit = run_times.fits(said[0], runs, run_times.today_of(self.runs))
            if len(fit) >= 2 and describe_match(text.replace(said[0], " "), fit, self.runs) is None:
                started = ", ".join(f"`{r.run_id}` at {r.run_id[9:11]}:{r.run_id[11:13]}" for r in fit[-3:])
                return f"{len(fit)} {plural(kind)} here fit \"{said[0]}\" ({started}), so I can't tell which."
            if not fit:
                return f"I see no {kind} from {said[0]} in this conversation."
        return None

    def unpicked(self, text: str) -> str | None:
        """'the eval with the higher EM rate' when two evals got the same rate, 'the stronger direction' (at steering or at
        ablation?), 'the chain that got it wrong' when two did, 'the sweep whose best cell was at layer 14' when two
        sweeps' was: a description by results that picks no one run."""
        said = by_result.clause(text)
        if said is None:
            described = found_in.CLAUSE.search(text)
            if described and found_in.tied(text, self.runs, self.runs):
                words = next((c for c in found_in.describing(described.group(0)) if described.group(2).startswith(c)), described.group(2))
                return f"\"{text[described.start():described.start(2)]}{words}\" fits two runs here alike."
            return None
        tools = by_result.tools_of(said.group("kind"))
        groups: dict[str, list] = {}
        for run in self.runs:
            if tools is None or run.tool in tools:
                groups.setdefault(run.tool, []).append(run)
        picks = [by_result.picked(text, runs, self.runs) for runs in groups.values() if len(runs) >= 2]
        if by_result.TIE not in picks or any(p not in (None, by_result.TIE) for p in picks):
            return None
        if by_result.unmeasured(said):
            return f"\"{said.group(0)}\" doesn't say which result to compare (the EM rate, the final loss, the change it made?)."
        if "verdict" in said.groupdict():
            return f"\"{said.group(0)}\" fits no one chain here: say the right answer, or name the chain."
        return f"\"{said.group(0)}\" picks no one run here: the runs it compares got the same value."

    def miscounted(self, text: str, kinds: tuple[str, ...] = tuple(KIND_WORDS)) -> str | None:
        """'the other vector' with one vector, 'the two dicts' with three: a count the runs in sight contradict (a sentence saying so)."""
        organism = "fine-tune" in kinds and re.search(r"\b(?:on|with|for|to|from|of|in) the organism\b(?!:)", text, re.I)
        built = list(dict.fromkeys(self.built_organisms())) if organism else []
        builds = [r for r in self.runs if r.tool == "build_organism"]
        if len(built) > 1 and len(run_times.picked(text, "organism", builds, self.runs) or builds) > 1:  # "same question on the organism" with two built
            return f"I see {len(built)} organisms in this conversation ({', '.join(built)}), so I can't tell which one \"the organism\" means."
        for kind, words in ((k, KIND_WORDS[k]) for k in kinds):
            said = re.search(rf"(?<!\ba )(?<!\bget a )\b(that|those|other|second|third|both|two|three)\s+(?:[\w-]+\s+)?(?:{words})s?\b(?!:)", text, re.I)  # "a third chain": new
            if said is None or kind == "fine-tune" and said.group(1).lower() in ("two", "three") or re.search(r"\b(?:one|some|any) of $", text[:said.start()]) \
                    or said.group(1).lower() in ("two", "three") and re.match(r"\s+(?:at|with|using|from|of)\s+(?!the\b|those\b|these\b)", text[said.end():], re.I):
                continue  # "which of the three adapters": parts of one fine-tune; "two organisms to compare", "two dicts at tau 0.3 and 0.5": to be made
            built = ("build_organism",) if kind == "fine-tune" else ()  # a built organism is a fine-tune too
            seen = list(dict.fromkeys(r.run_id for r in self.runs if r.tool in REFERRED[kind] or r.tool in built))
            needed = {"other": 2, "second": 2, "both": 2, "two": 2, "third": 3, "three": 3}.get(said.group(1).lower(), 1)
            if len(seen) > 2 and (said.group(1).lower() in ("both", "two") and not re.search(r"\b(?:first|last|latest)\s+two\b|\bother two (?:(?!chains?\b)[\w-]+ )?"
                                  rf"{'' if len(seen) == 3 else '(?!chains?)'}\w", text, re.I)  # "the other two apples chains": described, or of three
                                  or said.group(1).lower() == "other" and not said.group(0).lower().endswith("s")):  # "now the other chain", of three
                return f"I see {len(seen)} {plural(kind)} in this conversation, so I can't tell which {'one' if said.group(1).lower() == 'other' else 'two'} \"{said.group(0)}\" means."
            if kind == "dictionary" and len(seen) < needed:  # "those two dictionaries" after one build at layers 6 and 18: a dictionary a layer
                seen = [f"{r.run_id}:{layer}" for r in self.runs if r.tool in REFERRED[kind]
                        for layer in ((r.defaults | r.args).get("layers") if isinstance((r.defaults | r.args).get("layers"), list) else [None])]
            if len(seen) < needed and not (needed == 1 and FILE.search(text)):  # "a vector file at v.pt ... that vector": the file
                return f"I see {'no' if not seen else 'only one' if len(seen) == 1 else f'only {len(seen)}'} {kind} in this conversation, so I can't tell which one \"{said.group(0)}\" means."
        return None

    def undescribed(self, text: str) -> str | None:
        """'receiver heads for the bat-and-ball chain' when no chain here is about that: never another chain; "the risky
        lora" when two fit alike: which? A run of another kind that fits none is not questioned: a vector, fine-tune or
        dictionary is often named by what its summary or data said ("the finance fine-tune", "the eval-awareness vector")."""
        for kind, words in KIND_WORDS.items():  # any kind two runs fit alike ("the risky lora" with two), but only a chain fits none
            named = re.search(rf"\b(?:the|our)\s+((?:[a-z][\w-]*\s+)?[a-z][\w/-]*)\s+({words}|one)s?\b(?!')", text, re.I)  # "the formal/casual vector"
            runs = [r for r in self.runs if r.tool in REFERRED[kind]] if named else []
            said = named.group(1).lower().split() if runs else []
            if not said or ORDINAL.search(named.group(1)) or re.search(r"\d|\bseed|\bgreedy\b|\btemp|\blater\b|\bfollowing\b|\bsubsequent\b|\bremaining\b|\brest\b|"
                                                                         rf"{QUALITY}", named.group(1)) or any(  # "the later reasoning": a part of the chain
                    w in STOP_WORDS or COUNTED.fullmatch(w) or kind_of(w) or w.endswith("'s") for w in said):
                continue
            described = content_words(named.group(1)) - {"same", "new", "old", "whole", "full", "entire", "current", "previous", "main"}
            scored = describe_scores(f"the {named.group(1)} one", runs, self.runs) if described else []
            best = max((s[0] for s in scored), default=0)
            if described and best == 0 and named.group(2).lower() != "one" and kind == "chain":  # "the X one" may be a run of another kind
                return f"I see no {kind} like \"{named.group(0)}\" in this conversation."
            tied = list(dict.fromkeys(r.run_id for s, _, r in scored if s == best)) if best else []
            if len(tied) >= 2:  # "the prime one" with two chains about primes
                return f"\"{named.group(0)}\" fits {len(tied)} {plural(kind)} here ({', '.join(f'`{t}`' for t in tied[-3:])}), so I can't tell which."
        return None

    def _ambiguous(self, text: str) -> str | None:
        """'evaluate the fine-tune' with two fine-tunes made here and nothing that picks one: which?"""
        if ORDINAL.search(text):
            return None
        for kind, words in KIND_WORDS.items():
            said = re.search(rf"\bthe\s+(?:{words})s?\b", text, re.I)
            runs = list({r.run_id: r for r in self.runs if r.tool in TOOLS_OF_KIND[kind]}.values()) if said else []
            if len(runs) >= 2 and describe_match(text, runs, self.runs) is None and self.placed_before(text, words, runs) is None \
                    and len(run_times.picked(text, words, runs, self.runs) or runs) > 1:  # "from before the fine-tune", "from about 10"
                named = "; ".join(f"`{r.run_id}`" + (f" ({r.about()[:50]})" if r.about() else "") for r in runs[-3:])
                return f"There are {len(runs)} {plural(kind)} in this conversation ({named}), so \"{said.group(0)}\" could be either."
        return None

    def tied(self, text: str) -> str | None:
        """'the 16-rollout one' with two importance runs at 16 rollouts, 'the chain about the train' with two: a setting or subject they share."""
        found = re.findall(r"\bthe\s+([\w.-]*\d[\w.-]*|(?:layer|seed|rank|scale|tau)\s+-?\d[\d.]*)\s+(one|run|adapter|chain|dictionary|dict|vector|vec|fine-?tune|ft|lora|sweep|eval|model|direction)\b", text, re.I)
        found += [(s, k) for k, s in re.findall(r"\bthe\s+(one|run|adapter|chain|dictionary|dict|vector|vec|fine-?tune|ft|lora|training|model|direction)\s+(?:with|at|on|from)\s+"
                                                r"((?:layer|seed|rank|scale|tau)\s+-?\d[\d.]*)(?![\d.]*\s*(?:,\s*)?(?:and|or|&|/)\s*\d)", text, re.I)]  # "the training with layer 15"
        if len(found) > 1:  # "match the 135m dictionary against the 360m one": each description alone
            return next((tie for s, k in found if (tie := self.tied(f"the {s} {k}"))), None)
        said = [f"the {s} one" for s, _ in found] or [m.group(0) for m in ABOUT.finditer(text) if kind_of(m.group("kind")) in (None, "chain")]
        kind = kind_of(found[0][1]) if len(found) == 1 else None  # "the layer-15 direction": of the directions
        runs = [r for r in self.runs if kind is None or r.tool in REFERRED[kind]]
        picked = ORDINAL.search(re.sub(r"\b(?:in|on|of|for|to) the base model\b", " ", text, flags=re.I))  # "in the base model": where, not which
        scored = describe_scores(said[0], runs, self.runs) if len(said) == 1 and not picked else []
        best = max((s for s, _, _ in scored), default=0)
        tied = list({r.run_id: r for s, _, r in scored if s == best}.values()) if best >= 1 else []
        layer = re.fullmatch(r"the layer[\s-]?(\d+) one", said[0] if said else "", re.I)  # "the layer-12 dictionary": of two that have one
        tied = [r for r in runs if int(layer.group(1)) in (r.args.get("layers") or [])] if layer and scored and len(tied) < 2 else tied
        if len(tied) < 2 or len({r.tool for r in tied}) > 1:
            return None
        return f"\"{said[0][0].upper() + said[0][1:]}\" fits {len(tied)} {tied[0].tool} runs here ({', '.join(f'`{r.run_id}`' for r in tied[-3:])}), so I can't tell which."

    def remaining(self, field_name: str, candidates: list, text: str, words: str):
        """'and the remaining fine-tune', 'the one we haven't swept yet', 'the vector left': of `candidates`, the one run
        no run has used as `field_name` yet (no run of the newest run's tool, when that tool takes it), or None."""
        if not re.search(left_said(rf"{words}|one|run"), text, re.I):
            return None
        newest = self.runs[-1]
        users = [r for r in self.runs if field_name in r.args]
        used = {r.args[field_name] for r in users if r.tool == newest.tool} if field_name in newest.args else {r.args[field_name] for r in users}
        left = [r for r in candidates if r.run_id not in used]
        return left[0] if len(left) == 1 else None
