"""Runs one measurement in this fresh process:

    python -m bench.child module:function '{"kwarg": ...}' result.json

and writes what the coroutine returned as JSON."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from pathlib import Path


def main() -> None:
    target, args, out = sys.argv[1:4]
    module, _, name = target.partition(":")
    func = getattr(importlib.import_module(module), name)
    result = asyncio.run(func(**json.loads(args)))
    Path(out).write_text(json.dumps(result))
    sys.stdout.flush()
    sys.stderr.flush()
    # A thread something left running (a database connection, a CLI reader) must not
    # keep the process, and the run waiting for it, alive.
    os._exit(0)


if __name__ == "__main__":
    main()
