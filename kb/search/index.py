"""The Whoosh schema and the only index writer: incremental builds and atomic full rebuilds.

The records it stores are made in kb.search.records, the data files loaded in kb.search.resources;
kb.search.buildlock keeps writers one at a time and kb.search.repair notes a change the index missed.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from kb.content.documents import TYPE_LAW, Document
from kb.content.validation import ContentSet, load_content
from kb.errors import ContentError, IndexMissingError, Problem
from kb.files import write_atomic
from kb.search import analysis, writers
from kb.search.buildlock import build_lock
from kb.search.generations import CURRENT_FILE, META_FILE, drop_abandoned, new_generation, read_meta, switch
from kb.search.records import document_fields, law_records
from kb.search.repair import catch_up_reason, clear_repair_marker, mark_needs_repair, read_repair_marker
from kb.search.resources import Resources, load_resources
from kb.settings import Settings
from kb.statutes.citations import parse_citation

PARALLEL_THRESHOLD = 400  # documents; below this forking costs more than it saves

Progress = Callable[[int, int], None]


def make_schema() -> Schema:
    """Return the schema; the tokenizers are pickled into the index with it."""
    text = analysis.tokenizer()
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
        # Character bigrams of title, summary, tags and body: matched below whole words (kb.search.service).
        bigrams=TEXT(analyzer=analysis.bigram_tokenizer(), phrase=False),
        path=ID(stored=True),
        article_key=ID(stored=True),
        law=ID(stored=True),
        law_version=ID(stored=True),
        # An article's chapter and section (第十章 治安调解): officers ask by the topic a chapter names.
        chapter=TEXT(analyzer=text, stored=True),
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


def current_dir(index_dir: Path) -> Path | None:
    """Return the live generation folder, or None when no index has been built."""
    pointer = index_dir / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    try:
        return path if whoosh_index.exists_in(str(path)) else None
    except (ImportError, AttributeError, pickle.UnpicklingError):
        # Written by an earlier release: its pickled schema names classes (the tokenizers) by a
        # module path that has since moved. The index is derived data: as good as none, and the
        # next build (the CLI's, or the app's first start) writes a new generation from the content.
        return None


def open_index(index_dir: Path):
    """Open the live index for reading."""
    return whoosh_index.open_dir(str(_live(index_dir)))


def _live(index_dir: Path) -> Path:
    """The live generation folder; IndexMissingError when no index has been built."""
    path = current_dir(index_dir)
    if path is None:
        raise IndexMissingError(f"索引不存在：{index_dir}；请先运行 python indexer.py build")
    return path


def _write_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def _write_meta(folder: Path, fingerprint: str, docs: dict[str, dict[str, str]], laws: dict[str, str]) -> None:
    meta = {"fingerprint": fingerprint, "docs": docs, "laws": laws}
    _write_atomic(folder / META_FILE, json.dumps(meta, ensure_ascii=False))


def repair_reason(settings: Settings) -> str:
    """Why the index must catch up with the files ("" when it need not; see kb.search.repair.catch_up_reason)."""
    return catch_up_reason(settings, current_dir(settings.index_dir))


def repair_index(settings: Settings) -> BuildReport | None:
    """Bring the index up to date if it missed a change (see repair_reason); None when it had not."""
    if not repair_reason(settings):
        return None
    return build_index(settings)


def _content(settings: Settings, resources: Resources) -> ContentSet:
    content = load_content(settings.content_dir, resources.taxonomy, parse_citation)
    if content.errors:
        raise ContentError(content.errors)
    return content


@contextmanager
def _fresh_generation(index_dir: Path) -> Iterator[tuple[Path, whoosh_index.Index]]:
    """A new generation folder and its empty index: switched to when the block ends, removed when it raises."""
    gen = new_generation(index_dir)
    try:
        yield gen, whoosh_index.create_in(str(gen), make_schema())
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    switch(index_dir, gen, current_dir(index_dir))


def _count(n: int, fail_after: int | None) -> None:
    if fail_after is not None and n > fail_after:
        raise RuntimeError("forced failure for testing")


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
    laws, law_hashes, law_problems, law_counts = law_records(settings)
    cue_warnings = [replace(p, severity="warning") for p in (*resources.cue_problems, *resources.query_problems)]
    warnings = tuple([*content.warnings, *law_problems, *cue_warnings])
    index_dir = settings.index_dir
    # Read before the content: a publish that fails to index after this writes a new marker, which stays.
    marker = read_repair_marker(index_dir)
    with build_lock(index_dir):
        live = current_dir(index_dir)
        drop_abandoned(index_dir, live)
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
        clear_repair_marker(index_dir, marker)
    repaired = "补上索引遗漏的修改" if marker and not full else ""
    return BuildReport(
        **{
            **report.__dict__,
            "seconds": time.perf_counter() - started,
            "reason": reason or ("全量重建" if full else repaired),
            "warnings": warnings,
            "law_counts": tuple(law_counts),
        }
    )


def _docs_meta(content: ContentSet) -> dict[str, dict[str, str]]:
    return {d.path: {"id": d.id, "hash": d.hash} for d in content.documents}


def _full_build(settings, resources, content, laws, law_hashes, progress, fail_after, parallel=False) -> BuildReport:
    with _fresh_generation(settings.index_dir) as (gen, ix):
        records = [document_fields(d, resources.taxonomy) for d in content.documents] + laws
        many = len(records) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1
        procs = 2 if parallel and many and writers.can_fork_workers() else 1
        with writers.writing(ix, procs, compound=False) as writer:
            for n, record in enumerate(records, 1):
                _count(n, fail_after)
                writer.add_document(**record)
                if progress:
                    progress(n, len(records))
        _write_meta(gen, resources.fingerprint, _docs_meta(content), law_hashes)
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
        try:
            os.utime(live / META_FILE)  # checked against the files' times at start (repair_reason)
        except OSError:
            pass
        return BuildReport(False, 0, 0, 0, unchanged, 0, 0.0)
    with writers.writing(whoosh_index.open_dir(str(live)), mergetype=writers.merge_compound_only) as writer:
        for path in [*deleted, *updated, *law_paths]:
            writer.delete_by_term("path", path)
        todo = [*added, *updated]
        for n, path in enumerate(todo, 1):
            _count(n, fail_after)
            writer.update_document(**document_fields(by_path[path], resources.taxonomy))
            if progress:
                progress(n, len(todo))
        for record in law_changes:
            writer.update_document(**record)
    _write_meta(live, resources.fingerprint, new_docs, law_hashes)
    return BuildReport(False, len(added), len(updated), len(deleted), unchanged, len(law_changes), 0.0)


def create_index(settings: Settings, documents: Iterable[Document], resources: Resources | None = None) -> Path:
    """Index documents that did not come from the content folder into a fresh generation and
    switch to it (benchmarks and imports use this); return the generation folder."""
    resources = resources or load_resources(settings)
    with build_lock(settings.index_dir), _fresh_generation(settings.index_dir) as (gen, ix):
        docs: dict[str, dict[str, str]] = {}
        with writers.writing(ix, compound=False) as writer:
            for doc in documents:
                writer.add_document(**document_fields(doc, resources.taxonomy))
                docs[doc.path] = {"id": doc.id, "hash": doc.hash}
        _write_meta(gen, resources.fingerprint, docs, {})
    return gen


def index_documents(settings: Settings, documents: list[Document], removed_paths: Iterable[str] = ()) -> None:
    """Write a few already-validated documents into the live index (publishing uses this)."""
    resources = load_resources(settings)
    with build_lock(settings.index_dir):
        live = _live(settings.index_dir)
        meta = read_meta(live)
        docs = meta.setdefault("docs", {})
        with writers.writing(whoosh_index.open_dir(str(live)), mergetype=writers.merge_compound_only) as writer:
            for path in removed_paths:
                writer.delete_by_term("path", path)
                docs.pop(path, None)
            for doc in documents:
                writer.delete_by_term("path", doc.path)
                writer.update_document(**document_fields(doc, resources.taxonomy))
                docs[doc.path] = {"id": doc.id, "hash": doc.hash}
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
    "mark_needs_repair",
    "open_index",
    "read_meta",
    "read_repair_marker",
    "repair_index",
    "repair_reason",
]
