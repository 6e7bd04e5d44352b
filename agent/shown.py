"""Which existing run a request asks to see ("the plot again", "the table from the comparison"): showing never runs."""

from __future__ import annotations

import re

from langchain_core.messages import AIMessage, BaseMessage

from agent import arguments, bounds, pasted_output, relative, run_times, show
from agent.dialogue_state import DialogueState, RunSeen, message_text
from agent.phrases import asked_part
from agent.run_kinds import RUN_ID, TOOL_WORDS, kind_of

# "and the one before that?", "the previous one?" right after a run was shown: the run of its tool before it
BEFORE_SHOWN = re.compile(r"^\W*(?:(?:and|ok(?:ay)?|what about|how about|now|then)\W+)*(?:the|that)\s+(?:one|run)\s+before(?:\s+(?:that|it|this)(?:\s+one)?)?\W*$|"
                          r"^\W*(?:(?:and|ok(?:ay)?|what about|how about|now|then)\W+)*the\s+previous\s+(?:one|run)\W*$", re.I)


NOT_THAT = re.compile(r"(?:\s*[,;(]|\s+[—–-])?\s+(?:not|rather than|instead of)\s+(?:the|that)\s+[\w\s-]{1,30}?\b(?:one|run)\b\)?|"
                      r"^\W*(?:no,?\s+)?not\s+(?:the|that)\s+[\w\s-]{1,30}?\b(?:one|run|plot|chart|curve|table|heatmap|matrix|text|samples)\b\s*[,;:—–-]+\s*", re.I)  # "not the phase plot, the loss curve"


SHOW_VERB = re.compile(r"\b(?:show|display|pull up|bring up|put (?:up|back)|on screen|see|view|print)\b", re.I)


def run_to_show(text: str, state: DialogueState, route, router) -> tuple[RunSeen, str, bool] | None:
    """The run that already holds what the user asks to see, the part asked for, and whether the request names it
    (by its id, or as seen before: "again"); None when the request asks for something not run yet."""
    if NOT_THAT.search(text):  # "the matrix from the resampling run — not the suppression one": the run set aside is no description
        text = NOT_THAT.sub("", text)
        route = router.route(text)
    tool, score, ranked = route
    part = show.show_request(text)
    copied = pasted_output.source(text, state.runs)  # "`largest outflow: sentence 1 (...)` show me the matrix that's from"
    if part is None and copied and re.search(r"\b(?:print|show|display|open|pull up|bring up|see|view|list)\b", text, re.I) \
            and re.search(r"\b(?:came from|comes from|(?:that|this|it)(?:'s| is| was) from|printed (?:this|that)|of this one)\b", text, re.I):
        part = next((p for p, words in show.SHOWN.items() if re.search(rf"\b(?:{words})\b", text, re.I)), "run")
    if part is None and tool is not None and state.last(tool["name"]) is not None and (asked := asked_part(text)) != text:
        part = show.show_request(asked)  # "I'd like to see how the rate builds up. Could you please show me the transplant curve?": the ask
    if part is None or not state.runs and not RUN_ID.search(text):  # "pull up run 2027...-7b3e" in a new chat: that run
        return None
    if show.new_labelled(text, state) or bounds.asked(text) or relative.asked(text) and not SHOW_VERB.search(text):  # "the curve is jumpy. triple its rollouts"
        return None  # "give me side-by-side samples at the cell that worked, prompt: Write ...": a new run on that prompt
    if tool is not None and score >= 0.6 and state.last(tool["name"]) is None and \
            arguments.read(tool["schema"].get("properties", {}), text)[0]:
        return None  # "phase transition plot for the 200-step run, with k = 1, 5 and 10": settings of an experiment not run yet
    if tool is not None and score >= 0.5 and (state.last(tool["name"]) is None or show.new_text(text, state)) and \
            re.search(r"\bshow (?:me |us )?(?:which|whether|if|how)\b", text, re.I):
        return None  # "could you show me which sentences change the final answer", "which atoms 'def f(): ...' uses": not run yet
    drawn = show.plot_run(text, state, heatmaps=False)  # "the loss curve from the training run": that run's own plot
    drawn = drawn if part == "plot" else None
    run = (None if RUN_ID.search(text) else run_times.one(text, state.runs)) or show.named_run(text, state) or _of_tool_word(text, state) \
        or pasted_output.one(text, state.runs) \
        or _from_source(text, state, router, drawn) or drawn
    if run is not None and tool is not None and tool["name"] != run.tool and score >= 0.5 and (drawn is None or drawn.tool != run.tool) \
            and run.run_id not in RUN_ID.findall(text) and not _by_order_alone(text, tool, router):  # a run named by its id is that run
        made = next((r for r in reversed(state.runs) if r.tool == tool["name"] and run.run_id in r.args.values()), None)
        if made is None and tool["cost"] == "cheap" and score - ranked[1][0] >= 0.15:
            return None  # "phase plot for the low-lr run": none made from it yet, a new (cheap) run
        run = made or run  # "the EM results for the clean model": that model's evaluation, not its training
    if run is None and part in ("text", "sentences") and re.search(r"\b(?:first|second|third|other|earlier|original)\s+(?:chain|cot|trace)", text, re.I):
        found = state.reference("cot_run", ["generate_cot"], text)  # "the first chain again, the actual text"
        run = state.get(found) if found else None
    if run is None and tool is not None and part not in ("text",):
        heatmap = show.heatmap_run(text, state) is not None  # "heatmap again": only tools that draw one
        candidates = [t for s, t in ranked[:3] if s >= score - 0.15 and state.last(t["name"]) is not None
                      and (not heatmap or t["name"] in show.HEATMAP_TOOLS)]
        if candidates:
            same = state.last(candidates[0]["name"])
            if show.new_settings(same, candidates[0]["schema"].get("properties", {}), text):
                return None  # asks for something that run did not measure: a new run ("the layer 20 row" of a sweep over it was)
            run = same
        elif (score >= 0.75 or part not in ("plot", "sentences") and score >= 0.6) and not re.search(
                r"\b(?:again|back|earlier|before|you found|it caught|we got|once more)\b", text, re.I):
            return None  # names an experiment that has not run: a new run
    if run is None:
        kind = re.search(r"\b(?:the|that|this)\s+(\w+)\s+(?:run|one)\b", text, re.I)
        subject = state.subject(kind_of(kind.group(1))) if kind and kind_of(kind.group(1)) else None
        run = state.get(subject) if subject else None
    run = run or show.plot_run(text, state)
    if run is None and re.search(r"\b(?:again|back|earlier|before|you found|it caught|we got|once more)\b", text, re.I):
        run = next((state.last(t["name"]) for _, t in ranked if state.last(t["name"]) is not None
                    and not (part == "plot" and t["name"] in show.PLOTLESS or part == "text" and show.not_the_chain(t["name"], text))),
                   None)  # "the plot again": a run that drew one; "the full chain again": the chain, not its sentences or a run on it
    run = run or show.run_for(part, state)
    if run is None:
        return None
    if part == "sentences" and run.tool == "generate_cot":  # a chain's sentences: its split, where one ran
        run = next((r for r in reversed(state.runs) if r.tool == "split_sentences" and r.args.get("cot_run") == run.run_id), run)
    return run, part, run.run_id in text or bool(re.search(r"\b(?:again|back up)\b", text, re.I))  # named, or seen before


def before_shown(text: str, shown: tuple[str, str] | None, state: DialogueState) -> tuple[RunSeen, str] | None:
    """'and the one before that?' after a run was shown (`shown`: its id and the part shown): the run of the same tool
    made before it, and the same part."""
    if shown is None or not BEFORE_SHOWN.match(text) or (run := state.get(shown[0])) is None:
        return None
    earlier = [r for r in state.runs[:state.runs.index(run)] if r.tool == run.tool]
    return (earlier[-1], shown[1]) if earlier else None


def _from_source(text: str, state: DialogueState, router, drawn: RunSeen | None) -> RunSeen | None:
    """The newest run of the tool a "from the ..." names: "the two samples from the single steer", "the matrix from the
    resampling run" (not the suppression run that drew a matrix too); the run that drew the plot asked for, where it fits."""
    source = re.search(r"\bfrom (?:the|that|this|my|our) ((?:single |first |last |earlier |old )?[\w-]+(?: [\w-]+)?)", text, re.I)
    _, top, ranked = router.route(source.group(1)) if source else (None, 0.0, [])
    fitting = [t["name"] for s, t in ranked if s >= max(0.5, top - 0.1)]
    if drawn is not None and (drawn.tool in fitting or top < 0.6):  # "the loss curve from the training up again": said too loosely to overrule
        return drawn
    return next((state.last(name) for name in fitting if state.last(name) is not None), None)


def _by_order_alone(text: str, tool: dict, router) -> bool:
    """Whether a run named by its order ("that first dictionary's stats again") is what is asked to be seen: the words
    left once it is named do not ask for `tool`'s run made from it ("the first fine-tune's EM results" do)."""
    ordered = show.ORDER.search(show.spelled_ordinals(text))
    return bool(ordered) and (router.route(text[:ordered.start()] + " " + text[ordered.end():])[0] or {}).get("name") != tool["name"]


def shown_last(messages: list[BaseMessage]) -> tuple[str, str] | None:
    """The run our previous reply showed and the part shown (else the one run id that reply names), or None."""
    reply = messages[-2] if len(messages) >= 2 and isinstance(messages[-2], AIMessage) else None
    if reply is None or reply.tool_calls:
        return None
    shown = reply.response_metadata.get("show") or {}
    if shown.get("run_id"):
        return shown["run_id"], shown.get("part") or "run"
    named = set(RUN_ID.findall(message_text(reply)))
    return (named.pop(), "run") if len(named) == 1 else None


def _of_tool_word(text: str, state: DialogueState) -> RunSeen | None:
    """"that sweep took 40 minutes ... show me its table", "the planet transplant curve": the one run of the tool whose
    own word the request says of a run ("the"/"that"/"its" before it, a few words between at most)."""
    said = {w.lower() for w in re.findall(rf"\b(?:the|that|this|its|our)\s+(?:[\w-]+\s+){{0,2}}?({'|'.join(TOOL_WORDS)})\b", text, re.I)}
    tools = {t for w in said for t in TOOL_WORDS[w]}
    runs = [r for r in state.runs if r.tool in tools]
    return runs[0] if len(tools) == 1 and len(runs) == 1 else None  # of two sweeps, "the first sweep's table" is read elsewhere
