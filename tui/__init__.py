"""agent-tui: a keyboard-driven terminal app for working with Claude agents."""

import os

__version__ = "0.1.0"

# Textual paints at most TEXTUAL_FPS frames a second (60 unless set), and reads the
# setting once, when it is first imported. A key typed just after a frame waits for
# the next slot, which while a reply streams (a frame every few hundredths of a
# second) is up to 17 ms at 60; at 120 it is half that. Frames are still painted
# only when something changed. Set here, before any of the app imports Textual.
os.environ.setdefault("TEXTUAL_FPS", "120")
