"""The Whoosh schema and the only index writer: incremental builds and atomic full rebuilds."""

from __future__ import annotations

import ctypes
import fcntl
import json
import multiprocessing
import os
import shutil
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.multiproc import MpWriter, SubWriterTask

from kb.content.documents import TYPE_LAW, Document, iter_content_files, plain_text
from kb.content.taxonomy import Taxonomy, load_taxonomy
from kb.content.validation import ContentSet, load_content
from kb.errors import ContentError, IndexLockedError, IndexMissingError, Problem
from kb.search import analysis
from kb.search.charges import ChargeTable, Cue, load_charges, load_cues
from kb.search.synonyms import Synonyms, load_synonyms
from kb.search.thesaurus import QueryWords, Thesaurus, load_query_words, load_thesaurus
from kb.settings import Settings
from kb.statutes.citations import citation_context, extract_citations, parse_citation
from kb.workflow.filechange import private_dir, write_private

SCHEMA_VERSION = "6"  # 6: short names (程序规定) in `laws` read with the front matter and case type
CURRENT_FILE = "CURRENT"
META_FILE = "casekb-meta.json"
LOCK_FILE = "build.lock"
GUARD_FILE = "build.lock.guard"
REPAIR_FILE = "NEEDS_REPAIR"
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
        # Character bigrams of title, summary, tags and body: matched below whole words (kb.search.service).
        bigrams=TEXT(analyzer=analysis.bigram_analyzer(), phrase=False),
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
    private_dir(settings.index_dir)  # before the dictionary cache is written into it
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
    abbreviations = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
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
    write_private(path, text.encode("utf-8"))


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
    path.mkdir(mode=0o700)
    return path


def _drop_abandoned(index_dir: Path, live: Path | None) -> None:
    """Remove generations newer than the live one: a full build that died before switching to it."""
    if live is None or not live.name[4:].isdigit():
        return
    for gen in index_dir.glob("gen-*"):
        if gen.name[4:].isdigit() and int(gen.name[4:]) > int(live.name[4:]):
            shutil.rmtree(gen, ignore_errors=True)


# -- the one-writer lock -----------------------------------------------------------------------
#
# flock() on build.lock: the kernel drops it when its owner dies, and threads of one process
# exclude each other too (each call opens the file anew). The file records its owner; if the
# lock is held although that owner is dead, a process that inherited its descriptor (a worker
# of an older version) still holds it: the file is then unlinked and a new one locked, leaving
# the old inode to that process. build.lock.guard serialises taking and taking over, so two
# processes can never each take over and both "hold" the lock.

_HELD: set[int] = set()  # descriptors of the build locks this process holds (workers close theirs)


def _proc_start(pid: int) -> str:
    """When the kernel started a process (Linux), to tell its owner from a process reusing the pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :][:1] == "Z"


def _owner_alive(owner: dict) -> bool:
    """Whether the process that took a lock still runs; True whenever that cannot be told (another host)."""
    pid = owner.get("pid")
    if owner.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if _zombie(pid):
        return False
    started = owner.get("proc_start")
    return not started or _proc_start(pid) in ("", started)


def _read_owner(fd: int) -> dict:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _owner_text(owner: dict) -> str:
    if not owner.get("pid"):
        return ""
    started = str(owner.get("started", ""))[:19].replace("T", " ")
    return f"进程 {owner['pid']}，主机 {owner.get('host', '?')}，开始于 {started}；"


def _try_lock(index_dir: Path) -> tuple[int | None, dict]:
    """Take the lock without waiting: (descriptor, {}) or (None, the owner's record)."""
    guard = os.open(index_dir / GUARD_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process is taking the lock this very moment
            return None, {}
        path = index_dir / LOCK_FILE
        for _ in range(2):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(fd)
                os.close(fd)
                if not owner or _owner_alive(owner):
                    return None, owner
                os.unlink(path)  # stale: its owner is dead; see the note above
                continue
            record = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": datetime.now().astimezone().isoformat(timespec="seconds"),
                "proc_start": _proc_start(os.getpid()),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
            return fd, {}
        return None, {}
    finally:
        os.close(guard)


@contextmanager
def build_lock(index_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the one-writer-at-a-time lock, or raise IndexLockedError after `timeout` seconds
    (LOCK_TIMEOUT by default)."""
    private_dir(index_dir)
    deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
    while True:
        fd, owner = _try_lock(index_dir)
        if fd is not None:
            break
        if time.monotonic() >= deadline:
            raise IndexLockedError(
                f"另一个构建或发布正在写入索引（{_owner_text(owner)}锁文件 {index_dir / LOCK_FILE}）；请等它结束后重试"
            )
        time.sleep(0.05)
    _HELD.add(fd)
    try:
        yield
    finally:
        _HELD.discard(fd)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# -- the marker of an index that missed a change -----------------------------------------------


def mark_needs_repair(index_dir: Path, reason: str) -> bool:
    """Note that the index missed a change to the files (a publish could not update it, a crash);
    the next build, or the app's next start, brings it up to date. False when it cannot be written."""
    path = Path(index_dir) / REPAIR_FILE
    reasons = read_repair_marker(index_dir).get("reasons", [])[-9:] + [reason]
    record = {"token": uuid.uuid4().hex, "at": datetime.now().astimezone().isoformat(timespec="seconds")}
    try:
        private_dir(path.parent)
        write_private(path, json.dumps({**record, "reasons": reasons}, ensure_ascii=False).encode("utf-8"))
    except OSError:
        return False
    return True


def read_repair_marker(index_dir: Path) -> dict:
    """The repair marker ({} when there is none)."""
    try:
        data = json.loads((Path(index_dir) / REPAIR_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _clear_repair_marker(index_dir: Path, seen: dict) -> None:
    """Remove the marker a build has answered; one written meanwhile (another publish) stays."""
    if read_repair_marker(index_dir).get("token") == seen.get("token"):
        try:
            (index_dir / REPAIR_FILE).unlink()
        except FileNotFoundError:
            pass


def repair_reason(settings: Settings) -> str:
    """Why the index must catch up with the files ("" when it need not): a repair marker, or content
    files added, changed or deleted since the index was last written (a crash in between)."""
    live = current_dir(settings.index_dir)
    if live is None:
        return ""
    marker = read_repair_marker(settings.index_dir)
    if marker:
        return "；".join(marker.get("reasons", [])) or "上次发布未能更新索引"
    try:
        written = (live / META_FILE).stat().st_mtime_ns
    except OSError:
        return "索引缺少构建记录"
    indexed = set(read_meta(live).get("docs", {}))
    files = iter_content_files(settings.content_dir)
    if {p.relative_to(settings.content_dir).as_posix() for p in files} != indexed:
        return "内容文件与索引不一致"
    if any(p.stat().st_mtime_ns > written for p in files):
        return "内容文件比索引新"
    return ""


def repair_index(settings: Settings) -> BuildReport | None:
    """Bring the index up to date if it missed a change (see repair_reason); None when it had not."""
    if not repair_reason(settings):
        return None
    return build_index(settings)


# -- statutes ---------------------------------------------------------------------------------


def _law_records(settings: Settings) -> tuple[list[dict], dict[str, str], list[Problem], list[tuple[str, int]]]:
    """Article records from the statute library, its file hashes, problems and per-law counts."""
    if settings.laws_dir is None:
        return [], {}, [], []
    from kb.statutes.library import load_law_records

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


# -- workers of a parallel build ---------------------------------------------------------------
#
# Whoosh's MpWriter forks sub-writer processes that wait on a job queue. Killed with -9 (or
# out of memory), the parent could not tell them to stop, and they waited forever: both ends
# of the queue's pipe are inherited, so no end-of-file ever comes. Forked while the parent held
# the build lock, they also held its descriptor, so the lock outlived its owner. And Whoosh's
# cancel() only flags its own copies of the task objects, so a build that failed (a full disk)
# left them waiting too, and the parent hung at exit joining them.
# So each worker closes its copy of the lock descriptor, asks the kernel to kill it when the
# parent dies (Linux: prctl(PR_SET_PDEATHSIG), through ctypes since the standard library has
# no binding; elsewhere a thread watches the parent), and the parent kills its workers itself
# when the build fails. A process group would not do: the parent's kill -9 reaches only it.

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In a freshly forked worker: drop the inherited build lock, and die when `parent` does."""
    for fd in list(_HELD):
        try:
            os.close(fd)  # the parent's lock stays held: it has its own descriptor
        except OSError:
            pass
    _HELD.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    try:
        armed = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (AttributeError, OSError):
        armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


class _Worker(SubWriterTask):
    """A Whoosh sub-writer process that dies with the build that forked it."""

    def __init__(self, *args, parent: int):
        super().__init__(*args)
        self.daemon = True  # also terminated by multiprocessing when the parent exits normally
        self.parent = parent

    def run(self) -> None:
        _die_with_parent(self.parent)
        super().run()


class _ParallelWriter(MpWriter):
    """Whoosh's MpWriter with workers that die with it, and stop when the build fails."""

    def _new_task(self):
        task = _Worker(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            parent=os.getpid(),
        )
        self.tasks.append(task)
        task.start()
        return task

    def _stop_workers(self) -> None:
        for queue in (self.jobqueue, self.resultqueue):
            queue.cancel_join_thread()  # never wait at exit to feed a pipe nobody reads
        for task in self.tasks:
            if task.is_alive():
                task.kill()
        for task in self.tasks:
            task.join(5)

    def cancel(self) -> None:
        try:
            super().cancel()
        finally:
            self._stop_workers()

    def commit(self, *args, **kwargs) -> None:
        try:
            super().commit(*args, **kwargs)
        except BaseException:
            self._stop_workers()
            raise


def _can_fork_workers() -> bool:
    """Workers are forked children of the build (the lock and parent-death handling rely on it)."""
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    return method == "fork"


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
            return _ParallelWriter(ix, procs=procs, limitmb=128, multisegment=True, compound=compound)
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
    # Read before the content: a publish that fails to index after this writes a new marker, which stays.
    marker = read_repair_marker(index_dir)
    with build_lock(index_dir):
        live = current_dir(index_dir)
        _drop_abandoned(index_dir, live)
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
        _clear_repair_marker(index_dir, marker)
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
    index_dir = settings.index_dir
    gen = _new_generation(index_dir)
    try:
        ix = whoosh_index.create_in(str(gen), make_schema())
        records = [document_fields(d, resources.taxonomy) for d in content.documents] + laws
        many = len(records) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1
        procs = 2 if parallel and many and _can_fork_workers() else 1
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
        try:
            os.utime(live / META_FILE)  # checked against the files' times at start (repair_reason)
        except OSError:
            pass
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
    "mark_needs_repair",
    "open_index",
    "read_meta",
    "read_repair_marker",
    "repair_index",
    "repair_reason",
]
