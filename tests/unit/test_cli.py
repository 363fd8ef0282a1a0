import subprocess
import sys
import time
from pathlib import Path

from tui import __version__


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"agent-tui {__version__}"


def test_help_lists_every_option() -> None:
    out = run("--help")
    assert out.returncode == 0
    for flag in ("--db", "--cwd", "--model", "--demo", "--version", "--config"):
        assert flag in out.stdout


def test_version_is_instant_and_imports_nothing_heavy() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); from tui.cli import build_parser; "
        "build_parser(); print(time.perf_counter() - t); "
        "print(any(m.startswith(('claude_agent_sdk', 'textual', 'aiosqlite')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    elapsed, heavy = out.stdout.split()
    assert heavy == "False"
    assert float(elapsed) < 0.5


def test_bad_cwd_is_a_clear_error(tmp_path: Path) -> None:
    out = run("--cwd", str(tmp_path / "missing"))
    assert out.returncode == 2
    assert "is not a directory" in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("max_live_clients = -1\n")
    started = time.perf_counter()
    out = run("--config", str(cfg))
    assert out.returncode == 2
    assert "'max_live_clients'" in out.stderr
    assert "Traceback" not in out.stderr
    assert time.perf_counter() - started < 30
