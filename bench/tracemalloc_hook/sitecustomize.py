"""Memory tracing for a benchmarked server: put this directory first on the server's PYTHONPATH.

Python imports `sitecustomize` at start-up, so the server traces its allocations from the first
import on (`WORKBENCH_TRACEMALLOC_FRAMES` frames each). Every SIGUSR1 takes a snapshot: the first
is the baseline; each later one writes the 30 places whose live memory grew most since the
baseline to `WORKBENCH_TRACEMALLOC_OUT`, so a bench can ask "what grew between these moments?".
"""

import os
import signal
import threading
import tracemalloc
from types import FrameType

_OUT = os.environ.get("WORKBENCH_TRACEMALLOC_OUT")
_baseline: list[tracemalloc.Snapshot] = []
_IGNORED = [tracemalloc.Filter(False, tracemalloc.__file__),
            tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<unknown>")]


def _snapshot() -> None:
    snapshot = tracemalloc.take_snapshot().filter_traces(_IGNORED)
    if not _baseline:
        _baseline.append(snapshot)
        return
    assert _OUT is not None
    lines = [f"traced now {tracemalloc.get_traced_memory()[0] / 2**20:.1f} MB"]
    for label, key in (("by line", "lineno"), ("by traceback", "traceback")):
        lines.append(f"--- grew most since the baseline, {label} ---")
        for stat in snapshot.compare_to(_baseline[0], key)[:30 if key == "lineno" else 8]:
            lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks  "
                         f"(now {stat.size / 1024:.1f} KiB)")
            frames = stat.traceback.format() if key == "traceback" else [str(stat.traceback[0])]
            lines += [f"    {frame}" for frame in frames]
    with open(_OUT, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n\n")


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    # Off the signal handler: a snapshot of a big heap takes seconds.
    threading.Thread(target=_snapshot, name="tracemalloc-snapshot").start()


if _OUT:
    tracemalloc.start(int(os.environ.get("WORKBENCH_TRACEMALLOC_FRAMES", "12")))
    signal.signal(signal.SIGUSR1, _on_signal)
