"""uvicorn with the cyclic garbage collector's pauses counted (sync_batch.py --gc-stats / --gc-off).

    python bench/gcstat_server.py api.asgi:app --host 127.0.0.1 --port 18500 ...   (cwd: the checkout to serve)

Same arguments as `uvicorn`. Every collection's duration is added up per generation (gc.callbacks); on
SIGUSR1 the totals are written as JSON to the file named by BENCH_GC_STATS. With BENCH_GC=off the collector
is disabled before the app starts (the app's start-up gc.collect()/gc.freeze() do not re-enable it): a
what-if, not how the service runs.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time

stats = {"seconds": [0.0, 0.0, 0.0], "collections": [0, 0, 0]}
_start = [0.0]


def _callback(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _start[0] = time.perf_counter()
    else:
        generation = info["generation"]
        stats["seconds"][generation] += time.perf_counter() - _start[0]
        stats["collections"][generation] += 1


def _dump(signum: int, frame: object) -> None:
    path = os.environ.get("BENCH_GC_STATS")
    if path:
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump(stats, f)
        os.replace(tmp, path)


gc.callbacks.append(_callback)
signal.signal(signal.SIGUSR1, _dump)
if os.environ.get("BENCH_GC") == "off":
    gc.disable()

if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # the checkout in cwd, as `python -m uvicorn` imports it (and not bench/)
    import uvicorn.main

    sys.argv[0] = "uvicorn"
    sys.exit(uvicorn.main.main())
