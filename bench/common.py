"""Shared helpers: figures and their statistics, process memory from /proc, the
scripted-server environment, and running one measurement in a fresh process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
now = time.perf_counter

# Variables of the outer environment that could point the CLI at another server or
# account, or make it think it runs inside another Claude session.
_SCRUB_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_", "CLAUDE_CONFIG_DIR")
_SCRUB_NAMES = ("CLAUDECODE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")  # fmt: skip


# ------------------------------------------------------------------ figures


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    """Nearest-rank 95th percentile (no interpolation: with 100 samples it is the
    95th smallest, a value that was actually observed)."""
    ordered = sorted(xs)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


@dataclass
class Figure:
    """One line of the table. ``samples`` are raw measurements in ``unit``; the
    figure's value is their median unless ``value`` is given (then ``stat`` says
    what it is: a p95, a ratio of medians)."""

    label: str
    unit: str
    samples: list[float] = field(default_factory=list)
    value: float | None = None
    target: str = ""
    ok: bool | None = None  # None: informative, no target
    note: str = ""
    stat: str = "median"

    def __post_init__(self) -> None:
        if self.value is None and self.samples:
            self.value = median(self.samples)
        elif self.unit == "x" and self.stat == "median":
            self.stat = "ratio"

    @property
    def spread(self) -> tuple[float, float] | None:
        return (min(self.samples), max(self.samples)) if len(self.samples) > 1 else None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if self.spread:
            out["min"], out["max"] = self.spread
        return out


def at_most(fig: Figure, limit: float, text: str | None = None) -> Figure:
    fig.target = text or f"<= {fmt(limit, fig.unit)}"
    fig.ok = fig.value is not None and fig.value <= limit
    return fig


def at_least(fig: Figure, limit: float, text: str | None = None) -> Figure:
    fig.target = text or f">= {fmt(limit, fig.unit)}"
    fig.ok = fig.value is not None and fig.value >= limit
    return fig


def ratio(label: str, top: Figure, bottom: Figure) -> Figure:
    """Median over median, both measured in this run."""
    assert top.value is not None and bottom.value
    return Figure(label, "x", value=top.value / bottom.value)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "ms":
        return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:g} {unit}".strip()


# ------------------------------------------------------------------ memory


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields resume after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    kids = _children_map()
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(kids.get(p, []))
    return found


def _status_kb(pid: int, field_name: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(pid: int | None = None) -> float:
    return _status_kb(pid or os.getpid(), "VmRSS") / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages split between their users, so summing
    it over processes does not count a shared binary once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_memory(pid: int) -> dict[str, float]:
    pids = process_tree(pid)
    return {
        "processes": len(pids),
        "rss_mb": sum(rss_mb(p) for p in pids),
        "pss_mb": sum(pss_mb(p) for p in pids),
    }


# ------------------------------------------------------------------ environment


def scrubbed_environ() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES
    }


def cli_environ(server_url: str, home: Path) -> dict[str, str]:
    """The whole environment for a process that runs the bundled CLI offline against
    the scripted server, with HOME and the CLI's config under ``home``; the user's
    real ~/.claude is never read or written."""
    from tui.demo import cli_env

    env = scrubbed_environ()
    env.update(cli_env(server_url, home, max_retries=2))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    assert Path(env["CLAUDE_CONFIG_DIR"]).is_relative_to(home)
    return env


@contextlib.contextmanager
def scripted_server(log: Path) -> Iterator[str]:
    """The scripted Messages-API server in its own process, so serving 20,000 deltas
    does not compete for the GIL with what is being measured. Yields its URL."""
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [PYTHON, "-m", "bench.server"],
            cwd=REPO,
            env={**scrubbed_environ(), "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"scripted server did not start (see {log})")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Context:
    """What every row gets: scratch space, the shared CLI environment, the run mode,
    and figures other rows may reuse as baselines."""

    scratch: Path
    env: dict[str, str]
    quick: bool
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    @property
    def workdir(self) -> Path:
        path = self.scratch / "work"
        path.mkdir(exist_ok=True)
        return path

    def reps(self, full: int, quick: int) -> int:
        return quick if self.quick else full


# ------------------------------------------------------------------ children


def run_child(ctx: Context, target: str, timeout: float, **kwargs: Any) -> Any:
    """Run ``async def target(**kwargs)`` (``"module:function"``) in a fresh Python
    process with the CLI environment and return what it returned. A fresh process
    per measurement keeps memory figures clean and one row's leftovers (threads,
    live CLI processes, Textual state) out of the next."""
    name = target.replace(":", "-").replace(".", "-")
    out = ctx.scratch / f"{name}-{time.monotonic_ns()}.json"
    log = ctx.scratch / f"{name}.log"
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [PYTHON, "-m", "bench.child", target, json.dumps(kwargs), str(out)],
            cwd=REPO,
            env=ctx.env,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        # Its own session: the CLI processes it started go with it.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"{target} took longer than {timeout:.0f} s (log: {log})") from None
    if proc.returncode != 0 or not out.exists():
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{target} failed (exit {proc.returncode}):\n{tail}")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stray CLI processes, if any
    return json.loads(out.read_text())
