"""Scale benchmark: build, search, 类案检索 and one-document update on synthetic casebooks.

For each size the corpus from synth.py is measured in a fresh process per engine, so each peak
RSS is that engine's own: casekb (this project: Whoosh + jieba), and as references on the same
documents, tokens and queries, tantivy (Python bindings, fed the project's jieba tokens) and
bm25s. The peers are benchmark-only extras (`pip install .[bench]`).

    python benchmarks/bench.py --sizes 1000,10000
    python benchmarks/bench.py --sizes 100000 --engines casekb --work /tmp/casekb-bench
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

ENGINES = ("casekb", "tantivy", "bm25s")
# What officers type: words, phrases, citations, field prefixes, unspaced Chinese runs.
QUERIES = [
    "盗窃",
    "醉驾",
    "取保候审",
    "电动车",
    "甲基苯丙胺",
    "刷单返利",
    "伤情鉴定",
    "执法记录仪",
    "赌资",
    "治安调解",
    "盗窃 电动车",
    "醉酒驾驶 抽血",
    "帮信 银行卡",
    "轻伤 刑事和解",
    "开设赌场 抽头渔利",
    "袭警 轻微伤",
    "个人信息 出售",
    "止付冻结 涉诈账户",
    "明知 收购",
    "吸毒 尿检",
    "扰乱 医院",
    "交通事故 逃逸",
    '"取保候审"',
    '"价格认定"',
    '"执法记录仪"',
    '"行政拘留"',
    '"血液中乙醇含量"',
    "刑法第264条",
    "刑法第一百三十三条之一",
    "治安管理处罚法第四十三条",
    "刑法第二百八十七条之二",
    "多次盗窃电动车电瓶",
    "醉酒驾驶机动车",
    "冒充客服诈骗",
    "容留他人吸毒",
    "暴力袭击民警",
    "标题:盗窃",
    "类别:毒品犯罪 贩卖",
    "诈骗 -电信",
    "盗窃 OR 抢夺",
    "未成年人 合适成年人",
    "涉案财物 返还",
    "电子数据 校验值",
    "传唤 询问查证",
    "监控视频 轨迹",
    "价格认证中心",
    "赔偿 谅解",
    "社区戒毒",
    "赌博机",
    "快递面单",
    "二手手机",
    "酒后 推搡 民警",
    "废品收购站 电缆线",
    "小区 倒车 碰撞",
    "境外赌博网站 代理",
    "冰毒 贩卖 当场抓获",
    "虚假投资理财",
    "邻居 宅基地 木棍",
    # Officers' own words (issue 12): questions, colloquial words, intent words, typos.
    "和邻居吵架动手了 会被拘留几天",
    "打人 拘几天",
    "监世居住 期限",
    "把银行卡租给别人用 犯法吗",
    "顺手牵羊 没多少钱 怎么处理",
    "未成年人做笔录家长不来怎么办",
    "偷电动车3000元够刑事吗",
    "取保后审 要交多少保证金",
]
SEARCH_ROUNDS = int(os.environ.get("CASEKB_BENCH_ROUNDS", "3"))  # --rounds sets it for the workers
SIMILAR_TEXTS = 40
UPDATES = 5


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    p = lambda q: values[min(len(values) - 1, int(round(q * (len(values) - 1))))]  # noqa: E731
    return {"p50": p(0.5), "p95": p(0.95), "n": len(values)}


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (build workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def similar_texts(n: int, seed: int = 99) -> list[str]:
    """Fresh case descriptions (not in the corpus), as an officer would paste them."""
    m = synth.Maker(seed)
    out = []
    categories = list(synth.PROFILES)
    for _ in range(n):
        profile = synth.PROFILES[m.r.choice(categories)]
        ctx = {
            "person": m.person(),
            "victim": m.person(),
            "unit": "城关派出所",
            "county": "某县",
            "laws": profile["laws"],
            "charge": profile["charges"][0],
        }
        text = m.sentences(profile["facts"], m.r.randint(2, 3), ctx) + m.sentences(m.topics(1)[0], 2, ctx)
        out.append(text + m.evidence(ctx))
    return out


# -- casekb ----------------------------------------------------------------------------------


def run_casekb(corpus: Path, work: Path) -> dict:
    from kb.content.taxonomy import load_taxonomy
    from kb.content.validation import read_document
    from kb.search.index import build_index, current_dir, index_documents
    from kb.search.service import SearchService
    from kb.settings import Settings

    index_dir = work / "index-casekb"
    shutil.rmtree(index_dir, ignore_errors=True)
    settings = Settings(
        content_dir=corpus,
        index_dir=index_dir,
        laws_dir=None,
        data_dir=corpus / "data",
        db_path=work / "unused.sqlite3",
        search_log=False,
    )
    out: dict = {"engine": "casekb", "load_before": os.getloadavg()[0]}
    # Build in a child process, as `python indexer.py build` runs apart from the app: the build's
    # peak RSS (with its workers) is then RUSAGE_CHILDREN, and this process's own is the server's.
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def build() -> None:
        t0 = time.perf_counter()
        # parallel=True as `python indexer.py build` does (two forked segment writers)
        report = build_index(settings, full=True, parallel=True)
        queue.put((time.perf_counter() - t0, report.added))

    t0, c0 = time.perf_counter(), cpu_s()
    child = ctx.Process(target=build)
    child.start()
    out["build_s"], out["docs"] = queue.get()
    child.join()
    out["build_cpu_s"] = cpu_s() - c0
    out["index_mb"] = dir_mb(current_dir(index_dir))
    out["build_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    t0 = time.perf_counter()
    service = SearchService(settings)
    service.open()
    out["open_s"] = time.perf_counter() - t0
    for q in QUERIES:  # warm-up: first use loads the term dictionaries
        service.search(q)
    times, cpu, totals = [], [], []
    for _ in range(SEARCH_ROUNDS):
        for q in QUERIES:
            t, c = time.perf_counter(), time.process_time()
            res = service.search(q)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            totals.append(res.total)
    out["search_ms"] = percentiles(times)
    out["search_cpu_ms"] = percentiles(cpu)
    out["search_hits_mean"] = statistics.mean(totals)
    texts = similar_texts(SIMILAR_TEXTS)
    t = time.perf_counter()
    service.similar(text=texts[-1])  # the first one builds per-segment caches and decodes postings
    out["similar_cold_ms"] = (time.perf_counter() - t) * 1000
    for text in texts[:5]:
        service.similar(text=text)
    times, cpu = [], []
    for text in texts:
        t, c = time.perf_counter(), time.process_time()
        service.similar(text=text)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    out["similar_ms"] = percentiles(times)
    out["similar_cpu_ms"] = percentiles(cpu)

    taxonomy = load_taxonomy(corpus / "data" / "taxonomy.yaml")
    maker = synth.Maker(1234)
    update = []
    for i in range(UPDATES):
        marker = f"zqx{i}upd"
        rel, text = synth.case_document(maker, 900000 + i, "盗窃", synth.PROFILES["盗窃"], 2025)
        text = text.replace("## 基本案情\n\n", f"## 基本案情\n\n编号{marker}。", 1)
        path = corpus / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        doc, problems = read_document(path, rel, taxonomy)
        assert doc is not None, problems
        t = time.perf_counter()
        index_documents(settings, [doc])
        while service.search(marker).total < 1:
            if time.perf_counter() - t > 60:
                raise RuntimeError("update never became searchable")
        update.append(time.perf_counter() - t)
        path.unlink()
    out["update_s"] = {"median": statistics.median(update), "max": max(update)}
    out["serve_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_mb"] = peak_rss_mb()
    out["load_after"] = os.getloadavg()[0]
    service.close()
    return out


# -- peers -----------------------------------------------------------------------------------


def _peer_corpus(corpus: Path) -> tuple[list[str], list[list[str]], float]:
    """Document ids and the project's index-side tokens (title + summary + body), and the time.

    Tokenised once per corpus and kept beside it, so the second peer does not pay jieba again;
    the time reported is the first tokenisation's.
    """
    import pickle

    cache = corpus.parent / f"{corpus.name}.tokens.pickle"
    if cache.is_file() and cache.stat().st_mtime > max(f.stat().st_mtime for f in corpus.rglob("*.md")):
        with cache.open("rb") as fh:
            return pickle.load(fh)
    result = _tokenize_corpus(corpus)
    with cache.open("wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return result


def _tokenize_corpus(corpus: Path) -> tuple[list[str], list[list[str]], float]:
    from kb.content.validation import load_content
    from kb.search.index import load_resources
    from kb.settings import Settings

    settings = Settings(corpus, corpus / "unused", None, corpus / "data", corpus / "unused.sqlite3")
    resources = load_resources(settings)
    from kb.content.documents import plain_text
    from kb.search import analysis

    content = load_content(corpus, resources.taxonomy)
    tokenizer = analysis.ChineseTokenizer()
    t0 = time.perf_counter()
    ids, tokens = [], []
    for d in content.documents:
        ids.append(d.id)
        text = "\n".join([d.title, d.summary, plain_text(d.body)])
        tokens.append([t.text for t in tokenizer(text)])
    return ids, tokens, time.perf_counter() - t0


def _query_words(q: str) -> list[str]:
    from kb.search import analysis

    return analysis.words(q.replace('"', " ").replace("OR", " ").split(":")[-1])


def _similar_words(text: str, k: int = 120) -> list[str]:
    from collections import Counter

    from kb.search import analysis

    counts = Counter(w for w in analysis.words(text) if len(w) > 1 and not any(c.isdigit() for c in w))
    return [w for w, _ in counts.most_common(k)]


def run_tantivy(corpus: Path, work: Path) -> dict:
    import tantivy

    out: dict = {"engine": "tantivy"}
    ids, tokens, tok_s = _peer_corpus(corpus)
    out["tokenize_s"] = tok_s
    path = work / "index-tantivy"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", stored=True, tokenizer_name="whitespace")
    schema = sb.build()
    index = tantivy.Index(schema, path=str(path))
    t0 = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for doc_id, toks in zip(ids, tokens, strict=True):
        writer.add_document(tantivy.Document(id=doc_id, text=" ".join(toks)))
    writer.commit()
    writer.wait_merging_threads()
    out["index_s"] = time.perf_counter() - t0
    out["build_s"] = tok_s + out["index_s"]
    out["docs"] = len(ids)
    out["index_mb"] = dir_mb(path)
    index.reload()
    searcher = index.searcher()

    def search(words: list[str], occur) -> list:
        q = tantivy.Query.boolean_query([(occur, tantivy.Query.term_query(schema, "text", w)) for w in words])
        return searcher.search(q, 10).hits

    def search_with_snippets(q: str) -> int:
        words = _query_words(q)
        hits = search(words, tantivy.Occur.Must) if words else []
        if hits:
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, tantivy.Query.term_query(schema, "text", w)) for w in words]
            )
            gen = tantivy.SnippetGenerator.create(searcher, query, schema, "text")
            for _, addr in hits:
                gen.snippet_from_doc(searcher.doc(addr)).to_html()
        return len(hits)

    for q in QUERIES:
        search_with_snippets(q)
    times = []
    for _ in range(SEARCH_ROUNDS):
        for q in QUERIES:
            t = time.perf_counter()
            search_with_snippets(q)  # includes jieba on the query, as casekb's does
            times.append((time.perf_counter() - t) * 1000)
    out["search_ms"] = percentiles(times)
    times = []
    for text in similar_texts(SIMILAR_TEXTS):
        t = time.perf_counter()
        search(_similar_words(text), tantivy.Occur.Should)
        times.append((time.perf_counter() - t) * 1000)
    out["similar_ms"] = percentiles(times)
    update = []
    for i in range(UPDATES):
        marker = f"zqx{i}upd"
        t = time.perf_counter()
        writer = index.writer(heap_size=50_000_000, num_threads=1)
        writer.add_document(tantivy.Document(id=f"U-{i}", text=f"{marker} " + " ".join(tokens[i])))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        searcher = index.searcher()
        assert search([marker], tantivy.Occur.Must)
        update.append(time.perf_counter() - t)
    out["update_s"] = {"median": statistics.median(update), "max": max(update)}
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_bm25s(corpus: Path, work: Path) -> dict:
    import bm25s
    import numpy as np

    out: dict = {"engine": "bm25s"}
    ids, tokens, tok_s = _peer_corpus(corpus)
    out["tokenize_s"] = tok_s
    t0 = time.perf_counter()
    vocab: dict[str, int] = {}
    ids_tokens = [[vocab.setdefault(t, len(vocab)) for t in toks] for toks in tokens]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenization.Tokenized(ids=ids_tokens, vocab=vocab), show_progress=False)
    out["index_s"] = time.perf_counter() - t0
    out["build_s"] = tok_s + out["index_s"]
    out["docs"] = len(ids)
    path = work / "index-bm25s"
    shutil.rmtree(path, ignore_errors=True)
    retriever.save(str(path))
    out["index_mb"] = dir_mb(path)

    def retrieve(words: list[str]) -> np.ndarray:
        known = [[vocab[w] for w in words if w in vocab]]
        if not known[0]:
            return np.array([])
        docs, _ = retriever.retrieve(
            bm25s.tokenization.Tokenized(ids=known, vocab=vocab), k=10, show_progress=False, n_threads=1
        )
        return docs[0]

    for q in QUERIES:
        retrieve(_query_words(q))
    times = []
    for _ in range(SEARCH_ROUNDS):
        for q in QUERIES:  # OR semantics and no snippets: bm25s has neither AND nor highlighting
            t = time.perf_counter()
            retrieve(_query_words(q))
            times.append((time.perf_counter() - t) * 1000)
    out["search_ms"] = percentiles(times)
    times = []
    for text in similar_texts(SIMILAR_TEXTS):
        t = time.perf_counter()
        retrieve(_similar_words(text))
        times.append((time.perf_counter() - t) * 1000)
    out["similar_ms"] = percentiles(times)
    out["update_s"] = {"median": None, "max": None, "note": "no incremental update; re-index all"}
    out["peak_rss_mb"] = peak_rss_mb()
    return out


RUNNERS = {"casekb": run_casekb, "tantivy": run_tantivy, "bm25s": run_bm25s}


# -- driver ----------------------------------------------------------------------------------


def measure(engine: str, corpus: Path, work: Path) -> dict:
    """Run one engine on one corpus in a fresh process and return its figures."""
    cmd = [sys.executable, __file__, "--one", engine, "--corpus", str(corpus), "--work", str(work)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"engine": engine, "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def fmt(v, digits=1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def table(rows: list[dict]) -> str:
    head = (
        "| docs 文档数 | engine 引擎 | build s 构建 | docs/s | index MB 索引 | search p50/p95 ms 检索 "
        "| similar p50/p95 ms 类案 | update s 更新 | peak RSS MB 内存 |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r.get('n', '')} | {r['engine']} | error: {r['error']} |||||||")
            continue
        docs = r["docs"]
        up = r["update_s"]
        rss = fmt(r["peak_rss_mb"], 0)
        if "serve_rss_mb" in r:
            rss = f"build {fmt(r['build_rss_mb'], 0)} / serve {fmt(r['serve_rss_mb'], 0)}"
        lines.append(
            f"| {r['n']:,} | {r['engine']} | {fmt(r['build_s'])} | {fmt(docs / r['build_s'], 0)} | "
            f"{fmt(r['index_mb'])} | {fmt(r['search_ms']['p50'])} / {fmt(r['search_ms']['p95'])} | "
            f"{fmt(r['similar_ms']['p50'])} / {fmt(r['similar_ms']['p95'])} | "
            f"{fmt(up['median'], 2)} (max {fmt(up['max'], 2)}) | {rss} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--work", type=Path, default=Path("/tmp/casekb-bench"))
    parser.add_argument("--reuse", action="store_true", help="reuse generated corpora in --work")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--rounds", type=int, default=SEARCH_ROUNDS, help="rounds of the 58 searches (default 3)")
    parser.add_argument("--one", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        result = RUNNERS[args.one](args.corpus, args.work)
        print(json.dumps(result, ensure_ascii=False))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ["CASEKB_BENCH_ROUNDS"] = str(args.rounds)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        corpus = args.work / f"corpus-{n}"
        if not (args.reuse and corpus.is_dir()):
            t0 = time.perf_counter()
            synth.generate(n, corpus)
            print(f"[{n:,}] corpus generated in {time.perf_counter() - t0:.1f} s / 语料已生成", flush=True)
        chars = sum(len(f.read_text(encoding="utf-8")) for f in corpus.rglob("*.md"))
        print(f"[{n:,}] {chars / n:,.0f} characters per document / 平均每篇字数", flush=True)
        for engine in args.engines.split(","):
            result = measure(engine, corpus, args.work / f"run-{n}")
            result["n"] = n
            result["chars_per_doc"] = chars / n
            rows.append(result)
            print(f"[{n:,}] {engine}: {json.dumps(result, ensure_ascii=False)}", flush=True)
    print()
    print(f"machine: {os.cpu_count()} CPU, python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d')}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    random.seed(0)
    raise SystemExit(main())
