"""Screens and modal dialogs of the agent-tui interface."""
