"""The review queue (待复核): documents a law change, their 复核日期 or a changed cited article sends back to review."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date

from kb.content.catalog import load_content_taxonomy
from kb.content.documents import STATUS_CURRENT, Document
from kb.content.validation import load_content
from kb.errors import AuthError, PublishError
from kb.roles import PERMISSIONS, REVIEW, ROLES, USERS
from kb.settings import Settings
from kb.statutes.citations import Citation, citation_context, extract_citations, parse_citation
from kb.statutes.concordance import laws_with_versions
from kb.statutes.impact import SEVERITY_INFO, affected_documents
from kb.statutes.library import StatuteLibrary
from kb.workflow import audit, database
from kb.workflow.accounts import User, get_user, list_users, require
from kb.workflow.versions import due_for_review

REASON_LAW_CHANGE = "法规修改"
REASON_REVIEW_BY = "到期复核"
REASON_CITED_CHANGED = "引用条文已变动"
REASONS = (REASON_LAW_CHANGE, REASON_REVIEW_BY, REASON_CITED_CHANGED)
STATE_OPEN, STATE_ASSIGNED = "待分配", "已分配"
DECISION_NO_CHANGE = "已复核，无需修改"
# who may assign entries and record decisions: the reviewers (法制大队) and the 管理员
MANAGE = (REVIEW, USERS)
# The tables (review_assignments, review_decisions) are kb.workflow.database's migration 9.


@dataclass(frozen=True)
class LawChange:
    """One document a law change touches (kb.statutes.impact): the citations it flags, and since when."""

    doc_id: str
    law: str
    version: str  # the new version of the law, as in LawVersion.version
    since: date  # the day the new version took effect (its version date when that is unknown)
    articles: tuple[str, ...]  # citation keys of the flagged citations ("治安管理处罚法:43")
    detail: str  # what changed for each, in Chinese


@dataclass(frozen=True)
class Reason:
    """Why one document needs review: the kind, what is meant, since when, and a key naming it for decisions."""

    doc_id: str
    title: str
    path: str
    kind: str  # one of REASONS
    detail: str
    since: date
    key: str  # stable while the reason is the same; a decision clears this key only


@dataclass(frozen=True)
class QueueEntry:
    """A reason still open: neither cleared by a newer published version nor by a recorded decision."""

    reason: Reason
    assignee: str = ""
    assigned_by: str = ""
    assigned_at: str = ""

    @property
    def doc_id(self) -> str:
        return self.reason.doc_id

    @property
    def state(self) -> str:
        """待分配 or 已分配."""
        return STATE_ASSIGNED if self.assignee else STATE_OPEN

    def to_json(self) -> dict:
        r = self.reason
        return {
            "id": r.doc_id,
            "title": r.title,
            "path": r.path,
            "reason": r.kind,
            "detail": r.detail,
            "since": r.since.isoformat(),
            "key": r.key,
            "assignee": self.assignee,
            "state": self.state,
        }


@dataclass(frozen=True)
class Decision:
    """A recorded "已复核，无需修改" for one reason of a document."""

    doc_id: str
    reason_key: str
    decision: str
    comment: str
    actor: str
    at: str


# -- finding the reasons (content and statutes; no database) ------------------------------------


def _citations(doc: Document) -> list[Citation]:
    """The document's citations, front matter first, one per citation key."""
    front = [cite for text in doc.laws if (cite := parse_citation(text)) is not None]
    context = citation_context(doc.body, laws=doc.laws, case_type=doc.case_type)
    found: dict[str, Citation] = {}
    for cite in front + extract_citations(doc.body, abbreviations=context):
        found.setdefault(cite.key, cite)
    return list(found.values())


def _law_change_reasons(docs: dict[str, Document], changes: Iterable[LawChange]) -> list[Reason]:
    reasons = []
    for change in changes:
        doc = docs.get(change.doc_id)
        if doc is None or not doc.in_force:
            continue
        key = f"{REASON_LAW_CHANGE}:{change.law}@{change.version}:{','.join(sorted(change.articles))}"
        reasons.append(Reason(doc.id, doc.title, doc.path, REASON_LAW_CHANGE, change.detail, change.since, key))
    return reasons


def _changed_article_reasons(
    docs: Iterable[Document], library: StatuteLibrary, flagged: dict[str, set[str]], today: date
) -> list[Reason]:
    """Documents in force citing an article that reads differently today than on their issue date
    (StatuteLibrary.changed_since), less the citations a law change already flags for them."""
    reasons = []
    for doc in docs:
        if not doc.in_force:
            continue
        on = doc.issued or today
        found = []
        for cite in _citations(doc):
            if cite.key in flagged.get(doc.id, ()):
                continue
            message = library.changed_since(cite, on, today=today)
            now = library.in_force(cite.law, today)
            then = library.in_force(cite.law, on)
            # a citation naming the old edition in a document issued under the new one (a comparison)
            # was written with the change in view: it has not changed since the document was issued
            if message and now is not None and (then is None or then.version != now.version):
                found.append((cite.key, message, now))
        if not found:
            continue
        since = max(now.effective or date.fromisoformat(now.version) for _, _, now in found)
        key = f"{REASON_CITED_CHANGED}:" + ",".join(sorted(f"{k}@{now.version}" for k, _, now in found))
        detail = "；".join(message for _, message, _ in found)
        reasons.append(Reason(doc.id, doc.title, doc.path, REASON_CITED_CHANGED, detail, since, key))
    return reasons


def _review_by_reasons(settings: Settings, today: date) -> list[Reason]:
    reasons = []
    for item in due_for_review(settings, today, within_days=0):
        late = f"，已逾期 {-item.days_left} 天" if item.overdue else "，今天到期"
        detail = f"复核日期 {item.review_by.isoformat()}{late}"
        key = f"{REASON_REVIEW_BY}:{item.review_by.isoformat()}"
        reasons.append(Reason(item.id, item.title, item.path, REASON_REVIEW_BY, detail, item.review_by, key))
    return reasons


def law_changes(documents: Sequence[Document], library: StatuteLibrary, today: date) -> list[LawChange]:
    """The documents in force each law with two versions touches in a way that asks for a change
    (kb.statutes.impact: a guide citing the old numbering or text; a case applying the law of its
    time is information there, and is listed as 引用条文已变动 instead)."""
    changes = []
    for law in laws_with_versions(library):
        new = library.versions(law)[-1]  # affected_documents compares the two newest versions
        started = new.effective or date.fromisoformat(new.version)
        # before the new version takes effect, the change is known from its adoption
        since = started if started <= today else date.fromisoformat(new.version)
        for impact in affected_documents(documents, library, law, today=today):
            findings = [f for f in impact.findings if f.severity != SEVERITY_INFO]
            if not findings or impact.status != STATUS_CURRENT:
                continue
            keys = tuple(dict.fromkeys(f.cited.key for f in findings))
            detail = "。".join(f"{f.text}：{f.reason}" for f in findings)
            changes.append(LawChange(impact.doc_id, law, new.version, since, keys, detail))
    return changes


def find_reasons(
    settings: Settings,
    *,
    today: date | None = None,
    library: StatuteLibrary | None = None,
    changes: Iterable[LawChange] | None = None,
) -> tuple[Reason, ...]:
    """Every reason a document in force needs review, from the content and the statute library alone.

    `changes`: the law changes to list (default: computed with kb.statutes.impact); `library`: the
    statute library (default: the settings' folder; without one there are only 到期复核 reasons).
    """
    today = today or date.today()
    if library is None and settings.laws_dir is not None:
        library = StatuteLibrary.load(settings.laws_dir)
    reasons = _review_by_reasons(settings, today)
    if library is not None or changes is not None:
        documents = load_content(settings.content_dir, load_content_taxonomy(settings), parse_citation).documents
        found = list(changes) if changes is not None else law_changes(documents, library, today)
        reasons += _law_change_reasons({d.id: d for d in documents}, found)
        if library is not None:
            flagged: dict[str, set[str]] = {}
            for change in found:
                flagged.setdefault(change.doc_id, set()).update(change.articles)
            reasons += _changed_article_reasons(documents, library, flagged, today)
    return tuple(sorted(reasons, key=lambda r: (r.since, r.doc_id, REASONS.index(r.kind))))


# -- the queue: reasons less those cleared, with their assignees ----------------------------------


def _published_on(con: sqlite3.Connection) -> dict[str, date]:
    """The day each document's newest version was published through this system."""
    rows = con.execute("SELECT doc_id, MAX(at) FROM versions WHERE action = 'publish' GROUP BY doc_id")
    return {doc_id: date.fromisoformat(at[:10]) for doc_id, at in rows}


def _open(con: sqlite3.Connection, reasons: Iterable[Reason]) -> list[QueueEntry]:
    published = _published_on(con)
    decided = {(r[0], r[1]) for r in con.execute("SELECT doc_id, reason_key FROM review_decisions")}
    assigned = {
        (r["doc_id"], r["reason_key"]): r
        for r in con.execute("SELECT doc_id, reason_key, assignee, assigned_by, assigned_at FROM review_assignments")
    }
    entries = []
    for reason in reasons:
        # a version published on or after the day the reason arose was written with it in view
        if reason.doc_id in published and published[reason.doc_id] >= reason.since:
            continue
        if (reason.doc_id, reason.key) in decided:
            continue
        row = assigned.get((reason.doc_id, reason.key))
        if row is None:
            entries.append(QueueEntry(reason))
        else:
            entries.append(QueueEntry(reason, row["assignee"], row["assigned_by"], row["assigned_at"]))
    return entries


def review_queue(
    settings: Settings, reasons: Iterable[Reason] | None = None, *, today: date | None = None
) -> tuple[QueueEntry, ...]:
    """The open entries, oldest reason first: `reasons` (default find_reasons) less those a newer
    published version or a recorded decision cleared."""
    reasons = find_reasons(settings, today=today) if reasons is None else reasons
    with closing(database.connect(settings)) as con:
        return tuple(_open(con, reasons))


def select(entries: Iterable[QueueEntry], kind: str | None = None, assignee: str | None = None) -> list[QueueEntry]:
    """The entries of one reason kind and/or assigned to one user (None: any)."""
    return [
        e for e in entries if (kind is None or e.reason.kind == kind) and (assignee is None or e.assignee == assignee)
    ]


def reviewers(settings: Settings) -> list[str]:
    """The enabled accounts entries can be assigned to (the 审核 role)."""
    return [u.name for u in list_users(settings) if u.can(REVIEW)]


def _manager(settings: Settings, actor: User | str | None) -> User:
    """The actor, re-read, if a 审核 or 管理员 may manage the queue; AuthError (audited) otherwise."""
    name = actor.name if isinstance(actor, User) else actor
    user = get_user(settings, name) if name else None
    if user is None or user.disabled:
        return require(settings, actor, REVIEW)  # raises the usual not-logged-in / unknown / disabled error
    if not any(user.can(p) for p in MANAGE):
        audit.log(settings, user.name, "denied", "", f"{user.role}试图分配或复核待复核文档")
        allowed = "或".join(f"“{r}”" for r in ROLES if PERMISSIONS[r] & set(MANAGE))
        raise AuthError(f"用户“{user.name}”（{user.role}）不能分配或复核待复核文档；需要{allowed}角色")
    return user


def _entries_of(con: sqlite3.Connection, reasons: Iterable[Reason], doc_id: str, kind: str | None) -> list[QueueEntry]:
    mine = [r for r in reasons if r.doc_id == doc_id and (kind is None or r.kind == kind)]
    entries = _open(con, mine)
    if not entries:
        missing = f"没有“{kind}”的待复核条目" if kind else "不在待复核清单中"
        raise PublishError(f"{doc_id} {missing}；请刷新后重试")
    return entries


def assign(
    settings: Settings,
    actor: User | str,
    doc_id: str,
    assignee: str,
    *,
    reasons: Iterable[Reason] | None = None,
    kind: str | None = None,
) -> tuple[QueueEntry, ...]:
    """Assign a document's open entries (or those of one reason kind) to a reviewer; audited."""
    user = _manager(settings, actor)
    target = get_user(settings, assignee)
    if target is None or not target.can(REVIEW):
        names = "、".join(reviewers(settings)) or "（无）"
        what = (
            "不存在"
            if target is None
            else f"不是可用的“审核”账号（{target.role}{'，已停用' if target.disabled else ''}）"
        )
        raise PublishError(f"用户“{assignee}”{what}；只能分配给审核人员：{names}")
    reasons = find_reasons(settings) if reasons is None else tuple(reasons)
    with database.transaction(settings) as con:
        entries = _entries_of(con, reasons, doc_id, kind)
        now = database.now_text()
        for entry in entries:
            con.execute(
                "INSERT OR REPLACE INTO review_assignments (doc_id, reason_key, assignee, assigned_by, assigned_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (doc_id, entry.reason.key, target.name, user.name, now),
            )
        kinds = "、".join(dict.fromkeys(e.reason.kind for e in entries))
        audit.record(con, user.name, "review_assign", doc_id, f"分配给 {target.name}：{kinds}")
        return tuple(_open(con, [e.reason for e in entries]))


def clear(
    settings: Settings,
    actor: User | str,
    doc_id: str,
    comment: str,
    *,
    reasons: Iterable[Reason] | None = None,
    kind: str | None = None,
) -> tuple[Reason, ...]:
    """Record "已复核，无需修改" with a comment for a document's open entries (or one kind); audited.

    The decision holds for the reasons it names: a new reason for the document is listed again."""
    user = _manager(settings, actor)
    comment = database.storable((comment or "").strip())
    if not comment:
        raise PublishError(f"记录“{DECISION_NO_CHANGE}”须填写复核意见")
    reasons = find_reasons(settings) if reasons is None else tuple(reasons)
    with database.transaction(settings) as con:
        entries = _entries_of(con, reasons, doc_id, kind)
        now = database.now_text()
        for entry in entries:
            r = entry.reason
            con.execute(
                "INSERT INTO review_decisions (doc_id, reason_key, decision, comment, actor, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (doc_id, r.key, DECISION_NO_CHANGE, comment, user.name, now),
            )
            audit.record(con, user.name, "review_clear", doc_id, f"{r.kind}（{r.detail}）；复核意见：{comment}")
        return tuple(e.reason for e in entries)


def decisions(settings: Settings, doc_id: str | None = None) -> list[Decision]:
    """Recorded decisions, newest first (of one document when given)."""
    sql = "SELECT doc_id, reason_key, decision, comment, actor, at FROM review_decisions"
    args: tuple = ()
    if doc_id:
        sql, args = sql + " WHERE doc_id = ?", (doc_id,)
    with closing(database.connect(settings)) as con:
        return [Decision(**dict(r)) for r in con.execute(sql + " ORDER BY id DESC", args)]


__all__ = [
    "DECISION_NO_CHANGE",
    "REASONS",
    "REASON_CITED_CHANGED",
    "REASON_LAW_CHANGE",
    "REASON_REVIEW_BY",
    "Decision",
    "LawChange",
    "QueueEntry",
    "Reason",
    "assign",
    "clear",
    "decisions",
    "find_reasons",
    "law_changes",
    "review_queue",
    "reviewers",
    "select",
]
