"""The redaction boundary: what it replaces, what it keeps, and the types it gives back."""

from __future__ import annotations

import dataclasses

from langchain_core.messages import AIMessage, HumanMessage

from backends.core.redaction import REDACTED, redact, remember_secrets, url_passwords
from backends.core.settings import get_settings


def test_key_shapes_url_passwords_and_env_values_are_replaced(monkeypatch):
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "tok-value-0123456789")
    text = ("keys sk-proj-abcdefghijklmnop0123 and sk-ant-api03-" + "x" * 20 + ", hf_" + "a" * 30
            + ", AKIAABCDEFGHIJKLMNOP, ghp_" + "b" * 36 + ", header Bearer eyJhbGciOiJIUzI1NiJ9.abc"
            + ", server https://me:s3cr3t-pass@example.com/v1, env tok-value-0123456789")
    out = redact(text)
    assert out == (f"keys {REDACTED} and {REDACTED}, {REDACTED}, {REDACTED}, {REDACTED}, header Bearer {REDACTED}"
                   f", server https://me:{REDACTED}@example.com/v1, env {REDACTED}")
    assert redact(out) == out  # idempotent


def test_ordinary_text_and_urls_are_kept():
    text = ("ask-the-model-what-it-thinks-now, task-decomposition-strategies, http://localhost:8000/v1, "
            "user@example.com, a bearer of bad news, Basic arithmetic works, 2 + 2 = 4")
    assert redact(text) == text


def test_a_base_url_password_is_remembered_when_settings_are_read(monkeypatch):
    assert url_passwords(["http://u:pw-0123456789@h/v1", "http://h:80/v1", None]) == ["pw-0123456789"]
    monkeypatch.setenv("PARLEY_OPENAI_BASE_URL", "http://user:alone-pass-4242@127.0.0.1:9/v1")
    get_settings()
    assert redact("the server said alone-pass-4242 is wrong") == f"the server said {REDACTED} is wrong"
    remember_secrets(["short"])  # under 8 characters: would redact ordinary words
    assert redact("a short note") == "a short note"


def test_token_fields_are_text_in_run_data_and_credentials_elsewhere():
    rows = {"rows": [{"token": " the", "score": 0.5}], "api_key": "abc12345", "nested": {"password": "pw"}}
    assert redact(rows, text_tokens=True) == {"rows": [{"token": " the", "score": 0.5}], "api_key": REDACTED,
                                              "nested": {"password": REDACTED}}
    assert redact(rows)["rows"][0]["token"] == REDACTED


@dataclasses.dataclass(frozen=True)
class _Frozen:
    text: str
    n: int


def test_objects_come_back_as_copies_of_their_types():
    key = "sk-" + "k" * 24
    messages = [HumanMessage(f"mine is {key}"),
                AIMessage("", tool_calls=[{"name": "generate_cot", "args": {"question": key}, "id": "call_1"}])]
    state = {"messages": messages, "pair": (key, 1), "frozen": _Frozen(key, 2), "ids": {"call_1"}}
    out = redact(state, text_tokens=True)
    assert isinstance(out["messages"][0], HumanMessage) and out["messages"][0].content == f"mine is {REDACTED}"
    assert out["messages"][1].tool_calls[0]["args"] == {"question": REDACTED}
    assert out["pair"] == (REDACTED, 1) and out["frozen"] == _Frozen(REDACTED, 2) and out["ids"] == {"call_1"}
    assert messages[0].content == f"mine is {key}"  # the original is untouched
    clean = {"messages": [HumanMessage("hello")], "n": [1.5, 2]}
    assert redact(clean)["messages"][0] is clean["messages"][0]  # nothing to replace: no copy
