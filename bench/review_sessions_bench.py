"""Server memory with many reviewers working at once: RSS per session and its slope over time.

    python bench/review_sessions_bench.py [--reviewers 50] [--minutes 30] [--think-s 20]
                                          [--database sqlite|postgresql] [--sample-s 30]
                                          [--after-s 150] [--post-script-gc on|off] [--tracemalloc]

One `workbench serve` on a fresh database (a SQLite file in a temporary directory, or a PostgreSQL
schema of its own, dropped afterwards) with enough low-confidence items that nobody runs out. Every
reviewer is a local user in a browser context of their own (one headless Chromium, Playwright's
async API): they sign in (`Local user`, `Sign in`), open `Review`, hold an item, and then, for
`--minutes`, read each item for 0.5-1.5x `--think-s` seconds and press `Approve`, which draws the
next one. A recovery (reload, back to Review) follows anything that goes wrong, and is counted.

The resident memory (RSS, from /proc/PID/stat) of every process in the server's process group is
sampled every `--sample-s` seconds. Printed: RSS at start (no session yet), after one warm-up
reviewer came and went (the app's modules are imported on the first run, once per process), after
every reviewer signed in, and over time; RSS per session ((signed in - warm) / reviewers); the
slope over the last 20 minutes of work (least squares, MB/min); and RSS `--after-s` seconds after
every browser closed (Streamlit keeps a disconnected session for `server.disconnectedSessionTTL`,
120 s by default). Decisions made, errors and recoveries, and the decisions in the database are
checked against the ones the bench made.
"""

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_reviewers import (  # noqa: E402
    IDLE_SELECTOR,
    descendants_pss_bytes,
    group_cpu_seconds,
    group_rss_bytes,
    launch_chromium,
    new_reviewer_page,
    open_review,
    reviewer_emails,
    sign_in_local,
)
from bench.common import machine_note, print_table  # noqa: E402
from review.actors import cli_actor  # noqa: E402
from review.roles import grant_role, parse_role  # noqa: E402
from storage.engine import create_database_engine  # noqa: E402
from tests.browser.server import Server, free_port, run_workbench, write_jsonl  # noqa: E402
from tests.databases import database_url  # noqa: E402

MB = 1024 * 1024
WAIT_MS = 60_000
SIGN_IN_AT_ONCE = 5  # sign-ins in flight together: 50 first page loads at once would swamp 2 cores
SLOPE_MINUTES = 20
ID_PREFIX = "sess-"
TRACEMALLOC_HOOK = Path(__file__).resolve().parent / "tracemalloc_hook"

# In the page: the held item's external id, whether the run is done and Approve is usable, and
# whether the queue is empty or an error shows. Polled by wait_for_function after each Approve.
NEXT_ITEM_JS = """
(before) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
  const header = document.querySelector('.st-key-review_header');
  const match = header && header.textContent.match(/sess-[0-9]{6}/);
  const held = match ? match[0] : null;
  const approve = [...document.querySelectorAll('button')]
    .find((button) => button.textContent.trim().startsWith('Approve'));
  if (held !== null && held !== before && approve && !approve.disabled) return 'next:' + held;
  if ([...document.querySelectorAll('[data-testid="stAlertContainer"]')]
      .some((element) => element.textContent.includes('Queue is empty'))) return 'empty';
  const error = document.querySelector('[data-testid="stException"], [data-testid="stAlertContentError"]');
  if (error) return 'error:' + error.textContent.trim().slice(0, 200);
  return null;
}
"""


@dataclass
class Sample:
    """One reading of the server's memory."""

    label: str
    seconds: float  # since the work phase started (negative before it)
    rss: int
    decisions: int
    errors: int
    load: float
    browsers_pss: int


@dataclass
class Run:
    """What every reviewer did, and the memory readings."""

    decisions: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    recoveries: int = 0
    samples: list[Sample] = field(default_factory=list)

    def error(self, kind: str) -> None:
        """Count one error of `kind` (kinds are short, fixed texts)."""
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Reviewer:
    """One person: sign in, open Review, then read and approve until the time is up."""

    def __init__(self, page: Page, email: str, run: Run) -> None:
        self.page, self.email, self.run = page, email, run
        self.held: str | None = None
        self.queue_empty = False  # the one reason to stop before the time is up
        self.signed_in = False
        self.base_url = ""
        page.on("pageerror", lambda _error: run.error("page error"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.run.error("console error")

    async def start(self, base_url: str) -> bool:
        """Sign in, open Review and hold an item; False when that failed."""
        self.base_url = base_url
        try:
            await sign_in_local(self.page, base_url, self.email, WAIT_MS)
            self.signed_in = True
            await open_review(self.page, WAIT_MS)
            return await self._hold_item()
        except (PlaywrightError, AssertionError) as error:
            self.run.error(f"sign-in failed: {_first_line(error)}")
            return False

    async def _hold_item(self) -> bool:
        self.held = await self._held_now()
        if self.held is None:
            await self.page.get_by_role("button", name="Claim next").click()
            self.held = await self._wait_for_next(None)
        return self.held is not None

    async def _held_now(self) -> str | None:
        header = self.page.locator(".st-key-review_header")
        if not await header.count():
            return None
        match = re.search(r"sess-[0-9]{6}", await header.inner_text())
        return match[0] if match else None

    async def _wait_for_next(self, before: str | None) -> str | None:
        """The next held item's id once drawn; None (counted) on an empty queue or an error."""
        handle = await self.page.wait_for_function(NEXT_ITEM_JS, arg=before, polling=250, timeout=WAIT_MS)
        outcome = str(await handle.json_value())
        if outcome.startswith("next:"):
            return outcome.removeprefix("next:")
        self.queue_empty = outcome == "empty"
        self.run.error("queue empty" if self.queue_empty else "error shown on the page")
        return None

    async def work(self, until: float, think_s: float) -> None:
        """Read, approve, repeat until `until` (monotonic seconds)."""
        # Reviewers start at different moments, as a team does, not in lockstep.
        await asyncio.sleep(random.uniform(0, think_s))
        while time.monotonic() < until and not self.queue_empty:
            # People read at different speeds: 0.5x to 1.5x the mean think time. After a failed
            # recovery the same pause spaces out the next try.
            await asyncio.sleep(min(random.uniform(0.5, 1.5) * think_s, max(until - time.monotonic(), 0)))
            if time.monotonic() >= until:
                return
            if self.held is None:
                await self._recover()
                continue
            try:
                await self.page.get_by_role("button", name="Approve").click()
                # Clicked: the server decides the item even when the next one is slow to draw.
                self.run.decisions += 1
                self.held = await self._wait_for_next(self.held)
            except (PlaywrightError, AssertionError) as error:
                self.run.error(f"approve failed: {_first_line(error)}")
                self.held = None

    async def _recover(self) -> None:
        """Reload (local mode remembers the user; sign in if that failed), back to Review, hold an item."""
        self.run.recoveries += 1
        try:
            if not self.signed_in:  # the sign-in itself failed: start over
                await sign_in_local(self.page, self.base_url, self.email, WAIT_MS)
                self.signed_in = True
            else:
                await self.page.reload()
                await self.page.wait_for_selector(IDLE_SELECTOR)
            await open_review(self.page, WAIT_MS)
            await self._hold_item()
        except (PlaywrightError, AssertionError) as error:
            self.run.error(f"recovery failed: {_first_line(error)}")
            self.held = None


def _first_line(error: Exception) -> str:
    # Playwright's messages carry a call log and changing timeouts; the first line names the failure.
    return re.sub(r"[0-9]+ms", "Nms", str(error).splitlines()[0])[:160]


def _records(count: int) -> list[dict[str, Any]]:
    """Low-confidence items of two shapes: a short reply draft (text) and a triage label (JSON)."""
    rng = random.Random(20261202)
    records = []
    for number in range(count):
        common = {"external_id": f"{ID_PREFIX}{number:06d}", "model_version": "sessions-v1",
                  "confidence": round(rng.uniform(0.05, 0.4), 2), "impact": rng.choice(["low", "medium"])}
        if number % 2:
            record = {"source": "helpdesk-ai", "task": "reply-draft",
                      "input": {"ticket": f"Order {number} arrived damaged, what now?"},
                      "output": (f"Hello, thank you for telling us about order {number}. "
                                 + "We are sorry it arrived damaged. " * rng.randint(4, 20)
                                 + "A replacement is on its way; no need to send anything back.")}
        else:
            record = {"source": "ticket-router", "task": "ticket-triage",
                      "input": {"subject": f"Ticket {number}", "body": "My card was charged twice."},
                      "output": {"label": rng.choice(["billing", "shipping", "account"]),
                                 "priority": rng.choice(["low", "high"]), "language": "en"}}
        records.append({**common, **record})
    return records


def _prepare(directory: Path, url: str, emails: list[str], items: int) -> None:
    run_workbench(directory, "init", database_url=url)
    # In this process: a `workbench role grant` each would start Python 51 times.
    engine = create_database_engine(url)
    try:
        for email in emails:
            grant_role(engine, cli_actor(), email, parse_role("reviewer"))
    finally:
        engine.dispose()
    path = write_jsonl(directory / "items.jsonl", _records(items))
    ingested = run_workbench(directory, "ingest", str(path), database_url=url, timeout=900)
    if f"{items} accepted" not in ingested.stdout:
        raise SystemExit(f"ingest did not accept every item: {ingested.stdout}")


def _decisions_today(directory: Path, url: str) -> int:
    stats = run_workbench(directory, "stats", "--json", database_url=url)
    return int(json.loads(stats.stdout)["decisions_today"])


class Sampler:
    """Reads the server group's RSS; `every` keeps doing so in the background."""

    def __init__(self, group: int, run: Run) -> None:
        self.group, self.run = group, run
        self.work_started: float | None = None

    def take(self, label: str) -> Sample:
        """One reading, kept and returned."""
        seconds = time.monotonic() - self.work_started if self.work_started is not None else 0.0
        sample = Sample(label, seconds, group_rss_bytes(self.group), self.run.decisions,
                        sum(self.run.errors.values()), os.getloadavg()[0],
                        descendants_pss_bytes(os.getpid(), self.group))
        self.run.samples.append(sample)
        print(f"  {label:<14} t={seconds / 60:5.1f} min  server RSS {sample.rss / MB:7.1f} MB  "
              f"decisions {sample.decisions:5d}  errors {sample.errors:3d}  load {sample.load:.2f}",
              flush=True)
        return sample

    async def every(self, seconds: float, until: float) -> None:
        """A reading every `seconds` until `until` (monotonic)."""
        while time.monotonic() + seconds <= until + 1:
            await asyncio.sleep(seconds)
            await asyncio.to_thread(self.take, "working")


async def _settle(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def _sign_in_everyone(browser: Browser, server: Server, emails: list[str], run: Run) -> list[Reviewer]:
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)
    people = [Reviewer(await new_reviewer_page(browser, WAIT_MS), email, run) for email in emails]

    async def one(person: Reviewer) -> None:
        async with gate:
            if not await person.start(server.url):
                person.held = None

    await asyncio.gather(*(one(person) for person in people))
    return people


async def _warm_up(browser: Browser, server: Server, email: str, run: Run) -> None:
    """One reviewer signs in, approves an item, and leaves: the first run imports the app's modules."""
    person = Reviewer(await new_reviewer_page(browser, WAIT_MS), email, run)
    try:
        if await person.start(server.url):
            await person.page.get_by_role("button", name="Approve").click()
            run.decisions += 1
            await person._wait_for_next(person.held)
    except (PlaywrightError, AssertionError) as error:
        run.error(f"warm-up failed: {_first_line(error)}")
    await person.page.context.close()


async def _written(path: Path, seconds: float = 120) -> Path:
    """`path` once the server wrote it (a snapshot of a traced heap takes a while)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (path.exists() and path.stat().st_size):
        await asyncio.sleep(1)
    return path


def _slope_mb_per_minute(samples: list[Sample], minutes: float) -> tuple[float, float] | None:
    """Least-squares slope of RSS over the last `minutes` of work, and the span it covers."""
    working = [sample for sample in samples if sample.label in ("signed in", "working", "work done")]
    if not working:
        return None
    end = working[-1].seconds
    window = [sample for sample in working if sample.seconds >= end - minutes * 60]
    if len(window) < 3:
        return None
    slope = statistics.linear_regression([s.seconds / 60 for s in window], [s.rss / MB for s in window]).slope
    return slope, (window[-1].seconds - window[0].seconds) / 60


async def _bench(args: argparse.Namespace) -> tuple[Run, dict[str, Any]]:
    run = Run()
    facts: dict[str, Any] = {}
    emails = reviewer_emails("sessions", args.reviewers)
    warm_email = "sessions-warm-up@example.com"
    # Every reviewer decides an item per think time on average; half as many again for safety.
    items = int(args.reviewers * (args.minutes * 60 / args.think_s + 2) * 1.5) + 20
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="review-sessions-")))
        url = stack.enter_context(database_url(args.database, directory))
        started = time.monotonic()
        await asyncio.to_thread(_prepare, directory, url, [warm_email, *emails], items)
        print(f"{items} items and {len(emails) + 1} reviewers loaded in {time.monotonic() - started:.0f} s",
              flush=True)
        extra_env = {}
        traced = Path(tempfile.gettempdir()) / f"review-sessions-tracemalloc-{os.getpid()}.txt"
        if args.tracemalloc:
            # The server imports bench/tracemalloc_hook/sitecustomize.py at start-up.
            extra_env["PYTHONPATH"] = os.pathsep.join(
                [str(TRACEMALLOC_HOOK), *filter(None, [os.environ.get("PYTHONPATH")])])
            extra_env["WORKBENCH_TRACEMALLOC_OUT"] = str(traced)
        if args.post_script_gc:
            extra_env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] = "true" if args.post_script_gc == "on" else "false"
        server = Server(directory, free_port(), directory / "server.log", database_url=url,
                        extra_env=extra_env)
        stack.callback(server.stop)  # also when it never became healthy
        await asyncio.to_thread(server.start)
        assert server.process is not None
        group = server.process.pid
        sampler = Sampler(group, run)
        await _settle(5)  # the start-up threads (dashboard snapshot) finish
        sampler.take("start")
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            try:
                await _warm_up(browser, server, warm_email, run)
                await _settle(10)
                sampler.take("warm")
                started = time.monotonic()
                people = await _sign_in_everyone(browser, server, emails, run)
                facts["sign_in_s"] = time.monotonic() - started
                facts["signed_in"] = sum(person.held is not None for person in people)
                cpu_before = group_cpu_seconds(group)
                sampler.work_started = time.monotonic()
                sampler.take("signed in")
                if args.tracemalloc:
                    os.kill(server.process.pid, signal.SIGUSR1)  # tracing starts
                until = sampler.work_started + args.minutes * 60
                await asyncio.gather(sampler.every(args.sample_s, until),
                                     *(person.work(until, args.think_s) for person in people))
                facts["cpu_s"] = group_cpu_seconds(group) - cpu_before
                facts["work_s"] = time.monotonic() - sampler.work_started
                sampler.take("work done")
                if args.tracemalloc:
                    os.kill(server.process.pid, signal.SIGUSR1)
                    facts["tracemalloc"] = await _written(traced)
                for person in people:
                    await person.page.context.close()
            finally:
                await browser.close()
        sampler.take("browsers gone")
        await _settle(args.after_s)
        sampler.take(f"+{args.after_s:.0f} s")
        facts["recorded"] = await asyncio.to_thread(_decisions_today, directory, url)
        await asyncio.to_thread(server.stop)
        log = server.log()
        facts["tracebacks"] = log.count("Traceback")
        if facts["tracebacks"]:
            kept = Path(tempfile.gettempdir()) / f"review-sessions-server-{os.getpid()}.log"
            kept.write_text(log, encoding="utf-8")
            facts["log"] = kept
    return run, facts


def _report(args: argparse.Namespace, run: Run, facts: dict[str, Any]) -> None:
    by_label = {sample.label: sample for sample in run.samples}
    start, warm, signed = by_label["start"], by_label["warm"], by_label["signed in"]
    done = by_label["work done"]
    print()
    print_table(["reading", "minute", "server RSS MB", "decisions", "errors", "load 1m", "browsers PSS MB"],
                [[s.label, round(s.seconds / 60, 1), s.rss / MB, s.decisions, s.errors, f"{s.load:.2f}",
                  s.browsers_pss / MB] for s in run.samples])
    print()
    per_session = (signed.rss - warm.rss) / max(facts["signed_in"], 1) / MB
    slope = _slope_mb_per_minute(run.samples, SLOPE_MINUTES)
    rows: list[list[object]] = [
        ["server RSS at start, no session", f"{start.rss / MB:.1f} MB"],
        ["after one warm-up reviewer came and went", f"{warm.rss / MB:.1f} MB"],
        [f"after {facts['signed_in']} of {args.reviewers} signed in, each holding an item",
         f"{signed.rss / MB:.1f} MB ({facts['sign_in_s']:.0f} s to sign in)"],
        ["RSS per session ((signed in - warm) / sessions)", f"{per_session:.2f} MB"],
        [f"at the end of {facts['work_s'] / 60:.1f} min of work", f"{done.rss / MB:.1f} MB "
         f"({(done.rss - signed.rss) / MB:+.1f} MB since signed in)"],
        ["slope of RSS" + (f" over the last {slope[1]:.1f} min" if slope else ""),
         f"{slope[0]:+.2f} MB/min" if slope else "too few samples"],
        [f"{args.after_s:.0f} s after every browser closed", f"{run.samples[-1].rss / MB:.1f} MB"],
        ["decisions made (database says)", f"{run.decisions} ({facts['recorded']})"],
        ["server CPU per decision", f"{facts['cpu_s'] / max(done.decisions - signed.decisions, 1):.3f} s"],
        ["errors / recoveries (reload, back to Review)", f"{sum(run.errors.values())} / {run.recoveries}"],
    ]
    print_table(["", "figure"], rows)
    for kind, count in sorted(run.errors.items(), key=lambda pair: -pair[1]):
        print(f"error: {kind} ({count}x)")
    if run.decisions != facts["recorded"]:
        print(f"problem: the database holds {facts['recorded']} decisions, the bench counted {run.decisions} "
              "(clicks on Approve that went through)")
    if facts["tracebacks"]:
        print(f"problem: {facts['tracebacks']} tracebacks in the server log ({facts['log']})")
    if "tracemalloc" in facts:
        print("what grew in the server between `signed in` and `work done` (tracemalloc): "
              f"{facts['tracemalloc']}")
    print(f"load average at the end: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")


def main() -> None:
    """Run the reviewers against one server and print the memory readings."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=30, help="minutes of work after everyone signed in")
    parser.add_argument("--think-s", type=float, default=20, help="mean seconds per item (0.5x-1.5x)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sample-s", type=float, default=30, help="seconds between memory readings")
    parser.add_argument("--after-s", type=float, default=150,
                        help="seconds to wait after the browsers closed before the last reading")
    parser.add_argument("--post-script-gc", choices=["on", "off"],
                        help="override runner.postScriptGC (default: .streamlit/config.toml's)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace the server's allocations and write what grew during the work to a file")
    args = parser.parse_args()
    if args.reviewers < 1 or args.minutes <= 0 or args.think_s <= 0 or args.sample_s <= 0:
        parser.error("--reviewers, --minutes, --think-s and --sample-s must be positive")
    print(f"{args.reviewers} reviewers in headless Chromium (a context each) on one `workbench serve`, "
          f"{args.database}, {args.minutes:g} min, think time {args.think_s:g} s (0.5-1.5x), RSS every "
          f"{args.sample_s:g} s, postScriptGC {args.post_script_gc or 'as configured'}; {machine_note()}",
          flush=True)
    run, facts = asyncio.run(_bench(args))
    _report(args, run, facts)


if __name__ == "__main__":
    main()
