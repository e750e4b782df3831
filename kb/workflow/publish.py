"""Publishing a submitted draft: checked as the file it becomes, written atomically with its history in one
journaled transaction, the documents it supersedes marked, then re-indexed."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kb.content.catalog import Published, choose_path, find_published, published_documents
from kb.content.documents import Document, document_type
from kb.content.frontmatter import guess_type, read_meta_leniently, set_front_matter
from kb.errors import ContentError, KBError, Problem, PublishError, StaleVersionError
from kb.roles import REVIEW
from kb.settings import Settings
from kb.workflow import audit, database, publishing
from kb.workflow.accounts import User, require
from kb.workflow.checks import CheckContext, check_document, load_context, published_version_problem
from kb.workflow.drafts import (
    STATE_SUBMITTED,
    Draft,
    check_text,
    create_draft,
    decode_upload,
    get_draft,
    mark_published,
    read_draft,
    submit,
)
from kb.workflow.filechange import remove_file, stage_file
from kb.workflow.publishing import STEPS, PublishResult, journal_dir, journaled, publish_lock, reindex
from kb.workflow.recovery import Recovery, recover
from kb.workflow.retire import supersede, supersede_listed, withdraw
from kb.workflow.versions import add_version, keep_baseline, read_latest_version


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


def _id_problems(draft: Draft, doc_id: str, current: Published | None, rel: str) -> list[Problem]:
    """A revision that changes its id; a new document that takes a published one's id."""
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
    return problems


def _checked(
    draft: Draft, rel: str, version: int, context: CheckContext, problems: list[Problem]
) -> tuple[str, Document]:
    """The text as published (its `version:` bumped) and its document; ContentError with every problem."""
    try:
        text = set_front_matter(draft.text, {"version": version})
    except PublishError:
        text = draft.text  # validation below reports the missing front matter precisely
    result = check_document(text, rel, context)  # the text as published: checked before any file is written
    problems = problems + list(result.problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors or result.document is None:
        raise ContentError(errors or problems)
    return text, result.document


def _prepare(settings: Settings, draft: Draft, base: int | None) -> _Prepared:
    """Check the draft's text as the file it will become, bump its version, and stage the file.

    `base` is the published version a revision starts from: any other version published now is refused.
    """
    meta = read_meta_leniently(draft.text)
    doc_id = str(meta.get("id") or "").strip()
    # History first, files second: a publish writes its file before it commits, so whichever of
    # the two a concurrent publish has reached, one of the checks here or in the transaction sees it.
    with closing(database.connect(settings)) as con:
        stored = read_latest_version(con, doc_id) if doc_id else 0
    catalog = published_documents(settings)
    current = catalog.get(doc_id)
    context = load_context(settings, known_ids=catalog)
    doc_type = document_type(current.path) if current else draft.doc_type
    rel = choose_path(doc_type or draft.doc_type, meta, context.taxonomy, f"草稿-{draft.id}")
    problems = _id_problems(draft, doc_id, current, rel)
    too_large = published_version_problem(current.path, current.text, current.version) if current else None
    if too_large is not None:
        raise too_large
    if current and draft.target_id and base is not None and current.version != base:
        raise StaleVersionError(doc_id, current.version, base)
    version = max(current.version if current else 0, stored) + 1
    text, doc = _checked(draft, rel, version, context, problems)
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


def _prepare_or_log(settings: Settings, user: User, draft: Draft) -> _Prepared:
    """_prepare, with a refusal written to the audit log."""
    try:
        return _prepare(settings, draft, draft.base_version if draft.target_id else None)
    except ContentError as exc:
        audit.log(settings, user.name, "publish_failed", f"草稿#{draft.id}", f"校验未通过：{len(exc.problems)} 处问题")
        raise
    except KBError as exc:
        audit.log(settings, user.name, "publish_failed", f"草稿#{draft.id}", str(exc))
        raise


def _still_publishable(con, settings: Settings, draft: Draft, prepared: _Prepared) -> None:
    """Inside the transaction nobody else can publish: refuse if the draft, the file or the history moved on."""
    fresh = read_draft(con, draft.id)
    if fresh.rev != draft.rev or fresh.state != STATE_SUBMITTED:
        raise PublishError(f"草稿 #{draft.id} 在发布过程中被修改或退回；请刷新后重试")
    doc = prepared.doc
    if prepared.base is not None:
        now = _version_on_disk(settings, prepared.current.path)  # the file is what is published
        if now != prepared.base:
            raise StaleVersionError(doc.id, now, prepared.base)
    if read_latest_version(con, doc.id) >= prepared.version:
        raise PublishError(f"{doc.id} 刚刚已由他人发布了新版本；请刷新后重试")


def _record(con, user: User, draft_id: int, prepared: _Prepared, forced: str) -> None:
    """The new version's history, the draft marked published, and the audit entry."""
    doc = prepared.doc
    keep_baseline(con, prepared.current)
    add_version(con, doc.id, prepared.version, prepared.rel, prepared.text, "publish", user.name, draft_id)
    mark_published(con, draft_id, prepared.text, doc.id, user.name, prepared.version)
    detail = f"第 {prepared.version} 版，{prepared.rel}，草稿#{draft_id}" + (f"；{forced}" if forced else "")
    audit.record(con, user.name, "publish", doc.id, detail)


def _failed(settings: Settings, user: User, draft_id: int, prepared: _Prepared, exc: BaseException) -> None:
    """After a publish's transaction failed (its files already put back): drop the staged file, log, explain."""
    remove_file(prepared.tmp)
    audit.log(settings, user.name, "publish_failed", prepared.doc.id, f"{type(exc).__name__}: {exc}")
    if isinstance(exc, OSError):
        raise PublishError(
            f"写入 {prepared.rel} 失败（{exc.strerror or exc}）；原文件未改动，"
            f"草稿 #{draft_id} 仍在待审核队列中，可稍后重试"
        ) from exc


def _publish(settings: Settings, user: User, draft: Draft, forced: str = "") -> PublishResult:
    if draft.state != STATE_SUBMITTED:
        raise PublishError(f"草稿 #{draft.id} 当前状态为“{draft.state}”；只有“待审核”的草稿可以发布")
    with publish_lock(settings):
        prepared = _prepare_or_log(settings, user, draft)
        publishing._step("staged")
        doc = prepared.doc
        label = f"发布 {doc.id} 第 {prepared.version} 版（草稿#{draft.id}）"
        with journaled(settings, label, partial(_failed, settings, user, draft.id, prepared)) as (con, changes):
            _still_publishable(con, settings, draft, prepared)
            _record(con, user, draft.id, prepared, forced)
            publishing._step("recorded")
            changes.put(settings.content_dir / prepared.rel, prepared.tmp)
            if prepared.moved_from:
                changes.remove(settings.content_dir / prepared.moved_from)
            superseded, notes = supersede_listed(con, changes, settings, user, doc)
    removed = [prepared.moved_from] if prepared.moved_from else []
    indexed, warning = reindex(settings, [doc, *superseded], removed)
    warning = "；".join([*notes, warning] if warning else notes)
    return PublishResult(doc.id, prepared.version, prepared.rel, doc, tuple(d.id for d in superseded), indexed, warning)


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
