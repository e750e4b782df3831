"""Drafts in the workflow database: create, save without losing anyone's text, check, submit, return, discard."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass

from kb.content.catalog import find_published
from kb.content.documents import TYPE_CASE, TYPE_GUIDE, TYPE_LABELS, document_type
from kb.content.frontmatter import guess_type, read_meta_leniently
from kb.errors import ContentError, Problem, PublishError
from kb.files import ENCODING_LABELS, decode
from kb.roles import EDIT, REVIEW
from kb.settings import Settings
from kb.workflow import audit, database
from kb.workflow.accounts import User, require
from kb.workflow.checks import MAX_VERSION, check_text, published_version_problem

STATE_DRAFT, STATE_SUBMITTED, STATE_RETURNED, STATE_PUBLISHED, STATE_DISCARDED = (
    "草稿",
    "待审核",
    "已退回",
    "已发布",
    "已作废",
)
EDITABLE = (STATE_DRAFT, STATE_RETURNED)


@dataclass(frozen=True)
class Draft:
    """A draft as stored in the database."""

    id: int
    doc_type: str
    target_id: str
    base_version: int
    doc_id: str
    title: str
    text: str
    state: str
    rev: int
    author: str
    created_at: str
    updated_at: str
    updated_by: str
    comment: str
    reviewer: str
    published_version: int

    @property
    def label(self) -> str:
        title = self.title or "（未命名）"
        return f"#{self.id} {title}" + (f"（{self.doc_id}）" if self.doc_id else "")


def decode_upload(data: bytes) -> tuple[str, str]:
    """Decode an uploaded file so the author's text is never lost; return (text, note about the encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    found = decode(data, ("utf-8", "gb18030"))
    if found is None:
        text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
        return text, "文件编码无法识别，无法识别的字符已替换为“�”，请核对"
    text, encoding = found
    note = f"已按 {ENCODING_LABELS[encoding]} 编码读入草稿，请核对文字；发布时将保存为 UTF-8"
    return text.replace("\r\n", "\n"), "" if encoding == "utf-8" else note


class StaleDraftError(PublishError):
    """A save based on an older revision of the draft; carries both texts so neither is lost."""

    def __init__(self, message: str, text: str, current: Draft):
        super().__init__(message)
        self.text = text
        self.current = current


# -- drafts ------------------------------------------------------------------------------------


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(**dict(row))


def read_draft(con: sqlite3.Connection, draft_id: int) -> Draft:
    """One draft, read inside the caller's transaction (no role check); PublishError when there is none."""
    row = con.execute("SELECT * FROM drafts WHERE id = ?", (int(draft_id),)).fetchone()
    if row is None:
        raise PublishError(f"草稿 #{draft_id} 不存在")
    return _draft(row)


def _headline(text: str) -> tuple[str, str]:
    meta = read_meta_leniently(text)
    return str(meta.get("id") or "").strip()[:64], str(meta.get("title") or "").strip()[:200]


def get_draft(settings: Settings, actor: User | str, draft_id: int) -> Draft:
    """One draft (editors and reviewers only)."""
    require(settings, actor, EDIT)
    with closing(database.connect(settings)) as con:
        return read_draft(con, draft_id)


def list_drafts(settings: Settings, actor: User | str, states: Iterable[str] | None = None) -> list[Draft]:
    """Drafts in the given states (all but discarded by default), most recently changed first."""
    require(settings, actor, EDIT)
    wanted = tuple(states or (STATE_DRAFT, STATE_SUBMITTED, STATE_RETURNED, STATE_PUBLISHED))
    marks = ",".join("?" * len(wanted))
    with closing(database.connect(settings)) as con:
        rows = con.execute(f"SELECT * FROM drafts WHERE state IN ({marks}) ORDER BY updated_at DESC, id DESC", wanted)
        return [_draft(r) for r in rows]


def create_draft(
    settings: Settings,
    actor: User | str,
    text: str = "",
    doc_type: str = TYPE_GUIDE,
    target_id: str = "",
    base_version: int | None = None,
) -> Draft:
    """Start a draft (blank, pasted, or a revision of a published document when `target_id` is given).

    A revision is based on the version published now, or on `base_version` (the command line
    passes the `version:` of the file it publishes: publishing refuses a base that is not current).
    """
    user = require(settings, actor, EDIT)
    if doc_type not in (TYPE_GUIDE, TYPE_CASE):
        raise PublishError(f"未知文档类型“{doc_type}”；可选：指引、案例")
    base = 0
    if target_id:
        current = find_published(settings, target_id)
        if current is None:
            raise PublishError(f"找不到 id 为“{target_id}”的已发布文档")
        too_large = published_version_problem(current.path, current.text, current.version)
        if too_large is not None:
            raise too_large
        text = text or current.text
        base = current.version if base_version is None else base_version
        doc_type = document_type(current.path) or doc_type
    text = text.replace("\r\n", "\n")
    doc_id, title = _headline(text)
    stamp = database.now_text()
    with database.transaction(settings) as con:
        cur = con.execute(
            "INSERT INTO drafts (doc_type, target_id, base_version, doc_id, title, text, state, rev, author,"
            " created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (doc_type, target_id, base, doc_id, title, text, STATE_DRAFT, user.name, stamp, stamp, user.name),
        )
        draft_id = cur.lastrowid
        what = f"修订 {target_id} 第 {base} 版" if target_id else TYPE_LABELS.get(doc_type, doc_type)
        audit.record(con, user.name, "draft_create", f"草稿#{draft_id}", what)
        return read_draft(con, draft_id)


def may_change(user: User, draft: Draft) -> bool:
    """Whether `user` may save over or discard `draft`: its author, or a reviewer (法制大队)."""
    return user.name == draft.author or user.can(REVIEW)


def _check_owner(settings: Settings, user: User, draft: Draft, what: str) -> None:
    """Refuse (and audit) an editor changing another editor's draft."""
    if not may_change(user, draft):
        audit.log(settings, user.name, "denied", f"草稿#{draft.id}", f"试图{what}“{draft.author}”的草稿")
        raise PublishError(
            f"草稿 #{draft.id} 是“{draft.author}”的草稿，只有作者本人或审核人员可以{what}；"
            "如需在此基础上修改，请把内容复制到自己的新草稿"
        )


def save_draft(settings: Settings, actor: User | str, draft_id: int, text: str, expected_rev: int) -> Draft:
    """Save a draft if nobody saved it since `expected_rev`; otherwise raise StaleDraftError (nothing is lost).

    Only the draft's author or a reviewer may save over it (PublishError otherwise).
    """
    user = require(settings, actor, EDIT)
    text = text.replace("\r\n", "\n")
    doc_id, title = _headline(text)
    with closing(database.connect(settings)) as con:
        _check_owner(settings, user, read_draft(con, draft_id), "修改")
    with database.transaction(settings) as con:
        draft = read_draft(con, draft_id)
        if draft.state not in EDITABLE:
            raise StaleDraftError(
                f"草稿 #{draft_id} 当前状态为“{draft.state}”，不能再修改；你的文本仍保留在编辑框中。"
                + (
                    "如需修改，请让审核人退回。"
                    if draft.state == STATE_SUBMITTED
                    else "如需修改，请从已发布文档新建修订草稿。"
                ),
                text,
                draft,
            )
        if draft.rev != expected_rev:
            stale = draft
        else:
            stale = None
        if stale is None:
            if text == draft.text:
                return draft
            con.execute(
                "UPDATE drafts SET text = ?, doc_id = ?, title = ?, rev = rev + 1, updated_at = ?, updated_by = ?"
                " WHERE id = ?",
                (text, doc_id, title, database.now_text(), user.name, draft_id),
            )
            audit.record(con, user.name, "save", f"草稿#{draft_id}", f"第 {draft.rev + 1} 稿，{len(text)} 字")
            return read_draft(con, draft_id)
    # the refusal itself is audited: it means two people edited the same draft at once
    audit.log(
        settings, user.name, "save_refused", f"草稿#{draft_id}", f"基于第 {expected_rev} 稿，当前第 {stale.rev} 稿"
    )
    raise StaleDraftError(
        f"保存被拒绝：草稿 #{draft_id} 已被“{stale.updated_by}”于 {stale.updated_at[:19].replace('T', ' ')} "
        f"修改（当前第 {stale.rev} 稿，你基于第 {expected_rev} 稿）。你的文本没有丢失，仍在编辑框中；"
        "请对照对方的版本合并后再保存，或另存为新草稿。",
        text,
        stale,
    )


UPLOAD_SUFFIXES = (".md", ".markdown", ".txt")


def import_upload(
    settings: Settings,
    actor: User | str,
    filename: str,
    data: bytes,
    draft_id: int | None = None,
    expected_rev: int | None = None,
    doc_type: str | None = None,
) -> tuple[Draft, list[Problem], str]:
    """Put an uploaded Markdown file into a draft; return (draft, the draft's validation problems,
    a note on the encoding it was read in).

    The text is always stored, even when it does not validate, so the author never loses it.
    A file that is not Markdown or plain text (a Word document) is refused with PublishError.
    """
    user = require(settings, actor, EDIT)
    if not filename.lower().endswith(UPLOAD_SUFFIXES):
        raise PublishError(
            f"只能上传 .md、.markdown 或 .txt 文件（收到“{filename}”）；"
            "Word 文档请另存为“纯文本（.txt）”，或把正文复制到编辑框"
        )
    text, note = decode_upload(data)
    kind = doc_type or guess_type(text)
    draft, problems = store_upload(settings, user, text, kind, draft_id, expected_rev, f"{filename}，{len(data)} 字节")
    return draft, problems, note


def store_upload(
    settings: Settings,
    user: User,
    text: str,
    doc_type: str,
    draft_id: int | None,
    expected_rev: int | None,
    detail: str,
) -> tuple[Draft, list[Problem]]:
    """An upload's text as a new draft (or as draft `draft_id`'s text), its problems, and an audit entry
    with `detail` and the number of problems. Markdown and Word uploads both end here."""
    if draft_id is None:
        draft = create_draft(settings, user, text, doc_type)
    else:
        draft = save_draft(settings, user, draft_id, text, expected_rev if expected_rev is not None else -1)
    # The draft holds the stored text (UTF-8, no BOM, LF): check that, not the raw bytes, or a
    # GBK upload would be refused for an encoding the note says was already converted.
    problems = check_text(settings, draft.text, draft.doc_type)
    audit.log(settings, user.name, "upload", f"草稿#{draft.id}", f"{detail}，{len(problems)} 处问题")
    return draft, problems


def _transition(
    settings: Settings,
    user: User,
    draft_id: int,
    allowed: tuple[str, ...],
    new_state: str,
    action: str,
    detail: str = "",
    **extra: str,
) -> Draft:
    with database.transaction(settings) as con:
        draft = read_draft(con, draft_id)
        if draft.state not in allowed:
            raise PublishError(
                f"草稿 #{draft_id} 当前状态为“{draft.state}”，不能{audit.ACTIONS[action]}；"
                f"只有“{'、'.join(allowed)}”状态的草稿可以"
            )
        sets = ", ".join(f"{k} = ?" for k in extra)
        con.execute(
            f"UPDATE drafts SET state = ?, updated_at = ?{', ' + sets if sets else ''} WHERE id = ?",
            (new_state, database.now_text(), *extra.values(), draft_id),
        )
        audit.record(con, user.name, action, f"草稿#{draft_id}", detail or f"{draft.doc_id} {draft.title}".strip())
        return read_draft(con, draft_id)


def submit(settings: Settings, actor: User | str, draft_id: int) -> Draft:
    """Send a draft for review (its author or a reviewer); refused with every validation problem
    (ContentError) when it is not valid."""
    user = require(settings, actor, EDIT)
    draft = get_draft(settings, user, draft_id)
    _check_owner(settings, user, draft, "提交")
    errors = [p for p in check_text(settings, draft.text, draft.doc_type) if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    return _transition(settings, user, draft_id, EDITABLE, STATE_SUBMITTED, "submit", comment="")


def return_draft(settings: Settings, actor: User | str, draft_id: int, comment: str) -> Draft:
    """Send a submitted draft back to its author with the reviewer's comments."""
    user = require(settings, actor, REVIEW)
    comment = (comment or "").strip()
    if not comment:
        raise PublishError("退回时须填写修改意见")
    return _transition(
        settings,
        user,
        draft_id,
        (STATE_SUBMITTED,),
        STATE_RETURNED,
        "return",
        comment,
        comment=comment,
        reviewer=user.name,
    )


def discard_draft(settings: Settings, actor: User | str, draft_id: int) -> Draft:
    """Set a draft aside (its text stays in the database); only its author or a reviewer may."""
    user = require(settings, actor, EDIT)
    _check_owner(settings, user, get_draft(settings, user, draft_id), "作废")
    return _transition(settings, user, draft_id, EDITABLE, STATE_DISCARDED, "discard")


def mark_published(con: sqlite3.Connection, draft_id: int, text: str, doc_id: str, reviewer: str, version: int) -> None:
    """Record, inside the caller's publish transaction, that a draft became `version` of `doc_id`."""
    con.execute(
        "UPDATE drafts SET state = ?, text = ?, doc_id = ?, reviewer = ?, published_version = ?,"
        " updated_at = ?, comment = '' WHERE id = ?",
        (STATE_PUBLISHED, text, doc_id, reviewer, version, database.now_text(), draft_id),
    )


__all__ = [
    "MAX_VERSION",
    "Draft",
    "StaleDraftError",
    "check_text",
    "create_draft",
    "decode_upload",
    "discard_draft",
    "get_draft",
    "import_upload",
    "list_drafts",
    "mark_published",
    "published_version_problem",
    "may_change",
    "read_draft",
    "return_draft",
    "save_draft",
    "submit",
]
