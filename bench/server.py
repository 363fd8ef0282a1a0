"""The scripted Messages-API server as a process of its own: prints its URL, then
serves until terminated. ``python -m bench.server``"""

from __future__ import annotations

import signal
import sys
import threading

from tui.demo import ScriptedServer


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ScriptedServer() as server:
        print(server.url, flush=True)
        # The server keeps every request (bodies hold the whole conversation); a
        # benchmark run never reads them, so drop them before they pile up.
        while not stop.wait(1.0):
            server.clear()
    sys.exit(0)


if __name__ == "__main__":
    main()
