"""Command-palette providers."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.app import AgentTuiApp

MODEL_CHOICES = (
    "sonnet",
    "opus",
    "haiku",
    "claude-sonnet-4-5",
    "claude-opus-4-5",
    "claude-haiku-4-5",
)


class ModelCommands(Provider):
    """Command palette: switch the active tab's model."""

    def _choices(self) -> list[str]:
        app: AgentTuiApp = self.app  # type: ignore[assignment]
        return app.model_choices()

    async def discover(self) -> Hits:
        app: AgentTuiApp = self.app  # type: ignore[assignment]
        for model in self._choices():
            yield DiscoveryHit(
                f"Model: {model}",
                partial(app.set_model, model),
                help="Use this model in the current tab",
            )

    async def search(self, query: str) -> Hits:
        app: AgentTuiApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for model in self._choices():
            name = f"Model: {model}"
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(app.set_model, model),
                    help="Use this model in the current tab",
                )
