"""The append-only audit log (who did what, when) in the workflow database, with CSV export."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from kb.settings import Settings
from kb.workflow.database import connect, now_text, storable, transaction

# action code -> label shown to users; codes are stored, labels only displayed
ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "lockout": "登录延迟",
    "logout": "退出登录",
    "user_add": "新增用户",
    "user_passwd": "修改密码",
    "user_disable": "停用用户",
    "user_enable": "启用用户",
    "user_role": "修改角色",
    "user_unit": "设置单位",
    "user_tier": "设置层级",
    "draft_create": "新建草稿",
    "upload": "上传文件",
    "save": "保存草稿",
    "save_refused": "保存被拒（版本冲突）",
    "submit": "提交审核",
    "return": "退回修改",
    "publish": "发布",
    "publish_failed": "发布失败",
    "supersede": "标记不再参照",
    "withdraw": "撤回",
    "discard": "作废草稿",
    "recover": "启动恢复",
    "denied": "越权被拒",
    "popular_pin": "固定常用检索",
    "popular_hide": "隐藏检索词",
    "popular_reset": "取消固定或隐藏",
    "review_assign": "分配复核",
    "review_clear": "已复核，无需修改",
    "export": "导出内容备份",
    "restore": "恢复内容备份",
    "quiz_draft": "新建题库草稿",
    "quiz_save": "保存题库草稿",
    "quiz_submit": "提交题库审核",
    "quiz_return": "退回题库修改",
    "quiz_discard": "作废题库草稿",
    "quiz_publish": "发布题库",
    "quiz_publish_failed": "题库发布失败",
    "exam_create": "创建比武",
    "exam_submit": "比武交卷",
}


def record(con: sqlite3.Connection, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Append one entry inside the caller's transaction, so it commits (or not) with the action."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute(
        "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        # bounded: a failed login records whatever name was typed
        (
            now_text(),
            storable((actor or "")[:100]),
            action,
            storable((target or "")[:200]),
            storable((detail or "")[:2000]),
        ),
    )


def log(settings: Settings | Path | str, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Append one entry in its own transaction (for events that change nothing else, like a failed login)."""
    with transaction(settings) as con:
        record(con, actor, action, target, detail)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str

    @property
    def label(self) -> str:
        """The action in Chinese."""
        return ACTIONS.get(self.action, self.action)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "label": self.label,
            "target": self.target,
            "detail": self.detail,
        }


def read_entries(
    settings: Settings | Path | str,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Read the log, newest first, optionally filtered; callers check who may see it."""
    where, args = [], []
    for column, value in (("actor", actor), ("action", action), ("target", target)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    sql = "SELECT id, at, actor, action, target, detail FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        args.append(int(limit))
    with closing(connect(settings)) as con:
        return [AuditEntry(**dict(row)) for row in con.execute(sql, args)]


CSV_HEADER = ("序号", "时间", "用户", "操作", "对象", "说明")


def _cell(value: object) -> str:
    text = str(value)
    # Spreadsheet programs run cells that start with these as formulas; defuse them.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(entries: Iterable[AuditEntry]) -> bytes:
    """The entries as CSV in UTF-8 with a BOM, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow([e.id, e.at, _cell(e.actor), e.label, _cell(e.target), _cell(e.detail)])
    return buffer.getvalue().encode("utf-8-sig")
