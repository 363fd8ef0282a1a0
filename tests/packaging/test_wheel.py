"""The wheel carries the stylesheets, and an ordinary (non-editable) install finds
them and starts. Dependencies come from the test environment, placed behind the
fresh environment's own site-packages so the wheel's `tui` is the one imported."""

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HEADLESS_START = """
import asyncio, sys
from pathlib import Path
import tui, tui.paths
site = Path(sys.argv[1]).resolve()
assert Path(tui.__file__).resolve().is_relative_to(site), tui.__file__
styles = tui.paths.styles_dir()
assert styles.resolve().is_relative_to(site), styles
assert sorted(p.name for p in styles.glob("*.tcss")), "no stylesheets in the wheel"
from tui.app import AgentTuiApp
from tui.config import Config

async def main():
    app = AgentTuiApp(db_path=Path(sys.argv[2]), cwd=Path(sys.argv[3]), config=Config(), demo=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.5)
        loaded = [str(p) for p in app.css_path]
        assert loaded and all(Path(p).resolve().is_relative_to(site) for p in loaded), loaded
        assert app.stylesheet.rules, "stylesheet is empty"
        print("started", len(list(app.screen.query("*"))))

asyncio.run(main())
"""


@pytest.mark.timeout(300)
def test_wheel_ships_styles_and_starts(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(REPO)],
        check=True,
    )
    wheel = next(dist.glob("agent_tui-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert any(n.startswith("tui/styles/") and n.endswith(".tcss") for n in names), names

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True
    )
    site = subprocess.check_output(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    (Path(site) / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    version = subprocess.run(
        [str(env_dir / "bin" / "agent-tui"), "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("agent-tui ")

    work = tmp_path / "work"
    work.mkdir()
    started = subprocess.run(
        [str(py), "-c", HEADLESS_START, site, str(tmp_path / "db.sqlite"), str(work)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=work,  # not the checkout: `python -c` puts the cwd first on sys.path
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("started")
