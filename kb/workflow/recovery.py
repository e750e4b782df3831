"""Settling at start whatever a publish, supersede or withdraw interrupted by a crash left half done."""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kb.content.documents import FOLDER_TYPES
from kb.content.frontmatter import read_meta_leniently
from kb.content.quizzes import QUIZ_FOLDER
from kb.settings import Settings
from kb.workflow import audit, database
from kb.workflow.filechange import journals, remove_file, settle_journal
from kb.workflow.publishing import committed, journal_dir, publish_lock

SYSTEM_ACTOR = "系统"

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
    quizzes = content_dir / QUIZ_FOLDER  # quiz publishes stage files too; their backups always have a journal
    if quizzes.is_dir():
        found.extend(p for p in quizzes.rglob(".*.tmp") if p.is_file() and _TEMPORARY.match(p.name))
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
        with database.transaction(settings) as con:
            for journal in journals(folder):
                outcome, label, touched = settle_journal(journal, lambda token: committed(con, token))
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
