"""Memory tracing for a benchmarked server: put this directory first on the server's PYTHONPATH.

Python imports `sitecustomize` at start-up, before the server. With `WORKBENCH_TRACEMALLOC_OUT`
set, the first SIGUSR1 starts tracing allocations (`WORKBENCH_TRACEMALLOC_FRAMES` frames each;
starting only then keeps the server's start-up fast); every later one writes the places holding
the most memory allocated since then and still alive, i.e. what grew in between, to that file.
"""

import os
import signal
import threading
import tracemalloc
from types import FrameType

_OUT = os.environ.get("WORKBENCH_TRACEMALLOC_OUT")
_IGNORED = [tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<unknown>")]


def _write_growth() -> None:
    assert _OUT is not None
    snapshot = tracemalloc.take_snapshot().filter_traces(_IGNORED)
    traced = tracemalloc.get_traced_memory()[0] / 2**20
    lines = [f"live memory allocated since tracing started: {traced:.1f} MB"]
    for label, key, count in (("by line", "lineno", 30), ("by traceback", "traceback", 8)):
        lines.append(f"--- {label} ---")
        for stat in snapshot.statistics(key)[:count]:
            lines.append(f"{stat.size / 1024:10.1f} KiB {stat.count:8d} blocks")
            frames = stat.traceback.format() if key == "traceback" else [str(stat.traceback[0])]
            lines += [f"    {frame}" for frame in frames]
    with open(_OUT, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n\n")


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    if not tracemalloc.is_tracing():
        tracemalloc.start(int(os.environ.get("WORKBENCH_TRACEMALLOC_FRAMES", "12")))
        return
    # Off the signal handler: a snapshot of a big heap takes seconds.
    threading.Thread(target=_write_growth, name="tracemalloc-snapshot").start()


if _OUT:
    signal.signal(signal.SIGUSR1, _on_signal)
