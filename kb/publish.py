"""Publishing: write a submitted draft's file atomically with its history, supersede, withdraw, re-index."""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from kb import audit
from kb.accounts import REVIEW, User, require
from kb.catalog import Published, choose_path, find_published, load_content_taxonomy, published_documents
from kb.documents import STATUS_CURRENT, STATUS_SUPERSEDED, Document, document_type
from kb.drafts import (
    STATE_SUBMITTED,
    Draft,
    check_text,
    create_draft,
    decode_upload,
    get_draft,
    mark_published,
    read_draft,
    submit,
    validate_for_publishing,
)
from kb.errors import ContentError, KBError, Problem, PublishError
from kb.filechange import FileChange, remove_file, stage_file
from kb.frontmatter import guess_type, read_meta_leniently, set_front_matter
from kb.settings import Settings
from kb.validation import load_content
from kb.versions import add_version, keep_baseline, read_latest_version


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


# -- re-indexing -------------------------------------------------------------------------------


def _index(settings: Settings, docs: list[Document], removed: Iterable[str] = ()) -> tuple[bool, str]:
    from kb.index import index_documents  # imported late: loading the analyzer is slow and not needed for drafts

    try:
        index_documents(settings, docs, list(removed))
    except KBError as exc:
        return False, f"文件已发布，但检索索引未更新（{exc}）；请运行 python indexer.py build"
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


def _prepare(settings: Settings, draft: Draft) -> _Prepared:
    """Validate the draft as the file it will become (a temp file in the target folder); bump its version."""
    taxonomy = load_content_taxonomy(settings)
    meta = read_meta_leniently(draft.text)
    catalog = published_documents(settings)
    doc_id = str(meta.get("id") or "").strip()
    current = catalog.get(doc_id)
    doc_type = document_type(current.path) if current else draft.doc_type
    rel = choose_path(doc_type or draft.doc_type, meta, taxonomy, f"草稿-{draft.id}")
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
    if current and draft.target_id and current.version != draft.base_version:
        raise PublishError(
            f"{doc_id} 在此草稿创建后已发布了第 {current.version} 版（草稿基于第 {draft.base_version} 版）；"
            "为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交"
        )
    with closing(audit.connect(settings)) as con:
        version = max(current.version if current else 0, read_latest_version(con, doc_id) if doc_id else 0) + 1
    try:
        text = set_front_matter(draft.text, {"version": version})
    except PublishError:
        text = draft.text  # validation below reports the missing front matter precisely
    tmp = stage_file(settings, rel, text)
    try:
        doc, found = validate_for_publishing(tmp, rel, taxonomy)
        problems += found
        if doc is not None:
            known = set(catalog) | {doc.id}
            for name, targets in (
                ("supersedes", doc.supersedes),
                ("superseded_by", (doc.superseded_by,) if doc.superseded_by else ()),
                ("guides", doc.guides),
            ):
                problems += [
                    Problem(rel, doc.field_lines.get(name, 1), name, f"找不到 id 为“{t}”的文档；请检查 id 是否写错")
                    for t in targets
                    if t not in known
                ]
        errors = [p for p in problems if p.severity == "error"]
        if errors or doc is None:
            raise ContentError(errors or problems)
    except BaseException:
        remove_file(tmp)
        raise
    moved = current.path if current and current.path != rel else None
    return _Prepared(rel, tmp, doc, text, version, current, moved)


def publish(settings: Settings, actor: User | str, draft_id: int) -> PublishResult:
    """Publish a submitted draft: validate, bump `version`, write the file atomically, keep history, re-index.

    Documents listed in the new document's `supersedes` that are still 现行 are marked 不再参照.
    """
    user = require(settings, actor, REVIEW)
    draft = get_draft(settings, user, draft_id)
    if draft.state != STATE_SUBMITTED:
        raise PublishError(f"草稿 #{draft_id} 当前状态为“{draft.state}”；只有“待审核”的草稿可以发布")
    try:
        prepared = _prepare(settings, draft)
    except ContentError as exc:
        audit.log(settings, user.name, "publish_failed", f"草稿#{draft_id}", f"校验未通过：{len(exc.problems)} 处问题")
        raise
    except KBError as exc:
        audit.log(settings, user.name, "publish_failed", f"草稿#{draft_id}", str(exc))
        raise
    doc = prepared.doc
    change = FileChange(settings.content_dir / prepared.rel)
    try:
        with audit.transaction(settings) as con:
            fresh = read_draft(con, draft_id)
            if fresh.rev != draft.rev or fresh.state != STATE_SUBMITTED:
                raise PublishError(f"草稿 #{draft_id} 在发布过程中被修改或退回；请刷新后重试")
            if read_latest_version(con, doc.id) >= prepared.version:
                raise PublishError(f"{doc.id} 刚刚已由他人发布了新版本；请刷新后重试")
            keep_baseline(con, prepared.current)
            add_version(con, doc.id, prepared.version, prepared.rel, prepared.text, "publish", user.name, draft_id)
            mark_published(con, draft_id, prepared.text, doc.id, user.name, prepared.version)
            audit.record(
                con, user.name, "publish", doc.id, f"第 {prepared.version} 版，{prepared.rel}，草稿#{draft_id}"
            )
            change.put(prepared.tmp)  # last: if the rename fails the transaction rolls back
    except BaseException as exc:
        change.undo()  # also when the COMMIT failed after the rename
        remove_file(prepared.tmp)
        audit.log(settings, user.name, "publish_failed", doc.id, f"{type(exc).__name__}: {exc}")
        if isinstance(exc, OSError):
            raise PublishError(
                f"写入 {prepared.rel} 失败（{exc.strerror or exc}）；原文件未改动，草稿 #{draft_id} 仍在待审核队列中，可稍后重试"
            ) from exc
        raise
    change.finish()
    removed = []
    if prepared.moved_from:
        remove_file(settings.content_dir / prepared.moved_from)
        removed.append(prepared.moved_from)
    superseded: list[Document] = []
    notes: list[str] = []
    catalog = published_documents(settings)
    for old_id in doc.supersedes:
        old = catalog.get(old_id)
        if old is not None and old.status == STATUS_CURRENT:
            try:
                superseded.append(_supersede(settings, user, old, doc.id))
            except (KBError, OSError) as exc:
                notes.append(f"{old_id} 未能标记为不再参照（{exc}）；请在审核页手动处理")
    indexed, warning = _index(settings, [doc, *superseded], removed)
    warning = "；".join([*notes, warning] if warning else notes)
    return PublishResult(doc.id, prepared.version, prepared.rel, doc, tuple(d.id for d in superseded), indexed, warning)


def publish_file(settings: Settings, actor: User | str, path: Path) -> PublishResult:
    """Publish a Markdown file in one step (the command line): same validation, roles, history and audit."""
    user = require(settings, actor, REVIEW)
    data = Path(path).read_bytes()
    text, _ = decode_upload(data)
    problems = [p for p in check_text(settings, data, guess_type(text)) if p.severity == "error"]
    if problems:
        raise ContentError(problems)
    doc_id = str(read_meta_leniently(text).get("id") or "")
    current = find_published(settings, doc_id)
    draft = create_draft(settings, user, text, guess_type(text), target_id=doc_id if current else "")
    submit(settings, user, draft.id)
    return publish(settings, user, draft.id)


# -- supersede and withdraw --------------------------------------------------------------------


def _supersede(settings: Settings, user: User, old: Published, new_id: str) -> Document:
    taxonomy = load_content_taxonomy(settings)
    change = FileChange(settings.content_dir / old.path)
    tmp: Path | None = None
    try:
        with audit.transaction(settings) as con:
            version = max(old.version, read_latest_version(con, old.id)) + 1
            updates = {"status": STATUS_SUPERSEDED, "superseded_by": new_id, "version": version}
            text = set_front_matter(old.text, updates)
            tmp = stage_file(settings, old.path, text)
            doc, problems = validate_for_publishing(tmp, old.path, taxonomy)
            if doc is None:
                raise ContentError([p for p in problems if p.severity == "error"] or problems)
            keep_baseline(con, old)
            add_version(con, old.id, version, old.path, text, "supersede", user.name, note=f"由 {new_id} 替代")
            audit.record(con, user.name, "supersede", old.id, f"由 {new_id} 替代，第 {version} 版")
            change.put(tmp)
    except BaseException:
        change.undo()
        raise
    finally:
        if tmp is not None:
            remove_file(tmp)
    change.finish()
    return doc


def supersede(settings: Settings, actor: User | str, old_id: str, new_id: str) -> PublishResult:
    """Mark a published document 不再参照 with `superseded_by` pointing at its replacement, and re-index it."""
    user = require(settings, actor, REVIEW)
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
    doc = _supersede(settings, user, old, new_id)
    indexed, warning = _index(settings, [doc])
    return PublishResult(doc.id, doc.version, doc.path, doc, (doc.id,), indexed, warning)


def withdraw(settings: Settings, actor: User | str, doc_id: str, reason: str) -> PublishResult:
    """Take a published document out of the library (its history stays in the database)."""
    user = require(settings, actor, REVIEW)
    reason = (reason or "").strip()
    if not reason:
        raise PublishError("撤回时须说明理由")
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
    change = FileChange(settings.content_dir / current.path)
    try:
        with audit.transaction(settings) as con:
            keep_baseline(con, current)
            add_version(con, doc_id, current.version, current.path, current.text, "withdraw", user.name, note=reason)
            audit.record(con, user.name, "withdraw", doc_id, reason)
            change.remove()
    except BaseException:
        change.undo()
        raise
    change.finish()
    indexed, warning = _index(settings, [], [current.path])
    return PublishResult(doc_id, current.version, current.path, None, (), indexed, warning)


# -- after publishing --------------------------------------------------------------------------


def wait_until_searchable(settings: Settings, doc_id: str, timeout: float = 1.0) -> bool:
    """Poll the index until `doc_id` can be found by id (used by the CLI to confirm a publish)."""
    from kb.search import SearchService

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
    "PublishResult",
    "publish",
    "publish_file",
    "supersede",
    "wait_until_searchable",
    "withdraw",
]
