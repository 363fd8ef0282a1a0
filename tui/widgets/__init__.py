"""Widgets of the agent-tui interface."""
