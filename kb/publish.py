"""The publishing workflow: drafts in the database, review, atomic publish, versions, supersede, withdraw."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from kb import audit
from kb.accounts import EDIT, REVIEW, User, require
from kb.documents import (
    STATUS_CURRENT,
    STATUS_SUPERSEDED,
    TYPE_CASE,
    TYPE_GUIDE,
    TYPE_LABELS,
    Document,
    document_type,
    iter_content_files,
    split_front_matter,
)
from kb.errors import ContentError, KBError, Problem, PublishError
from kb.settings import Settings
from kb.taxonomy import Taxonomy, load_taxonomy
from kb.validation import ID_PATTERN, UNSAFE_HTML_MESSAGE, load_content, read_document

STATE_DRAFT, STATE_SUBMITTED, STATE_RETURNED, STATE_PUBLISHED, STATE_DISCARDED = (
    "草稿",
    "待审核",
    "已退回",
    "已发布",
    "已作废",
)
EDITABLE = (STATE_DRAFT, STATE_RETURNED)
ACTION_LABELS = {"import": "原有版本", "publish": "发布", "supersede": "标记不再参照", "withdraw": "撤回"}
REVIEW_WINDOW_DAYS = 30

audit.register_schema(
    """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_type TEXT NOT NULL,
    target_id TEXT NOT NULL DEFAULT '',   -- the published document a revision starts from
    base_version INTEGER NOT NULL DEFAULT 0,
    doc_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    rev INTEGER NOT NULL DEFAULT 1,       -- optimistic version: bumped by every save
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL DEFAULT '',
    published_version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    action TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    draft_id INTEGER,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS versions_doc ON versions (doc_id, version);
"""
)


class StaleDraftError(PublishError):
    """A save based on an older revision of the draft; carries both texts so neither is lost."""

    def __init__(self, message: str, text: str, current: Draft):
        super().__init__(message)
        self.text = text
        self.current = current


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


@dataclass(frozen=True)
class Version:
    """One stored state of a published document."""

    doc_id: str
    version: int
    path: str
    text: str
    action: str
    at: str
    actor: str
    note: str

    @property
    def label(self) -> str:
        return f"第 {self.version} 版 · {ACTION_LABELS.get(self.action, self.action)} · {self.at[:16].replace('T', ' ')} · {self.actor}"


@dataclass(frozen=True)
class Published:
    """A document as it currently is in guides/ or casebook/."""

    id: str
    path: str
    text: str
    version: int
    status: str
    title: str


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


@dataclass(frozen=True)
class ReviewItem:
    """A document whose review-by date (复核日期) has passed or is near."""

    id: str
    title: str
    path: str
    review_by: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


# -- front matter helpers ----------------------------------------------------------------------


_KEY_LINE = re.compile(r"^(id|title|category)\s*:\s*(.*?)\s*$", re.M)


def _lenient_meta(text: str) -> dict:
    """Front matter as a dict; when the YAML is broken, the simple `key: value` lines still found."""
    source = split_front_matter(text.replace("\r\n", "\n"))
    if source.front_matter is None:
        return {}
    try:
        meta = yaml.safe_load(source.front_matter)
    except yaml.YAMLError:
        # still place the file where it belongs, so the problems name the right path
        return {k: v.strip("'\"") for k, v in _KEY_LINE.findall(source.front_matter)}
    return meta if isinstance(meta, dict) else {}


def set_front_matter(text: str, updates: dict[str, object]) -> str:
    """Set scalar front-matter keys, keeping every other line as the author wrote it."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise PublishError("缺少 front matter；文件须以“---”行开始")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise PublishError("front matter 没有结束的“---”行")
    for key, value in updates.items():
        new_line = f"{key}: {value}"
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        at = next((i for i in range(1, end) if pattern.match(lines[i])), None)
        if at is None:
            lines.insert(end, new_line)
            end += 1
            continue
        stop = at + 1
        while stop < end and lines[stop][:1] in (" ", "\t", "-"):  # a block list or folded value
            stop += 1
        lines[at:stop] = [new_line]
        end -= stop - at - 1
    return "\n".join(lines)


# -- where documents live ----------------------------------------------------------------------

_FIELD = re.compile(r"^(id|version|status|title)\s*:\s*(.*?)\s*$", re.M)


def _scan(path: Path, rel: str) -> Published | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    source = split_front_matter(text)
    if source.front_matter is None:
        return None
    found = {k: v.strip("'\"") for k, v in _FIELD.findall(source.front_matter)}
    if not found.get("id"):
        return None
    version = int(found["version"]) if found.get("version", "").isdigit() else 0
    return Published(found["id"], rel, text, version, found.get("status", ""), found.get("title", ""))


def published_documents(settings: Settings) -> dict[str, Published]:
    """Every file under guides/ and casebook/, by id (read from the files, the source of truth)."""
    out: dict[str, Published] = {}
    for path in iter_content_files(settings.content_dir):
        found = _scan(path, path.relative_to(settings.content_dir).as_posix())
        if found is not None:
            out.setdefault(found.id, found)
    return out


def find_published(settings: Settings, doc_id: str) -> Published | None:
    """The current file of a document, or None."""
    return published_documents(settings).get(doc_id)


def _taxonomy(settings: Settings) -> Taxonomy:
    return load_taxonomy(settings.data_dir / "taxonomy.yaml")


def _target_rel(doc_type: str, meta: dict, taxonomy: Taxonomy, fallback: str) -> str:
    doc_id = str(meta.get("id") or "").strip()
    if not ID_PATTERN.match(doc_id):
        doc_id = fallback
    if doc_type == TYPE_CASE:
        category = str(meta.get("category") or "").strip()
        folder = category if category in taxonomy.categories else "未分类"
        return f"casebook/{folder}/{doc_id}.md"
    return f"guides/{doc_id}.md"


def guess_type(text: str, default: str = TYPE_GUIDE) -> str:
    """指引 or 案例 from the front matter's keys (case_type / kind), else `default`."""
    meta = _lenient_meta(text)
    if "case_type" in meta or "charges" in meta:
        return TYPE_CASE
    if "kind" in meta:
        return TYPE_GUIDE
    return default


@dataclass(frozen=True)
class DraftView:
    """What a preview needs from a draft's text: the front matter fields shown above the body, and the body."""

    doc_type: str
    id: str
    title: str
    summary: str
    category: str
    case_type: str
    year: str
    status: str
    body: str
    supersedes: tuple[str, ...] = ()


def draft_view(text: str, doc_type: str = TYPE_GUIDE) -> DraftView:
    """Split a draft for the live preview, tolerating broken front matter (the body is still shown)."""
    text = text.replace("\r\n", "\n")
    meta = _lenient_meta(text)
    body = split_front_matter(text).body

    def get(key: str) -> str:
        value = meta.get(key)
        return "" if value is None or isinstance(value, (list, dict)) else str(value).strip()

    return DraftView(
        guess_type(text, doc_type),
        get("id"),
        get("title"),
        get("summary"),
        get("category"),
        get("case_type"),
        get("year"),
        get("status") or STATUS_CURRENT,
        body,
        tuple(str(v) for v in meta.get("supersedes") or () if v) if isinstance(meta.get("supersedes"), list) else (),
    )


TEMPLATES = {
    TYPE_GUIDE: """---
id: G-2025-001
title: （指引标题）
kind: 办案指引
category: 执法规范
stage: [受案立案]
tags: [关键词]
laws: [刑事诉讼法第一百一十条]
audience: [办案民警, 法制员]
status: 现行
issued: {today}
version: 1
summary: （一至三句话的要旨）
---

## 适用范围

## 办理步骤

## 法律依据
""",
    TYPE_CASE: """---
id: C-2025-001
title: （案例标题）
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: {year}
unit: 某县公安局某派出所
tags: [关键词]
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 现行
issued: {today}
version: 1
summary: （一至三句话的办案要旨）
---

## 基本案情

## 办案过程

## 法律适用

## 处理结果

## 办案要旨

## 指导意义
""",
}


def draft_template(doc_type: str, today: date | None = None) -> str:
    """A skeleton for a new guide or case, with every required field."""
    today = today or date.today()
    return TEMPLATES[doc_type].format(today=today.isoformat(), year=today.year)


# -- validation --------------------------------------------------------------------------------


def _validate_file(path: Path, rel: str, taxonomy: Taxonomy) -> tuple[Document | None, list[Problem]]:
    """Validate as `check` does, but refuse scripts and event handlers outright."""
    doc, problems = read_document(path, rel, taxonomy)
    problems = [
        dataclasses.replace(p, severity="error") if p.message.startswith(UNSAFE_HTML_MESSAGE) else p for p in problems
    ]
    return (None if any(p.severity == "error" for p in problems) else doc), problems


def check_text(settings: Settings, text: str | bytes, doc_type: str = TYPE_GUIDE) -> list[Problem]:
    """Validate a draft exactly as publishing will (in a scratch folder); return every problem."""
    taxonomy = _taxonomy(settings)
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    meta = _lenient_meta(raw.decode("utf-8", errors="replace"))
    rel = _target_rel(doc_type, meta, taxonomy, "草稿")
    with tempfile.TemporaryDirectory(prefix="casekb-check-") as tmp:
        path = Path(tmp) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        _, problems = _validate_file(path, rel, taxonomy)
    return problems


def decode_upload(data: bytes) -> tuple[str, str]:
    """Decode an uploaded file so the author's text is never lost; return (text, note about the encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8").replace("\r\n", "\n"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030").replace(
            "\r\n", "\n"
        ), "已按 GBK/GB18030 编码读入草稿，请核对文字；发布时将保存为 UTF-8"
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace").replace(
            "\r\n", "\n"
        ), "文件编码无法识别，无法识别的字符已替换为“�”，请核对"


# -- drafts ------------------------------------------------------------------------------------


def _draft(row: sqlite3.Row) -> Draft:
    return Draft(**dict(row))


def _read_draft(con: sqlite3.Connection, draft_id: int) -> Draft:
    row = con.execute("SELECT * FROM drafts WHERE id = ?", (int(draft_id),)).fetchone()
    if row is None:
        raise PublishError(f"草稿 #{draft_id} 不存在")
    return _draft(row)


def _headline(text: str) -> tuple[str, str]:
    meta = _lenient_meta(text)
    return str(meta.get("id") or "").strip()[:64], str(meta.get("title") or "").strip()[:200]


def get_draft(settings: Settings, actor: User | str, draft_id: int) -> Draft:
    """One draft (editors and reviewers only)."""
    require(settings, actor, EDIT)
    with closing(audit.connect(settings)) as con:
        return _read_draft(con, draft_id)


def list_drafts(settings: Settings, actor: User | str, states: Iterable[str] | None = None) -> list[Draft]:
    """Drafts in the given states (all but discarded by default), most recently changed first."""
    require(settings, actor, EDIT)
    wanted = tuple(states or (STATE_DRAFT, STATE_SUBMITTED, STATE_RETURNED, STATE_PUBLISHED))
    marks = ",".join("?" * len(wanted))
    with closing(audit.connect(settings)) as con:
        rows = con.execute(f"SELECT * FROM drafts WHERE state IN ({marks}) ORDER BY updated_at DESC, id DESC", wanted)
        return [_draft(r) for r in rows]


def create_draft(
    settings: Settings, actor: User | str, text: str = "", doc_type: str = TYPE_GUIDE, target_id: str = ""
) -> Draft:
    """Start a draft (blank, pasted, or a revision of a published document when `target_id` is given)."""
    user = require(settings, actor, EDIT)
    if doc_type not in (TYPE_GUIDE, TYPE_CASE):
        raise PublishError(f"未知文档类型“{doc_type}”；可选：指引、案例")
    base_version = 0
    if target_id:
        current = find_published(settings, target_id)
        if current is None:
            raise PublishError(f"找不到 id 为“{target_id}”的已发布文档")
        text = text or current.text
        base_version = current.version
        doc_type = document_type(current.path) or doc_type
    text = text.replace("\r\n", "\n")
    doc_id, title = _headline(text)
    stamp = audit.now_text()
    with audit.transaction(settings) as con:
        cur = con.execute(
            "INSERT INTO drafts (doc_type, target_id, base_version, doc_id, title, text, state, rev, author,"
            " created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
            (doc_type, target_id, base_version, doc_id, title, text, STATE_DRAFT, user.name, stamp, stamp, user.name),
        )
        draft_id = cur.lastrowid
        what = f"修订 {target_id} 第 {base_version} 版" if target_id else TYPE_LABELS.get(doc_type, doc_type)
        audit.record(con, user.name, "draft_create", f"草稿#{draft_id}", what)
        return _read_draft(con, draft_id)


def save_draft(settings: Settings, actor: User | str, draft_id: int, text: str, expected_rev: int) -> Draft:
    """Save a draft if nobody saved it since `expected_rev`; otherwise raise StaleDraftError (nothing is lost)."""
    user = require(settings, actor, EDIT)
    text = text.replace("\r\n", "\n")
    doc_id, title = _headline(text)
    with audit.transaction(settings) as con:
        draft = _read_draft(con, draft_id)
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
                (text, doc_id, title, audit.now_text(), user.name, draft_id),
            )
            audit.record(con, user.name, "save", f"草稿#{draft_id}", f"第 {draft.rev + 1} 稿，{len(text)} 字")
            return _read_draft(con, draft_id)
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


def import_upload(
    settings: Settings,
    actor: User | str,
    filename: str,
    data: bytes,
    draft_id: int | None = None,
    expected_rev: int | None = None,
    doc_type: str | None = None,
) -> tuple[Draft, list[Problem], str]:
    """Put an uploaded Markdown file into a draft; return (draft, its validation problems, encoding note).

    The text is always stored, even when it does not validate, so the author never loses it.
    """
    user = require(settings, actor, EDIT)
    text, note = decode_upload(data)
    kind = doc_type or guess_type(text)
    if draft_id is None:
        draft = create_draft(settings, user, text, kind)
    else:
        draft = save_draft(settings, user, draft_id, text, expected_rev if expected_rev is not None else -1)
    problems = check_text(settings, data, draft.doc_type)
    audit.log(
        settings, user.name, "upload", f"草稿#{draft.id}", f"{filename}，{len(data)} 字节，{len(problems)} 处问题"
    )
    return draft, problems, note


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
    with audit.transaction(settings) as con:
        draft = _read_draft(con, draft_id)
        if draft.state not in allowed:
            raise PublishError(
                f"草稿 #{draft_id} 当前状态为“{draft.state}”，不能{audit.ACTIONS[action]}；"
                f"只有“{'、'.join(allowed)}”状态的草稿可以"
            )
        sets = ", ".join(f"{k} = ?" for k in extra)
        con.execute(
            f"UPDATE drafts SET state = ?, updated_at = ?{', ' + sets if sets else ''} WHERE id = ?",
            (new_state, audit.now_text(), *extra.values(), draft_id),
        )
        audit.record(con, user.name, action, f"草稿#{draft_id}", detail or f"{draft.doc_id} {draft.title}".strip())
        return _read_draft(con, draft_id)


def submit(settings: Settings, actor: User | str, draft_id: int) -> Draft:
    """Send a draft for review; refused with every validation problem (ContentError) when it is not valid."""
    user = require(settings, actor, EDIT)
    draft = get_draft(settings, user, draft_id)
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
    """Set a draft aside (its text stays in the database)."""
    user = require(settings, actor, EDIT)
    return _transition(settings, user, draft_id, EDITABLE, STATE_DISCARDED, "discard")


# -- writing files -----------------------------------------------------------------------------


def _stage(settings: Settings, rel: str, text: str) -> Path:
    """Write `text` to a hidden temporary file in the target folder, flushed to disk."""
    target = settings.content_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    with tmp.open("wb") as fh:
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _history_max(con: sqlite3.Connection, doc_id: str) -> int:
    return con.execute("SELECT COALESCE(MAX(version), 0) FROM versions WHERE doc_id = ?", (doc_id,)).fetchone()[0]


def _add_version(con, doc_id, version, rel, text, action, actor, draft_id=None, note="") -> None:
    con.execute(
        "INSERT INTO versions (doc_id, version, path, text, action, at, actor, draft_id, note)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (doc_id, version, rel, text, action, audit.now_text(), actor, draft_id, note),
    )


def _keep_baseline(con: sqlite3.Connection, current: Published | None) -> None:
    """Store the file as it is now if history does not have it (documents written before publishing existed)."""
    if current is None:
        return
    known = con.execute(
        "SELECT 1 FROM versions WHERE doc_id = ? AND version = ? AND action != 'withdraw'",
        (current.id, current.version),
    ).fetchone()
    if not known:
        _add_version(con, current.id, current.version, current.path, current.text, "import", "")


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
    taxonomy = _taxonomy(settings)
    meta = _lenient_meta(draft.text)
    catalog = published_documents(settings)
    doc_id = str(meta.get("id") or "").strip()
    current = catalog.get(doc_id)
    doc_type = document_type(current.path) if current else draft.doc_type
    rel = _target_rel(doc_type or draft.doc_type, meta, taxonomy, f"草稿-{draft.id}")
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
        version = max(current.version if current else 0, _history_max(con, doc_id) if doc_id else 0) + 1
    try:
        text = set_front_matter(draft.text, {"version": version})
    except PublishError:
        text = draft.text  # validation below reports the missing front matter precisely
    tmp = _stage(settings, rel, text)
    try:
        doc, found = _validate_file(tmp, rel, taxonomy)
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
        _unlink(tmp)
        raise
    moved = current.path if current and current.path != rel else None
    return _Prepared(rel, tmp, doc, text, version, current, moved)


class _FileChange:
    """A change to one content file made inside a database transaction, undone if that transaction fails.

    The rename comes last in the transaction; should the COMMIT itself fail after it, `undo` puts the
    old file back, so the file and the version history never disagree.
    """

    def __init__(self, target: Path):
        self.target = target
        self.backup: Path | None = None
        self.done = False

    def _keep_old(self) -> None:
        if self.target.exists():
            self.backup = self.target.with_name(f".{self.target.name}.{uuid.uuid4().hex[:8]}.bak")
            try:
                os.link(self.target, self.backup)
            except OSError:
                shutil.copy2(self.target, self.backup)

    def put(self, staged: Path) -> None:
        """Rename the staged file over the target (atomic); the old file stays intact if this fails."""
        self._keep_old()
        os.replace(staged, self.target)
        self.done = True
        _fsync_dir(self.target.parent)

    def remove(self) -> None:
        """Take the target away (withdraw), keeping it aside until the transaction commits."""
        self.backup = self.target.with_name(f".{self.target.name}.{uuid.uuid4().hex[:8]}.bak")
        os.replace(self.target, self.backup)
        self.done = True
        _fsync_dir(self.target.parent)

    def undo(self) -> None:
        if self.done:
            if self.backup is not None:
                os.replace(self.backup, self.target)
            else:
                _unlink(self.target)
            _fsync_dir(self.target.parent)
        elif self.backup is not None:
            _unlink(self.backup)
        self.backup, self.done = None, False

    def finish(self) -> None:
        if self.backup is not None:
            _unlink(self.backup)
        self.backup = None


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
    change = _FileChange(settings.content_dir / prepared.rel)
    try:
        with audit.transaction(settings) as con:
            fresh = _read_draft(con, draft_id)
            if fresh.rev != draft.rev or fresh.state != STATE_SUBMITTED:
                raise PublishError(f"草稿 #{draft_id} 在发布过程中被修改或退回；请刷新后重试")
            if _history_max(con, doc.id) >= prepared.version:
                raise PublishError(f"{doc.id} 刚刚已由他人发布了新版本；请刷新后重试")
            _keep_baseline(con, prepared.current)
            _add_version(con, doc.id, prepared.version, prepared.rel, prepared.text, "publish", user.name, draft_id)
            con.execute(
                "UPDATE drafts SET state = ?, text = ?, doc_id = ?, reviewer = ?, published_version = ?,"
                " updated_at = ?, comment = '' WHERE id = ?",
                (STATE_PUBLISHED, prepared.text, doc.id, user.name, prepared.version, audit.now_text(), draft_id),
            )
            audit.record(
                con, user.name, "publish", doc.id, f"第 {prepared.version} 版，{prepared.rel}，草稿#{draft_id}"
            )
            change.put(prepared.tmp)  # last: if the rename fails the transaction rolls back
    except BaseException as exc:
        change.undo()  # also when the COMMIT failed after the rename
        _unlink(prepared.tmp)
        audit.log(settings, user.name, "publish_failed", doc.id, f"{type(exc).__name__}: {exc}")
        if isinstance(exc, OSError):
            raise PublishError(
                f"写入 {prepared.rel} 失败（{exc.strerror or exc}）；原文件未改动，草稿 #{draft_id} 仍在待审核队列中，可稍后重试"
            ) from exc
        raise
    change.finish()
    removed = []
    if prepared.moved_from:
        _unlink(settings.content_dir / prepared.moved_from)
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
    doc_id = str(_lenient_meta(text).get("id") or "")
    current = find_published(settings, doc_id)
    draft = create_draft(settings, user, text, guess_type(text), target_id=doc_id if current else "")
    submit(settings, user, draft.id)
    return publish(settings, user, draft.id)


# -- supersede and withdraw --------------------------------------------------------------------


def _supersede(settings: Settings, user: User, old: Published, new_id: str) -> Document:
    taxonomy = _taxonomy(settings)
    change = _FileChange(settings.content_dir / old.path)
    tmp: Path | None = None
    try:
        with audit.transaction(settings) as con:
            version = max(old.version, _history_max(con, old.id)) + 1
            updates = {"status": STATUS_SUPERSEDED, "superseded_by": new_id, "version": version}
            text = set_front_matter(old.text, updates)
            tmp = _stage(settings, old.path, text)
            doc, problems = _validate_file(tmp, old.path, taxonomy)
            if doc is None:
                raise ContentError([p for p in problems if p.severity == "error"] or problems)
            _keep_baseline(con, old)
            _add_version(con, old.id, version, old.path, text, "supersede", user.name, note=f"由 {new_id} 替代")
            audit.record(con, user.name, "supersede", old.id, f"由 {new_id} 替代，第 {version} 版")
            change.put(tmp)
    except BaseException:
        change.undo()
        raise
    finally:
        if tmp is not None:
            _unlink(tmp)
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
    content = load_content(settings.content_dir, _taxonomy(settings))
    citing = sorted(
        d.id
        for d in content.documents
        if d.id != doc_id and (doc_id in d.supersedes or d.superseded_by == doc_id or doc_id in d.guides)
    )
    if citing:
        raise PublishError(f"不能撤回 {doc_id}：{'、'.join(citing)} 引用了它；请先修改这些文档的引用")
    change = _FileChange(settings.content_dir / current.path)
    try:
        with audit.transaction(settings) as con:
            _keep_baseline(con, current)
            _add_version(con, doc_id, current.version, current.path, current.text, "withdraw", user.name, note=reason)
            audit.record(con, user.name, "withdraw", doc_id, reason)
            change.remove()
    except BaseException:
        change.undo()
        raise
    change.finish()
    indexed, warning = _index(settings, [], [current.path])
    return PublishResult(doc_id, current.version, current.path, None, (), indexed, warning)


# -- history and review dates ------------------------------------------------------------------


def history(settings: Settings, doc_id: str) -> list[Version]:
    """Every stored state of a document, oldest first (including withdrawals)."""
    with closing(audit.connect(settings)) as con:
        rows = con.execute(
            "SELECT doc_id, version, path, text, action, at, actor, note FROM versions WHERE doc_id = ?"
            " ORDER BY version, id",
            (doc_id,),
        ).fetchall()
    return [Version(**dict(r)) for r in rows]


def version_text(settings: Settings, doc_id: str, version: int) -> str:
    """The text of one stored version; PublishError when there is none."""
    with closing(audit.connect(settings)) as con:
        row = con.execute(
            "SELECT text FROM versions WHERE doc_id = ? AND version = ? AND action != 'withdraw' ORDER BY id DESC",
            (doc_id, int(version)),
        ).fetchone()
    if row is None:
        current = find_published(settings, doc_id)
        if current is not None and current.version == int(version):
            return current.text
        raise PublishError(f"{doc_id} 没有第 {version} 版的记录")
    return row[0]


def documents_with_history(settings: Settings) -> list[str]:
    """Ids that have stored versions, sorted."""
    with closing(audit.connect(settings)) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT doc_id FROM versions ORDER BY doc_id")]


def due_for_review(
    settings: Settings, today: date | None = None, within_days: int = REVIEW_WINDOW_DAYS
) -> list[ReviewItem]:
    """Documents in force whose review-by date (复核日期) is past or within `within_days`, soonest first."""
    today = today or date.today()
    horizon = today + timedelta(days=within_days)
    content = load_content(settings.content_dir, _taxonomy(settings))
    items = [
        ReviewItem(d.id, d.title, d.path, d.review_by, (d.review_by - today).days)
        for d in content.documents
        if d.review_by is not None and d.status == STATUS_CURRENT and d.review_by <= horizon
    ]
    return sorted(items, key=lambda i: (i.review_by, i.id))


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
    "Draft",
    "DraftView",
    "discard_draft",
    "draft_template",
    "draft_view",
    "get_draft",
    "list_drafts",
    "published_documents",
    "PublishResult",
    "Published",
    "ReviewItem",
    "StaleDraftError",
    "Version",
    "check_text",
    "create_draft",
    "due_for_review",
    "find_published",
    "history",
    "import_upload",
    "publish",
    "publish_file",
    "return_draft",
    "save_draft",
    "submit",
    "supersede",
    "version_text",
    "withdraw",
]
