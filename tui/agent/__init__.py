"""The agent engine: per-tab sessions, turns, forking. Never imports Textual."""
