"""The LangGraph conversation: state, user model, LLM providers, memory, dialogue log.

Arrives with the agent issue; until then `parley` opens a plain terminal loop (tui/chat.py).
"""
