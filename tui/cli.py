"""Command line: parse options, then start the app. `--help` and `--version` import
nothing heavy, so they answer instantly."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from tui import __version__


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="agent-tui",
        description="A keyboard-driven terminal app for working with Claude agents.",
    )
    p.add_argument("--version", action="version", version=f"agent-tui {__version__}")
    p.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="SQLite database to use (default: agent-tui.db in the user data dir; "
        "AGENT_TUI_DB overrides the default)",
    )
    p.add_argument(
        "--cwd",
        type=Path,
        metavar="DIR",
        help="the agent's working directory for new sessions (default: the current directory)",
    )
    p.add_argument("--model", metavar="NAME", help="model for new sessions")
    p.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="config file (default: config.toml in the user config dir)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="talk to a built-in scripted server instead of Claude: no account needed",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cwd = (args.cwd or Path.cwd()).expanduser()
    if not cwd.is_dir():
        print(f"agent-tui: --cwd {cwd} is not a directory", file=sys.stderr)
        return 2

    from tui.config import ConfigError, load_config
    from tui.paths import default_config_path, default_db_path

    try:
        config = load_config(args.config or default_config_path())
    except ConfigError as exc:
        print(f"agent-tui: {exc}", file=sys.stderr)
        return 2
    if args.model:
        config = config.replace(model=args.model)

    if args.db is not None:
        db_path = args.db.expanduser()
    elif args.demo:
        # A demo never writes into the user's real history.
        db_path = default_db_path().with_name("agent-tui-demo.db")
    else:
        db_path = default_db_path()

    # Start-up allocates a great deal and leaves next to no garbage cycles, so the
    # cycle collector would only slow it down, sweeping an ever larger heap again and
    # again (tens of milliseconds before the first frame). Off from the imports on;
    # the app's `Collector` turns it back on once start-up is done.
    gc.disable()
    try:
        from tui.app import AgentTuiApp

        app = AgentTuiApp(db_path=db_path, cwd=cwd.resolve(), config=config, demo=args.demo)
        app.run()
    finally:
        gc.enable()
    return app.return_code or 0
