"""Decision-to-next-item latency of the Review page in real Chromium, with one and with ten reviewers.

    python bench/review_latency_bench.py [--database sqlite|postgresql|both] [--reviewers 1,10]
                                         [--decisions 40] [--think-ms 0] [--api-cycles 100]

Each database gets a fresh store (a SQLite file in a temporary directory, or a PostgreSQL schema of
its own, dropped afterwards), one `workbench serve` and enough low-confidence items that nobody
runs out: a third ~1.8k-character e-mail replies (string output), a third invoice extractions
with 30 line items, a third small JSON labels. Every reviewer is a local user of their own in a
browser context of their own; they sign in, open `Review`, claim an item and then press Alt+A
(Approve) over and over, as fast as the page lets them (`--think-ms` adds a pause after each
item is drawn). The first 3 decisions of each reviewer warm up and are not timed; the timed
phase starts when every reviewer has finished warming up.

Click→next is measured inside the page, not by Playwright. An init script puts a capture-phase
`keydown` listener on window (the moment the browser dispatches Alt+A, performance.now()) and a
MutationObserver that, after each batch of DOM changes, checks for "fully drawn": the
`st-key-review_header` container shows another external id than before the key (the id only:
the header's "waiting 12 s" changes on every run), the app is idle
(`data-test-script-state="notRunning"` on `[data-testid=stApp]`: Streamlit 1.67 sets it when the
run, and with it every delta, is done; `stStatusWidget` only appears after a delay and fades out
over 200 ms, so it lags both ways) and the `Approve` button is there and enabled. The end stamp
is taken in the next requestAnimationFrame, i.e. when the frame that shows the item starts.
Timing from Python (perf_counter around press + wait_for_function) would add the driver's round
trips and its polling interval and, with ten pages on one asyncio loop, the time the loop spends
on the other nine; the `driver p50` column shows that figure for contrast. A wrapper around the
page's WebSocket also stamps when the rerun request leaves and when the last server message
before "drawn" arrives, which splits the latency into page / server and network / rendering.

Ten reviewers at once use Playwright's async API: one Chromium, one browser context per
reviewer, all driven by asyncio.gather in this process (the sync API is not usable from several
threads; a process and a Chromium per reviewer would cost ten browsers' memory and CPU on the
same cores as the server). Chromium renders on the same cores as the server, so the bench also
prints the CPU of Playwright's driver and Chromium per decision: where it rivals the server's,
the ten-reviewer figures measure the machine as much as the app.

Server CPU per decision: utime+stime (plus the cutime+cstime of reaped children) of every
process in the `workbench serve` process group, read from /proc before and after the timed
phase, divided by the timed decisions. PostgreSQL's own backends are not in that group and not
counted. The baseline is one HTTP API client's claim+decide cycle (POST /api/v1/claims, then
POST /api/v1/items/{id}/decision) on the same server and database, before the browsers start.
PostgreSQL runs use `-csynchronous_commit=off` like the test suite and the other benchmarks.
At the end the decisions in the database are checked against the ones the bench made.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Page,
    async_playwright,
    expect,
)
from playwright.async_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_reviewers import CLOCK_TICKS, group_cpu_seconds, processes  # noqa: E402
from bench.common import machine_note, percentile, print_table  # noqa: E402
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.browser.server import Server, free_port, run_workbench, write_jsonl  # noqa: E402
from tests.databases import database_url  # noqa: E402

# With --pin: the server gets one CPU to itself, this process and Chromium the other.
SERVER_CPU, BROWSER_CPU = 0, 1
WARM_UP = 3
WAIT_MS = 60_000
DECISION_TIMEOUT_MS = 30_000
LOST_KEY_RETRIES = 2
TARGET_P95_MS = {1: 500.0, 10: 800.0}
TARGET_CPU_S = 0.15
API_USER = "bench-api@example.com"
# Performance.getMetrics counters summed over the timed phase (seconds, then counts).
RENDERER_SUMS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "LayoutCount",
                 "RecalcStyleCount")
KINDS = ("e-mail reply", "invoice, 30 lines", "small JSON")  # by external id number % 3

# Installed in every page before Streamlit's own scripts. `arm()` remembers what the header shows
# and starts watching; `pending` resolves once the next item is fully drawn (or the queue is
# empty, or an error shows, or the time is up).
INSTRUMENT_JS = """
(() => {
  if (window.__bench) return;
  const bench = { keyAt: null, sentAt: null, lastMessageAt: null, pending: null };
  window.__bench = bench;
  // When the rerun request leaves and when the server's last message before "drawn" arrives.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => {
        if (bench.sentAt !== null) bench.lastMessageAt = performance.now();
      });
    }
    send(data) {
      if (bench.keyAt !== null && bench.sentAt === null) bench.sentAt = performance.now();
      super.send(data);
    }
  };
  window.addEventListener('keydown', (event) => {
    if (event.altKey && event.code === 'KeyA' && bench.keyAt === null) bench.keyAt = performance.now();
  }, true);
  const root = () => document.querySelector('[data-testid="stApp"]');
  // The header also shows ages ("waiting 12 s") that change between runs: compare the id only.
  const held = () => {
    const header = document.querySelector('.st-key-review_header');
    const id = header && header.textContent.match(/bench-[0-9]{5}/);
    return id ? id[0] : null;
  };
  const approveReady = () => {
    const button = [...document.querySelectorAll('button')]
      .find((candidate) => candidate.textContent.trim().startsWith('Approve'));
    return !!button && !button.disabled && button.getClientRects().length > 0;
  };
  const problems = () => [...document.querySelectorAll(
    '[data-testid="stException"], [data-testid="stAlertContentError"], [class*="st-key-review_problem_"]')]
    .map((element) => element.textContent.trim().slice(0, 300));
  const empty = () => [...document.querySelectorAll('[data-testid="stAlertContainer"]')]
    .some((element) => element.textContent.includes('Queue is empty'));
  bench.state = () => {
    const app = root();
    return {
      held: held(), ready: approveReady(), empty: empty(), errors: problems(),
      script: app ? app.getAttribute('data-test-script-state') : null,
      connection: app ? app.getAttribute('data-test-connection-state') : null,
    };
  };
  bench.arm = (timeoutMs) => {
    const before = held();
    const problemsBefore = problems().join('|');
    bench.keyAt = bench.sentAt = bench.lastMessageAt = null;
    let sawRun = false;
    let matched = false;
    let observer = null;
    let timer = null;
    bench.pending = new Promise((resolve) => {
      const finish = (outcome, extra) => {
        observer.disconnect();
        clearTimeout(timer);
        resolve({ ...bench.state(), ...extra, outcome, before, sawRun, keyAt: bench.keyAt });
      };
      const check = () => {
        if (matched) return;
        const app = root();
        const script = app && app.getAttribute('data-test-script-state');
        if (script !== 'notRunning') {
          if (script) sawRun = true;
          return;
        }
        const now = held();
        let outcome = null;
        if (now !== null && now !== before && approveReady()) outcome = 'next';
        else if ((before !== null || sawRun) && now === null && empty()) outcome = 'empty';
        else if (problems().length && problems().join('|') !== problemsBefore) outcome = 'error';
        if (outcome === null) return;
        matched = true;
        const stamps = {
          matchedAt: performance.now(), sentAt: bench.sentAt, lastMessageAt: bench.lastMessageAt,
        };
        requestAnimationFrame(() => finish(outcome, { ...stamps, frameAt: performance.now() }));
      };
      observer = new MutationObserver(check);
      observer.observe(document.documentElement,
        { subtree: true, childList: true, attributes: true, characterData: true });
      timer = setTimeout(() => { if (!matched) { matched = true; finish('timeout', {}); } }, timeoutMs);
    });
    return before;
  };
})();
"""

LOREM = (
    "Thank you for getting back to us about order {order}. I have checked the shipment with our "
    "warehouse team: the parcel left our depot on {day} and the carrier scanned it twice since, "
    "the last time at their regional hub. Deliveries in your area are running about two working "
    "days behind because of the holiday volume, so it should reach you by the end of this week. "
)


def _email_reply(rng: random.Random, number: int) -> str:
    """A plain-text customer-service reply of about 1,800 characters."""
    order = f"A-{rng.randint(100000, 999999)}"
    paragraphs = [f"Dear customer {number},", LOREM.format(order=order, day="Monday"),
                  "If it has not arrived by Friday, reply to this e-mail and I will open a trace with the "
                  "carrier and send a replacement at no cost; you do not need to return anything. I have "
                  "also added a voucher for free shipping on your next order to your account, which you "
                  "can use within twelve months.",
                  "You asked whether you can change the delivery address. Once a parcel is with the "
                  "carrier we can no longer redirect it ourselves, but the tracking page lets you choose "
                  "a pick-up point or a neighbour. The link is in your dispatch confirmation. For the "
                  "refund of the express surcharge: express delivery was not met, so the surcharge of "
                  "9.90 EUR goes back to your original payment method within five to seven days.",
                  LOREM.format(order=order, day="Tuesday"),
                  "Finally, about the invoice: the copy attached to your account shows the express "
                  "surcharge as a separate line, so your accounts team can match the refund to it. If you "
                  "need the invoice addressed to your company instead, send us its VAT number.",
                  "Kind regards,\nJamie from Customer Care\nReference: " + order]
    return "\n\n".join(paragraphs)


def _invoice(rng: random.Random, number: int) -> dict[str, Any]:
    """An invoice extraction with 30 line items."""
    lines: list[dict[str, Any]] = []
    amounts: list[float] = []
    for line in range(30):
        quantity = rng.randint(1, 40)
        price = round(rng.uniform(0.5, 250), 2)
        amounts.append(round(quantity * price, 2))
        lines.append({"line": line + 1, "sku": f"SKU-{rng.randint(10000, 99999)}",
                      "description": rng.choice(["Copy paper A4, 500 sheets", "Toner cartridge, black",
                                                 "USB-C docking station", "Office chair, mesh back",
                                                 "Whiteboard markers, 12 colours", "Desk lamp, LED"]),
                      "quantity": quantity, "unit_price": price, "amount": amounts[-1],
                      "tax_rate": 0.19})
    subtotal = round(sum(amounts), 2)
    return {"invoice_number": f"INV-2026-{number:06d}", "issue_date": "2026-11-14", "due_date": "2026-12-14",
            "currency": "EUR", "vendor": {"name": "Büro Supplies GmbH", "vat_id": "DE123456789",
                                          "address": "Hauptstraße 1, 10115 Berlin"},
            "buyer": {"name": "Example Ltd", "vat_id": "DE987654321"}, "line_items": lines,
            "subtotal": subtotal, "tax": round(subtotal * 0.19, 2), "total": round(subtotal * 1.19, 2)}


def _records(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20261122)
    records = []
    for number in range(count):
        kind = number % 3
        common = {"external_id": f"bench-{number:05d}", "model_version": "bench-v1", "confidence": 0.1,
                  "impact": ("high", "medium", "low")[number // 3 % 3]}
        if kind == 0:
            record = {"source": "helpdesk-ai", "task": "reply-draft",
                      "input": {"ticket": f"Where is my order? I paid for express delivery ({number}).",
                                "customer_tier": "gold"},
                      "output": _email_reply(rng, number)}
        elif kind == 1:
            record = {"source": "ap-automation", "task": "invoice-extraction",
                      "input": {"document": f"scans/invoice-{number:06d}.pdf", "pages": 2},
                      "output": _invoice(rng, number)}
        else:
            record = {"source": "ticket-router", "task": "ticket-triage",
                      "input": {"subject": "Charged twice", "body": "My card was charged twice this month."},
                      "output": {"label": "billing", "priority": "high", "language": "en"}}
        records.append({**common, **record})
    return records


def _kind_of(external_id: str) -> str:
    return KINDS[int(external_id.removeprefix("bench-")) % 3]


def _emails(reviewers: int) -> list[str]:
    return [f"bench{reviewers:02d}-{number:02d}@example.com" for number in range(reviewers)]


def _prepare(directory: Path, url: str, items: int, counts: list[int]) -> str:
    """Migrate, grant reviewers, load the items; the API client's `review` token."""
    run_workbench(directory, "init", database_url=url)
    for email in [API_USER] + [email for count in counts for email in _emails(count)]:
        run_workbench(directory, "role", "grant", email, "reviewer", database_url=url)
    path = write_jsonl(directory / "items.jsonl", _records(items))
    ingested = run_workbench(directory, "ingest", str(path), database_url=url, timeout=600)
    if f"{items} accepted" not in ingested.stdout:
        raise SystemExit(f"ingest did not accept every item: {ingested.stdout}")
    created = run_workbench(directory, "token", "create", "bench-api", "--scope", "review",
                            "--user", API_USER, database_url=url)
    return created.stdout.strip()


def _decisions_today(directory: Path, url: str) -> int:
    stats = run_workbench(directory, "stats", "--json", database_url=url)
    return int(json.loads(stats.stdout)["decisions_today"])


def _browser_cpu_seconds(server_group: int) -> float:
    """CPU seconds of this process's descendants outside the server: Playwright's driver and Chromium."""
    table = processes()
    children: dict[int, list[int]] = {}
    for pid, info in table.items():
        children.setdefault(info.parent, []).append(pid)
    ticks, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        if table[pid].group != server_group:
            ticks += table[pid].cpu_ticks
            todo += children.get(pid, [])
    return ticks / CLOCK_TICKS


def _api_baseline(base_url: str, token: str, cycles: int) -> tuple[list[float], list[str]]:
    """One client's claim+decide cycle times in seconds (after WARM_UP untimed cycles)."""
    times: list[float] = []
    errors: list[str] = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for number in range(cycles + WARM_UP):
            started = time.perf_counter()
            claim = client.post("/api/v1/claims")
            if claim.status_code != 200:
                errors.append(f"API claim {claim.status_code}: {claim.text[:200]}")
                break
            body = claim.json()
            answer = client.post(f"/api/v1/items/{body['item']['id']}/decision",
                                 json={"lease": body["lease"], "action": "approve"})
            if answer.status_code != 200:
                errors.append(f"API decide {answer.status_code}: {answer.text[:200]}")
                break
            if number >= WARM_UP:
                times.append(time.perf_counter() - started)
    return times, errors


@dataclass
class Phase:
    """What one reviewer count produced on one database."""

    reviewers: int
    samples: list[float] = field(default_factory=list)  # in-page key → next item drawn, ms
    driver: list[float] = field(default_factory=list)  # press → promise back in Python, ms
    decided: int = 0  # every Approve that produced the next item, warm-up included
    cpu_seconds: float = 0.0
    elapsed: float = 0.0
    load: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # samples by the next item's kind
    # key → rerun request sent, sent → last server message, last message → drawn (ms)
    parts: list[tuple[float, float, float]] = field(default_factory=list)
    browser_cpu_seconds: float = 0.0
    issues: list[tuple[str, str]] = field(default_factory=list)  # (reviewer, what happened)
    # With --profile: the first reviewer's renderer counters spent per decision, by the next item's kind.
    renderer: dict[str, list[dict[str, float]]] = field(default_factory=dict)


class Reviewer:
    """One person in one browser context, pressing Alt+A as soon as the next item is drawn."""

    def __init__(self, context: BrowserContext, page: Page, email: str, phase: Phase,
                 artifacts: Path) -> None:
        self.context, self.page, self.email = context, page, email
        self.phase, self.artifacts = phase, artifacts
        self.out = False  # queue empty or a problem that stops this reviewer
        self.cdp: CDPSession | None = None
        page.on("pageerror", lambda error: self._issue(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self._issue(f"console error: {message.text[:200]} ({message.location.get('url')})")

    def _issue(self, text: str) -> None:
        self.phase.issues.append((self.email, text))

    async def start(self, base_url: str) -> None:
        """Sign in, open Review, and hold an item; a failure stops this reviewer only."""
        try:
            await self._start(base_url)
        except (PlaywrightError, AssertionError) as error:  # expect() raises AssertionError
            await self._stop(f"sign-in or first claim failed: {str(error).splitlines()[0]}")

    async def _start(self, base_url: str) -> None:
        page = self.page
        await page.goto(base_url)
        combobox = page.get_by_role("combobox", name="Local user")
        await combobox.click()
        await combobox.fill(self.email)
        await page.get_by_role("option", name=self.email).click()
        await page.get_by_role("button", name="Sign in").click()
        sidebar = page.get_by_test_id("stSidebar")
        await expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()
        review = sidebar.get_by_role("link", name="Review")
        if await review.count():  # with a single page Streamlit shows no navigation
            await review.click()
        await expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible()
        header = page.locator(".st-key-review_header")
        claim = page.get_by_role("button", name="Claim next")
        await expect(header.or_(claim).first).to_be_visible()
        await page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
        if await header.count() == 0:
            await page.evaluate("t => window.__bench.arm(t)", DECISION_TIMEOUT_MS)
            await claim.click()
            result = await page.evaluate("() => window.__bench.pending")
            if result["outcome"] != "next":
                await self._stop(f"could not claim a first item: {result}")

    async def work(self, decisions: int, timed: bool, think_ms: int) -> None:
        """Approve `decisions` items with Alt+A, timing each unless warming up."""
        for _ in range(decisions):
            if self.out:
                return
            before = await self.renderer_metrics() if timed and self.cdp else None
            result, driver = await self._approve()
            if result is None:
                return
            self.phase.decided += 1
            if timed:
                latency = result["frameAt"] - result["keyAt"]
                self.phase.samples.append(latency)
                self.phase.by_kind.setdefault(_kind_of(result["held"]), []).append(latency)
                self.phase.driver.append(driver)
                if result["sentAt"] is not None and result["lastMessageAt"] is not None:
                    self.phase.parts.append((result["sentAt"] - result["keyAt"],
                                             result["lastMessageAt"] - result["sentAt"],
                                             result["frameAt"] - result["lastMessageAt"]))
            if think_ms:
                # People read at different speeds: a uniform spread around the mean keeps ten
                # reviewers from pressing in lockstep, which no real team does.
                await asyncio.sleep(random.uniform(0.5, 1.5) * think_ms / 1000)
            if before is not None:
                after = await self.renderer_metrics()
                spent = {name: after[name] - before[name] for name in RENDERER_SUMS}
                spent["Nodes"] = after["Nodes"]
                self.phase.renderer.setdefault(_kind_of(result["held"]), []).append(spent)

    async def profile(self) -> None:
        """Watch this page's renderer through the DevTools protocol (`Performance` domain)."""
        self.cdp = await self.context.new_cdp_session(self.page)
        await self.cdp.send("Performance.enable", {"timeDomain": "threadTicks"})

    async def renderer_metrics(self) -> dict[str, float]:
        """The page's renderer counters now: task, script, layout and style time (s), counts, nodes."""
        assert self.cdp is not None
        answer = await self.cdp.send("Performance.getMetrics")
        return {metric["name"]: metric["value"] for metric in answer["metrics"]}

    async def _approve(self) -> tuple[dict[str, Any] | None, float]:
        page = self.page
        for attempt in range(LOST_KEY_RETRIES + 1):
            await page.evaluate("t => window.__bench.arm(t)", DECISION_TIMEOUT_MS)
            started = time.perf_counter()
            await page.keyboard.press("Alt+A")
            result = await page.evaluate("() => window.__bench.pending")
            driver = (time.perf_counter() - started) * 1000
            if result["outcome"] == "next" and result["keyAt"] is not None:
                if attempt:
                    self._issue(f"Alt+A needed {attempt + 1} presses for one decision")
                return result, driver
            if result["outcome"] == "empty":
                await self._stop("queue is empty (more items needed)")
                return None, driver
            if result["outcome"] == "timeout" and not result["sawRun"] and result["held"] == result["before"]:
                # The page never started a run: the keystroke was lost. Press again.
                self._issue(f"lost keystroke (key reached page: {result['keyAt'] is not None}, "
                            f"state {result['script']}, held {result['held']!r})")
                continue
            await self._stop(f"{result['outcome']} after Alt+A: script {result['script']}, "
                             f"connection {result['connection']}, held {result['held']!r} (before "
                             f"{result['before']!r}), errors {result['errors']}")
            return None, driver
        await self._stop("Alt+A kept being lost")
        return None, 0.0

    async def _stop(self, why: str) -> None:
        self.out = True
        self._issue(why)
        shot = self.artifacts / f"{self.email}-{int(time.time())}.png"
        try:
            self.artifacts.mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=shot, full_page=True)
        except Exception as error:  # evidence is best effort
            self._issue(f"no screenshot: {error}")


async def _run_phase(browser: Browser, server: Server, reviewers: int, decisions: int, think_ms: int,
                     artifacts: Path, profile: bool) -> Phase:
    assert server.process is not None
    phase = Phase(reviewers)
    people = []
    for email in _emails(reviewers):
        context = await browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(WAIT_MS)
        await context.add_init_script(INSTRUMENT_JS)
        people.append(Reviewer(context, await context.new_page(), email, phase, artifacts))
    try:
        await asyncio.gather(*(person.start(server.url) for person in people))
        await asyncio.gather(*(person.work(WARM_UP, False, think_ms) for person in people))
        if profile:
            await people[0].profile()
        group = server.process.pid
        cpu_before, browser_before = group_cpu_seconds(group), _browser_cpu_seconds(group)
        started = time.perf_counter()
        await asyncio.gather(*(person.work(decisions, True, think_ms) for person in people))
        phase.elapsed = time.perf_counter() - started
        phase.cpu_seconds = group_cpu_seconds(group) - cpu_before
        phase.browser_cpu_seconds = _browser_cpu_seconds(group) - browser_before
        phase.load = os.getloadavg()[0]
    finally:
        for person in people:
            await person.context.close()
    return phase


def _items_needed(counts: list[int], decisions: int, api_cycles: int) -> int:
    per_reviewer = decisions + WARM_UP + 1  # the +1 is the item held when the phase ends
    return int(sum(count * per_reviewer for count in counts) * 1.2) + api_cycles + WARM_UP + 20


def _ms(values: list[float], share: float) -> float | str:
    return percentile(values, share) if values else "-"


@dataclass
class Report:
    """Everything printed at the end."""

    rows: list[list[object]] = field(default_factory=list)
    part_rows: list[list[object]] = field(default_factory=list)
    kind_rows: list[list[object]] = field(default_factory=list)
    renderer_rows: list[list[object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


async def _measure(browser: Browser, kind: str, counts: list[int], args: argparse.Namespace,
                   artifacts: Path, report: Report) -> None:
    """One server on a fresh database of `kind`: the API baseline, then each reviewer count."""
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="review-latency-")))
        url = stack.enter_context(database_url(kind, directory))
        items = _items_needed(counts, args.decisions, args.api_cycles)
        token = await asyncio.to_thread(_prepare, directory, url, items, counts)
        server = Server(directory, free_port(), directory / "server.log", database_url=url)
        await asyncio.to_thread(server.start)
        stack.callback(server.stop)
        if args.pin:
            _pin_process(server, SERVER_CPU)
        api, api_errors = await asyncio.to_thread(_api_baseline, server.url, token, args.api_cycles)
        report.notes += [f"{kind}: {error}" for error in api_errors]
        api_ms = [value * 1000 for value in api]
        made = len(api) + WARM_UP
        for count in counts:
            phase = await _run_phase(browser, server, count, args.decisions, args.think_ms, artifacts,
                                     args.profile)
            made += phase.decided
            report.rows.append(_row(kind, phase, api_ms))
            report.part_rows.append(_part_row(kind, phase))
            report.renderer_rows += [_renderer_row(kind, count, name, spent)
                                     for name, spent in sorted(phase.renderer.items())]
            report.kind_rows += [[kind, count, name, len(values), _ms(values, 0.5), _ms(values, 0.95),
                                  max(values)] for name, values in sorted(phase.by_kind.items())]
            if len(phase.samples) != count * args.decisions:
                report.notes.append(f"{kind}/{count} reviewers: {len(phase.samples)} of "
                                    f"{count * args.decisions} timed decisions")
            report.notes += [f"{kind}/{count} reviewers: {issue}" for issue in _dedupe(phase.issues)]
        recorded = await asyncio.to_thread(_decisions_today, directory, url)
        if not api_errors and recorded != made:
            report.notes.append(f"{kind}: {recorded} decisions in the database, the bench made {made}")
        await asyncio.to_thread(server.stop)
        log = server.log()
        if "Traceback" in log:
            artifacts.mkdir(parents=True, exist_ok=True)
            kept = artifacts / f"server-{kind}.log"
            kept.write_text(log, encoding="utf-8")
            report.notes.append(f"{kind}: {log.count('Traceback')} tracebacks in the server log ({kept})")


def _part_row(kind: str, phase: Phase) -> list[object]:
    timed = len(phase.samples)
    columns = [[part[index] for part in phase.parts] for index in range(3)]
    return [kind, phase.reviewers, *(_ms(values, 0.5) for values in columns),
            *(_ms(values, 0.95) for values in columns),
            f"{phase.browser_cpu_seconds / timed:.3f}" if timed else "-"]


def _renderer_row(kind: str, reviewers: int, next_item: str, spent: list[dict[str, float]]) -> list[object]:
    def mean(name: str) -> float:
        return sum(decision[name] for decision in spent) / len(spent)

    return [kind, reviewers, next_item, len(spent),
            *(f"{mean(name) * 1000:.0f}" for name in RENDERER_SUMS[:4]),
            *(f"{mean(name):.1f}" for name in RENDERER_SUMS[4:]), f"{mean('Nodes'):.0f}"]


def _row(kind: str, phase: Phase, api_ms: list[float]) -> list[object]:
    timed = len(phase.samples)
    cpu = phase.cpu_seconds / timed if timed else float("nan")
    p95 = _ms(phase.samples, 0.95)
    target = TARGET_P95_MS.get(phase.reviewers, TARGET_P95_MS[10])
    return [kind, phase.reviewers, timed, _ms(phase.samples, 0.5), p95,
            max(phase.samples) if phase.samples else "-", f"<={target:.0f} {_verdict(p95, target)}",
            f"{cpu:.3f}", f"<={TARGET_CPU_S} {_verdict(cpu, TARGET_CPU_S)}", _ms(phase.driver, 0.5),
            _ms(api_ms, 0.5), _ms(api_ms, 0.95), f"{timed / phase.elapsed:.1f}" if phase.elapsed else "-",
            f"{phase.load:.2f}"]


def _verdict(value: float | str, target: float) -> str:
    if isinstance(value, str) or value != value:  # no samples, or NaN
        return "n/a"
    return "ok" if value <= target else "MISS"


def _dedupe(issues: list[tuple[str, str]], keep: int = 12) -> list[str]:
    """Distinct issues in order with how many reviewers had them, at most `keep` and a count of the rest."""
    who: dict[str, set[str]] = {}
    for reviewer, text in issues:
        who.setdefault(text, set()).add(reviewer)
    lines = [f"{text} ({_people(reviewers)})" for text, reviewers in who.items()]
    extra = [f"... and {len(lines) - keep} more distinct issues"] if len(lines) > keep else []
    return lines[:keep] + extra


def _people(reviewers: set[str]) -> str:
    return next(iter(reviewers)) if len(reviewers) == 1 else f"{len(reviewers)} reviewers"


def _pin_process(server: Server, cpu: int) -> None:
    """Move every thread of the server process to `cpu` (threads inherit their creator's CPUs)."""
    assert server.process is not None
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), {cpu})


async def _main(args: argparse.Namespace, kinds: list[str], counts: list[int]) -> None:
    artifacts = Path(tempfile.gettempdir()) / f"review-latency-bench-{os.getpid()}"
    report = Report()
    if args.pin:
        # This process, and the Playwright driver and Chromium it starts, on the other CPU: the
        # reviewers' browsers stand in for machines of their own instead of starving the server.
        os.sched_setaffinity(0, {BROWSER_CPU})
    # Playwright's assertions wait 5 s by default: too short for ten sign-ins on a loaded machine.
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS)
        try:
            for kind in kinds:
                await _measure(browser, kind, counts, args, artifacts, report)
        finally:
            await browser.close()
    print_table(["database", "reviewers", "decisions", "p50 ms", "p95 ms", "max ms", "p95 target",
                 "CPU s/dec", "CPU target", "driver p50", "API p50 ms", "API p95 ms", "dec/s", "load 1m"],
                report.rows)
    print("p50/p95/max: Alt+A → next item fully drawn, timed inside the page; driver p50: the same seen "
          "from Python; CPU: the server's process group; API: one client's claim+decide cycle on the "
          "same server before the browsers; load: 1-minute load average at the end of the timed phase")
    print()
    print_table(["database", "reviewers", "key→sent p50", "sent→last msg p50", "last msg→drawn p50",
                 "key→sent p95", "sent→last msg p95", "last msg→drawn p95", "browser CPU s/dec"],
                report.part_rows)
    print("key→sent: the page handles the key and sends the rerun request; sent→last msg: until the "
          "last server message before the item is drawn (server, network, queueing in the page); last "
          "msg→drawn: the page renders; browser CPU: Playwright's driver and Chromium, all reviewers")
    print()
    print_table(["database", "reviewers", "next item", "decisions", "p50 ms", "p95 ms", "max ms"],
                report.kind_rows)
    if report.renderer_rows:
        print()
        print_table(["database", "reviewers", "next item", "decisions", "task ms", "script ms", "layout ms",
                     "style ms", "layouts", "style recalcs", "DOM nodes"], report.renderer_rows)
        print("--profile: means per decision of the first reviewer's page only, from one press to the next "
              "(think time included), by the DevTools protocol's Performance metrics (renderer main thread, "
              "thread time): all its work, JavaScript, layout, style recalculation; DOM nodes after drawing")
    for note in report.notes:
        print(f"problem: {note}")
    if artifacts.exists():
        print(f"screenshots of stopped reviewers and server logs with tracebacks: {artifacts}")


def main() -> None:
    """Measure every database × reviewer count and print one table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reviewers", default="1,10", help="comma-separated reviewer counts")
    parser.add_argument("--decisions", type=int, default=40, help="timed decisions per reviewer")
    parser.add_argument("--think-ms", type=int, default=0, help="mean pause per item (0.5x-1.5x)")
    parser.add_argument("--api-cycles", type=int, default=100, help="timed API claim+decide cycles")
    parser.add_argument("--profile", action="store_true",
                        help="split the first reviewer's renderer time into script, layout and style")
    parser.add_argument("--pin", action="store_true",
                        help=f"server on CPU {SERVER_CPU}, browsers on CPU {BROWSER_CPU}")
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"Chromium is missing at {CHROMIUM}")
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    counts = [int(count) for count in args.reviewers.split(",")]
    print(f"Review page, Alt+A → next item in headless Chromium; {args.decisions} timed decisions per "
          f"reviewer after {WARM_UP} untimed, think time {args.think_ms} ms; Playwright async API, one "
          f"Chromium, a context per reviewer; {machine_note()}")
    asyncio.run(_main(args, kinds, counts))


if __name__ == "__main__":
    main()
