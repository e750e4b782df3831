"""Published versions of the quiz files (quizzes/): their paths, the version each declares, history kept in the
workflow database (migration 12's quiz_versions) and read back."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass

from kb.content.frontmatter import read_meta_leniently
from kb.content.quizzes import NOT_UTF8, QUIZ_FOLDER, UNREADABLE
from kb.errors import PublishError
from kb.settings import Settings
from kb.workflow import database
from kb.workflow.versions import ACTION_LABELS

_UNSAFE = re.compile(r'[\x00-\x1f\x7f:*?"<>|]')


@dataclass(frozen=True)
class QuizVersion:
    """One published state of a quiz file (action "import": the file as it was before the database knew it)."""

    path: str
    version: int
    text: str
    action: str
    actor: str
    draft_id: int | None
    at: str  # "" for the file on disk not yet recorded

    @property
    def label(self) -> str:
        when = self.at[:16].replace("T", " ") or "（未记录）"
        return f"第 {self.version} 版 · {ACTION_LABELS.get(self.action, self.action)} · {when} · {self.actor or '—'}"


class StaleQuizError(PublishError):
    """A draft based on another version of its file than the one there now: publishing it would undo
    someone else's change."""

    def __init__(self, path: str, published: int, base: int):
        self.path, self.published, self.base = path, published, base
        if base == 0:
            message = (
                f"{path} 已存在（第 {published} 版）；新题库不能覆盖它：请退回作者，改为修订该文件，或换一个文件名"
            )
        elif published == 0:
            message = f"{path} 已不在内容目录中（草稿基于第 {base} 版）；请退回作者，确认该题库是否还需要"
        elif base < published:
            message = (
                f"{path} 在此草稿创建后已发布了第 {published} 版（草稿基于第 {base} 版）；"
                "为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交"
            )
        else:
            message = (
                f"{path} 已发布的最新版本是第 {published} 版，文件中的 version 却是 {base}；"
                "version 应写所依据的已发布版本（发布时自动加一）"
            )
        super().__init__(message)


# -- files and their versions ------------------------------------------------------------------


def quiz_path(name: str) -> str:
    """A quiz file's path under the content folder from what was typed: 盗窃, 盗窃.md or quizzes/盗窃.md."""
    text = (name or "").strip().replace("\\", "/")
    if not text.startswith(f"{QUIZ_FOLDER}/"):
        text = f"{QUIZ_FOLDER}/{text}"
    if not text.endswith(".md"):
        text += ".md"
    parts = text.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts) or _UNSAFE.search(text) or len(text) > 200:
        raise PublishError(
            f"题库文件名“{name}”不可用；应为 {QUIZ_FOLDER}/ 下的 .md 文件，如 {QUIZ_FOLDER}/盗窃.md"
            "（不能含“..”、以“.”开头或含特殊字符）"
        )
    return text


def version_of(text: str) -> int:
    """The `version:` a quiz file's text declares (1 when it has none or an unusable one, as the checker reads it)."""
    value = read_meta_leniently(text).get("version", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def live_text(settings: Settings, rel: str) -> str | None:
    """The quiz file as it is in the content folder now; None when there is none."""
    try:
        return (settings.content_dir / rel).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise PublishError(f"{rel}：{NOT_UTF8}") from exc
    except OSError as exc:
        raise PublishError(f"{rel}：{UNREADABLE}") from exc


def latest_quiz_version(con: sqlite3.Connection, rel: str) -> int:
    """The highest version history has of a quiz file, 0 when none."""
    return con.execute("SELECT COALESCE(MAX(version), 0) FROM quiz_versions WHERE path = ?", (rel,)).fetchone()[0]


def add_quiz_version(con, rel: str, version: int, text: str, action: str, actor: str, draft_id: int | None) -> None:
    """Store one version of a quiz file inside the caller's transaction (`action` a key of ACTION_LABELS)."""
    con.execute(
        "INSERT INTO quiz_versions (path, version, text, action, actor, draft_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rel, version, text, action, actor, draft_id, database.now_text()),
    )


def keep_quiz_baseline(con: sqlite3.Connection, rel: str, text: str) -> None:
    """Store a quiz file's text under its `version:` if history does not have that version (files written
    before the database knew them, like the bundled ones), inside the caller's transaction."""
    version = version_of(text)
    if con.execute("SELECT 1 FROM quiz_versions WHERE path = ? AND version = ?", (rel, version)).fetchone() is None:
        add_quiz_version(con, rel, version, text, "import", "", None)


def quiz_history(settings: Settings, path: str) -> list[QuizVersion]:
    """Every published version of a quiz file, oldest first; the file on disk counts as its version when
    history does not have it yet."""
    rel = quiz_path(path)
    with closing(database.connect(settings)) as con:
        rows = con.execute(
            "SELECT path, version, text, action, actor, draft_id, at FROM quiz_versions WHERE path = ? ORDER BY version",
            (rel,),
        ).fetchall()
    found = [QuizVersion(**dict(r)) for r in rows]
    live = live_text(settings, rel)
    if live is not None and version_of(live) not in {v.version for v in found}:
        found.append(QuizVersion(rel, version_of(live), live, "import", "", None, ""))
    return sorted(found, key=lambda v: v.version)


def quiz_version_text(settings: Settings, path: str, version: int) -> str:
    """The text of one version of a quiz file; PublishError when there is none."""
    rel = quiz_path(path)
    match = [v.text for v in quiz_history(settings, rel) if v.version == int(version)]
    if not match:
        raise PublishError(f"{rel} 没有第 {version} 版的记录")
    return match[0]


def quiz_paths_with_history(settings: Settings) -> list[str]:
    """The quiz files history knows (some may since have been removed), sorted."""
    with closing(database.connect(settings)) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT path FROM quiz_versions ORDER BY path")]


__all__ = [
    "QuizVersion",
    "StaleQuizError",
    "add_quiz_version",
    "keep_quiz_baseline",
    "latest_quiz_version",
    "live_text",
    "quiz_history",
    "quiz_path",
    "quiz_paths_with_history",
    "quiz_version_text",
    "version_of",
]
