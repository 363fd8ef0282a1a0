"""agent-tui benchmarks: ``python -m bench [--quick] [ROW ...]``.

Every figure is compared with a baseline measured in the same run (absolute times
drift from machine to machine and from run to run); the table shows medians with
their min-max, the target and whether it was met. The same goes to
``bench/results/latest.json``. A missed target is information, not a failure: the
exit status is 0 unless the harness itself broke.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.common import REPO, Context, Figure, cli_environ, fmt, now, scripted_server

ROWS: dict[int, tuple[str, str]] = {
    1: ("start to first full frame, empty database", "bench.startup:row1"),
    2: ("start to first full frame, 10,000 sessions / 500,000 entries", "bench.startup:row2"),
    3: ("a 20,000-token reply at full speed, until rendered", "bench.streaming:row3"),
    4: ("key-to-screen latency while a reply streams", "bench.latency:row4"),
    5: ("fork at turn 100 of a 200-turn session", "bench.forking:row5"),
    6: ("open a 2,000-turn session from the sidebar", "bench.opening:row6"),
    7: ("memory of 20 tabs with the live-client cap", "bench.memory:row7"),
    8: ("SqliteSessionStore append and load", "bench.store:row8"),
}
RESULTS = Path(__file__).resolve().parent / "results"


def _run_row(number: int, ctx: Context) -> dict[str, Any]:
    title, target = ROWS[number]
    module, _, name = target.partition(":")
    print(f"[bench] row {number}: {title} ...", file=sys.stderr, flush=True)
    # The disk catches up with the rows before first (row 2 writes and deletes a
    # database of 660 MB): writing that back would take CPU in this row's figures.
    os.sync()
    start = now()
    figures: list[Figure] = []
    error = None
    try:
        figures = getattr(importlib.import_module(module), name)(ctx)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        print(traceback.format_exc(), file=sys.stderr)
    seconds = now() - start
    print(f"[bench] row {number} done in {seconds:.0f} s", file=sys.stderr, flush=True)
    return {"row": number, "title": title, "seconds": seconds, "figures": figures, "error": error}


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("#", "figure", "median", "min-max", "target", "result")
    lines: list[tuple[str, ...]] = []
    notes: list[str] = []
    for row in rows:
        n = str(row["row"])
        if row["error"]:
            lines.append((n, row["title"], "-", "-", "-", "ERROR"))
            notes.append(f"row {n}: {row['error'].splitlines()[0][:300]}")
        for fig in row["figures"]:
            spread = fig.spread
            lo_hi = "-"
            if spread:
                lo, hi = (fmt(v, fig.unit) for v in spread)
                lo_hi = f"{_strip_unit(lo, hi)}-{hi}"
            result = "" if fig.ok is None else ("pass" if fig.ok else "MISS")
            lines.append((n, fig.label, fmt(fig.value, fig.unit), lo_hi, fig.target, result))
            if fig.note:
                notes.append(f"row {n}: {fig.note}")
    widths = [max(len(r[i]) for r in (head, *lines)) for i in range(len(head))]
    right = {2, 3}

    def render(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [render(head), render(tuple("-" * w for w in widths))]
    previous = None
    for cells in lines:
        if previous is not None and cells[0] != previous:
            out.append("")
        out.append(render(cells))
        previous = cells[0]
    if notes:
        out += ["", *notes]
    return "\n".join(out)


def _strip_unit(low: str, high: str) -> str:
    """ "3.1 ms" next to "42.7 ms" reads as "3.1-42.7 ms"."""
    for unit in (" ms", " s", " MB", "/s", "x"):
        if low.endswith(unit) and high.endswith(unit):
            return low.removesuffix(unit)
    return low


def _machine() -> dict[str, Any]:
    import textual

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "textual": textual.__version__,
        "claude_agent_sdk": importlib.import_module("claude_agent_sdk").__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "rows", nargs="*", type=int, metavar="ROW", help="rows to run (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args(argv)
    selected = args.rows or sorted(ROWS)
    unknown = [r for r in selected if r not in ROWS]
    if unknown:
        parser.error(f"no such row: {unknown} (rows are {min(ROWS)}-{max(ROWS)})")

    started = datetime.now(timezone.utc)
    start = now()
    scratch = Path(tempfile.mkdtemp(prefix="agent-tui-bench-"))
    home = scratch / "home"
    home.mkdir()
    results: list[dict[str, Any]] = []
    try:
        with scripted_server(scratch / "server.log") as url:
            ctx = Context(scratch, cli_environ(url, home), quick=args.quick)
            for number in selected:
                results.append(_run_row(number, ctx))
    finally:
        if args.keep:
            print(f"[bench] scratch kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    total = now() - start

    print()
    print(_table(results))
    print(f"\ntotal {total:.0f} s{' (quick)' if args.quick else ''}")
    RESULTS.mkdir(exist_ok=True)
    report = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(total, 1),
        "quick": args.quick,
        "machine": _machine(),
        "commit": _commit(),
        "rows": [{**r, "figures": [f.to_json() for f in r["figures"]]} for r in results],
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {(RESULTS / 'latest.json').relative_to(REPO)}")
    return 0


def _commit() -> str | None:
    try:
        head = (REPO / ".git" / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            return (REPO / ".git" / head[5:]).read_text().strip()
        return head
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
