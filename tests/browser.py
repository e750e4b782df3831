"""Browser-test plumbing shared by the end-to-end tests: chromium, a streamlit server, waiting."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 30_000
# Every browser test module: `pytestmark = E2E` (plus its own marks, if any).
E2E = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="需要 /usr/bin/chromium（apt-get install chromium）才能运行浏览器测试"
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0, interval: float = 0.2) -> None:
    """Return once the server answers its health check (`interval`: seconds between tries)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(interval)
    raise TimeoutError("streamlit did not become healthy")


@contextmanager
def streamlit_server(root: Path, content: Path, laws: Path | None = None, *, search_log: bool = True):
    """`streamlit run app.py` on a free loopback port over `content`, with index and database in root."""
    port = free_port()
    env = {
        **os.environ,
        "KB_CONTENT": str(content),
        "KB_INDEX": str(root / "index"),
        "KB_DB": str(root / "casekb.sqlite3"),
        "KB_SEARCH_LOG": "1" if search_log else "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("KB_LAWS", None)
    env.pop("KB_REQUIRE_LOGIN", None)
    if laws is not None:
        env["KB_LAWS"] = str(laws)
    log = (root / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],  # fmt: skip
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_app(page) -> None:
    """Wait until the script run has finished (no running indicator, main block rendered)."""
    page.wait_for_selector('[data-testid="stMainBlockContainer"]')
    # A run of more than half a second shows the running icon (and a Stop button) in the status widget.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')")


def source_mode(page) -> None:
    """Switch the editor from its form (the default) to 源码, the whole Markdown in one text area."""
    page.locator('[data-testid="stRadio"]').get_by_text("源码", exact=True).click()
    wait_app(page)


def after_text(locator, expected: str | None = None, timeout_ms: int = 10_000) -> str:
    """What CSS draws after an element (how the app writes over Streamlit's English labels).

    With `expected`, polls until it is drawn (the app's style element can land a moment after
    the element it styles while a rerun streams in) and returns what is drawn at the end."""
    read = "e => getComputedStyle(e, '::after').content"
    if expected is not None:
        deadline = time.monotonic() + timeout_ms / 1000
        while locator.evaluate(read) != expected and time.monotonic() < deadline:
            time.sleep(0.05)
    return locator.evaluate(read)


# Every string a user sees, copies or hears from a screen reader: text that is rendered and either
# selectable or not aria-hidden, and the attributes a browser shows or reads out. Inline frames
# and the app's own style and script elements are not looked into.
_READABLE_JS = """() => {
  const ATTRS = ['aria-label', 'aria-description', 'aria-placeholder', 'aria-roledescription',
    'aria-valuetext', 'title', 'placeholder', 'alt'];
  const found = [];
  const rendered = el => el.checkVisibility({visibilityProperty: true})
    || (getComputedStyle(el).display === 'contents' && el.parentElement && rendered(el.parentElement));
  const skipped = el => el.closest('script, style, noscript, template, svg title');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const el = node.parentElement;
    const text = node.nodeValue.trim();
    if (!text || !el || skipped(el) || !rendered(el)) continue;
    const hidden = el.closest('[aria-hidden="true"]');
    if (hidden && getComputedStyle(el).userSelect === 'none') continue;  // neither read out nor copied
    found.push({where: 'text', text});
  }
  for (const el of document.querySelectorAll('*')) {
    if (skipped(el) || el.closest('[aria-hidden="true"]') || !rendered(el)) continue;
    for (const name of ATTRS) {
      const value = (el.getAttribute(name) || '').trim();
      if (value) found.push({where: name, text: value});
    }
  }
  found.push({where: 'document.title', text: document.title});
  return found;
}"""


def english_words(page, allowed: frozenset[str]) -> list[str]:
    """What on the page (text, accessible labels, tooltips) holds a Latin word not in `allowed`
    (words and phrases, case-sensitive), as `where: text` lines."""
    phrases = sorted((a for a in allowed if " " in a), key=len, reverse=True)
    bad = []
    # and the accessibility tree as the browser computes it (names include CSS-drawn text), less
    # its own notation: `- link "name" [level=1]:`, `- /url: …`, `- /placeholder: …`
    tree = []
    for line in page.locator("body").aria_snapshot().splitlines():
        line = line.strip().removeprefix("- ")
        if not line.startswith("/url:"):
            line = re.sub(r"\[[a-z]+(=[^\]]*)?\]", "", re.sub(r"^/?[a-z]+:?", "", line))
            tree.append({"where": "accessibility tree", "text": line})
    for item in page.evaluate(_READABLE_JS) + tree:
        text = item["text"]
        for phrase in phrases:
            text = text.replace(phrase, " ")
        words = re.findall(r"[A-Za-z][A-Za-z_'’]*", text)  # a settings key is one word
        if any(word not in allowed for word in words):
            line = f"{item['where']}: {item['text'][:120]}"
            if line not in bad:
                bad.append(line)
    return bad


def nav(page, label: str) -> None:
    """Follow a sidebar link (client-side, so the logged-in session is kept)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label, exact=True).click()
    wait_app(page)


def log_in_fresh(
    browser, url: str, path: str, name: str, password: str, role: str, *, hint: str = "", downloads: bool = False
):
    """A fresh browser context (no cookie, no session) on `path`, logged in as `name` through the
    sidebar's 登录 page and back there; `hint` is what the page says to a visitor first."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=downloads)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url + path)
    wait_app(page)
    if hint:
        page.get_by_text(hint).wait_for()
    nav(page, "登录")
    page.get_by_role("heading", name="登录").wait_for()
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(url + path)
    page.get_by_text(f"当前用户：{name}（{role}）").wait_for()
    wait_app(page)
    return context, page


def shot(page, name: str, full_page: bool = True) -> None:
    """A screenshot into test-artifacts/ (kept by CI for a failed run)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
