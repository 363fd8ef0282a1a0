"""User configuration: a TOML file under the platform config dir. Every value is
checked, and a bad one is reported by its key, never as a traceback."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PERMISSION_MODES = ("default", "acceptEdits", "plan")
# bypassPermissions is accepted from the file but never reached by cycling.
ALL_PERMISSION_MODES = (*PERMISSION_MODES, "bypassPermissions")
SYSTEM_PROMPTS = ("claude_code", "none")
SETTING_SOURCES = ("user", "project", "local")


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    model: str | None = None
    permission_mode: str = "default"
    max_live_clients: int = 6
    theme: str = "textual-dark"
    # Binding id -> comma-separated keys, e.g. {"fork_turn": "F"}.
    keys: dict[str, str] = field(default_factory=dict)
    system_prompt: str = "claude_code"
    append_system_prompt: str = ""
    setting_sources: tuple[str, ...] = SETTING_SOURCES

    def replace(self, **changes: Any) -> Config:
        return replace(self, **changes)


def _check(path: Path, key: str, ok: bool, expected: str, value: object) -> None:
    if not ok:
        raise ConfigError(f"{path}: '{key}' must be {expected}, not {value!r}")


def parse_config(data: dict[str, Any], path: Path) -> Config:
    known = {f.name for f in fields(Config)}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{path}: unknown key '{key}' (known keys: {', '.join(sorted(known))})"
            )
    out: dict[str, Any] = {}
    if "model" in data:
        v = data["model"]
        _check(path, "model", isinstance(v, str) and bool(v.strip()), "a model name", v)
        out["model"] = v.strip()
    if "permission_mode" in data:
        v = data["permission_mode"]
        _check(
            path,
            "permission_mode",
            v in ALL_PERMISSION_MODES,
            "one of " + ", ".join(ALL_PERMISSION_MODES),
            v,
        )
        out["permission_mode"] = v
    if "max_live_clients" in data:
        v = data["max_live_clients"]
        ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 64
        _check(path, "max_live_clients", ok, "a whole number from 1 to 64", v)
        out["max_live_clients"] = v
    if "theme" in data:
        v = data["theme"]
        _check(path, "theme", isinstance(v, str) and bool(v), "a theme name", v)
        out["theme"] = v
    if "keys" in data:
        v = data["keys"]
        ok = isinstance(v, dict) and all(
            isinstance(k, str) and isinstance(s, str) and s.strip() for k, s in v.items()
        )
        _check(path, "keys", ok, 'a table of binding id = "key[,key]"', v)
        out["keys"] = dict(v)
    if "system_prompt" in data:
        v = data["system_prompt"]
        _check(path, "system_prompt", v in SYSTEM_PROMPTS, "one of " + ", ".join(SYSTEM_PROMPTS), v)
        out["system_prompt"] = v
    if "append_system_prompt" in data:
        v = data["append_system_prompt"]
        _check(path, "append_system_prompt", isinstance(v, str), "a string", v)
        out["append_system_prompt"] = v
    if "setting_sources" in data:
        v = data["setting_sources"]
        ok = isinstance(v, list) and all(s in SETTING_SOURCES for s in v)
        _check(path, "setting_sources", ok, "a list drawn from " + ", ".join(SETTING_SOURCES), v)
        out["setting_sources"] = tuple(dict.fromkeys(v))
    return Config(**out)


def load_config(path: Path) -> Config:
    """A missing file means defaults; anything else wrong is a ConfigError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, path)
