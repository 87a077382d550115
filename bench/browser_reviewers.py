"""Reviewers in headless Chromium for the benchmarks, and a server's CPU and memory from /proc.

Shared by the browser benchmarks: one Debian Chromium driven through Playwright's async API, a
browser context per reviewer, local-mode sign-in the way a person does it (`Local user`,
`Sign in`), and the `Review` page opened from the sidebar.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Page, Playwright, expect

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
# Streamlit sets this on the app root when a script run, and every delta of it, is done.
IDLE_SELECTOR = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def reviewer_emails(prefix: str, count: int) -> list[str]:
    """`count` distinct local-user e-mails starting with `prefix`."""
    return [f"{prefix}-{number:03d}@example.com" for number in range(count)]


async def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Debian Chromium with the flags the browser tests use."""
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"Chromium is missing at {CHROMIUM}")
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


async def new_reviewer_page(browser: Browser, timeout_ms: int, init_script: str | None = None) -> Page:
    """A page in a browser context of its own (own cookies: one reviewer each)."""
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(timeout_ms)
    if init_script:
        await context.add_init_script(init_script)
    return await context.new_page()


async def sign_in_local(page: Page, base_url: str, email: str, timeout_ms: int) -> None:
    """Open the app and sign in as the local user `email`; return once the sidebar shows it.
    Playwright raises its Error, or AssertionError when a wait of `expect` runs out."""
    await page.goto(base_url)
    combobox = page.get_by_role("combobox", name="Local user")
    await combobox.click()
    await combobox.fill(email)
    await page.get_by_role("option", name=email).click()
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")).to_be_visible(
        timeout=timeout_ms)


async def open_review(page: Page, timeout_ms: int) -> None:
    """Go to `Review` and wait until its first run is done (an item held or `Claim next`)."""
    review = page.get_by_test_id("stSidebar").get_by_role("link", name="Review")
    if await review.count():  # with a single page Streamlit shows no navigation
        await review.click()
    # `expect` has its own timeout (5 s), not the context's.
    await expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible(timeout=timeout_ms)
    await page.wait_for_selector(IDLE_SELECTOR)


@dataclass(frozen=True)
class ProcessInfo:
    """What /proc/PID/stat says about one process."""

    parent: int
    group: int
    cpu_ticks: int  # utime + stime + cutime + cstime
    rss_bytes: int


def processes() -> dict[int, ProcessInfo]:
    """Every live process by pid."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # gone since the listing
            continue
        # The command name may hold spaces and parentheses; the fields after its last ")" do not.
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = ProcessInfo(
            parent=int(fields[1]), group=int(fields[2]),
            cpu_ticks=sum(int(value) for value in fields[11:15]), rss_bytes=int(fields[21]) * PAGE_BYTES,
        )
    return table


def group_cpu_seconds(group: int) -> float:
    """CPU seconds used so far by the live processes of a process group and their reaped children."""
    return sum(info.cpu_ticks for info in processes().values() if info.group == group) / CLOCK_TICKS


def group_rss_bytes(group: int) -> int:
    """Resident memory of every live process in a process group, summed."""
    return sum(info.rss_bytes for info in processes().values() if info.group == group)


def pss_bytes(pid: int) -> int:
    """Proportional set size of a process (shared pages split among their users); 0 once gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    found = re.search(r"^Pss:\s+([0-9]+) kB", rollup, re.MULTILINE)
    return int(found[1]) * 1024 if found else 0


def descendants_pss_bytes(pid: int, skip_group: int) -> int:
    """Memory (PSS, so the many Chromium processes' shared pages count once) of `pid`'s descendants
    outside `skip_group`: Playwright and Chromium started by this process, not the server it started."""
    table = processes()
    children: dict[int, list[int]] = {}
    for child, info in table.items():
        children.setdefault(info.parent, []).append(child)
    total, todo = 0, list(children.get(pid, []))
    while todo:
        child = todo.pop()
        if table[child].group != skip_group:
            total += pss_bytes(child)
            todo += children.get(child, [])
    return total
