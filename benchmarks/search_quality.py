"""Keyword-search quality on the officer-query development set (benchmarks/queries/dev.jsonl).

Builds a fresh index of the bundled guides and cases plus the statute folder in a temporary
directory (or uses --index DIR), runs every query through SearchService.search(per_page=10)
and prints success@1/@3, MRR@10, NDCG@10 and the zero-result rate per split and query kind.

    python benchmarks/search_quality.py                      # tune, held and all tables
    python benchmarks/search_quality.py --split tune --failures
    python benchmarks/search_quality.py --index /tmp/sq --out per_query.json
    python benchmarks/search_quality.py --strict              # exit 1 on unknown labelled ids
    python benchmarks/search_quality.py --check               # validate the labels only, no searches

Only the tune half may be looked at query by query while tuning: --failures refuses the held
half, and --out records the result lists of tune queries only.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb.content.vocabulary import STATUS_CURRENT  # noqa: E402
from kb.search.index import build_index  # noqa: E402
from kb.search.service import SearchService  # noqa: E402
from kb.settings import Settings, load_settings  # noqa: E402

DEFAULT_QUERIES = REPO / "benchmarks" / "queries" / "dev.jsonl"
DEFAULT_LAWS = REPO.parent / "shared" / "data" / "laws"
KINDS = ("question", "keywords", "colloquial", "abbreviation", "statute", "typo")
SPLITS = ("tune", "held")
TOP_K = 10
WARM_UP_QUERY = "盗窃"  # loads the dictionaries before the timed searches


@dataclass(frozen=True)
class Query:
    """One labelled query of the development set."""

    id: str
    query: str
    kind: str
    category: str
    stage: str
    relevant: dict[str, int]
    split: str
    note: str = ""


@dataclass
class Outcome:
    """What one search returned and how it scores against the labels."""

    id: str
    split: str
    kind: str
    query: str
    total: int
    first_relevant: int | None  # 1-based rank of the first grade >= 1 hit in the top 10
    first_primary: int | None  # 1-based rank of the first grade-2 hit in the top 10
    success1: float
    success3: float
    rr: float
    ndcg: float
    zero: bool
    ms: float
    error: str = ""
    hits: list[str] = field(default_factory=list)


# -- the query file ---------------------------------------------------------------------------


def load_queries(path: Path) -> tuple[list[Query], list[str]]:
    """Parse the JSONL file; return the queries and a list of format problems."""
    queries: list[Query] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        missing = [k for k in ("id", "query", "kind", "relevant", "split") if k not in raw]
        if missing:
            problems.append(f"{where}: missing field(s) {', '.join(missing)}")
            continue
        q = Query(
            id=str(raw["id"]),
            query=str(raw["query"]),
            kind=str(raw["kind"]),
            category=str(raw.get("category", "")),
            stage=str(raw.get("stage", "")),
            relevant={str(k): int(v) for k, v in raw["relevant"].items()},
            split=str(raw["split"]),
            note=str(raw.get("note", "")),
        )
        if q.id in seen:
            problems.append(f"{where}: duplicate id {q.id}")
        seen.add(q.id)
        if q.kind not in KINDS:
            problems.append(f"{where}: {q.id} kind {q.kind!r} not one of {', '.join(KINDS)}")
        if q.split not in SPLITS:
            problems.append(f"{where}: {q.id} split {q.split!r} not one of {', '.join(SPLITS)}")
        if any(g not in (1, 2) for g in q.relevant.values()):
            problems.append(f"{where}: {q.id} grades must be 1 or 2")
        if 2 not in q.relevant.values():
            problems.append(f"{where}: {q.id} has no grade-2 document")
        queries.append(q)
    return queries, problems


def label_problems(queries: Iterable[Query], service: SearchService) -> list[str]:
    """Labelled ids missing from the index, or present but not current (hidden by default)."""
    status: dict[str, str] = {}
    try:
        for doc in service.documents():
            status[doc["id"]] = doc.get("status", "")
    except Exception:  # an engine without documents(): ask per id instead
        status = {}
    problems = []
    for q in queries:
        for doc_id in q.relevant:
            if status:
                state = status.get(doc_id)
            else:
                doc = service.document(doc_id)
                state = None if doc is None else doc.get("status", "")
            if state is None:
                problems.append(f"{q.id}: unknown id {doc_id}")
            elif state and state != STATUS_CURRENT:
                problems.append(f"{q.id}: {doc_id} has status {state} (hidden by default)")
    return problems


# -- scoring ----------------------------------------------------------------------------------


def ndcg_at(ranking: Sequence[str], labels: dict[str, int], k: int = TOP_K) -> float:
    """NDCG@k with gain = grade; the ideal ranking is the labels sorted by grade."""
    dcg = sum(labels.get(doc_id, 0) / math.log2(i + 2) for i, doc_id in enumerate(ranking[:k]))
    ideal = sorted(labels.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def first_rank(ranking: Sequence[str], labels: dict[str, int], grade: int) -> int | None:
    """1-based rank of the first hit whose grade is at least `grade`, or None."""
    for i, doc_id in enumerate(ranking, 1):
        if labels.get(doc_id, 0) >= grade:
            return i
    return None


def score(q: Query, ranking: list[str], total: int, ms: float, error: str = "") -> Outcome:
    """Score one ranked list (best first) against the query's labels."""
    top = ranking[:TOP_K]
    rel = first_rank(top, q.relevant, 1)
    return Outcome(
        id=q.id,
        split=q.split,
        kind=q.kind,
        query=q.query,
        total=total,
        first_relevant=rel,
        first_primary=first_rank(top, q.relevant, 2),
        success1=float(rel is not None and rel <= 1),
        success3=float(rel is not None and rel <= 3),
        rr=1.0 / rel if rel else 0.0,
        ndcg=ndcg_at(top, q.relevant),
        zero=total == 0,
        ms=ms,
        error=error,
        hits=top,
    )


def run(service: SearchService, queries: Sequence[Query]) -> list[Outcome]:
    """Search every query once (after one untimed warm-up search); a raising search scores as zero results."""
    try:
        service.search(WARM_UP_QUERY, per_page=TOP_K)
    except Exception:
        pass
    outcomes = []
    for q in queries:
        started = time.perf_counter()
        try:
            results = service.search(q.query, per_page=TOP_K)
            ranking = [hit.id for hit in results.hits]
            total, error = int(results.total), ""
        except Exception as exc:
            ranking, total, error = [], 0, f"{type(exc).__name__}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        outcomes.append(score(q, ranking, total, ms, error))
    return outcomes


# -- reporting --------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def table(outcomes: Sequence[Outcome]) -> str:
    """Markdown table with one row per query kind present, then one for all."""
    lines = [
        "| kind | n | success@1 | success@3 | MRR@10 | NDCG@10 | zero results |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    groups = [(kind, [o for o in outcomes if o.kind == kind]) for kind in KINDS]
    groups = [g for g in groups if g[1]] + [("all", list(outcomes))]
    for name, group in groups:
        n = len(group)
        if not n:
            continue

        def mean(values: Iterable[float], n: int = n) -> float:
            return sum(values) / n

        label = f"**{name}**" if name == "all" else name
        lines.append(
            f"| {label} | {n} | {mean(o.success1 for o in group):.3f} | {mean(o.success3 for o in group):.3f} "
            f"| {mean(o.rr for o in group):.3f} | {mean(o.ndcg for o in group):.3f} "
            f"| {mean(float(o.zero) for o in group):.3f} |"
        )
    return "\n".join(lines)


def header(index_note: str) -> str:
    """Date, host, load average and the code version the figures belong to."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        version = head + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        version = "unknown (not a git checkout)"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    host = f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPU"
    stamp = time.strftime("%Y-%m-%d %H:%M")
    return f"{stamp} · host: {host}, Python {platform.python_version()} · load {load} · HEAD {version} · {index_note}"


def print_failures(outcomes: Sequence[Outcome], queries: dict[str, Query], service: SearchService) -> None:
    """Tune queries with no relevant document in the top 3, with what came instead."""
    failed = [o for o in outcomes if o.split == "tune" and not o.success3]
    print(f"\n### Tune failures (success@3 = 0): {len(failed)}\n")
    for o in failed:
        q = queries[o.id]
        primary = [d for d, g in q.relevant.items() if g == 2]
        print(f"- {o.id} [{o.kind}] {o.query}  (total {o.total}{'; ' + o.error if o.error else ''})")
        print(f"  expected (grade 2): {', '.join(primary)}")
        for rank, doc_id in enumerate(o.hits[:3], 1):
            doc = service.document(doc_id)
            title = doc.get("title", "") if doc is not None else ""
            grade = q.relevant.get(doc_id, 0)
            print(f"  {rank}. {doc_id}  {title}" + (f"  (grade {grade})" if grade else ""))


# -- main -------------------------------------------------------------------------------------


def settings_for(index_dir: Path, laws: Path | None) -> Settings:
    """The repository's bundled content, the given index and statute folder, no search log."""
    return load_settings(content=REPO, index=index_dir, laws=laws).with_overrides(search_log=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="query file (JSONL)")
    parser.add_argument("--split", choices=("tune", "held", "all"), help="only this split (default: all three tables)")
    parser.add_argument("--index", type=Path, help="use this index; built there first if it does not exist")
    parser.add_argument("--rebuild", action="store_true", help="with --index: rebuild it from scratch first")
    parser.add_argument("--laws", type=Path, help="statute folder (default: $KB_LAWS or ../shared/data/laws)")
    parser.add_argument("--failures", action="store_true", help="list tune queries with success@3 = 0")
    parser.add_argument("--out", type=Path, help="write per-query results as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a labelled id is not a current document")
    parser.add_argument("--check", action="store_true", help="only validate the file and the labelled ids; no searches")
    args = parser.parse_args(argv)

    if args.failures and args.split == "held":
        print(
            "refusing to list held-out failures: the held half must stay unseen by whoever tunes the engine "
            "(use --split tune --failures)",
            file=sys.stderr,
        )
        return 2

    queries, problems = load_queries(args.queries)
    if problems:
        for p in problems:
            print(f"ERROR {p}", file=sys.stderr)
        return 1
    wanted = {"tune": ("tune",), "held": ("held",)}.get(args.split or "", SPLITS)
    queries = [q for q in queries if q.split in wanted]

    laws = args.laws or (Path(os.environ["KB_LAWS"]) if os.environ.get("KB_LAWS") else DEFAULT_LAWS)
    if not laws.is_dir():
        print(f"statute folder not found: {laws} (use --laws DIR); statute labels cannot match", file=sys.stderr)
        laws = None

    temp_dir = None
    if args.index is None:
        temp_dir = Path(tempfile.mkdtemp(prefix="casekb-quality-"))
        index_dir = temp_dir / "index"
    else:
        index_dir = args.index.resolve()
    try:
        settings = settings_for(index_dir, laws)
        service = SearchService(settings)
        if args.rebuild or not service.exists():
            report = build_index(settings, full=True)
            index_note = f"fresh index: {report.added} guides/cases + {report.laws} articles in {report.seconds:.1f} s"
            service.close()
            service = SearchService(settings)
        else:
            index_note = f"existing index {index_dir}"

        bad = label_problems(queries, service)
        if bad:
            print(f"WARNING: {len(bad)} labelled id(s) are not current documents of this index:", file=sys.stderr)
            for p in bad:
                print(f"WARNING   {p}", file=sys.stderr)
            if args.strict or args.check:
                return 1
        if args.check:
            print(f"{len(queries)} queries checked; every labelled id is a current document of the index")
            return 0

        outcomes = run(service, queries)

        print(header(index_note))
        print(f"queries: {args.queries.relative_to(REPO) if args.queries.is_relative_to(REPO) else args.queries}")
        splits = [args.split] if args.split else ["tune", "held", "all"]
        for name in splits:
            group = outcomes if name == "all" else [o for o in outcomes if o.split == name]
            print(f"\n#### {name} ({len(group)} queries)\n")
            print(table(group))
        ms = [o.ms for o in outcomes]
        errors = [o for o in outcomes if o.error]
        print(
            f"\nsearch latency over {len(ms)} searches: p50 {percentile(ms, 50):.1f} ms, "
            f"p95 {percentile(ms, 95):.1f} ms, max {max(ms):.1f} ms"
            + (f"; {len(errors)} search(es) raised (scored as zero results)" if errors else "")
        )

        if args.failures:
            if args.split != "tune":
                print("\n(held-out failures are never listed; showing the tune split only)")
            print_failures(outcomes, {q.id: q for q in queries}, service)

        if args.out:
            rows = []
            for o in outcomes:
                row = asdict(o)
                if o.split != "tune":
                    row.pop("hits")  # result lists of held queries stay unseen
                rows.append(row)
            args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(f"per-query results written to {args.out}")
        service.close()
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
