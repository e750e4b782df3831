"""In-process search and 类案 timings through SearchService on one built index, for an A/B of two
code versions: PYTHONPATH picks the version (its own benchmarks/bench.py supplies the queries).

    PYTHONPATH=/path/to/new python benchmarks/service_ab.py CONTENT INDEX
    PYTHONPATH=/path/to/old python benchmarks/service_ab.py CONTENT INDEX   # alternate the two

Prints one JSON line: search p50/p95 (66 queries × 3 after a warm-up round) and 类案 p50/p95
(40 synthetic fact texts × 2 after one cold call), in milliseconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path((os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parent.parent)).split(os.pathsep)[0])
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import QUERIES, SIMILAR_TEXTS, similar_texts  # noqa: E402

from kb.settings import load_settings  # noqa: E402

try:
    from kb.search.service import SearchService  # noqa: E402
except ImportError:  # before issue 19's sub-packages
    from kb.search import SearchService  # noqa: E402


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[int(p * (len(values) - 1))]


def main() -> None:
    content, index = sys.argv[1], sys.argv[2]
    service = SearchService(load_settings(content=content, index=index))
    for q in QUERIES:  # warm-up: term dictionaries, caches
        service.search(q)
    searches = []
    for _ in range(3):
        for q in QUERIES:
            t = time.perf_counter()
            service.search(q)
            searches.append((time.perf_counter() - t) * 1000)
    texts = similar_texts(SIMILAR_TEXTS)
    service.similar(text=texts[-1])  # cold: per-segment caches
    similar = []
    for _ in range(2):
        for text in texts:
            t = time.perf_counter()
            service.similar(text=text)
            similar.append((time.perf_counter() - t) * 1000)
    figures = {
        "search_p50": round(_pct(searches, 0.5), 2),
        "search_p95": round(_pct(searches, 0.95), 2),
        "similar_p50": round(_pct(similar, 0.5), 1),
        "similar_p95": round(_pct(similar, 0.95), 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
