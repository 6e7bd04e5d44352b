"""Widgets of the Textual app, one job each."""
