"""Publishing: write a submitted draft's file atomically with its history, supersede, withdraw, re-index,
and settle at start whatever a crash left half done."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.content.catalog import Published, choose_path, find_published, load_content_taxonomy, published_documents
from kb.content.documents import FOLDER_TYPES, STATUS_CURRENT, STATUS_SUPERSEDED, Document, document_type
from kb.content.frontmatter import guess_type, read_meta_leniently, set_front_matter
from kb.content.validation import load_content
from kb.errors import ContentError, KBError, Problem, PublishError, StaleVersionError
from kb.roles import REVIEW
from kb.settings import Settings
from kb.workflow import audit
from kb.workflow.accounts import User, require
from kb.workflow.checks import check_document, load_context
from kb.workflow.drafts import (
    STATE_SUBMITTED,
    Draft,
    check_text,
    create_draft,
    decode_upload,
    get_draft,
    mark_published,
    published_version_problem,
    read_draft,
    submit,
)
from kb.workflow.filechange import FileChanges, journals, private_dir, remove_file, settle_journal, stage_file
from kb.workflow.versions import add_version, keep_baseline, read_latest_version

JOURNAL_DIR = "publish-journal"  # beside the database: journals of changes in progress, and the lock
LOCK_TIMEOUT = 30.0
SYSTEM_ACTOR = "系统"
# The steps of a publish, in order; each calls _step(name) (file steps once per file changed).
STEPS = ("staged", "recorded", "journaled", "backed_up", "renamed", "committed", "finished")

# Committed with the transaction that makes the changes of a journal (kb.workflow.filechange.FileChanges.seal).
audit.register_schema(
    """
CREATE TABLE IF NOT EXISTS file_changes (
    token TEXT PRIMARY KEY,
    label TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""
)


@dataclass(frozen=True)
class PublishResult:
    """What a publish, supersede or withdraw did."""

    doc_id: str
    version: int
    path: str
    document: Document | None
    superseded: tuple[str, ...] = ()
    indexed: bool = True
    warning: str = ""


def _step(name: str) -> None:
    """Called at each step of STEPS; does nothing. Tests replace it to crash a publish at that step."""


def _file_step(name: str) -> None:
    _step(name)  # looked up at each call, so that a test's replacement is seen


# -- the lock and the journal ------------------------------------------------------------------


def journal_dir(settings: Settings) -> Path:
    """Where the journals of file changes in progress are kept (beside the database)."""
    return settings.db_path.parent / JOURNAL_DIR


@contextmanager
def publish_lock(settings: Settings, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """One publish, supersede, withdraw or recovery at a time, across threads and processes.

    Recovery must never mistake another process's staged file for a crash's leftover.
    """
    folder = private_dir(journal_dir(settings))
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishError("另一个发布、替代或撤回正在进行；请稍后重试") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _committed(con: sqlite3.Connection, token: str) -> bool:
    return con.execute("SELECT 1 FROM file_changes WHERE token = ?", (token,)).fetchone() is not None


def _abandon(settings: Settings, changes: FileChanges) -> None:
    """After a failure: undo the file changes, unless the transaction committed after all (then the
    next start completes them from the journal, as it does when the database cannot say)."""
    try:
        with closing(audit.connect(settings)) as con:
            done = _committed(con, changes.token)
    except (sqlite3.Error, OSError):
        return
    if not done:
        changes.undo()


# -- re-indexing -------------------------------------------------------------------------------


def _index(settings: Settings, docs: list[Document], removed: Iterable[str] = ()) -> tuple[bool, str]:
    """Update the index; when that fails, leave a marker so that the next start or build catches up."""
    from kb.search.index import index_documents, mark_needs_repair  # late: loading the analyzer is slow

    try:
        index_documents(settings, docs, list(removed))
    except Exception as exc:  # any failure: the files are published, the index must not stay silently stale
        reason = str(exc) if isinstance(exc, KBError) else f"{type(exc).__name__}: {exc}"
        changed = "、".join([d.id for d in docs] + list(removed))
        mark_needs_repair(settings.index_dir, f"{changed} 未写入索引（{reason}）")
        return False, (
            f"文件已发布，但检索索引未更新（{reason}）；已记下待修复，"
            "下次启动应用或运行 python indexer.py build 时自动补上"
        )
    return True, ""


# -- publishing --------------------------------------------------------------------------------


@dataclass
class _Prepared:
    rel: str
    tmp: Path
    doc: Document
    text: str
    version: int
    current: Published | None
    moved_from: str | None
    base: int | None


def _version_on_disk(settings: Settings, rel: str) -> int:
    """The `version:` of a content file now (0 when it is gone or has none)."""
    try:
        value = read_meta_leniently((settings.content_dir / rel).read_text(encoding="utf-8")).get("version")
    except (OSError, UnicodeDecodeError):
        return 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _prepare(settings: Settings, draft: Draft, base: int | None) -> _Prepared:
    """Check the draft's text as the file it will become, bump its version, and stage the file.

    `base` is the published version a revision starts from: any other version published now is refused.
    """
    meta = read_meta_leniently(draft.text)
    doc_id = str(meta.get("id") or "").strip()
    # History first, files second: a publish writes its file before it commits, so whichever of
    # the two a concurrent publish has reached, one of the checks here or in the transaction sees it.
    with closing(audit.connect(settings)) as con:
        stored = read_latest_version(con, doc_id) if doc_id else 0
    catalog = published_documents(settings)
    current = catalog.get(doc_id)
    context = load_context(settings, known_ids=catalog)
    doc_type = document_type(current.path) if current else draft.doc_type
    rel = choose_path(doc_type or draft.doc_type, meta, context.taxonomy, f"草稿-{draft.id}")
    problems: list[Problem] = []
    if draft.target_id and doc_id != draft.target_id:
        problems.append(Problem(rel, 2, "id", f"这是 {draft.target_id} 的修订稿，id 不能改为“{doc_id}”"))
    if current and not draft.target_id:
        problems.append(
            Problem(
                rel,
                2,
                "id",
                f"id“{doc_id}”已被《{current.title}》（{current.path}）使用；"
                "修改该文档请从它新建修订草稿，新文档请换一个 id",
            )
        )
    too_large = published_version_problem(current.path, current.text, current.version) if current else None
    if too_large is not None:
        raise too_large
    if current and draft.target_id and base is not None and current.version != base:
        raise StaleVersionError(doc_id, current.version, base)
    version = max(current.version if current else 0, stored) + 1
    try:
        text = set_front_matter(draft.text, {"version": version})
    except PublishError:
        text = draft.text  # validation below reports the missing front matter precisely
    result = check_document(text, rel, context)  # the text as published: checked before any file is written
    problems += result.problems
    errors = [p for p in problems if p.severity == "error"]
    if errors or result.document is None:
        raise ContentError(errors or problems)
    doc = result.document
    tmp = stage_file(settings, rel, text)
    moved = current.path if current and current.path != rel else None
    return _Prepared(rel, tmp, doc, text, version, current, moved, base if current and draft.target_id else None)


def publish(settings: Settings, actor: User | str, draft_id: int) -> PublishResult:
    """Publish a submitted draft: validate, bump `version`, write the file atomically, keep history, re-index.

    Documents listed in the new document's `supersedes` that are still 现行 are marked 不再参照, in the
    same transaction. A revision based on an older version than the one published is refused.
    """
    user = require(settings, actor, REVIEW)
    draft = get_draft(settings, user, draft_id)
    return _publish(settings, user, draft)


def _publish(settings: Settings, user: User, draft: Draft, forced: str = "") -> PublishResult:
    if draft.state != STATE_SUBMITTED:
        raise PublishError(f"草稿 #{draft.id} 当前状态为“{draft.state}”；只有“待审核”的草稿可以发布")
    draft_id = draft.id
    with publish_lock(settings):
        try:
            prepared = _prepare(settings, draft, draft.base_version if draft.target_id else None)
        except ContentError as exc:
            audit.log(
                settings, user.name, "publish_failed", f"草稿#{draft_id}", f"校验未通过：{len(exc.problems)} 处问题"
            )
            raise
        except KBError as exc:
            audit.log(settings, user.name, "publish_failed", f"草稿#{draft_id}", str(exc))
            raise
        _step("staged")
        doc = prepared.doc
        label = f"发布 {doc.id} 第 {prepared.version} 版（草稿#{draft_id}）"
        changes = FileChanges(journal_dir(settings), label, _file_step)
        superseded: list[Document] = []
        notes: list[str] = []
        try:
            with audit.transaction(settings) as con:
                fresh = read_draft(con, draft_id)
                if fresh.rev != draft.rev or fresh.state != STATE_SUBMITTED:
                    raise PublishError(f"草稿 #{draft_id} 在发布过程中被修改或退回；请刷新后重试")
                if prepared.base is not None:
                    # Inside the transaction nobody else can publish: the file is what is published.
                    now = _version_on_disk(settings, prepared.current.path)
                    if now != prepared.base:
                        raise StaleVersionError(doc.id, now, prepared.base)
                if read_latest_version(con, doc.id) >= prepared.version:
                    raise PublishError(f"{doc.id} 刚刚已由他人发布了新版本；请刷新后重试")
                changes.seal(con)
                keep_baseline(con, prepared.current)
                add_version(con, doc.id, prepared.version, prepared.rel, prepared.text, "publish", user.name, draft_id)
                mark_published(con, draft_id, prepared.text, doc.id, user.name, prepared.version)
                detail = f"第 {prepared.version} 版，{prepared.rel}，草稿#{draft_id}" + (
                    f"；{forced}" if forced else ""
                )
                audit.record(con, user.name, "publish", doc.id, detail)
                _step("recorded")
                changes.put(settings.content_dir / prepared.rel, prepared.tmp)
                if prepared.moved_from:
                    changes.remove(settings.content_dir / prepared.moved_from)
                superseded, notes = _supersede_listed(con, changes, settings, user, doc)
        except BaseException as exc:
            _abandon(settings, changes)
            remove_file(prepared.tmp)
            audit.log(settings, user.name, "publish_failed", doc.id, f"{type(exc).__name__}: {exc}")
            if isinstance(exc, OSError):
                raise PublishError(
                    f"写入 {prepared.rel} 失败（{exc.strerror or exc}）；原文件未改动，"
                    f"草稿 #{draft_id} 仍在待审核队列中，可稍后重试"
                ) from exc
            raise
        _step("committed")
        changes.finish()
        _step("finished")
    removed = [prepared.moved_from] if prepared.moved_from else []
    indexed, warning = _index(settings, [doc, *superseded], removed)
    warning = "；".join([*notes, warning] if warning else notes)
    return PublishResult(doc.id, prepared.version, prepared.rel, doc, tuple(d.id for d in superseded), indexed, warning)


def _supersede_listed(
    con: sqlite3.Connection, changes: FileChanges, settings: Settings, user: User, doc: Document
) -> tuple[list[Document], list[str]]:
    """Mark the documents in `doc.supersedes` that are still 现行 as 不再参照, inside the publish's
    transaction; one that cannot be marked is left as it is and named in the notes."""
    if not doc.supersedes:
        return [], []
    catalog = published_documents(settings)  # read inside the transaction: nobody else changes files now
    done: list[Document] = []
    notes: list[str] = []
    for old_id in doc.supersedes:
        old = catalog.get(old_id)
        if old is None or old.status != STATUS_CURRENT:
            continue
        con.execute("SAVEPOINT supersede")
        try:
            done.append(_supersede_in(con, changes, settings, user, old, doc.id))
        except (KBError, OSError) as exc:
            con.execute("ROLLBACK TO supersede")  # put() has put the file back itself
            notes.append(f"{old_id} 未能标记为不再参照（{exc}）；请在审核页手动处理")
        con.execute("RELEASE supersede")
    return done, notes


def publish_file(settings: Settings, actor: User | str, path: Path, force: bool = False) -> PublishResult:
    """Publish a Markdown file in one step (the command line): same validation, roles, history and audit.

    The file's `version:` is the published version it was edited from. When another version has been
    published since, it is refused as the web flow refuses such a draft, unless `force` (audited).
    """
    user = require(settings, actor, REVIEW)
    data = Path(path).read_bytes()
    text, _ = decode_upload(data)
    problems = [p for p in check_text(settings, data, guess_type(text)) if p.severity == "error"]
    if problems:
        raise ContentError(problems)
    meta = read_meta_leniently(text)
    doc_id = str(meta.get("id") or "")
    base = meta.get("version")  # an integer from 1 to MAX_VERSION: check_text refused anything else
    current = find_published(settings, doc_id)
    too_large = published_version_problem(current.path, current.text, current.version) if current else None
    if too_large is not None:
        raise too_large
    forced = ""
    if current is not None and base != current.version:
        if not force:
            refusal = StaleVersionError(doc_id, current.version, base)
            audit.log(settings, user.name, "publish_failed", doc_id, f"{path}：{refusal}")
            raise refusal
        forced = f"强制发布：文件基于第 {base} 版，覆盖已发布的第 {current.version} 版"
    draft = create_draft(
        settings,
        user,
        text,
        guess_type(text),
        target_id=doc_id if current else "",
        base_version=current.version if current else None,
    )
    draft = submit(settings, user, draft.id)
    return _publish(settings, user, draft, forced)


# -- supersede and withdraw --------------------------------------------------------------------


def _supersede_in(
    con: sqlite3.Connection, changes: FileChanges, settings: Settings, user: User, old: Published, new_id: str
) -> Document:
    """Mark `old` 不再参照 inside the caller's transaction (its file renamed last, journaled in `changes`)."""
    version = max(old.version, read_latest_version(con, old.id)) + 1
    updates = {"status": STATUS_SUPERSEDED, "superseded_by": new_id, "version": version}
    text = set_front_matter(old.text, updates)
    context = load_context(settings, known_ids={*published_documents(settings), new_id})
    result = check_document(text, old.path, context)
    if result.errors or result.document is None:
        raise ContentError(result.errors or list(result.problems))
    doc = result.document
    tmp = stage_file(settings, old.path, text)
    try:
        keep_baseline(con, old)
        add_version(con, old.id, version, old.path, text, "supersede", user.name, note=f"由 {new_id} 替代")
        audit.record(con, user.name, "supersede", old.id, f"由 {new_id} 替代，第 {version} 版")
        changes.put(settings.content_dir / old.path, tmp)
    finally:
        remove_file(tmp)
    return doc


def supersede(settings: Settings, actor: User | str, old_id: str, new_id: str) -> PublishResult:
    """Mark a published document 不再参照 with `superseded_by` pointing at its replacement, and re-index it."""
    user = require(settings, actor, REVIEW)
    with publish_lock(settings):
        catalog = published_documents(settings)
        old, new = catalog.get(old_id), catalog.get(new_id)
        if old is None:
            raise PublishError(f"找不到 id 为“{old_id}”的已发布文档")
        if new is None:
            raise PublishError(f"找不到替代文档“{new_id}”；请先发布新文档")
        if old_id == new_id:
            raise PublishError("文档不能替代自己")
        if old.status == STATUS_SUPERSEDED:
            raise PublishError(f"{old_id} 已经是“不再参照”状态")
        if new.status != STATUS_CURRENT:
            raise PublishError(f"替代文档 {new_id} 不是现行文档")
        changes = FileChanges(journal_dir(settings), f"标记 {old_id} 不再参照（由 {new_id} 替代）", _file_step)
        try:
            with audit.transaction(settings) as con:
                changes.seal(con)
                doc = _supersede_in(con, changes, settings, user, old, new_id)
        except BaseException:
            _abandon(settings, changes)
            raise
        _step("committed")
        changes.finish()
        _step("finished")
    indexed, warning = _index(settings, [doc])
    return PublishResult(doc.id, doc.version, doc.path, doc, (doc.id,), indexed, warning)


def withdraw(settings: Settings, actor: User | str, doc_id: str, reason: str) -> PublishResult:
    """Take a published document out of the library (its history stays in the database)."""
    user = require(settings, actor, REVIEW)
    reason = (reason or "").strip()
    if not reason:
        raise PublishError("撤回时须说明理由")
    with publish_lock(settings):
        current = find_published(settings, doc_id)
        if current is None:
            raise PublishError(f"找不到 id 为“{doc_id}”的已发布文档")
        content = load_content(settings.content_dir, load_content_taxonomy(settings))
        citing = sorted(
            d.id
            for d in content.documents
            if d.id != doc_id and (doc_id in d.supersedes or d.superseded_by == doc_id or doc_id in d.guides)
        )
        if citing:
            raise PublishError(f"不能撤回 {doc_id}：{'、'.join(citing)} 引用了它；请先修改这些文档的引用")
        changes = FileChanges(journal_dir(settings), f"撤回 {doc_id}", _file_step)
        try:
            with audit.transaction(settings) as con:
                changes.seal(con)
                keep_baseline(con, current)
                add_version(
                    con, doc_id, current.version, current.path, current.text, "withdraw", user.name, note=reason
                )
                audit.record(con, user.name, "withdraw", doc_id, reason)
                changes.remove(settings.content_dir / current.path)
        except BaseException:
            _abandon(settings, changes)
            raise
        _step("committed")
        changes.finish()
        _step("finished")
    indexed, warning = _index(settings, [], [current.path])
    return PublishResult(doc_id, current.version, current.path, None, (), indexed, warning)


# -- after a crash -----------------------------------------------------------------------------

# The hidden temporaries of stage_file (.name.1a2b3c4d.tmp) and FileChanges (.name.1a2b3c4d.bak).
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.(?P<kind>tmp|bak)$")


@dataclass(frozen=True)
class Recovery:
    """What `recover` did (each line also in the audit log); empty when nothing was left over."""

    actions: tuple[str, ...] = ()


def _temporaries(content_dir: Path) -> list[Path]:
    found: list[Path] = []
    for folder in FOLDER_TYPES:
        base = content_dir / folder
        if base.is_dir():
            found.extend(p for p in base.rglob(".*") if p.is_file() and _TEMPORARY.match(p.name))
    return sorted(found)


def _settle_backup(con: sqlite3.Connection, settings: Settings, backup: Path) -> str:
    """A backup with no journal (left by a version of casekb before journals): the database says
    whether the change it belongs to was recorded. Not recorded: the old file is put back."""
    target = backup.with_name(_TEMPORARY.match(backup.name)["name"])
    rel = target.relative_to(settings.content_dir).as_posix()
    old_text = backup.read_text(encoding="utf-8", errors="replace")
    if target.exists():
        text = target.read_text(encoding="utf-8", errors="replace")
        doc_id = str(read_meta_leniently(text).get("id") or "")
        recorded = con.execute(
            "SELECT 1 FROM versions WHERE doc_id = ? AND path = ? AND text = ? AND action != 'withdraw'",
            (doc_id, rel, text),
        ).fetchone()
        if recorded or text == old_text:
            remove_file(backup)
            return f"删除已完成的修改留下的备份 {backup.name}"
        os.replace(backup, target)
        return f"{rel} 的新内容没有历史记录（发布未完成），已恢复为原文件"
    doc_id = str(read_meta_leniently(old_text).get("id") or "")
    last = con.execute("SELECT action FROM versions WHERE doc_id = ? ORDER BY id DESC LIMIT 1", (doc_id,)).fetchone()
    if last is not None and last["action"] == "withdraw":
        remove_file(backup)
        return f"删除已完成的撤回留下的备份 {backup.name}"
    os.replace(backup, target)
    return f"{rel} 被移走但没有撤回记录（撤回未完成），已放回原处"


def recover(settings: Settings) -> Recovery:
    """Settle what a publish, supersede or withdraw interrupted by a crash left behind (the app's
    start and `indexer.py build` / `publish` call this first).

    A journal whose transaction committed is completed (backups dropped); one that did not is
    rolled back (every file put back), so a file on disk always has its history and audit entry.
    Leftover temporaries are removed. Each action is audited; the index is marked for repair.
    """
    folder = journal_dir(settings)
    if not (list(journals(folder)) or _temporaries(settings.content_dir)):
        return Recovery()  # the usual case: nothing opened, nothing created
    actions: list[str] = []
    targets: list[str] = []
    with publish_lock(settings):
        for stray in folder.glob("*.json.tmp"):  # a journal being written when the crash came
            remove_file(stray)
        settled: list[Path] = []
        with audit.transaction(settings) as con:
            for journal in journals(folder):
                outcome, label, touched = settle_journal(journal, lambda token: _committed(con, token))
                rels = "、".join(_relative(settings, t) for t in touched)
                what = label or "一次发布"
                if outcome == "committed":
                    action = f"{what}已提交但未收尾（进程中断），已完成" + (f"：删除 {rels} 的备份" if rels else "")
                else:
                    action = f"{what}未提交（进程中断），已回滚" + (f"：{rels} 恢复原状" if rels else "")
                targets.append(label or journal.name)
                actions.append(action)
                settled.append(journal)
            for temporary in _temporaries(settings.content_dir):
                rel = _relative(settings, str(temporary))
                if temporary.name.endswith(".tmp"):
                    remove_file(temporary)
                    action = f"删除中断的发布留下的临时文件 {rel}"
                else:
                    action = _settle_backup(con, settings, temporary)
                actions.append(action)
                targets.append(rel)
            for target, action in zip(targets, actions, strict=True):
                audit.record(con, SYSTEM_ACTOR, "recover", target, action)
        for journal in settled:
            remove_file(journal)
    if actions:  # (what was found before the lock may have been a publish in progress, now done)
        from kb.search.index import mark_needs_repair

        mark_needs_repair(settings.index_dir, "启动恢复：" + "；".join(actions))
    return Recovery(tuple(actions))


def _relative(settings: Settings, path: str) -> str:
    try:
        return Path(path).relative_to(settings.content_dir).as_posix()
    except ValueError:
        return path


# -- after publishing --------------------------------------------------------------------------


def wait_until_searchable(settings: Settings, doc_id: str, timeout: float = 1.0) -> bool:
    """Poll the index until `doc_id` can be found by id (used by the CLI to confirm a publish)."""
    from kb.search.service import SearchService

    service = SearchService(settings)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if service.document(doc_id) is not None:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
    finally:
        service.close()


__all__ = [
    "STEPS",
    "PublishResult",
    "Recovery",
    "journal_dir",
    "publish",
    "publish_file",
    "publish_lock",
    "recover",
    "supersede",
    "wait_until_searchable",
    "withdraw",
]
