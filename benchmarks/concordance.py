"""新旧条文对照: how long aligning two versions of a law takes (issue 14's target: under 2 s).

Each run loads the statute folder afresh (so nothing is cached) and aligns the law's two newest
versions; the script prints the median and the slowest of the runs, the pairs found and the load average.

    python benchmarks/concordance.py                                  # 治安管理处罚法, 10 runs
    python benchmarks/concordance.py --laws /path/to/laws --law 治安管理处罚法 --runs 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb.statutes.concordance import CHANGES, align_versions  # noqa: E402
from kb.statutes.library import StatuteLibrary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laws", type=Path, default=REPO.parent / "shared" / "data" / "laws")
    parser.add_argument("--law", default="治安管理处罚法")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    times, table = [], None
    for _ in range(args.runs):
        library = StatuteLibrary.load(args.laws)  # a new library: align_versions' cache is per library
        start = time.perf_counter()
        table = align_versions(library, args.law)
        times.append(time.perf_counter() - start)
    assert table is not None
    print(
        f"{args.law} {table.old.version} ({len(table.old.articles)}) → {table.new.version} ({len(table.new.articles)})"
    )
    print("pairs: " + ", ".join(f"{c} {table.count(c)}" for c in CHANGES))
    print(
        f"align_versions over {args.runs} runs: median {statistics.median(times) * 1000:.0f} ms, "
        f"slowest {max(times) * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
