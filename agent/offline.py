"""The offline planner: a LangChain chat model that needs no network and no key.

It plans from the tool registry, the method cards and the dialogue state, so tools
added later are served without code changes. Each message is, in this order:
- an answer to the argument our last reply asked for;
- something about the user ("I'm an expert", "be terse"): acknowledged in one line;
- a question (what a term means, why a sentence scored so, how to read a result, what
  to try next, "explain that"): answered from the cards and the runs' data, no tool;
- a request to see an existing run ("show me the plot"): shown, nothing new runs;
- a rerun ("again with more rollouts"): the earlier run's arguments, changed as asked;
- a request for a tool: the tool whose example requests are closest (MiniLM), with a
  rule for words of a tool's name; arguments from the words, the dialogue state (the
  subject, earlier runs, settings said) and the run store ("the apples chain");
- otherwise a short question naming the two or three likeliest tools.
The rules' reply is then reviewed by a classifier learned from labelled requests (second_opinion.py).
An expensive tool starts only from a request that clearly asks for it.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from agent import about_user, after_failure, answers, arguments, asides, beforehand, chat_habits, compared, complaints, conditions, copied, corrections, descriptions, dictated, filling, hedges, in_passing, intents, languages, layout, list_edits, model_names, organism_names, relative, request_classifier, routing
from agent import budget, pointed, proposals, rerun as rerun_, retarget, routed, run_order, run_times, second_opinion, sequence, show, shown as shown_, spelling, superlative, trials
from agent.answers import NO_ANSWER
from agent.dialogue_state import DialogueState, message_text
from agent.phrases import as_sentence, asked_part
from agent.run_kinds import RUN_ID, full_ids, list_rows, listed_ids
from agent.second_opinion import Turn
from agent.user_model import UserModel, acknowledgement

IDENTITY = (
    "I'm Parley's offline planner: I match your request to the tools' example requests, fill "
    "arguments with simple rules, and answer from the method cards and your runs' data. An LLM "
    "provider (set ANTHROPIC_API_KEY or OPENAI_API_KEY) adds free-form understanding and multi-step plans."
)
EXPENSIVE_THRESHOLD = 0.55  # an expensive tool needs a clearer request than a cheap one


class OfflinePlanner(BaseChatModel):
    """A chat model that routes requests to registry tools without any LLM."""

    tools: list[dict]  # each tool's describe(): name, description, schema, examples, cost
    _router: Any = PrivateAttr(default=None)
    _classifier: Any = PrivateAttr(default=None)
    _defaults: Any = PrivateAttr(default=None)  # each tool's numeric defaults ("the 8-rollout one"), read from the schemas once
    _texts: Any = PrivateAttr(default=None)  # each tool's text defaults ("s/survival/.../" of a setting left alone), read once
    _scenario: Any = PrivateAttr(default=None)  # the shipped scenarios' names, one pattern, read from the schemas once

    @property
    def _llm_type(self) -> str:
        return "parley-offline-planner"

    def bind_tools(self, tools: Any, **kwargs: Any):
        return self  # it plans from the registry it was built with

    @property
    def router(self) -> routing.Router:
        if self._router is None:
            self._router = routing.Router(self.tools)
        return self._router

    def _tool_defaults(self) -> dict:
        self._defaults = self._defaults or descriptions.defaults_of(self.tools)
        return self._defaults

    def _before(self, messages: list[BaseMessage]) -> tuple[str | None, dict]:
        """The user's message before this one, and the text settings of the newest run (its tool's defaults too)."""
        call = _last_call(messages) or {"name": "", "args": {}}
        self._texts = self._texts or descriptions.text_defaults_of(self.tools)
        return next((message_text(m) for m in reversed(messages[:-1]) if isinstance(m, HumanMessage)), None), self._texts.get(call["name"], {}) | call["args"]

    def warm(self) -> None:
        """Load the embedder, embed the examples and load the request classifier now, so the first turn answers at once."""
        self.router.vectors()
        self.classifier()

    def classifier(self) -> request_classifier.RequestClassifier:
        from backends.core.settings import get_settings

        if self._classifier is None:  # its training files are read and hashed once per planner, not every turn
            self._classifier = request_classifier.load(get_settings().models_dir)
        return self._classifier

    # --- LangChain entry points ---------------------------------------------------------

    def _generate(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.plan(messages))])

    def _stream(self, messages: list[BaseMessage], stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        message = self.plan(messages)
        pieces = re.findall(r"[^\n]*\n|[^\n]+", message.content) or [""]  # line by line: fast, and keeps the lines
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            calls = [{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": n} for n, c in enumerate(message.tool_calls)]
            chunk = AIMessageChunk(content=piece, tool_call_chunks=calls if last else [], response_metadata=message.response_metadata if last else {})
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)

    # --- planning -----------------------------------------------------------------------

    def plan(self, messages: list[BaseMessage]) -> AIMessage:
        if isinstance(messages[-1], ToolMessage):
            return self.reply("answer", self._explain_new(messages, _user_model(messages)))
        answered = proposals.answered(self, messages)  # "option 1 please", "yes but 40 rollouts", "layer 14"
        if answered is not None:
            return answered
        turn = self.read(messages)
        return second_opinion.review(self, messages, self._by_rules(messages, turn), self.classifier(), turn)

    def read(self, messages: list[BaseMessage]) -> Turn:
        """The user's message as the rules and the classifier's review read it, once."""
        raw = languages.english(chat_habits.read(message_text(messages[-1]), *self._before(messages)))  # "s/16/32/", "👍"; "Nochmal mit Skala 8"
        text = intents.without_preface(intents.plain(complaints.asked(budget.left_out(corrections.corrected(hedges.settled(spelling.mended(layout.read_as_said(dictated.written(raw)))))), (_last_call(messages) or {}).get("args", {}))))  # "scale 2 - wait no, 1.5" is scale 1.5; "layr12" layer 12
        # ("2 samples per cell is a joke. redo w/ 16": the request after the complaint, 16 samples)
        said = text  # the user's message as read, before a proposal of ours is put in front of it
        text = full_ids(text, [run for m in messages[:-1] if isinstance(m, ToolMessage) for run in RUN_ID.findall(message_text(m))])
        text = listed_ids(text, list_rows([message_text(m) for m in messages[:-1] if isinstance(m, AIMessage)]))  # "EM eval on #3" of a list we printed
        text = organism_names.full_names(text, organism_names.zoo(self.tools))  # "organism:eval-aware" is organism:evaluation-aware
        text = re.sub(*routing.PATTERN_N, text, flags=re.I)  # "pattern 231", read as an atom by the argument readers too
        suggested = messages[-2] if len(messages) >= 3 and isinstance(messages[-3], HumanMessage) else None
        if isinstance(suggested, AIMessage) and not suggested.tool_calls and intents.ACCEPT.match(text) and not proposals.yes_then_settings(text) and \
                suggested.response_metadata.get("intent") != "clarify" and not beforehand.INVITE.search(message_text(suggested)):  # "ok do that" after a proposal
            text = f"{beforehand.NOTED.sub('', message_text(suggested))}\n{text}"  # the proposal, then what the user adds to it (said later, so it wins)
        elif isinstance(suggested, AIMessage) and not suggested.tool_calls and beforehand.GO.match(text) and not suggested.response_metadata.get("pending"):
            text = f"{as_sentence(message_text(messages[-3]))}\n{text}"  # "today's question: '...', greedy" -> "Noted." -> "ok go": what was set up
        state = DialogueState.from_messages(messages[:-1], arguments.read_settings, self._tool_defaults())
        # "if the EM rate came out under 10%, retrain ...": the branch taken; a condition the last result leaves open is asked about
        text, undecided = conditions.decided(text, state.last() and state.last().summary, said)
        if not undecided:
            text, undecided = pointed.named(text, state)  # "the bar that sticks out"
        text = run_order.settings_of(run_order.named_in_full(run_order.named_runs(text, run_order.names(state.noted, state.runs)), state.runs), state.runs)  # "a sweep of formal",
        step = sequence.now(text, state, self.router)  # "plan is train -> eval -> probe. go on": the step not done yet
        text = step or text
        own = arguments.own_words(text)  # "the chain from right before the sweep"; quoted or pasted text (a chain, a question, a tool's output) is data
        state.organisms = organism_names.zoo(self.tools)
        state.configured = model_names.configured()  # read once a turn
        route = routed.route(self.router, own, state)  # ("I'm trying to understand X. Could you fine-tune ...?": the sentence that asks)
        return Turn(text, own, state, route,
                    _user_model(messages), "" if any(isinstance(m, AIMessage) for m in messages) else IDENTITY + "\n\n", undecided, step)  # first reply

    def _by_rules(self, messages: list[BaseMessage], turn: Turn) -> AIMessage:
        (text, own, state, route, user, prefix), attempt, pending = turn[:6], turn.state.attempt(), _pending_ask(messages)  # attempt: the newest run, or a failed call after it
        if pending and not intents.is_question_about_result(text) and not intents.definition_asked(text) \
                and not route[1] >= 1.0:  # a new request that names a tool is not an answer
            tool = self._tool(pending["tool"])
            args = dict(pending["args"])
            name = pending["missing"][0]
            spec = tool["schema"]["properties"][name]
            if name.endswith("_run"):
                found = RUN_ID.search(text)
                args[name] = found.group(0) if found else state.reference(name, spec.get("runs_of"), text) or text.strip()
            else:
                args[name] = arguments.coerce(text.strip(), spec)
            return self.call(tool, args, "", state, messages)

        if attempt is None and intents.NOTHING_IN_SIGHT.search(own):  # "ablate it", "ok go", "explain the atoms" in a new chat
            return self.reply("clarify", prefix + "Nothing has run in this conversation yet, so I can't tell what that refers "
                               "to. Which experiment do you mean? (`parley runs list` shows the runs of earlier sessions.)")
        if turn.undecided:
            return self.reply("clarify", prefix + turn.undecided, sure=True)
        noted = acknowledgement(user, own)
        by_name = {t["name"]: t for t in self.tools}
        if (fixed := after_failure.fix(own, state, by_name)) is not None:  # "typo, 5e-5", "fine, use the max"
            return self.call(self._tool(fixed[0]), fixed[1], noted, state, messages, prefix=prefix, sure=True)  # right after a failure
        if state.failed is not None and after_failure.asked(own):  # "why did it fail?" right after a call that did not run
            return self.reply("answer", prefix + after_failure.explained(state.failed), sure=True)
        if about_user.about_user_only(own) and not (about_user.request_after_ack(own, route[1]) or retarget.SAME_ON.search(own)) \
                or about_user.thanks_only(own) and route[1] < 1.0:  # "ok basically nothing. same but on the risky one": a request
            return self.reply("answer", noted or "You're welcome.", **({"sure": True} if about_user.thanks_only(own) or noted.startswith("Noted:") and about_user.said_alone(own) else {}))
        unsupported = intents.UNSUPPORTED.search(own)
        trial = trials.asked(own) and route[0] is not None or trials.controlled(own, route[0], state) or trials.ordered(own, route[0])  # "if I cut that direction out, what goes away?": the run is the answer
        stated = trials.stated(own, route[0], state)  # "... at layers 6, 12 and 18, 8 samples per cell. Is it real?": so is this
        answer = None if trial or stated or intents.MODEL_ASKED.search(own) and not intents.definition_asked(own) or unsupported and re.search(r"\b(?:can|could) (?:we|you|i)\b|\bis it possible\b", own, re.I) else \
            self.answer_to(text, own, state, user, route[1], route[0] and route[0]["name"])  # "can we fine-tune all the parameters?" asks for a run
        if answer is not None:  # "before I launch anything: ...?" is a question whatever its words: sure
            return self.reply("answer", prefix + answer, **({"sure": True} if intents.NOT_A_REQUEST.search(text) or intents.judged(own) or intents.DONE.search(own) else {}))
        if unsupported:  # "train an sae on layer 6", "plot the logit lens": no tool here does that
            return self.reply("clarify", prefix + f"No tool here does that (\"{unsupported.group(0)}\"). "
                              + self.router.clarify(route[2], text).replace("I'm not sure which experiment you mean. ", ""), sure=True)
        earlier = shown_.before_shown(own, shown_.shown_last(messages), state)  # "and the one before that?" after a run was shown
        if earlier is not None:
            return self.show_run(*earlier, sure=True)
        shown = None if trial or intents.MODEL_ASKED.search(own) else self.shown(text, state, route)  # "... so I can look at how it reasons"
        if shown is not None:
            return shown
        organism = organism_names.organism_asked(own, self.tools) or (  # "a model that follows a professor's hint ... build that organism?": described here
            organism_names.organism_asked(re.sub(r"['\"“”‘’]", "", text), self.tools) if re.search(r"\b(?:build|make)\s+(?:the\s+)?['\"“‘]|\b(?:build|make) (?:it|that)\W*$", text, re.I) else None)  # "build 'evaluation-aware'", "> model 'organism:anchor' is not built yet\nfine, build it"
        scenario = self._scenario_named(own)  # "hint mediation on hint-planet ... that chain": the scenario's
        twice = state.copied_twice(text)  # "'{"layers": [12], "scale": 4.0}' rerun that" when two runs ran with those
        missing = None if RUN_ID.search(text) or organism or scenario else state.missing_referent(in_passing.asked_now(own)) or copied.missing(own, state.runs) or twice
        if missing:  # a count the runs in sight contradict ("the two dicts" with three), or a setting two runs share, is sure; not everyday words
            sure = missing in (state.miscounted(own, ("vector", "dictionary", "fine-tune")), state.tied(own), copied.missing(own, state.runs), state.unpicked(own), twice,
                               state.undescribed(own), state.id_unfit(own))  # "split the prime one" with two prime chains
            return self.reply("clarify", prefix + missing + " Which run do you mean? (`parley runs list` shows the "
                               "runs of earlier sessions; a run id works too.)", **({"sure": True} if sure else {}))
        ask = asked_part(in_passing.asked_now(asides.untold(own)))  # "last week we built ... what FVE did the 360m one get again?": a question about then
        recalled = intents.RECALLED.search(run_times.for_routing(ask, state.runs)) or not state.runs and intents.RECALLED.search(own) and "?" in ask \
            and not (intents.ASKED_TO.search(own) or intents.IMPERATIVE.search(own) or intents.MODEL_ASKED.search(own))
        if intents.RERUN.search(text) and not state.runs and not route[1] >= 0.75 and not recalled:
            return self.reply("clarify", prefix + "There is no earlier run in this conversation to run again. "
                               "Which experiment do you mean? (`parley runs list` shows the runs of earlier sessions.)")
        missing_input = (intents.MISSING_INPUT.search(asked_part(text)) or intents.GIVEN_BEFORE.search(text) and not _given_earlier(messages)) \
            and not re.search(arguments.PATH, text) and not arguments.quoted(text) and not re.search(r":\s", text)
        unknown_model = intents.UNKNOWN_MODEL.search(text) and state.subject("fine-tune") is None
        if organism is None and (missing_organism := organism_names.unknown(own, self.tools)):  # "replicate the insecure-code organism"
            return self.reply("clarify", prefix + missing_organism, sure=True)
        if organism:  # "ok build the misaligned one, we'll need it for the EM stuff"
            return self.call(self._tool("build_organism"), {"name": organism}, noted, state, messages, prefix=prefix, sure=True)
        if (intents.vague(own) and not stated or missing_input) and not (intents.RERUN.search(text) or list_edits.EDIT.search(own)) or unknown_model:
            return self.reply("clarify", prefix + self.router.clarify(route[2], text))
        if trials.about_settings(own) or intents.TOOL_QUESTION.search(own) and intents.QUESTION.search(own):
            # "if I went from 8 to 32 rollouts, would the intervals narrow?": advice, nothing runs; "can questions_file be a jsonl?": the card
            advice = answers.advice(state, text)  # worked out from the runs in sight: sure
            return self.reply("answer", prefix + (advice or answers.where_it_runs(text, self.tools) or answers.settings_named(text, self.tools) or NO_ANSWER), **({"sure": True} if advice else {}))
        tried = trial and trials.tried_on_newest(own, state, by_name)  # "could we see whether steering at layer 10 alone changes it?": that steer
        change_asked = rerun_.asked(own)  # "again", "rerun", "same on ...": read once, used below
        settings = not change_asked and (rerun_.settings_only(own, state, by_name, arguments.quoted(text), route[0]) or rerun_.settings_for_newest(text, state, route[0], by_name) or tried)
        rerun = rerun_.change(text, state, (None, 0.0, route[2]) if tried else route, by_name, settings) if (change_asked or settings) and not intents.FROM_MEMORY.search(own) else None  # "search past runs only"
        which = rerun and (superlative.unsettled(own, self._tool(rerun[0]), rerun[1], state) or model_names.unsettled(own, state, self._tool(rerun[0]))  # "sweep at the layer that separated best"
                           or compared.unsettled(own, state, self._tool(rerun[0]), rerun[1], by_name, rerun=True) or relative.unsettled(own, state, self._tool(rerun[0]), rerun[1]))
        if which:  # "rerun with 50 rollouts" right after "both intervals look wide, no?"
            return self.reply("clarify", prefix + which, sure=True)
        if rerun is not None:  # a change said of the newest run is sure, so the classifier leaves it be
            changed = attempt is not None and attempt.tool == rerun[0] and rerun[1] != attempt.args \
                or rerun_.redone(own)  # "rebuild the vector ...", "redo the direction on ...": the words name the run
            bare = functools.reduce(lambda t, v: t.replace(v, " "), [v for v in rerun[1].values() if isinstance(v, str) and len(v) > 12], own)
            asked = "?" in bare and not (intents.IMPERATIVE.search(own) or intents.ASKED_TO.search(own) or intents.AND_AT.search(own))  # "would T=0 ...?", not "same but this one: <a question>?"
            return self.call(self._tool(rerun[0]), rerun[1], noted, state, messages, prefix=prefix, sure=changed and not asked)
        tool, score, ranked = route
        if recalled and ((score < 1.0 or intents.FOUND_ASKED.search(ask)) and (tool is None or state.last(tool["name"]) is None)
                                              or intents.FROM_MEMORY.search(own)) and any(t["name"] == "recall" for t in self.tools):
            tool = self._tool("recall")  # "remind me what the ablation did ..." with no ablation in this conversation: memory
        margin = score - ranked[1][0] if len(ranked) > 1 else score
        unclear = tool is not None and tool["cost"] == "expensive" and not (trial or stated or beforehand.set_up(tool, state)) and (
            score < EXPENSIVE_THRESHOLD and margin < 0.12 or len(routing.content_words(own, tool)) < 2
            and not (score >= 0.9 and (arguments.quoted(text) or state.runs)))  # named, with something to work on
        problem = arguments.payload(text, "question", loose=True)
        if tool is None and problem and (not state.runs or state.last("generate_cot") is not None) and re.search(r"\d", problem):
            tool = self._tool("generate_cot")  # "greedy, tiny-random -- how many legs do 3 spiders have?": a question to reason about
        if state.runs and intents.REMARK.match(own) and not intents.IMPERATIVE.search(own) and not change_asked:
            return self.reply("answer", prefix + (noted or "Noted."))  # "lol the tiny-random outputs are pure gibberish": a reaction
        if (tool is None or unclear) and state.runs and intents.QUESTION.search(own) and not intents.vague(own):
            # "which one is longer?", "what's a cue-answer rate?" after a run: a question about what is here, not a request
            return self.reply("answer", prefix + NO_ANSWER)
        if intents.vague(own) and not stated or tool is None or unclear:
            return self.reply("clarify", prefix + self.router.clarify(ranked, text))
        args = filling.fill(tool, text, state)  # sure: memory said outright ("... from memory"), rows steered together ("3+9 together")
        which = superlative.unsettled(own, tool, args, state) or model_names.unsettled(own, state, tool) or compared.unsettled(own, state, tool, args, by_name, rerun=change_asked) \
            or relative.unsettled(own, state, tool, args)  # "twice the steps" of fine-tunes of 40 and 120 steps
        if which:  # "ok run the resampling importance with 32 rollouts" right after "how do they differ?"
            return self.reply("clarify", prefix + which, sure=True)
        sure = tool["name"] == "recall" and bool(intents.FROM_MEMORY.search(own) or not state.runs and recalled) or any(isinstance(r, list) for r in args.get("layers") or [])
        return self.call(tool, args, noted, state, messages, prefix=prefix, sure=sure)

    def _explain_new(self, messages: list[BaseMessage], user: UserModel) -> str:
        results = []
        for m in reversed(messages):
            if not isinstance(m, ToolMessage):
                break
            try:
                results.append(json.loads(message_text(m)))
            except json.JSONDecodeError:
                results.append({"ok": False, "tool": m.name, "error": {"message": message_text(m)}})
        return "\n\n".join(answers.explain(r, user) for r in reversed(results)) or "There is no result to explain yet."

    def reply(self, intent: str, content: str, **meta) -> AIMessage:
        return AIMessage(content=content, response_metadata={"intent": intent, **meta})

    def call(self, tool: dict, args: dict, noted: str, state: DialogueState, messages, prefix: str = "", sure: bool = False) -> AIMessage:
        schema = tool["schema"]
        props = schema.get("properties", {})
        args = corrections.mend(hedges.settled(dictated.written(message_text(messages[-1]))), args, props)  # "on tiny-random -- wait no, on the anchor organism"
        missing = [f for f in schema.get("required", []) if f not in args or args[f] in ("", None, [])]  # "" is not said
        args = {k: v for k, v in args.items() if k not in missing}
        if "__missing__" in args:
            missing = list(dict.fromkeys([args.pop("__missing__")] + missing))
        if "cot_run" in props and "cot" in props and not missing and not any(
                args.get(k) for k in ("cot", "cot_run", "scenario", "question")):
            missing = ["cot_run"]  # a chain of thought is needed and none is in sight
        lead = prefix + (noted + "\n\n" if noted else "")
        count = state.sentence_count(args["cot_run"]) if isinstance(args.get("cot_run"), str) else None
        said = re.search(r"\bsentence (\d+)\b", arguments.own_words(message_text(messages[-1])), re.I) if count else None
        named = args["sentence"] if isinstance(args.get("sentence"), int) else int(said.group(1)) if said else None
        if count and named is not None and not -count <= named < count:  # "sentence 9" of a 6-sentence chain
            return self.reply("clarify", lead + f"That chain has {count} sentences (0-{count - 1}); which one do you mean?")
        if missing:
            spec = schema["properties"][missing[0]]
            ask = f"To run `{tool['name']}` I need `{missing[0]}` ({spec.get('description', 'no description')}). What should it be?"
            return AIMessage(content=lead + ask, response_metadata={
                "intent": "ask", "pending": {"tool": tool["name"], "args": args, "missing": missing}, **({"sure": True} if sure else {})})
        call = {"name": tool["name"], "args": args, "id": f"offline-{len(messages)}-{tool['name']}", "type": "tool_call"}
        intro = f"I'll run `{tool['name']}` with {json.dumps(args, ensure_ascii=False)}."  # written before any approval
        return AIMessage(content=lead + intro, tool_calls=[call], response_metadata={"intent": "run", **({"sure": True} if sure else {})})

    def _tool(self, name: str) -> dict:
        return next(t for t in self.tools if t["name"] == name)

    def _scenario_named(self, text: str) -> bool:
        """Whether `text` names a shipped scenario (each brings its own chain); the names come from the tools' schemas."""
        if self._scenario is None:
            names = {s for t in self.tools for s in t["schema"].get("properties", {}).get("scenario", {}).get("examples", []) if isinstance(s, str)}
            self._scenario = re.compile(rf"\b(?:{'|'.join(map(re.escape, sorted(names)))})\b" if names else "(?!)", re.I)
        return bool(self._scenario.search(text))

    # --- questions and showing ------------------------------------------------------------

    def answer_to(self, text: str, own: str, state: DialogueState, user: UserModel, score: float, tool: str | None = None) -> str | None:
        text = re.sub(r"\b(?:metric|judge|decision)\s*(?:=|:)\s*(?:judge\s*:)?.*$", "", text, flags=re.I | re.S).strip() or text  # its question is data
        defined = [d for d in intents.definition_asked(text) if not re.search(rf"\b{re.escape(d[0])}s?\s+#?\d", text, re.I)]  # "atom 212": one, not the term
        kind = intents.is_question_about_result(text)
        if kind == "result" and score >= 0.75 and not intents.CONFIRM.search(text):
            kind = None  # "so which atoms are new in the fine-tune?": a request in a question's words
        if kind is None and text.rstrip().endswith("?") and not (intents.ASKED_TO.search(text) or intents.AND_AT.search(text)) and answers.quotes_a_result(text, state):
            kind = "result"  # "is 0.08 big?": a number the last results showed
        if kind is None and state.runs and score < 0.75 and intents.QUESTION.match(own) and intents.ABOUT_THAT.search(text):
            kind = "result"  # "what layer was that at?": about the run just shown
        if found := answers.cite(text, tool) if kind == "cite" else answers.done(state, text, tool) if kind == "done" else None:
            return found  # "what do I cite for ...?"; asked of a run done ("did Tuesday's sweep beat ...?"), read once
        if not defined and kind in (None, "done"):  # (a run done that is not here: memory's, "I forget what the CAFT run's EM rate was")
            return None
        if kind == "config":
            return answers.configuration()
        if kind == "meta":
            return answers.meta(text, self.tools)
        if kind == "explain" and not defined and state.runs:
            result = _last_result(state)
            return answers.plain_terms(result, user) if user.expertise != "expert" else answers.explain(result, user)
        parts = []
        if kind == "opinion":
            kind = "result"  # "should I believe that?", "is it broken?": answered from the result and its card
        if kind in ("why", "result", "read") and answers.SENTENCE.search(text):
            parts.append(answers.about_sentence(text, state, user) or "")
        if defined or kind == "difference":
            parts.append(answers.define(text, user) or "")
        if kind == "advice":
            parts.append(answers.advice(state, text) or answers.settings_named(text, self.tools) or "")
        if kind == "next":
            parts.append(answers.what_next(state) or "Nothing has run yet: start with a chain of thought, e.g. "
                         "\"generate a chain of thought for: Is 91 prime?\"")
        if kind in ("read", "why", "result") and not any(parts):
            parts.append(answers.how_to_read(state, text, tool) or "")
        parts = [p for p in parts if p]
        if parts:
            return "\n\n".join(parts)
        if kind in ("read", "why", "explain", "result") and not state.runs:
            return "There is no result yet to read. Run an experiment first, e.g. \"generate a chain of thought for: Is 91 prime?\"."
        return NO_ANSWER

    def shown(self, text: str, state: DialogueState, route) -> AIMessage | None:
        """A run that already holds what the user asks to see: shown, nothing runs."""
        found = shown_.run_to_show(text, state, route, self.router)
        return self.show_run(found[0], found[1], sure=found[2]) if found else None

    def show_run(self, run, part: str, sure: bool = False) -> AIMessage:
        return self.reply("show", show.render(run, part, answers.full_results(run.run_id)), show={"run_id": run.run_id, "part": part},
                          **({"sure": True} if sure else {}))

# --- reading the conversation ---------------------------------------------------------------


def _user_model(messages: list[BaseMessage]) -> UserModel:
    found = next((f for m in messages if isinstance(m, SystemMessage) and (f := re.search(r"User model \(JSON\): (\{.*\})", message_text(m)))), None)
    return UserModel.model_validate_json(found.group(1)) if found else UserModel()


def _given_earlier(messages: list[BaseMessage]) -> bool:
    """Did an earlier message of the user hold quoted or pasted text ("the pairs I gave you" can point to it)?"""
    return any(isinstance(m, HumanMessage) and (arguments.quoted(message_text(m)) or re.search(r":\s*\S", message_text(m)))
               for m in messages[:-1])


def _last_call(messages: list[BaseMessage]) -> dict | None:
    """The newest tool call in the conversation (before the user's last message)."""
    return next((m.tool_calls[-1] for m in reversed(messages[:-1]) if isinstance(m, AIMessage) and m.tool_calls), None)


def _pending_ask(messages: list[BaseMessage]) -> dict | None:
    """The tool and missing argument our previous reply asked about, if the user is answering it."""
    if len(messages) >= 2 and isinstance(messages[-2], AIMessage):
        return messages[-2].response_metadata.get("pending")
    return None


def _last_result(state: DialogueState) -> dict:
    run = state.runs[-1]
    return {"ok": True, "tool": run.tool, "run_id": run.run_id, "summary": run.summary, "result": run.result,
            "status": run.status}
