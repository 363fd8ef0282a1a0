from pathlib import Path

import pytest

from tui.config import Config, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "nope.toml") == Config()


def test_full_config_round_trips(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
model = "claude-sonnet-4-5"
permission_mode = "plan"
max_live_clients = 3
theme = "nord"
system_prompt = "none"
append_system_prompt = "Be brief."
setting_sources = ["project", "project", "local"]
[keys]
"chat.fork" = "F"
""",
        )
    )
    assert cfg.model == "claude-sonnet-4-5"
    assert cfg.permission_mode == "plan"
    assert cfg.max_live_clients == 3
    assert cfg.theme == "nord"
    assert cfg.system_prompt == "none"
    assert cfg.append_system_prompt == "Be brief."
    assert cfg.setting_sources == ("project", "local")
    assert cfg.keys == {"chat.fork": "F"}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("max_live_clients = 0", "max_live_clients"),
        ("max_live_clients = true", "max_live_clients"),
        ('max_live_clients = "6"', "max_live_clients"),
        ('permission_mode = "yolo"', "permission_mode"),
        ('setting_sources = ["user", "cloud"]', "setting_sources"),
        ('system_prompt = "pirate"', "system_prompt"),
        ("keys = 3", "keys"),
        ('model = ""', "model"),
        ("colour = 1", "colour"),
    ],
)
def test_bad_values_name_their_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"'{key}'" in str(err.value)
    assert str(path) in str(err.value)


def test_invalid_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "model = "))
