"""agent-tui: a keyboard-driven terminal app for working with Claude agents."""

__version__ = "0.1.0"
