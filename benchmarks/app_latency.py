"""Browser latency of the app: start-up to a usable page, and Enter-to-results for searches.

Starts `streamlit run app.py` over a content folder whose index is already built, drives Debian's
chromium with Playwright and prints the figures issue 5 sets targets for (ready ≤ 3 s after start
with the index present; a search answers in the browser ≤ 300 ms after Enter at 10k documents).

    python benchmarks/synth.py 10000 /tmp/corpus10k
    python indexer.py build --content /tmp/corpus10k --index /tmp/corpus10k/index
    python benchmarks/app_latency.py --content /tmp/corpus10k --index /tmp/corpus10k/index

How it measures. Chromium is started before the server, as a user's browser already runs when
they open the app; "start" is the moment the server process is spawned. The page asks for the
app as soon as the health check answers. Times are read inside the page (a MutationObserver and
the next animation frame, on the same clock as Python's), not by Playwright's waits, whose polling
backs off to 500 ms and added up to half a second to each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy  # noqa: E402

QUERIES = [
    "盗窃",
    "醉驾",
    "取保候审",
    "电信网络诈骗 止付",
    "刑法第264条",
    "殴打他人 拘留",
    '"多次盗窃"',
    "涉案财物 返还",
    "执法记录仪",
    "未成年人 法定代理人",
    "帮信 银行卡",
    "价格认定",
    "寻衅滋事 OR 聚众斗殴",
    "吸毒 -强制隔离",
    "类别:危险驾驶 抽血",
    "治安管理处罚法第五十八条",
]

# Records, in epoch milliseconds, the first frame after the search box and the result count are
# in the page, and the frame after the result count names the query most recently sent with Enter.
PROBE = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const marks = (window.__kb = {ready: 0, want: null, sent: 0, shown: 0});
  const meta = () => document.querySelector('.kb-meta');
  const check = () => {
    if (!marks.ready && meta() && document.querySelector('input[placeholder*="输入罪名"]'))
      requestAnimationFrame(() => { marks.ready = marks.ready || now(); });
    if (marks.want && !marks.shown && meta() && meta().textContent.includes('“' + marks.want + '”'))
      requestAnimationFrame(() => { marks.shown = marks.shown || now(); });
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, characterData: true});
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.matches && e.target.matches('input[placeholder*="输入罪名"]')) {
      marks.want = e.target.value; marks.sent = now(); marks.shown = 0;
    }
  }, true);
})();
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--laws", type=Path)
    parser.add_argument("--rounds", type=int, default=3, help="search rounds after the warm-up round")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KB_CONTENT": str(args.content), "KB_INDEX": str(args.index), "KB_SEARCH_LOG": "0"}
    env.pop("KB_LAWS", None)
    if args.laws:
        env["KB_LAWS"] = str(args.laws)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page.add_init_script(PROBE)
        time.sleep(1.0)  # let the browser settle, as a user's browser has
        started = time.time()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_healthy(url, proc, interval=0.02)  # raises if the server exits instead
            healthy = time.time() - started
            page.goto(url + "/")
            page.wait_for_function("() => window.__kb.ready > 0", timeout=120_000, polling="raf")
            ready = page.evaluate("() => window.__kb.ready") / 1000 - started
            nav = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return [performance.timeOrigin, n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd]; }"
            )
            phases = {
                "page requested": nav[0] / 1000 - started,
                "page loaded": (nav[0] + nav[1]) / 1000 - started,
                "scripts run (DOMContentLoaded)": (nav[0] + nav[2]) / 1000 - started,
                "load event": (nav[0] + nav[3]) / 1000 - started,
            }
            timings: list[float] = []
            box = page.get_by_placeholder("输入罪名、关键词或法条", exact=False)
            for round_no in range(args.rounds + 1):
                for query in QUERIES:
                    box.fill(query)
                    box.press("Enter")
                    page.wait_for_function("() => window.__kb.shown > 0", timeout=30_000, polling="raf")
                    marks = page.evaluate("() => window.__kb")
                    if round_no:  # the first round warms caches
                        timings.append(marks["shown"] - marks["sent"])
            browser.close()
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=10)
    warmed = [line.strip() for line in out.splitlines() if "案例指引库" in line]
    print(json.dumps({"healthy_s": round(healthy, 2), "ready_s": round(ready, 2)}))
    print(f"server healthy after start: {healthy:.2f} s")
    print(f"app ready after start (index present; search box and result list drawn): {ready:.2f} s")
    for name, at in phases.items():
        print(f"  {name}: {at:.2f} s")
    for line in warmed:
        print(f"server said: {line}")
    print(
        f"search, Enter to results drawn in the browser ({len(timings)} searches): "
        f"p50 {statistics.median(timings):.0f} ms, p95 {percentile(timings, 95):.0f} ms, max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main()
