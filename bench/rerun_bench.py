"""Server-side rerun time of the Review page while a reviewer holds an item, measured with AppTest.

    python bench/rerun_bench.py [--items 10000] [--reruns 30] [--postgres]

AppTest runs the script in this process and adds its own overhead (building and diffing the
element tree instead of sending deltas to a browser), so the figure is an upper bound on a real
server's script time and excludes network and browser rendering. Two reference rows separate the
parts: AppTest's floor on a one-element script, and the page's domain calls without Streamlit.
"""

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.common import fresh_url, machine_note, percentile, print_table  # noqa: E402
from review.enums import Queue, Role  # noqa: E402
from review.queue import held_item, renew_lease  # noqa: E402
from review.roles import actor_for_person, grant_role  # noqa: E402
from storage.engine import create_database_engine  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from tests.factories import OPERATOR, queue_items  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
REVIEWER = "reviewer@bench.example.com"
LOCAL_USER_KEY = "auth_local_user"
TIMEOUT_SECONDS = 60
WARM_UP = 3


def review_page() -> str:
    """The Review page's file as st.navigation names it (it moved from pages/ to app_pages/)."""
    for candidate in ("app_pages/review.py", "pages/review.py"):
        if (ROOT / candidate).exists():
            return candidate
    raise SystemExit("no review page found under app_pages/ or pages/")


@contextmanager
def outside_a_script_run() -> Iterator[None]:
    """Silence the harmless "missing ScriptRunContext" warning Streamlit logs for calls made
    outside a script run (building an AppTest, setting its session state, clearing caches)."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def clear_app_caches() -> None:
    """Forget the app's cached engine, so the next run opens the database now configured."""
    with outside_a_script_run():
        st.cache_resource.clear()


def prepare(engine: Engine, items: int) -> None:
    """Migrate, queue `items` items for review and grant the reviewer their role."""
    upgrade_to_head(engine)
    for start in range(0, items, 1000):
        queue_items(engine, min(1000, items - start))
    grant_role(engine, OPERATOR, REVIEWER, Role.REVIEWER)


def checked(at: AppTest) -> AppTest:
    """`at`, after stopping the benchmark if its run raised."""
    if at.exception:
        raise SystemExit("\n".join("".join(e.stack_trace) or e.value for e in at.exception))
    return at


def open_review_page_holding_an_item() -> AppTest:
    """The app signed in as the reviewer, on the Review page, after pressing `Claim next`."""
    with outside_a_script_run():
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_SECONDS)
        at.session_state[LOCAL_USER_KEY] = REVIEWER
    checked(at.run())
    checked(at.switch_page(review_page()).run())
    claim = [button for button in at.button if button.label == "Claim next"]
    if len(claim) != 1:
        raise SystemExit(f"expected one `Claim next` button, found {[b.label for b in at.button]}")
    claim[0].click()
    checked(at.run())
    if "Approve" not in [button.label for button in at.button]:
        raise SystemExit("no item is held after `Claim next`")
    return at


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each of `runs` calls of `action`, after a short warm-up."""
    for _ in range(WARM_UP):
        action()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def domain_calls_of_one_rerun(engine: Engine) -> Callable[[], object]:
    """What the page asks of the domain per rerun: the actor twice (app.py and the page), the held
    item, and the lease renewal of its fragment."""
    def rerun() -> None:
        actor_for_person(engine, REVIEWER)
        actor = actor_for_person(engine, REVIEWER)
        item = held_item(engine, actor, Queue.REVIEW)
        assert item is not None
        renew_lease(engine, actor, item.item_id, item.lease_id)
    return rerun


def measure(kind: str, items: int, reruns: int) -> list[list[object]]:
    """Rows for one database: the page in AppTest, and its domain calls alone."""
    with ExitStack() as stack:
        url = fresh_url(stack, kind)
        os.environ["WORKBENCH_DATABASE_URL"] = url
        clear_app_caches()
        stack.callback(clear_app_caches)
        engine = create_database_engine(url)
        stack.callback(engine.dispose)
        prepare(engine, items)
        at = open_review_page_holding_an_item()
        page = timed(lambda: checked(at.run()), reruns)
        if "Approve" not in [button.label for button in at.button]:
            raise SystemExit("the item was no longer held after the timed reruns")
        domain = timed(domain_calls_of_one_rerun(engine), reruns)
    return [_row(f"{kind}: Review page, item held (AppTest)", page),
            _row(f"{kind}: its domain calls only (no Streamlit)", domain)]


def apptest_floor(reruns: int) -> list[object]:
    """AppTest's own cost: reruns of a script that shows one title and touches no database."""
    with outside_a_script_run():
        at = AppTest.from_string("import streamlit as st\nst.title('floor')", default_timeout=TIMEOUT_SECONDS)
    return _row("AppTest floor: one-element script", timed(lambda: checked(at.run()), reruns))


def _row(name: str, seconds: list[float]) -> list[object]:
    return [name, len(seconds), percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000,
            max(seconds) * 1000]


def main() -> None:
    """Measure and print a table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--reruns", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rerun-home-") as home:
        # A home and working directory of our own keep anyone's secrets.toml from leaving local mode.
        os.environ["HOME"] = home
        os.chdir(home)
        print(f"{args.items:,} queued items, {args.reruns} timed reruns after {WARM_UP} warm-up; "
              f"{machine_note()}")
        rows = [apptest_floor(args.reruns)]
        for kind in ["sqlite", "postgresql"] if args.postgres else ["sqlite"]:
            rows += measure(kind, args.items, args.reruns)
        os.chdir(ROOT)
    print_table(["what", "runs", "p50 ms", "p95 ms", "max ms"], rows)
    print("AppTest runs the script in-process and builds its element tree itself: its figures include "
          "AppTest's own overhead (see the floor row) and exclude network and browser rendering.")


if __name__ == "__main__":
    main()
