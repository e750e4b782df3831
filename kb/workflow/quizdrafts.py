"""Quiz files (quizzes/) edited as drafts in the workflow database (migration 12's quiz_drafts): started from a
file or a template, saved as written, checked with the rest of the bank, submitted, returned or discarded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass

from kb.content.frontmatter import read_meta_leniently
from kb.content.quizzes import BANK_ID, QUIZ_FOLDER
from kb.errors import ContentError, Problem, PublishError
from kb.roles import EDIT, REVIEW
from kb.settings import Settings
from kb.statutes.library import StatuteLibrary
from kb.workflow import audit, database
from kb.workflow.accounts import User, require
from kb.workflow.drafts import EDITABLE, STATE_DISCARDED, STATE_DRAFT, STATE_RETURNED, STATE_SUBMITTED
from kb.workflow.questionbank import check_questions
from kb.workflow.quizversions import StaleQuizError, live_text, quiz_path, version_of


@dataclass(frozen=True)
class QuizDraft:
    """A quiz file's draft as stored: the file it becomes, the published version it starts from, its text."""

    id: int
    path: str  # "" for a new file named after its bank id (see `target`)
    base_version: int  # the published version it revises; 0 for a new file
    text: str
    author: str
    state: str
    comment: str  # the reviewer's, when returned
    created_at: str
    updated_at: str

    @property
    def target(self) -> str:
        """The file this draft becomes: its path, or for a new file without one, quizzes/<bank id>.md."""
        if self.path:
            return self.path
        bank_id = str(read_meta_leniently(self.text).get("id") or "").strip()
        return f"{QUIZ_FOLDER}/{bank_id}.md" if BANK_ID.match(bank_id) else f"{QUIZ_FOLDER}/草稿-{self.id}.md"

    @property
    def label(self) -> str:
        origin = f"修订第 {self.base_version} 版" if self.base_version else "新题库"
        return f"#{self.id} {self.target}（{origin}）"


# -- checking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizCheck:
    """A quiz file's text checked with the rest of the bank: its problems (and those it brings into other
    files), and how many of its questions read without a format error."""

    problems: tuple[Problem, ...]
    questions: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def check_quiz_file(settings: Settings, rel: str, text: str) -> QuizCheck:
    """`text` checked as the quiz file `rel` together with the rest of the bank; errors it would bring into
    other files (an id or a stem another file already has) count as its own."""
    library = StatuteLibrary.load(settings.laws_dir) if settings.laws_dir is not None else None
    after = check_questions(settings, replace={rel: text}, library=library)
    before = {str(p) for p in check_questions(settings, library=library).errors if p.path != rel}
    own = [p for p in after.problems if p.path == rel]
    caused = [p for p in after.errors if p.path != rel and str(p) not in before]
    return QuizCheck(tuple(own + caused), sum(len(b.questions) for b in after.banks if b.path == rel))


def quiz_draft_problems(settings: Settings, draft: QuizDraft) -> list[Problem]:
    """A draft's problems as the file it becomes."""
    return list(check_quiz_file(settings, draft.target, draft.text).problems)


# -- drafts ------------------------------------------------------------------------------------


def read_quiz_draft(con: sqlite3.Connection, draft_id: int) -> QuizDraft:
    """One draft, read inside the caller's transaction (no role check); PublishError when there is none."""
    row = con.execute("SELECT * FROM quiz_drafts WHERE id = ?", (int(draft_id),)).fetchone()
    if row is None:
        raise PublishError(f"题库草稿 #{draft_id} 不存在")
    return QuizDraft(**dict(row))


def draft_name(draft_id: int) -> str:
    """How a draft is named in the audit log."""
    return f"题库草稿#{draft_id}"


def get_quiz_draft(settings: Settings, actor: User | str, draft_id: int) -> QuizDraft:
    """One quiz draft (editors and reviewers)."""
    require(settings, actor, EDIT)
    with closing(database.connect(settings)) as con:
        return read_quiz_draft(con, draft_id)


def list_quiz_drafts(settings: Settings, actor: User | str, states: Iterable[str] | None = None) -> list[QuizDraft]:
    """Quiz drafts in the given states (all but published and discarded by default), latest change first."""
    require(settings, actor, EDIT)
    wanted = tuple(states or (STATE_DRAFT, STATE_SUBMITTED, STATE_RETURNED))
    marks = ",".join("?" * len(wanted))
    sql = f"SELECT * FROM quiz_drafts WHERE state IN ({marks}) ORDER BY updated_at DESC, id DESC"
    with closing(database.connect(settings)) as con:
        return [QuizDraft(**dict(r)) for r in con.execute(sql, wanted)]


def add_quiz_draft(con: sqlite3.Connection, user: User, rel: str, base: int, text: str, state: str) -> int:
    """Store a new draft inside the caller's transaction, audited; its id."""
    stamp = database.now_text()
    cur = con.execute(
        "INSERT INTO quiz_drafts (path, base_version, text, author, state, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rel, base, text, user.name, state, stamp, stamp),
    )
    draft_id = cur.lastrowid
    what = f"修订 {rel} 第 {base} 版" if base else f"新题库 {rel or '（按题库 id 命名）'}"
    audit.record(con, user.name, "quiz_draft", draft_name(draft_id), what)
    return draft_id


def start_quiz_draft(settings: Settings, actor: User | str, path: str | None, text: str | None = None) -> QuizDraft:
    """Start a draft of a quiz file: a revision of the file at `path` (its text unless `text` is given), a new
    file at `path`, or with `path` None a new file named after the bank id in `text` (quizzes/<id>.md)."""
    user = require(settings, actor, EDIT)
    rel, base = "", 0
    if path is not None:
        rel = quiz_path(path)
        live = live_text(settings, rel)
        if live is not None:
            base = version_of(live)
            text = live if text is None else text
    text = (text or "").replace("\r\n", "\n")
    with database.transaction(settings) as con:
        return read_quiz_draft(con, add_quiz_draft(con, user, rel, base, text, STATE_DRAFT))


def _check_owner(settings: Settings, user: User, draft: QuizDraft, what: str) -> None:
    """Refuse (and audit) an editor changing another editor's draft; a reviewer may."""
    if user.name != draft.author and not user.can(REVIEW):
        audit.log(settings, user.name, "denied", draft_name(draft.id), f"试图{what}“{draft.author}”的题库草稿")
        raise PublishError(
            f"题库草稿 #{draft.id} 是“{draft.author}”的草稿，只有作者本人或审核人员可以{what}；"
            "如需修改，请从题库文件新建自己的草稿"
        )


def save_quiz_draft(
    settings: Settings, actor: User | str, draft_id: int, text: str, started_from: str | None = None
) -> QuizDraft:
    """Save a draft's text as written, problems or not (the author's text is never lost); refused only for
    a draft that is no longer being edited, someone else's draft, or — with `started_from`, the saved text the
    editor started from — a draft saved by someone else meanwhile (nothing overwritten; the text stays with
    the one saving)."""
    user = require(settings, actor, EDIT)
    text = (text or "").replace("\r\n", "\n")
    _check_owner(settings, user, get_quiz_draft(settings, user, draft_id), "修改")
    with database.transaction(settings) as con:
        draft = read_quiz_draft(con, draft_id)
        if draft.state not in EDITABLE:
            then = (
                "如需修改，请让审核人员退回。" if draft.state == STATE_SUBMITTED else "如需修改，请从题库文件新建草稿。"
            )
            raise PublishError(
                f"题库草稿 #{draft_id} 当前状态为“{draft.state}”，不能再修改；你的文本仍在编辑框中。{then}"
            )
        if text == draft.text:
            return draft
        if started_from is not None and draft.text != started_from.replace("\r\n", "\n"):
            raise PublishError(
                f"题库草稿 #{draft_id} 在你编辑期间已被保存过（{draft.updated_at}），为免覆盖，本次未保存；"
                "你的文本仍在编辑框中，请先复制，再重新打开草稿合并后保存"
            )
        con.execute(
            "UPDATE quiz_drafts SET text = ?, updated_at = ? WHERE id = ?", (text, database.now_text(), draft_id)
        )
        audit.record(con, user.name, "quiz_save", draft_name(draft_id), f"{draft.target}，{len(text)} 字")
        return read_quiz_draft(con, draft_id)


def _refuse_state(draft: QuizDraft, allowed: tuple[str, ...], action: str) -> None:
    if draft.state not in allowed:
        raise PublishError(
            f"题库草稿 #{draft.id} 当前状态为“{draft.state}”，不能{audit.ACTIONS[action]}；"
            f"只有“{'、'.join(allowed)}”状态的草稿可以"
        )


def _transition(
    settings: Settings, user: User, draft: QuizDraft, allowed: tuple[str, ...], state: str, action: str, detail: str
) -> QuizDraft:
    with database.transaction(settings) as con:
        _refuse_state(read_quiz_draft(con, draft.id), allowed, action)
        comment = detail if state == STATE_RETURNED else ""
        con.execute(
            "UPDATE quiz_drafts SET state = ?, comment = ?, updated_at = ? WHERE id = ?",
            (state, comment, database.now_text(), draft.id),
        )
        audit.record(con, user.name, action, draft_name(draft.id), detail)
        return read_quiz_draft(con, draft.id)


def stale_base(settings: Settings, draft: QuizDraft) -> StaleQuizError | None:
    """The refusal when the file is no longer the version the draft started from (None when it is)."""
    live = live_text(settings, draft.target)
    current = version_of(live) if live is not None else 0
    return StaleQuizError(draft.target, current, draft.base_version) if current != draft.base_version else None


def submit_quiz_draft(settings: Settings, actor: User | str, draft_id: int) -> QuizDraft:
    """Send a draft for review (its author or a reviewer); refused with every error in its file (ContentError),
    or when its file has changed since the draft began."""
    user = require(settings, actor, EDIT)
    draft = get_quiz_draft(settings, user, draft_id)
    _check_owner(settings, user, draft, "提交")
    _refuse_state(draft, EDITABLE, "quiz_submit")  # before the slower checks
    stale = stale_base(settings, draft)
    if stale is not None:
        raise stale
    errors = check_quiz_file(settings, draft.target, draft.text).errors
    if errors:
        raise ContentError(errors)
    return _transition(settings, user, draft, EDITABLE, STATE_SUBMITTED, "quiz_submit", draft.target)


def return_quiz_draft(settings: Settings, actor: User | str, draft_id: int, comment: str) -> QuizDraft:
    """Send a submitted draft back to its author with the reviewer's comment (required)."""
    user = require(settings, actor, REVIEW)
    comment = (comment or "").strip()
    if not comment:
        raise PublishError("退回时须填写修改意见")
    draft = get_quiz_draft(settings, user, draft_id)
    return _transition(settings, user, draft, (STATE_SUBMITTED,), STATE_RETURNED, "quiz_return", comment)


def discard_quiz_draft(settings: Settings, actor: User | str, draft_id: int) -> QuizDraft:
    """Set a draft aside (its text stays in the database); its author or a reviewer."""
    user = require(settings, actor, EDIT)
    draft = get_quiz_draft(settings, user, draft_id)
    _check_owner(settings, user, draft, "作废")
    return _transition(settings, user, draft, EDITABLE, STATE_DISCARDED, "quiz_discard", draft.target)


def quiz_template(bank_id: str = "QB-XXXX", title: str = "（题库名称）") -> str:
    """The text a new quiz file starts from: its front matter and one example question to rewrite."""
    return f"""---
id: {bank_id}
title: {title}
category: 盗窃
stage: [受案立案]
tiers: [办案民警]
---

# {title}

## Q-XXXX-0001
题型：单选
层级：办案民警
出处：刑法第二百六十四条
题干：（请改写）在公交车上窃取他人口袋中价值800元的手机，应如何认定？
A. 不构成犯罪，只能治安处罚
B. 构成盗窃罪（扒窃不受数额限制）
C. 构成抢夺罪
答案：B
解析：刑法第二百六十四条规定，扒窃的，处三年以下有期徒刑、拘役或者管制；扒窃入罪不以数额较大为要件。
"""


__all__ = [
    "QuizCheck",
    "QuizDraft",
    "add_quiz_draft",
    "check_quiz_file",
    "discard_quiz_draft",
    "draft_name",
    "get_quiz_draft",
    "list_quiz_drafts",
    "quiz_draft_problems",
    "quiz_template",
    "read_quiz_draft",
    "return_quiz_draft",
    "save_quiz_draft",
    "stale_base",
    "start_quiz_draft",
    "submit_quiz_draft",
]
