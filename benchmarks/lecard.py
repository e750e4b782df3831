"""类案检索 quality on LeCaRD: re-rank each query's candidate pool with the project's similar().

For each query the script indexes its ~100 candidate judgments with the project's analyzer and
index code (title = case name, body = full text, charges = those the case name or verdict names),
runs SearchService.similar() on the query's facts, and scores the ranking with NDCG@10/20/30
beside a plain BM25 baseline computed in the same run on the same index tokens. It also counts
the queries whose charges read from the facts include a correct one (gold: the query's `crime`,
or its label-3 candidates' charges when that is empty; similar() never sees them).

    python benchmarks/lecard.py --out ranking.json
    python benchmarks/lecard.py --data ../shared/data/lecard-dev --work /tmp/lecard-dev --reuse
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb.content.documents import TYPE_CASE, Document  # noqa: E402
from kb.search import analysis, casefacts, classifier, similarity  # noqa: E402
from kb.search.charges import charges_named, same_offence  # noqa: E402
from kb.search.index import create_index, current_dir, load_resources  # noqa: E402
from kb.search.service import SearchService  # noqa: E402
from kb.settings import Settings  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "lecard"
CUTOFFS = (10, 20, 30)
BM25_K1, BM25_B = 1.5, 0.75


def load(data: Path) -> tuple[list[dict], dict[int, list[dict]], dict[str, dict[str, int]], list[str]]:
    """Queries, candidate pools by query, graded labels and the charge vocabulary."""
    queries = [json.loads(line) for line in (data / "query" / "queries.jsonl").open(encoding="utf-8")]
    pools: dict[int, list[dict]] = defaultdict(list)
    with (data / "candidates.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            pools[c["ridx"]].append(c)
    labels = json.loads((data / "label" / "label_top30_dict.json").read_text(encoding="utf-8"))
    charges = analysis.read_word_list(data / "criminal_charges.txt")
    return queries, pools, labels, charges


def ndcg(ranking: list[str], labels: dict[str, int], k: int) -> float:
    """NDCG@k with linear gain; the ideal is the query's labels sorted, unlabelled = 0."""
    dcg = sum(labels.get(cid, 0) / math.log2(i + 2) for i, cid in enumerate(ranking[:k]))
    ideal = sorted(labels.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def gold_charges(query: dict, pool: list[dict], labels: dict[str, int], charges: list[str]) -> list[str]:
    """The query's charges: its own `crime` list, or (when that is empty) those of its label-3 candidates.

    similar() never sees them; they only score the charges it reads from the facts.
    """
    if query["crime"]:
        return list(query["crime"])
    best = {cid for cid, grade in labels.items() if grade == 3}
    found: dict[str, None] = {}
    for cand in pool:
        if str(cand["cid"]) in best:
            found.update(dict.fromkeys(candidate_document(query["ridx"], cand, charges).charges))
    return list(found)


def candidate_document(ridx: int, cand: dict, charges: list[str]) -> Document:
    """A candidate judgment as a casebook case: its charges are those its name (or verdict) names."""
    named = charges_named(cand["ajName"], charges)
    if not named:
        verdict = cand["qw"][cand["qw"].find("判决如下") :] if "判决如下" in cand["qw"] else ""
        named = charges_named(verdict, charges)
    return Document(
        id=str(cand["cid"]),
        type=TYPE_CASE,
        title=cand["ajName"],
        category="",
        body=cand["qw"],
        path=f"lecard/{ridx}/{cand['cid']}.md",
        charges=tuple(named),
        case_type="刑事",
        hash=str(cand["cid"]),
    )


def settings_for(work: Path, ridx: int) -> Settings:
    return Settings(
        content_dir=work,
        index_dir=work / str(ridx),
        laws_dir=None,
        data_dir=REPO / "data",
        db_path=work / "unused.sqlite3",
        search_log=False,
    )


def bm25_ranking(service: SearchService, query_text: str) -> list[str]:
    """Okapi BM25 over the index's own title + body tokens; the query tokenised the same way."""
    tokenizer = analysis.ChineseTokenizer()
    qtf = Counter(t.text for t in tokenizer(query_text))
    tfs = service.term_counts(("title", "body"))  # id -> raw occurrences, in index order
    n = len(tfs)
    lengths = {d: sum(tf.values()) for d, tf in tfs.items()}
    avg = sum(lengths.values()) / max(1, n)
    df = Counter(t for tf in tfs.values() for t in tf)
    scores = {}
    for d, tf in tfs.items():
        s = 0.0
        for term, qf in qtf.items():
            f = tf.get(term)
            if f:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                s += qf * idf * f * (BM25_K1 + 1) / (f + BM25_K1 * (1 - BM25_B + BM25_B * lengths[d] / avg))
        scores[d] = s
    return sorted(tfs, key=lambda d: -scores[d])  # stable: ties keep index order


def run_query(args: tuple[dict, list[dict], list[str], str, bool]) -> dict:
    """Index one pool, rank it with similar() and with BM25; return both rankings and timings."""
    query, pool, charges, work, reuse = args
    ridx = query["ridx"]
    settings = settings_for(Path(work), ridx)
    started = time.perf_counter()
    resources = load_resources(settings, charges)
    if not (reuse and current_dir(settings.index_dir) is not None):
        create_index(settings, (candidate_document(ridx, c, charges) for c in pool), resources)
    built = time.perf_counter() - started
    service = SearchService(settings, charges=charges)
    t0 = time.perf_counter()
    results = service.similar(text=query["q"], limit=len(pool))
    similar_ms = (time.perf_counter() - t0) * 1000
    ranking = [h.id for h in results.cases]
    seen = set(ranking)
    ranking += [str(c["cid"]) for c in pool if str(c["cid"]) not in seen]  # unmatched go last
    baseline = bm25_ranking(service, query["q"])
    service.close()
    return {
        "ridx": ridx,
        "ranking": ranking,
        "baseline": baseline,
        "charges": list(results.charges),
        "confidence": results.confidence,
        "index_s": built,
        "similar_ms": similar_ms,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="LeCaRD subset folder")
    parser.add_argument("--out", type=Path, help="write the similar() ranking as JSON {ridx: [cid, …]}")
    parser.add_argument("--work", type=Path, help="keep the per-query indexes here (default: a temp folder)")
    parser.add_argument("--reuse", action="store_true", help="reuse indexes already in --work")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--queries", type=int, default=0, help="only the first N queries (0 = all)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a constant of kb.search.similarity, kb.search.casefacts or kb.search.classifier (ablations)",
    )
    args = parser.parse_args(argv)
    for item in args.set:
        name, _, value = item.partition("=")
        module = next((m for m in (similarity, casefacts, classifier) if hasattr(m, name)), None)
        if module is None:
            parser.error(f"none of kb.search.similarity, casefacts and classifier has {name}")
        setattr(module, name, type(getattr(module, name))(value))
    if not args.data.is_dir():
        print(f"LeCaRD data not found: {args.data} (use --data DIR)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    queries, pools, labels, charges = load(args.data)
    if args.queries:
        queries = queries[: args.queries]
    work = args.work or Path(tempfile.mkdtemp(prefix="casekb-lecard-"))
    work.mkdir(parents=True, exist_ok=True)
    # Load jieba once before forking so the workers share the dictionary.
    load_resources(settings_for(work, 0), charges)
    jobs = [(q, pools[q["ridx"]], charges, str(work), args.reuse) for q in queries]
    try:
        if args.jobs > 1:
            with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
                results = pool.map(run_query, jobs, chunksize=1)
        else:
            results = [run_query(j) for j in jobs]
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    gold = {q["ridx"]: gold_charges(q, pools[q["ridx"]], labels[str(q["ridx"])], charges) for q in queries}
    report(results, gold, labels)
    if args.out:
        ranking = {str(r["ridx"]): r["ranking"] for r in results}
        args.out.write_text(json.dumps(ranking, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"ranking written to {args.out}")
    print(f"total {time.perf_counter() - started:.1f} s with {args.jobs} worker(s) / 总用时")
    return 0


def report(results: list[dict], gold: dict[int, list[str]], labels: dict[str, dict[str, int]]) -> None:
    """Print per-query and mean NDCG for similar() and the BM25 baseline, and how often the
    charges read from the facts were right."""
    sums = {"similar": [0.0] * len(CUTOFFS), "bm25": [0.0] * len(CUTOFFS)}
    right = wrong = 0
    print(f"{'ridx':>6}  {'similar @10/20/30':>18}  {'BM25 @10/20/30':>18}  charges read / 识别罪名 (gold / 实际罪名)")
    for r in results:
        lab = labels[str(r["ridx"])]
        row = {}
        for name, ranking in (("similar", r["ranking"]), ("bm25", r["baseline"])):
            row[name] = [ndcg(ranking, lab, k) for k in CUTOFFS]
            sums[name] = [a + b for a, b in zip(sums[name], row[name], strict=True)]
        expected = gold[r["ridx"]]
        hit = any(same_offence(c, g) for c in r["charges"] for g in expected)
        right += hit
        wrong += bool(r["charges"]) and not hit
        mark = "+" if hit else ("-" if r["charges"] else " ")
        fmt = lambda v: " ".join(f"{x:.3f}" for x in v)  # noqa: E731
        print(
            f"{r['ridx']:>6}  {fmt(row['similar']):>18}  {fmt(row['bm25']):>18}  "
            f"{mark} {'、'.join(r['charges']) or '-'} [{r['confidence']:.2f}] ({'、'.join(expected)})"
        )
    n = max(1, len(results))
    print()
    print(f"NDCG (mean over {n} queries / 平均)   @10    @20    @30")
    for name, label in (("bm25", "BM25 baseline / 基线"), ("similar", "similar() / 类案检索")):
        print(f"  {label:<32}" + " ".join(f"{s / n:.3f} " for s in sums[name]))
    print(
        f"charge read correctly for {right} of {len(results)} queries, a wrong one for {wrong}, "
        f"none for {len(results) - right - wrong} / 罪名识别正确 {right} 条"
    )
    idx = sum(r["index_s"] for r in results)
    sim = sorted(r["similar_ms"] for r in results)
    print(f"indexing {idx:.1f} s (sum over workers); similar() median {sim[len(sim) // 2]:.0f} ms per pool")


if __name__ == "__main__":
    raise SystemExit(main())
