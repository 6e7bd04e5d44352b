"""The conversation: a LangGraph graph (graph.py, nodes.py) run per session (session.py),
the user model (user_model.py), the offline planner (offline.py) and the dialogue log
(dialogue_log.py). LLM clients come from backends.core.llm; tools from the registry.
"""
