"""Publishing a quiz file: a submitted draft (or a file, from the command line) checked as the file it becomes,
its `version:` bumped, written atomically with its history and audit entry in one journaled transaction."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kb.content.frontmatter import set_front_matter
from kb.content.quizzes import QUIZ_FOLDER
from kb.errors import ContentError, KBError, PublishError
from kb.roles import REVIEW
from kb.settings import Settings
from kb.workflow import audit, database
from kb.workflow.accounts import User, require
from kb.workflow.drafts import STATE_PUBLISHED, STATE_SUBMITTED, decode_upload
from kb.workflow.filechange import remove_file, stage_file
from kb.workflow.publishing import journaled, publish_lock
from kb.workflow.quizdrafts import (
    QuizDraft,
    add_quiz_draft,
    check_quiz_file,
    draft_name,
    get_quiz_draft,
    read_quiz_draft,
    stale_base,
)
from kb.workflow.quizversions import (
    StaleQuizError,
    add_quiz_version,
    keep_quiz_baseline,
    latest_quiz_version,
    live_text,
    quiz_path,
    version_of,
)


@dataclass(frozen=True)
class QuizPublished:
    """What a publish did: the file written, its new version, the draft, the number of questions in it."""

    path: str
    version: int
    draft_id: int
    questions: int


@dataclass(frozen=True)
class _Prepared:
    rel: str
    version: int
    text: str
    live: str | None
    tmp: Path
    questions: int


def _prepare(settings: Settings, draft: QuizDraft) -> _Prepared:
    """The draft checked as the file it becomes (its `version:` bumped), and that file staged beside its place."""
    rel = draft.target
    stale = stale_base(settings, draft)
    if stale is not None:
        raise stale
    live = live_text(settings, rel)
    with closing(database.connect(settings)) as con:
        stored = latest_quiz_version(con, rel)
    version = max(draft.base_version, stored) + 1
    try:
        text = set_front_matter(draft.text, {"version": version})
    except PublishError:
        text = draft.text  # the check reports the missing front matter with its line
    checked = check_quiz_file(settings, rel, text)
    if checked.errors:
        raise ContentError(checked.errors)
    return _Prepared(rel, version, text, live, stage_file(settings, rel, text), checked.questions)


def _still_publishable(con, settings: Settings, draft: QuizDraft, prepared: _Prepared) -> None:
    """Inside the transaction: refuse if the draft, the file or the history moved on meanwhile."""
    fresh = read_quiz_draft(con, draft.id)
    if fresh.state != STATE_SUBMITTED or fresh.text != draft.text:
        raise PublishError(f"题库草稿 #{draft.id} 在发布过程中被修改或退回；请刷新后重试")
    if live_text(settings, prepared.rel) != prepared.live or latest_quiz_version(con, prepared.rel) >= prepared.version:
        raise PublishError(f"{prepared.rel} 刚刚已由他人发布了新版本；请刷新后重试")


def _failed(settings: Settings, user: User, draft: QuizDraft, prepared: _Prepared, exc: BaseException) -> None:
    """After the transaction failed (the file already put back): drop the staged file, log, explain."""
    remove_file(prepared.tmp)
    audit.log(settings, user.name, "quiz_publish_failed", prepared.rel, f"{type(exc).__name__}: {exc}")
    if isinstance(exc, OSError):
        raise PublishError(
            f"写入 {prepared.rel} 失败（{exc.strerror or exc}）；原文件未改动，"
            f"题库草稿 #{draft.id} 仍在待审核队列中，可稍后重试"
        ) from exc


def _publish(settings: Settings, user: User, draft: QuizDraft, keep_live: bool = True) -> QuizPublished:
    if draft.state != STATE_SUBMITTED:
        raise PublishError(f"题库草稿 #{draft.id} 当前状态为“{draft.state}”；只有“待审核”的草稿可以发布")
    with publish_lock(settings):
        try:
            prepared = _prepare(settings, draft)
        except ContentError as exc:
            detail = f"题库草稿#{draft.id} 校验未通过：{len(exc.problems)} 处问题"
            audit.log(settings, user.name, "quiz_publish_failed", draft.target, detail)
            raise
        except KBError as exc:
            audit.log(settings, user.name, "quiz_publish_failed", draft.target, f"题库草稿#{draft.id}：{exc}")
            raise
        rel = prepared.rel
        label = f"发布题库 {rel} 第 {prepared.version} 版（题库草稿#{draft.id}）"
        with journaled(settings, label, partial(_failed, settings, user, draft, prepared)) as (con, changes):
            _still_publishable(con, settings, draft, prepared)
            if prepared.live is not None and keep_live:
                keep_quiz_baseline(con, rel, prepared.live)
            add_quiz_version(con, rel, prepared.version, prepared.text, "publish", user.name, draft.id)
            con.execute(
                "UPDATE quiz_drafts SET state = ?, path = ?, text = ?, comment = '', updated_at = ? WHERE id = ?",
                (STATE_PUBLISHED, rel, prepared.text, database.now_text(), draft.id),
            )
            audit.record(con, user.name, "quiz_publish", rel, f"第 {prepared.version} 版，题库草稿#{draft.id}")
            changes.put(settings.content_dir / rel, prepared.tmp)
    return QuizPublished(rel, prepared.version, draft.id, prepared.questions)


def publish_quiz_draft(settings: Settings, actor: User | str, draft_id: int) -> QuizPublished:
    """Publish a submitted draft: checked as the file it becomes, its `version:` bumped, written atomically,
    the version kept in history and audited. A draft whose file changed since it began is refused
    (StaleQuizError); a failed publish leaves the file as it was."""
    user = require(settings, actor, REVIEW)
    return _publish(settings, user, get_quiz_draft(settings, user, draft_id))


def publish_quiz_file(settings: Settings, actor: User | str, path: Path) -> QuizPublished:
    """Publish a quiz file in one step (the command line), with the checks, history and audit of the web flow.

    A file inside the content folder's quizzes/ was edited in place: its `version:` must be the latest
    published (history's), and the text it replaced is not known. A file elsewhere goes to quizzes/ under
    its own name; its `version:` must be that of the file there now, whose text is kept in history.
    """
    user = require(settings, actor, REVIEW)
    file = Path(path)
    try:
        text, _ = decode_upload(file.read_bytes())
    except OSError as exc:
        raise PublishError(f"无法读取 {file}（{exc.strerror or exc}）") from exc
    root = settings.content_dir.resolve()
    in_place = file.resolve().is_relative_to(root)
    if in_place:
        rel = file.resolve().relative_to(root).as_posix()
        if not rel.startswith(f"{QUIZ_FOLDER}/"):
            raise PublishError(f"{rel} 不在 {QUIZ_FOLDER}/ 下；题库文件须放在内容目录的 {QUIZ_FOLDER}/ 中")
    rel = quiz_path(rel if in_place else file.name)
    base = version_of(text)
    with closing(database.connect(settings)) as con:
        stored = latest_quiz_version(con, rel)
    live = live_text(settings, rel)
    if in_place:
        published = max(stored, base)  # nothing recorded yet: the file's own version is the baseline
    else:
        published = version_of(live) if live is not None else 0
        base = base if live is not None else 0
    if base != published:
        audit.log(
            settings,
            user.name,
            "quiz_publish_failed",
            rel,
            f"{file}：版本不符（文件第 {base} 版，已发布第 {published} 版）",
        )
        raise StaleQuizError(rel, published, base)
    errors = check_quiz_file(settings, rel, text).errors
    if errors:
        audit.log(settings, user.name, "quiz_publish_failed", rel, f"{file}：校验未通过：{len(errors)} 处问题")
        raise ContentError(errors)
    with database.transaction(settings) as con:
        draft_id = add_quiz_draft(con, user, rel, base, text, STATE_SUBMITTED)
        audit.record(con, user.name, "quiz_submit", draft_name(draft_id), f"{rel}（命令行发布 {file.name}）")
        draft = read_quiz_draft(con, draft_id)
    return _publish(settings, user, draft, keep_live=not in_place)


__all__ = ["QuizPublished", "publish_quiz_draft", "publish_quiz_file"]
