"""Restoring a backup into the content folder (管理员 only): checked in full, then all files or none."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.content.catalog import published_documents
from kb.content.documents import iter_content_files
from kb.content.quizzes import QUIZ_FOLDER, quiz_files
from kb.errors import AuthError, KBError, PublishError
from kb.roles import READ, ROLE_ADMIN
from kb.settings import Settings
from kb.workflow import audit
from kb.workflow.accounts import User, require
from kb.workflow.archive import Manifest, read_archive
from kb.workflow.filechange import remove_file
from kb.workflow.publishing import journaled, publish_lock
from kb.workflow.quizversions import keep_quiz_baseline
from kb.workflow.versions import keep_baseline

# How a restore treats a content folder that already has documents.
EMPTY_ONLY, OVERWRITE, REPLACE = "empty", "overwrite", "replace"
MODES = (EMPTY_ONLY, OVERWRITE, REPLACE)


class NotEmptyError(KBError):
    """A restore into a content folder that has documents, without leave to overwrite them."""

    def __init__(self, existing: int):
        self.existing = existing
        super().__init__(
            f"内容目录中已有 {existing} 篇文档，未恢复任何文件；"
            "要用备份覆盖同名文件请选择“覆盖”，要同时删除备份中没有的文件请选择“替换”"
        )


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did, by path under the content folder."""

    manifest: Manifest
    added: tuple[str, ...]
    overwritten: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One Chinese sentence: how many files of each kind."""
        parts = [f"新增 {len(self.added)} 个", f"覆盖 {len(self.overwritten)} 个", f"未变 {len(self.unchanged)} 个"]
        if self.removed:
            parts.append(f"删除备份中没有的 {len(self.removed)} 个")
        return f"已恢复备份中的 {self.manifest.count} 个文件（{'，'.join(parts)}）"


def _administrator(settings: Settings, actor: User | str | None) -> User:
    user = require(settings, actor, READ)
    if user.role != ROLE_ADMIN:
        audit.log(settings, user.name, "denied", "", f"{user.role}试图恢复备份")
        raise AuthError(f"用户“{user.name}”（{user.role}）不能恢复备份；需要“{ROLE_ADMIN}”角色")
    return user


def _stage(target: Path, data: bytes, made: list[Path]) -> Path:
    """Write `data` to a hidden temporary beside `target` (named as kb.workflow.recovery cleans up after a
    crash), flushed to disk; folders created on the way are added to `made`."""
    missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir()
        made.append(folder)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _compare(existing: dict[str, Path], files: dict[str, bytes]) -> tuple[list[str], list[str], list[str]]:
    """The backup's paths that are new, that differ from the file there, and that are the same."""
    added, overwritten, unchanged = [], [], []
    for rel, content in files.items():
        if rel not in existing:
            added.append(rel)
        elif existing[rel].read_bytes() == content:
            unchanged.append(rel)
        else:
            overwritten.append(rel)
    return added, overwritten, unchanged


def _discard(staged: Iterable[Path], made: list[Path]) -> None:
    """After a failure: the temporaries not renamed into place, and the folders made for them (empty by now)."""
    for tmp in staged:
        remove_file(tmp)
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            pass


def restore_content(
    settings: Settings, actor: User | str | None, data: bytes, name: str = "备份.zip", mode: str = EMPTY_ONLY
) -> RestoreResult:
    """Put the documents of a backup into the content folder (管理员 only), all of them or none.

    The whole backup is checked first (ArchiveError lists every problem). A folder that already has
    documents is refused (NotEmptyError) unless `mode` is OVERWRITE (files of the same path replaced,
    others kept) or REPLACE (also removing the documents the backup does not have). The files are
    staged beside their targets and renamed in one journaled transaction with the audit entry, so a
    failure, or a crash, leaves the folder as it was. The old text of every replaced or removed
    document is kept in its history. The index is marked to catch up (the next build or app start).
    """
    if mode not in MODES:
        raise ValueError(f"unknown restore mode {mode!r}")
    user = _administrator(settings, actor)
    archive = read_archive(data, name)
    root = settings.content_dir
    with publish_lock(settings):
        existing = {p.relative_to(root).as_posix(): p for p in [*iter_content_files(root), *quiz_files(root)]}
        if existing and mode == EMPTY_ONLY:
            raise NotEmptyError(len(existing))
        added, overwritten, unchanged = _compare(existing, archive.files)
        removed = sorted(set(existing) - set(archive.files)) if mode == REPLACE else []
        made: list[Path] = []
        staged: dict[str, Path] = {}
        try:
            for rel in sorted([*added, *overwritten]):
                staged[rel] = _stage(root / rel, archive.files[rel], made)
            catalog = {p.path: p for p in published_documents(settings).values()}
            detail = (
                f"导出于 {archive.manifest.exported_at or '未知时间'}，{archive.manifest.count} 个文件："
                f"新增 {len(added)}，覆盖 {len(overwritten)}，未变 {len(unchanged)}，删除 {len(removed)}"
            )
            with journaled(settings, f"恢复备份 {name}") as (con, changes):
                for rel in [*overwritten, *removed]:  # the text replaced stays in the document's or quiz file's history
                    if rel.startswith(f"{QUIZ_FOLDER}/"):
                        keep_quiz_baseline(con, rel, existing[rel].read_text(encoding="utf-8", errors="replace"))
                    else:
                        keep_baseline(con, catalog.get(rel))
                audit.record(con, user.name, "restore", name, detail)
                for rel, tmp in staged.items():
                    changes.put(root / rel, tmp)
                for rel in removed:
                    changes.remove(root / rel)
        except BaseException as exc:
            _discard(staged.values(), made)
            if isinstance(exc, OSError):  # a full disk, a folder where a file should go: said in Chinese
                raise PublishError(f"写入内容目录失败（{exc}）；未恢复任何文件，内容目录保持原样") from exc
            raise
    if added or overwritten or removed:
        _mark_index(settings, name)
    return RestoreResult(archive.manifest, tuple(added), tuple(overwritten), tuple(unchanged), tuple(removed))


def _mark_index(settings: Settings, name: str) -> None:
    from kb.search.repair import mark_needs_repair  # late: only a restore needs it

    mark_needs_repair(settings.index_dir, f"已恢复备份 {name}")


__all__ = ["EMPTY_ONLY", "MODES", "OVERWRITE", "REPLACE", "NotEmptyError", "RestoreResult", "restore_content"]
