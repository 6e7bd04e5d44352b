"""What the conversation pane holds: messages, tool-call blocks, inline prediction questions."""

from __future__ import annotations

import json
import time

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Collapsible, Markdown, Static

from tools import present


class MessageView(Vertical):
    """One message. Assistant replies stream in as Markdown."""

    def __init__(self, role: str, text: str = "", queued: bool = False) -> None:
        super().__init__(classes=f"message {role}" + (" queued" if queued else ""))
        self.role = role
        self.text = text
        self._stream = None

    def compose(self) -> ComposeResult:
        who = "you" if self.role == "user" else "parley"
        yield Static(f"{who} (queued: sent when the current reply ends)" if self.has_class("queued") else who, classes="who")
        yield Markdown(present.escape(self.text) if self.role == "user" else present.keep_tags(self.text))

    def sent(self) -> None:
        """A queued message leaves the queue: its turn starts now."""
        self.remove_class("queued")
        self.query_one(".who", Static).update("you")

    async def append(self, fragment: str) -> None:
        """Append streamed text (called on the app's event loop)."""
        self.text += fragment
        if self._stream is None:
            self._stream = Markdown.get_stream(self.query_one(Markdown))
        await self._stream.write(present.keep_tags(fragment))

    async def finish(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None


class ToolCallBlock(Collapsible):
    """A tool call: tool, the arguments it ran with, status, duration; opened, its result as Markdown."""

    def __init__(self, call: dict) -> None:
        self.call = call
        self.started = time.monotonic()
        super().__init__(Markdown("running...", classes="tool-detail"), title=self._heading("running"),
                         collapsed=True, classes="tool-call running")

    def _heading(self, status: str, seconds: float | None = None) -> str:
        args = json.dumps(self.call.get("args", {}), ensure_ascii=False)
        args = args if len(args) <= 60 else args[:57] + "..."
        took = f" {seconds:.1f}s" if seconds is not None else ""
        return f"{self.call['name']} {args}  [{status}{took}]"

    def finish(self, content: dict, timed: bool = True) -> None:
        """`timed` is false for a call shown from a resumed session's history: no duration is known."""
        seconds = time.monotonic() - self.started if timed else None
        if content.get("args") is not None:
            self.call = {**self.call, "args": content["args"]}  # edited at approval: what really ran
        error = content.get("error") or {}
        if content.get("ok"):
            status = content.get("status", "complete")
            detail = f"run `{content.get('run_id')}`\n\n{present.markdown(content)}"
        elif error.get("type") == "Denied":
            status = "denied" if "automatic" not in str(error.get("message")) else "denied: no --yes"
            detail = f"Not run: {error.get('message')}"
        else:
            status = "not started" if error.get("type") == "Preflight" else "failed"
            detail = f"{error.get('type')}: {present.escape(str(error.get('message')))}"
        self.title = self._heading(status, seconds)
        self.set_class(False, "running")
        self.add_class(status.split(":")[0].replace(" ", "-"))
        self.query_one(".tool-detail", Markdown).update(detail)


class PredictionPrompt(Vertical):
    """Predict, then reveal: a question answered inline before the result is shown."""

    class Answered(Message):
        def __init__(self, prompt: "PredictionPrompt", answer: str | None) -> None:
            super().__init__()
            self.prompt = prompt
            self.answer = answer

    def __init__(self, request: dict) -> None:
        super().__init__(classes="prediction")
        self.request = request

    def compose(self) -> ComposeResult:
        yield Static(f"Before I show the result: {self.request['question']}", classes="question")
        with Horizontal(classes="options"):
            for i, option in enumerate(self.request["options"]):
                yield Button(option, id=f"option-{i}", variant="primary")
            yield Button("skip", id="option-skip")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        answer = None if event.button.id == "option-skip" else str(event.button.label)
        for button in self.query(Button):
            button.disabled = True
        self.query_one(".question", Static).update(
            f"{self.request['question']}  your prediction: {answer or '(skipped)'}")
        self.post_message(self.Answered(self, answer))

    def reveal(self, outcome: dict) -> None:
        """After the result: what it really was, and whether the prediction was right."""
        from rich.markup import escape

        mark = "[b green]right[/]" if outcome["correct"] else "[b red]wrong[/]"
        self.query_one(".question", Static).update(
            f"{escape(outcome['question'])}\nyou predicted [b]{escape(str(outcome['answer']))}[/]; "
            f"actual [b]{escape(str(outcome['actual']))}[/]: {mark}")
        self.add_class("right" if outcome["correct"] else "wrong")
