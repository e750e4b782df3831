"""The search service is safe to share across threads, also while a build commits."""

from __future__ import annotations

import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

from kb.content.validation import load_content
from kb.search.index import build_index, index_documents
from kb.search.service import SearchService

QUERIES = ["盗窃", "电瓶", "取保候审", "醉酒驾驶", "刑法第264条", "张某 盗窃", "监控 OR 电瓶", '"取保候审期间"']


def test_eight_threads_share_one_service_while_a_build_commits(content, settings):
    for n in range(40):
        content.case(f"C-{n}", facts=f"张某第{n}次在某小区盗窃电动车电瓶，民警调取监控。", year=2022 + n % 4)
        content.guide(f"G-{n}", title=f"取保候审指引{n}", body=f"取保候审期间第{n}项要求。")
    build_index(settings)
    # A generous time limit: on a loaded machine nine threads sharing the GIL can push one search
    # past the default 3 s, and a timed-out search returns partial results by design.
    service = SearchService(settings, time_limit=120.0)
    expected = {q: [h.id for h in service.search(q, per_page=100).hits] for q in QUERIES}
    errors: list[str] = []
    mismatches: list[tuple] = []  # (query, timed out, ids that differ, count)
    stop = threading.Event()

    def writer():
        from kb.search.index import load_resources

        taxonomy = load_resources(settings).taxonomy
        docs = {d.id: d for d in load_content(settings.content_dir, taxonomy).documents}
        while not stop.is_set():
            # Re-index unchanged documents: commits new segments, results must not change.
            index_documents(settings, [docs["C-1"], docs["G-2"]])

    def worker(n: int) -> None:
        for i in range(200):
            q = QUERIES[(n + i) % len(QUERIES)]
            try:
                results = service.search(q, per_page=100)
            except BaseException:  # noqa: BLE001 - any error is a failure here
                errors.append(traceback.format_exc())
                return
            got = [h.id for h in results.hits]
            if sorted(got) != sorted(expected[q]):
                mismatches.append((q, results.timed_out, sorted(set(got) ^ set(expected[q])), len(got)))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(worker, range(8)))
    finally:
        stop.set()
        thread.join(30)
    service.close()
    assert errors == []
    assert mismatches == []
