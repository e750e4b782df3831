"""Browser latency of the app: start-up to a usable page, and Enter-to-results for searches.

Starts `streamlit run app.py` over a content folder whose index is already built, drives Debian's
chromium with Playwright and prints the figures issue 5 sets targets for (ready ≤ 3 s after start
with the index present; a search answers in the browser ≤ 300 ms after Enter at 10k documents).

    python benchmarks/synth.py 10000 /tmp/corpus10k
    python indexer.py build --content /tmp/corpus10k --index /tmp/corpus10k/index
    python benchmarks/app_latency.py --content /tmp/corpus10k --index /tmp/corpus10k/index
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from browser import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--laws", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KB_CONTENT": str(args.content), "KB_INDEX": str(args.index), "KB_SEARCH_LOG": "0"}
    env.pop("KB_LAWS", None)
    if args.laws:
        env["KB_LAWS"] = str(args.laws)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.goto(url + "/")
            box = page.get_by_placeholder("输入罪名、关键词或法条", exact=False)
            box.wait_for(timeout=120_000)
            page.locator(".kb-meta").first.wait_for(timeout=120_000)
            ready = time.perf_counter() - started
            timings: list[float] = []
            for round_no in range(args.rounds + 1):
                for query in QUERIES:
                    box.fill(query)
                    t0 = time.perf_counter()
                    box.press("Enter")
                    page.locator(".kb-meta", has_text=f"“{query}”").first.wait_for(timeout=30_000)
                    if round_no:  # the first round warms caches
                        timings.append((time.perf_counter() - t0) * 1000)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"app ready after start (index present): {ready:.2f} s")
    print(
        f"search, Enter to results in the browser ({len(timings)} searches): "
        f"p50 {statistics.median(timings):.0f} ms, p95 {percentile(timings, 95):.0f} ms, max {max(timings):.0f} ms"
    )


if __name__ == "__main__":
    main()
