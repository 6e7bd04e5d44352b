"""The conversation graph: update the user model -> assistant -> tools -> reveal -> assistant.

The assistant is an LLM with every registry tool bound; the turn ends when it calls no
tool. Expensive tools pause for approval and, when the user model wants it, results
pause for a prediction before they are revealed (both with LangGraph `interrupt`).
The nodes themselves live in agent/nodes.py.
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages


class State(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    user_model: dict  # agent.user_model.UserModel, dumped
    runs: Annotated[list[dict], operator.add]  # runs seen: {run_id, tool, summary}
    predictions: Annotated[list[dict], operator.add]  # predictions asked, with their outcomes
    pending: list[dict]  # tool results waiting to be revealed


def build_graph(nodes, checkpointer):
    graph = StateGraph(State)
    graph.add_node("user_model", nodes.update_user_model)
    graph.add_node("assistant", nodes.assistant)
    graph.add_node("tools", nodes.run_tools)
    graph.add_node("reveal", nodes.reveal)
    graph.add_edge(START, "user_model")
    graph.add_edge("user_model", "assistant")
    graph.add_conditional_edges("assistant", lambda s: "tools" if s["messages"][-1].tool_calls else END, ["tools", END])
    graph.add_edge("tools", "reveal")
    graph.add_edge("reveal", "assistant")
    return graph.compile(checkpointer=checkpointer)
