"""Retiring published documents: mark one 不再参照 (supersede, also as part of a publish) or withdraw it."""

from __future__ import annotations

import sqlite3

from kb.content.catalog import Published, find_published, load_content_taxonomy, published_documents
from kb.content.documents import STATUS_CURRENT, STATUS_SUPERSEDED, Document
from kb.content.frontmatter import set_front_matter
from kb.content.validation import load_content
from kb.errors import ContentError, KBError, PublishError
from kb.roles import REVIEW
from kb.settings import Settings
from kb.statutes.citations import parse_citation
from kb.workflow import audit
from kb.workflow.accounts import User, require
from kb.workflow.checks import check_document, load_context
from kb.workflow.filechange import FileChanges, remove_file, stage_file
from kb.workflow.publishing import PublishResult, journaled, publish_lock, reindex
from kb.workflow.versions import add_version, keep_baseline, read_latest_version


def supersede_in(
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


def supersede_listed(
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
            done.append(supersede_in(con, changes, settings, user, old, doc.id))
        except (KBError, OSError) as exc:
            con.execute("ROLLBACK TO supersede")  # put() has put the file back itself
            notes.append(f"{old_id} 未能标记为不再参照（{exc}）；请在审核页手动处理")
        con.execute("RELEASE supersede")
    return done, notes


def _can_supersede(catalog: dict[str, Published], old_id: str, new_id: str) -> Published:
    """The document to mark 不再参照; PublishError when either is missing or the change makes no sense."""
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
    return old


def supersede(settings: Settings, actor: User | str, old_id: str, new_id: str) -> PublishResult:
    """Mark a published document 不再参照 with `superseded_by` pointing at its replacement, and re-index it."""
    user = require(settings, actor, REVIEW)
    with publish_lock(settings):
        old = _can_supersede(published_documents(settings), old_id, new_id)
        with journaled(settings, f"标记 {old_id} 不再参照（由 {new_id} 替代）") as (con, changes):
            doc = supersede_in(con, changes, settings, user, old, new_id)
    indexed, warning = reindex(settings, [doc])
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
        content = load_content(settings.content_dir, load_content_taxonomy(settings), parse_citation)
        citing = sorted(
            d.id
            for d in content.documents
            if d.id != doc_id and (doc_id in d.supersedes or d.superseded_by == doc_id or doc_id in d.guides)
        )
        if citing:
            raise PublishError(f"不能撤回 {doc_id}：{'、'.join(citing)} 引用了它；请先修改这些文档的引用")
        with journaled(settings, f"撤回 {doc_id}") as (con, changes):
            keep_baseline(con, current)
            add_version(con, doc_id, current.version, current.path, current.text, "withdraw", user.name, note=reason)
            audit.record(con, user.name, "withdraw", doc_id, reason)
            changes.remove(settings.content_dir / current.path)
    indexed, warning = reindex(settings, [], [current.path])
    return PublishResult(doc_id, current.version, current.path, None, (), indexed, warning)
