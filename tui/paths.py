"""Where agent-tui keeps its files. Imports nothing heavy: it is on the start-up path."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "agent-tui"
DB_ENV = "AGENT_TUI_DB"
CONFIG_ENV = "AGENT_TUI_CONFIG"


def user_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def user_config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    """`--db` wins over this; `AGENT_TUI_DB` wins over the platform default."""
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override).expanduser()
    return user_data_dir() / "agent-tui.db"


def default_config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return user_config_dir() / "config.toml"


def styles_dir() -> Path:
    """The TCSS folder: inside the package when installed from a wheel,
    at the top of the checkout when running from source or an editable install."""
    packaged = Path(__file__).resolve().parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "styles"
