"""The Whoosh schema and the only index writer: incremental builds and atomic full rebuilds."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError

from kb import analysis
from kb.charges import ChargeTable, Cue, load_charges, load_cues
from kb.citations import extract_citations, find_abbreviations, parse_citation
from kb.documents import TYPE_LAW, Document, plain_text
from kb.errors import ContentError, IndexLockedError, IndexMissingError, Problem
from kb.settings import Settings
from kb.synonyms import Synonyms, load_synonyms
from kb.taxonomy import Taxonomy, load_taxonomy
from kb.thesaurus import QueryWords, Thesaurus, load_query_words, load_thesaurus
from kb.validation import ContentSet, load_content

SCHEMA_VERSION = "4"
CURRENT_FILE = "CURRENT"
META_FILE = "casekb-meta.json"
LOCK_FILE = "build.lock"
LOCK_TIMEOUT = 5.0
LAW_CATEGORY = "法律法规"  # the category facet value of statute articles
PARALLEL_THRESHOLD = 400  # documents; below this forking costs more than it saves

Progress = Callable[[int, int], None]


def make_schema() -> Schema:
    """Return the schema; the analyzer is pickled into the index with it."""
    text = analysis.analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        type=ID(stored=True),
        group=ID(stored=True),
        category=ID(stored=True),
        case_type=ID(stored=True),
        kind=ID(stored=True),
        stage=KEYWORD(stored=True, commas=True),
        audience=KEYWORD(stored=True, commas=True),
        laws=KEYWORD(stored=True, commas=True),
        tags=TEXT(analyzer=text, stored=True, field_boost=2.0),
        charges=KEYWORD(stored=True, commas=True, scorable=True, field_boost=2.0),
        guides=KEYWORD(stored=True, commas=True),
        supersedes=KEYWORD(stored=True, commas=True),
        status=ID(stored=True, sortable=True),
        year=NUMERIC(stored=True, sortable=True),
        issued=ID(stored=True, sortable=True),
        title=TEXT(analyzer=text, stored=True, field_boost=4.0),
        summary=TEXT(analyzer=text, stored=True, field_boost=2.0),
        body=TEXT(analyzer=text, stored=True),
        # Character bigrams of title, summary, tags and body: matched below whole words (kb.search).
        bigrams=TEXT(analyzer=analysis.bigram_analyzer(), phrase=False),
        path=ID(stored=True),
        article_key=ID(stored=True),
        law=ID(stored=True),
        law_version=ID(stored=True),
        chapter=STORED(),
        unit=STORED(),
        version=STORED(),
        superseded_by=STORED(),
        review_by=STORED(),
        effective=STORED(),
        current_id=STORED(),
    )


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    full: bool
    added: int
    updated: int
    deleted: int
    unchanged: int
    laws: int
    seconds: float
    reason: str = ""
    warnings: tuple[Problem, ...] = ()
    law_counts: tuple[tuple[str, int], ...] = ()

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted


@dataclass(frozen=True)
class Resources:
    """The data files every analysis depends on, loaded once."""

    taxonomy: Taxonomy
    synonyms: Synonyms
    fingerprint: str
    charges: tuple[str, ...] = ()
    charge_table: ChargeTable = ChargeTable()
    cues: tuple[Cue, ...] = ()
    # Bad lines of data/charge_cues.txt, left out of `cues`: `check` reports them as errors,
    # a build as warnings (a bad fact pattern must not stop search or builds).
    cue_problems: tuple[Problem, ...] = ()
    thesaurus: Thesaurus = Thesaurus(())
    query_words: QueryWords = QueryWords(frozenset(), ())
    # Bad lines of data/colloquial.txt and data/query_words.txt, handled as cue_problems are.
    query_problems: tuple[Problem, ...] = ()


def load_resources(settings: Settings, charges: Iterable[str] | None = None) -> Resources:
    """Load taxonomy, synonyms and dictionaries, and configure the analyzer with them.

    `charges` replaces the data folder's charges.txt (benchmarks use another vocabulary).
    """
    data = settings.data_dir
    taxonomy = load_taxonomy(data / "taxonomy.yaml")
    synonyms = load_synonyms(data / "synonyms.txt")
    table = load_charges(data / "charges.txt")
    cues, bad = load_cues(data / "charge_cues.txt", known=table.names())
    charges = tuple(charges) if charges is not None else table.names()
    thesaurus, thesaurus_problems = load_thesaurus(data / "colloquial.txt")
    query_words, word_problems = load_query_words(data / "query_words.txt")
    # Colloquial and query words join the dictionary so that a query keeps them whole
    # (拘几天 is one intent word, not 拘 / 几天).
    words = [*synonyms.terms(), *charges, *taxonomy.categories, *taxonomy.stages]
    fingerprint = analysis.configure(
        [data / "userdict.txt"],
        words,
        cache_dir=settings.index_dir,
        query_words=[*thesaurus.words(), *query_words.words()],
    )
    return Resources(
        taxonomy,
        synonyms,
        fingerprint + ":" + SCHEMA_VERSION,
        charges,
        table,
        cues,
        tuple(bad),
        thesaurus,
        query_words,
        (*thesaurus_problems, *word_problems),
    )


def _join(values: Iterable[str]) -> str:
    return ",".join(v.replace(",", "，") for v in values)


def citation_keys(doc: Document) -> list[str]:
    """Normalised article keys (刑法:264) cited in the front matter and the body."""
    keys: dict[str, None] = {}
    for cite in doc.laws:
        parsed = parse_citation(cite)
        if parsed is not None:
            keys[parsed.key] = None
    abbreviations = find_abbreviations(doc.body)
    for cite in extract_citations(doc.body, abbreviations=abbreviations):
        keys[cite.key] = None
    return list(keys)


def document_fields(doc: Document, taxonomy: Taxonomy) -> dict:
    """Turn a validated document into the fields Whoosh stores."""
    body = plain_text(doc.body)
    return {
        "id": doc.id,
        "type": doc.type,
        "group": taxonomy.group_of(doc.category) or "",
        "category": doc.category,
        "case_type": doc.case_type or "",
        "kind": doc.kind or "",
        "stage": _join(doc.stage),
        "audience": _join(doc.audience),
        "laws": _join(citation_keys(doc)),
        "tags": _join(doc.tags),
        "charges": _join(doc.charges),
        "guides": _join(doc.guides),
        "supersedes": _join(doc.supersedes),
        "status": doc.status,
        "year": doc.year if doc.year is not None else (doc.issued.year if doc.issued else 0),
        "issued": doc.issued.isoformat() if doc.issued else "",
        "title": doc.title,
        "summary": doc.summary,
        "body": body,
        "bigrams": "\n".join((doc.title, doc.summary, " ".join(doc.tags), body)),
        "path": doc.path,
        "unit": doc.unit or "",
        "version": doc.version,
        "superseded_by": doc.superseded_by or "",
        "review_by": doc.review_by.isoformat() if doc.review_by else "",
    }


# -- layout: index_dir/CURRENT names the live generation folder ------------------------------


def current_dir(index_dir: Path) -> Path | None:
    """Return the live generation folder, or None when no index has been built."""
    pointer = index_dir / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if whoosh_index.exists_in(str(path)) else None


def open_index(index_dir: Path):
    """Open the live index for reading."""
    path = current_dir(index_dir)
    if path is None:
        raise IndexMissingError(f"索引不存在：{index_dir}；请先运行 python indexer.py build")
    return whoosh_index.open_dir(str(path))


def read_meta(gen_dir: Path) -> dict:
    """Read a generation's build metadata (fingerprint and file hashes)."""
    try:
        return json.loads((gen_dir / META_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _switch(index_dir: Path, gen_dir: Path) -> None:
    previous = current_dir(index_dir)
    _write_atomic(index_dir / CURRENT_FILE, gen_dir.name)
    # The previous generation stays until the next switch: searches already running on it
    # may still open its (non-compound) files.
    keep = {gen_dir.name} | ({previous.name} if previous is not None else set())
    for old in sorted(index_dir.glob("gen-*")):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def _new_generation(index_dir: Path) -> Path:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    path = index_dir / f"gen-{max(numbers, default=0) + 1:06d}"
    path.mkdir(parents=True)
    return path


@contextmanager
def build_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the one-writer-at-a-time lock, or raise IndexLockedError after `timeout` seconds."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    with path.open("a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(f"另一个构建或发布正在写入索引（锁文件 {path}）；请等它结束后重试") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# -- statutes ---------------------------------------------------------------------------------


def _law_records(settings: Settings) -> tuple[list[dict], dict[str, str], list[Problem], list[tuple[str, int]]]:
    """Article records from the statute library, its file hashes, problems and per-law counts."""
    if settings.laws_dir is None:
        return [], {}, [], []
    from kb.statutes import load_law_records

    records, hashes, problems, counts = load_law_records(settings.laws_dir)
    table = load_charges(settings.data_dir / "charges.txt")
    for record in records:
        # Every document needs a value in each sortable column: Whoosh misreads a
        # multi-segment numeric column where some documents lack one.
        record.setdefault("year", 0)
        record.setdefault("category", LAW_CATEGORY)
        record.setdefault("group", LAW_CATEGORY)
        # An article that defines a charge carries it: found by 罪名 and titled 【盗窃罪】.
        charges = table.charges_for(record["article_key"]) if record.get("status") == "现行" else ()
        if charges:
            record["charges"] = _join(charges)
            record["title"] += "【" + "、".join(charges) + "】"
        record["bigrams"] = record["title"] + "\n" + record.get("body", "")
    return records, hashes, problems, counts


# -- building ---------------------------------------------------------------------------------


def _content(settings: Settings, resources: Resources) -> ContentSet:
    content = load_content(settings.content_dir, resources.taxonomy)
    if content.errors:
        raise ContentError(content.errors)
    return content


def _writer(ix, procs: int, compound: bool = True):
    """A writer for the index.

    Fresh generations are written non-compound: their files are mmapped one by one, where
    Whoosh reads a compound segment's sub-files through BytesIO copies (~190 MB more RSS at
    10,000 documents). Writes into the live index stay compound: a merge deletes the merged
    segments' files, and a reader that opens a non-compound segment's files lazily would then
    find them gone, while an opened compound file survives its unlinking.
    """
    try:
        if procs > 1:
            return ix.writer(procs=procs, limitmb=128, multisegment=True, compound=compound)
        return ix.writer(limitmb=128, timeout=LOCK_TIMEOUT, compound=compound)
    except LockError as exc:
        raise IndexLockedError("索引正被另一个进程写入；请等它结束后重试") from exc


def _merge_compound_only(writer, segments):
    """Whoosh's MERGE_SMALL over the compound segments only: a full build's non-compound
    segments are never merged away (and deleted) under readers that still open their files."""
    from whoosh.writing import MERGE_SMALL

    return [s for s in segments if not s.is_compound()] + MERGE_SMALL(writer, [s for s in segments if s.is_compound()])


def build_index(
    settings: Settings,
    full: bool = False,
    progress: Progress | None = None,
    fail_after: int | None = None,
    parallel: bool = False,
) -> BuildReport:
    """Bring the index up to date with the content: incremental by default, `full` to rebuild.

    `parallel` segments a large full build in two forked processes. Only a single-threaded
    caller (the CLI) should ask for it: forking a threaded server (the app) is not safe.

    Content errors raise ContentError before anything is written. `fail_after` makes the
    build raise after that many documents (tests use it to prove the live index survives).
    """
    started = time.perf_counter()
    resources = load_resources(settings)
    content = _content(settings, resources)
    laws, law_hashes, law_problems, law_counts = _law_records(settings)
    cue_warnings = [replace(p, severity="warning") for p in (*resources.cue_problems, *resources.query_problems)]
    warnings = tuple([*content.warnings, *law_problems, *cue_warnings])
    index_dir = settings.index_dir
    with build_lock(index_dir):
        live = current_dir(index_dir)
        meta = read_meta(live) if live else {}
        reason = ""
        if live is None:
            reason = "首次构建"
        elif meta.get("fingerprint") != resources.fingerprint:
            reason = "词典、同义词表或索引结构已变化"
        if full or reason:
            report = _full_build(settings, resources, content, laws, law_hashes, progress, fail_after, parallel)
        else:
            report = _incremental(live, meta, resources, content, laws, law_hashes, progress, fail_after)
    return BuildReport(
        **{
            **report.__dict__,
            "seconds": time.perf_counter() - started,
            "reason": reason or ("全量重建" if full else ""),
            "warnings": warnings,
            "law_counts": tuple(law_counts),
        }
    )


def _docs_meta(content: ContentSet) -> dict[str, dict[str, str]]:
    return {d.path: {"id": d.id, "hash": d.hash} for d in content.documents}


def _full_build(settings, resources, content, laws, law_hashes, progress, fail_after, parallel=False) -> BuildReport:
    index_dir = settings.index_dir
    gen = _new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(str(gen), make_schema())
        records = [document_fields(d, resources.taxonomy) for d in content.documents] + laws
        procs = 2 if parallel and len(records) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1 else 1
        writer = _writer(ix, procs, compound=False)
        try:
            for n, record in enumerate(records, 1):
                if fail_after is not None and n > fail_after:
                    raise RuntimeError("forced failure for testing")
                writer.add_document(**record)
                if progress:
                    progress(n, len(records))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        meta = {"fingerprint": resources.fingerprint, "docs": _docs_meta(content), "laws": law_hashes}
        _write_atomic(gen / META_FILE, json.dumps(meta, ensure_ascii=False))
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    _switch(index_dir, gen)
    return BuildReport(True, len(content.documents), 0, 0, 0, len(laws), 0.0)


def _incremental(live, meta, resources, content, laws, law_hashes, progress, fail_after) -> BuildReport:
    old_docs: dict[str, dict[str, str]] = meta.get("docs", {})
    new_docs = _docs_meta(content)
    by_path = {d.path: d for d in content.documents}
    added = [p for p in new_docs if p not in old_docs]
    updated = [p for p in new_docs if p in old_docs and old_docs[p] != new_docs[p]]
    deleted = [p for p in old_docs if p not in new_docs]
    old_laws: dict[str, str] = meta.get("laws", {})
    law_paths = {p for p in set(old_laws) | set(law_hashes) if old_laws.get(p) != law_hashes.get(p)}
    law_changes = [r for r in laws if r["path"] in law_paths]
    unchanged = len(new_docs) - len(added) - len(updated)
    if not (added or updated or deleted or law_paths):
        return BuildReport(False, 0, 0, 0, unchanged, 0, 0.0)
    ix = whoosh_index.open_dir(str(live))
    writer = _writer(ix, 1)
    try:
        for path in deleted:
            writer.delete_by_term("path", path)
        for path in updated:
            writer.delete_by_term("path", path)
        for path in law_paths:
            writer.delete_by_term("path", path)
        todo = [*added, *updated]
        for n, path in enumerate(todo, 1):
            if fail_after is not None and n > fail_after:
                raise RuntimeError("forced failure for testing")
            writer.update_document(**document_fields(by_path[path], resources.taxonomy))
            if progress:
                progress(n, len(todo))
        for record in law_changes:
            writer.update_document(**record)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=_merge_compound_only)
    meta = {"fingerprint": resources.fingerprint, "docs": new_docs, "laws": law_hashes}
    _write_atomic(live / META_FILE, json.dumps(meta, ensure_ascii=False))
    return BuildReport(False, len(added), len(updated), len(deleted), unchanged, len(law_changes), 0.0)


def create_index(settings: Settings, documents: Iterable[Document], resources: Resources | None = None) -> Path:
    """Index documents that did not come from the content folder into a fresh generation and
    switch to it (benchmarks and imports use this); return the generation folder."""
    resources = resources or load_resources(settings)
    with build_lock(settings.index_dir):
        gen = _new_generation(settings.index_dir)
        try:
            ix = whoosh_index.create_in(str(gen), make_schema())
            writer = _writer(ix, 1, compound=False)
            docs: dict[str, dict[str, str]] = {}
            try:
                for doc in documents:
                    writer.add_document(**document_fields(doc, resources.taxonomy))
                    docs[doc.path] = {"id": doc.id, "hash": doc.hash}
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            meta = {"fingerprint": resources.fingerprint, "docs": docs, "laws": {}}
            _write_atomic(gen / META_FILE, json.dumps(meta, ensure_ascii=False))
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        _switch(settings.index_dir, gen)
    return gen


def index_documents(settings: Settings, documents: list[Document], removed_paths: Iterable[str] = ()) -> None:
    """Write a few already-validated documents into the live index (publishing uses this)."""
    resources = load_resources(settings)
    with build_lock(settings.index_dir):
        live = current_dir(settings.index_dir)
        if live is None:
            raise IndexMissingError(f"索引不存在：{settings.index_dir}；请先运行 python indexer.py build")
        meta = read_meta(live)
        ix = whoosh_index.open_dir(str(live))
        writer = _writer(ix, 1)
        try:
            for path in removed_paths:
                writer.delete_by_term("path", path)
                meta.get("docs", {}).pop(path, None)
            for doc in documents:
                writer.delete_by_term("path", doc.path)
                writer.update_document(**document_fields(doc, resources.taxonomy))
                meta.setdefault("docs", {})[doc.path] = {"id": doc.id, "hash": doc.hash}
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=_merge_compound_only)
        _write_atomic(live / META_FILE, json.dumps(meta, ensure_ascii=False))


__all__ = [
    "BuildReport",
    "Resources",
    "TYPE_LAW",
    "build_index",
    "build_lock",
    "create_index",
    "current_dir",
    "document_fields",
    "index_documents",
    "load_resources",
    "make_schema",
    "open_index",
    "read_meta",
]
