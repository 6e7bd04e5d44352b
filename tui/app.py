"""The Textual app: chat, live progress, approvals, user model, runs, plots, ratings, sessions.

A turn runs in a thread worker (the agent is synchronous); everything it reports comes
back to the screen through `call_from_thread`, so the interface stays responsive. The
worker waits on a `threading.Event` while the user answers an approval or a prediction.
"""

from __future__ import annotations

import json
import threading

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Input, Static

from tui.widgets.chat import MessageView, PredictionPrompt, ToolCallBlock
from tui.widgets.job import JobProgress
from tui.widgets.result import ResultView
from tui.widgets.runs import RunsPanel
from tui.widgets.user_model import UserModelPanel


class HistoryInput(Input):
    """The message box; Up/Down walk through what was sent before."""

    BINDINGS = [Binding("up", "older", show=False), Binding("down", "newer", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = []
        self._at = 0

    def remember(self, text: str) -> None:
        self.history.append(text)
        self._at = len(self.history)

    def action_older(self) -> None:
        if self._at > 0:
            self._at -= 1
            self.value = self.history[self._at]

    def action_newer(self) -> None:
        self._at = min(self._at + 1, len(self.history))
        self.value = self.history[self._at] if self._at < len(self.history) else ""


class ParleyApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "Parley"
    BINDINGS = [
        Binding("escape", "stop", "Stop"),
        Binding("ctrl+r", "rate", "Rate"),
        Binding("ctrl+n", "new_session", "New"),
        Binding("ctrl+o", "sessions", "Sessions"),
        Binding("ctrl+s", "export", "Export log"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, session_id: str | None = None, provider: str | None = None) -> None:
        super().__init__()
        self.session_id, self.provider = session_id, provider
        self.convo = None
        self.busy = False
        self.last_turn: int | None = None
        self._reply: MessageView | None = None
        self._queue: list[tuple[str, MessageView]] = []  # sent while a turn ran: they go next, in order
        self._finished: list[dict] = []  # this turn's tool results, shown beneath its reply

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield VerticalScroll(id="chat")
            with Vertical(id="side"):
                yield Static("opening session...", id="session-info")
                yield Static("", id="score")
                yield UserModelPanel(id="user-model")
                yield RunsPanel(id="runs")
        yield JobProgress(id="job")
        yield HistoryInput(placeholder="Ask Parley to run an experiment... (F1: help)", id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#chat").anchor()
        self.open_session(self.session_id, self.provider)

    # --- sessions -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="session")
    def open_session(self, session_id: str | None, provider: str | None) -> None:
        from agent.session import Session

        if self.convo is not None:
            self.convo.close()
        try:
            convo = Session.open(session_id, provider=provider)
        except Exception as e:
            self.call_from_thread(self.notify, f"{e}", severity="error", timeout=10)
            return
        self.call_from_thread(self._show_session, convo)
        convo.warm()  # the embedder loads while the history shows; the first reply then comes at once
        self.convo = convo

    async def _show_session(self, convo) -> None:
        from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

        chat = self.query_one("#chat")
        await chat.remove_children()
        self.query_one(RunsPanel).clear()
        self.query_one("#session-info", Static).update(
            f"session {convo.id}\nprovider {convo.provider}\nsubject model {convo.settings.model}")
        state = convo.state
        calls, results = {}, []
        for message in state.get("messages", []):  # a resumed session shows its history
            if isinstance(message, HumanMessage):
                await chat.mount(MessageView("user", str(message.text)))
            elif isinstance(message, AIMessage):
                if message.text:
                    await chat.mount(MessageView("assistant", str(message.text)))
                for content in results:  # beneath the reply that explained them, as in the live turn
                    await chat.mount(ResultView(convo.settings.runs_dir, content["run_id"], content["tool"]))
                results = []
                for call in message.tool_calls:
                    calls[call["id"]] = ToolCallBlock(call)
                    await chat.mount(calls[call["id"]])
            elif isinstance(message, ToolMessage) and message.tool_call_id in calls:
                content = json.loads(message.content)
                calls[message.tool_call_id].finish(content, timed=False)
                results += [content] if content.get("ok") else []
        for run in state.get("runs", []):
            self.query_one(RunsPanel).add_run(run["run_id"], run["tool"], "done")
        self.query_one(UserModelPanel).show(convo.user_model.model_dump())
        self._show_score(state.get("predictions", []))
        self.sub_title = f"{convo.provider} · {convo.settings.model}"
        self.query_one("#prompt").focus()

    def action_new_session(self) -> None:
        if not self.busy:
            self.open_session(None, self.provider)

    def action_sessions(self) -> None:
        from agent.log_sessions import list_sessions
        from tui.screens.sessions import SessionsScreen

        if self.busy or self.convo is None:
            return
        self._push(SessionsScreen(list_sessions(self.convo.settings.home)),
                   lambda chosen: chosen and self.open_session(chosen, None))

    def action_export(self) -> None:
        from agent.log_export import export

        if self.convo is None:
            return
        out = self.convo.settings.home / "exports" / self.convo.id
        paths = export(self.convo.settings.home, [self.convo.id], out, "jsonl") + \
            export(self.convo.settings.home, [self.convo.id], out, "csv")
        self.notify(f"exported {len(paths)} files to {out}")

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self._push(HelpScreen())

    def _push(self, screen, callback=None) -> None:
        """Open a view; when it closes, typing goes to the message box again (not to what had focus)."""

        def closed(value) -> None:
            self.query_one("#prompt").focus()
            if callback is not None:
                callback(value)

        self.push_screen(screen, closed)

    # --- a turn -------------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    def send(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if self.convo is None:
            self.notify("the session is still opening")
            return
        event.input.remember(text)
        event.input.value = ""
        if self.busy:  # queued, shown as queued, and sent when this turn is done
            view = MessageView("user", text, queued=True)
            self._queue.append((text, view))
            self.query_one("#chat").mount(view)
            return
        self.query_one("#chat").mount(MessageView("user", text))
        self._start(text)

    def _start(self, text: str) -> None:
        self.busy = True
        self._reply = None
        self._finished = []
        self.run_turn(text)

    @work(thread=True, exclusive=True, group="turn")
    def run_turn(self, text: str) -> None:
        call = self.call_from_thread
        try:
            result = self.convo.turn(
                text,
                approve=self._approve,
                predict=self._predict,
                on_token=lambda piece: call(self._token, piece),
                on_progress=lambda p: call(self.query_one(JobProgress).show, p["tool"], p["done"], p["total"], p["note"]),
                on_tool_start=lambda c: call(self._tool_started, c),
                on_tool=lambda content: call(self._tool_finished, content),
            )
            call(self._turn_done, result.turn, None, result.predictions)
            for shown in result.shown:  # "show me the plot": the run view opens on that run
                call(self._show_run, shown["run_id"])
        except Exception as e:  # the app keeps running; the error shows in the conversation
            call(self._turn_done, None, f"{type(e).__name__}: {e}")

    async def _token(self, piece: str) -> None:
        if self._reply is None and not piece.strip():
            return  # the break between two messages: here each message is a block of its own
        if self._reply is None:
            self._reply = MessageView("assistant")
            await self.query_one("#chat").mount(self._reply)
        await self._reply.append(piece)

    async def _tool_started(self, call: dict) -> None:
        if self._reply is not None:
            await self._reply.finish()
            self._reply = None  # text after the tool goes below its block
        await self.query_one("#chat").mount(ToolCallBlock(call))

    def _tool_finished(self, content: dict) -> None:
        block = next((b for b in self.query(ToolCallBlock) if b.has_class("running") and b.call["name"] == content.get("tool")), None)
        if block is not None:
            block.finish(content)
        if content.get("ok"):
            self.query_one(RunsPanel).add_run(content["run_id"], content["tool"], content.get("status", "complete"))
            self._finished.append(content)

    async def _turn_done(self, turn: int | None, error: str | None, predictions: list | None = None) -> None:
        if self._reply is not None:
            await self._reply.finish()
            self._reply = None
        chat = self.query_one("#chat")
        for content in self._finished:  # the chain of thought, all sentences or rows, and the plot
            await chat.mount(ResultView(self.convo.settings.runs_dir, content["run_id"], content["tool"]))
        self._finished = []
        prompts = [p for p in self.query(PredictionPrompt) if not p.has_class("revealed")]
        for prompt in prompts:
            outcome = next((o for o in predictions or [] if o["question"] == prompt.request["question"]), None)
            if outcome is not None:
                prompt.reveal(outcome)
            prompt.add_class("revealed")
        self._show_score(self.convo.state.get("predictions", []))
        if error:
            await chat.mount(MessageView("error", f"**Error:** {error}"))
        self.last_turn = turn or self.last_turn
        self.busy = False
        job = self.query_one(JobProgress)
        job.idle("stopped: partial results kept" if self.convo.stop.is_set() else "idle")
        self.query_one(UserModelPanel).show(self.convo.user_model.model_dump())
        if self._queue:
            text, view = self._queue.pop(0)
            view.sent()
            self._start(text)

    def _show_score(self, predictions: list[dict]) -> None:
        right = sum(1 for p in predictions if p.get("correct"))
        self.query_one("#score", Static).update(
            f"predictions: {right} of {len(predictions)} right" if predictions else "")

    def action_stop(self) -> None:
        if self.busy and self.convo is not None:
            self.convo.stop.set()
            self.query_one(JobProgress).idle("stopping...")

    # --- questions the worker waits on ----------------------------------------------------

    def _wait_for(self, show) -> object:
        """Run `show(answer)` on the UI; block this worker thread until it calls `answer(value)`."""
        done, box = threading.Event(), {}

        def answer(value) -> None:
            box["value"] = value
            done.set()

        self.call_from_thread(show, answer)
        done.wait()
        return box.get("value")

    def _approve(self, request: dict) -> dict:
        from tui.screens.approval import ApprovalScreen

        return self._wait_for(lambda answer: self._push(ApprovalScreen(request), answer))

    def _predict(self, request: dict):
        async def show(answer) -> None:
            prompt = PredictionPrompt(request)
            prompt.answer_to = answer
            await self.query_one("#chat").mount(prompt)
            prompt.query_one("Button").focus()

        return self._wait_for(show)

    @on(PredictionPrompt.Answered)
    def _predicted(self, event: PredictionPrompt.Answered) -> None:
        event.prompt.answer_to(event.answer)
        self.query_one("#prompt").focus()

    # --- user model, runs, ratings --------------------------------------------------------

    @on(UserModelPanel.Edited)
    def _edit_user_model(self, event: UserModelPanel.Edited) -> None:
        from backends.core.errors import UsageError

        if self.convo is None or _unchanged(self.convo.user_model, event.key, event.value):
            return  # the panel showing the agent's own beliefs, not an edit
        if self.busy:
            self.notify("wait for the turn to finish before editing", severity="warning")
            self.query_one(UserModelPanel).show(self.convo.user_model.model_dump())
            return
        try:
            model = self.convo.correct_user_model(event.key, event.value, source="tui")
        except UsageError as e:
            self.notify(str(e), severity="error")
            return
        self.query_one(UserModelPanel).show(model.model_dump())
        self.notify(f"noted: {event.key} = {event.value}")

    @on(RunsPanel.Selected)
    def _open_run(self, event: RunsPanel.Selected) -> None:
        self._show_run(event.run_id)

    def _show_run(self, run_id: str) -> None:
        from backends.core.errors import UsageError
        from backends.core.runstore import RunStore
        from tui.screens.run_detail import RunScreen

        try:
            run = RunStore(self.convo.settings.runs_dir).get(run_id)
        except UsageError as e:
            self.notify(str(e), severity="warning")
            return
        self._push(RunScreen(run.id, run.meta.get("summary", ""), run.results, run.meta.get("plot"), tool=run.meta.get("tool", "")))

    def action_rate(self) -> None:
        from tui.screens.rating import RatingScreen

        if self.convo is None or self.last_turn is None:
            self.notify("nothing to rate yet")
            return
        self._push(RatingScreen(self.last_turn), self._rated)

    def _rated(self, rating: dict | None) -> None:
        from agent.log_rating import rate

        if rating:
            rate(self.convo.settings.home, self.convo.id, rating["score"], turn=self.last_turn, comment=rating["comment"])
            self.notify(f"rated answer {self.last_turn}: {rating['score']}/5")

    def on_unmount(self) -> None:
        if self.convo is not None:
            self.convo.stop.set()
            self.convo.close()


def _unchanged(model, key: str, value: str) -> bool:
    if key == "preferences.predict_first":
        return model.wants_predictions == (value == "true")
    current = model.model_dump()
    for part in key.split("."):
        current = current[part]
    if isinstance(current, list):
        return current == [v.strip() for v in value.split(",") if v.strip()]
    return str(current) == value


def run(session_id: str | None = None, provider: str | None = None) -> None:
    from backends.core.settings import private_umask

    private_umask()  # everything the app writes under the data dir is the user's alone (0600 / 0700)
    ParleyApp(session_id, provider).run()

