"""The backup of the published content (guides/, casebook/, quizzes/) as a zip with a manifest; made, read, checked."""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime

from kb import __version__
from kb.content.documents import FOLDER_TYPES, iter_content_files
from kb.content.quizzes import QUIZ_FOLDER, quiz_files
from kb.errors import KBError
from kb.settings import Settings
from kb.workflow import audit
from kb.workflow.accounts import COMMAND_LINE, User

MANIFEST = "manifest.json"
FORMAT = "casekb-content"
FORMAT_VERSION = 1
# Limits against zip bombs and mistakes, checked on the sizes the zip declares and again while
# reading (a forged header cannot make a read go past them). Generous: content validation refuses
# documents over 1 MB, and a bureau's whole content is a few thousand of them.
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
MAX_ENTRY_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_ENTRIES = 100_000
MAX_MANIFEST_BYTES = 32 * 1024 * 1024

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")
FOLDERS = (*FOLDER_TYPES, QUIZ_FOLDER)  # the documents, and the question bank
_FOLDERS = "、".join(f"{f}/" for f in FOLDERS)


@dataclass(frozen=True)
class ArchiveFile:
    """One document in a backup: its path under the content folder, SHA-256 and size in bytes."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, as its manifest.json says."""

    exported_at: str
    tool_version: str
    files: tuple[ArchiveFile, ...]

    @property
    def count(self) -> int:
        return len(self.files)

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tool": "casekb",
            "tool_version": self.tool_version,
            "exported_at": self.exported_at,
            "count": self.count,
            "files": [{"path": f.path, "sha256": f.sha256, "bytes": f.size} for f in self.files],
        }


@dataclass(frozen=True)
class Export:
    """A backup made by `export_content`: the zip's bytes and its manifest."""

    data: bytes
    manifest: Manifest


@dataclass(frozen=True)
class ArchiveProblem:
    """One problem found in a backup, reported as `name inside the zip: message`."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ArchiveError(KBError):
    """A backup cannot be restored; `problems` lists every problem found in it."""

    def __init__(self, problems: list[ArchiveProblem]):
        self.problems = list(problems)
        super().__init__(f"备份有 {len(self.problems)} 处问题，未恢复任何文件")


# -- export ------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _zip_info(name: str, mtime: float | None = None) -> zipfile.ZipInfo:
    when = datetime.fromtimestamp(mtime) if mtime is not None else datetime.now()
    info = zipfile.ZipInfo(name, date_time=max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16  # a regular file, whatever the exporting system's umask
    return info


def export_content(settings: Settings, actor: User | str | None = None) -> Export:
    """Every document under guides/ and casebook/ and every quiz file under quizzes/, exactly as stored, in a zip
    with its manifest.

    `actor` (a signed-in account, or None for the command line) is recorded in the audit log.
    """
    root = settings.content_dir
    stored = [
        (path.relative_to(root).as_posix(), path) for path in sorted([*iter_content_files(root), *quiz_files(root)])
    ]
    contents = [(rel, path.read_bytes(), path.stat().st_mtime) for rel, path in stored]
    files = tuple(ArchiveFile(rel, hashlib.sha256(data).hexdigest(), len(data)) for rel, data, _ in contents)
    manifest = Manifest(_now(), __version__, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n"
        zf.writestr(_zip_info(MANIFEST), text.encode("utf-8"))
        for rel, data, mtime in contents:
            zf.writestr(_zip_info(rel, mtime), data)
    name = actor.name if isinstance(actor, User) else (actor or COMMAND_LINE)
    audit.log(settings, name, "export", "", f"{manifest.count} 个文件")
    return Export(buffer.getvalue(), manifest)


# -- reading and checking a backup -------------------------------------------------------------


def _path_problem(name: str) -> str:
    """Why a zip entry may not become a content file ("" when it may)."""
    parts = name.split("/")
    if (
        name.startswith("/")
        or re.match(r"^[A-Za-z]:", name)
        or _UNSAFE_CHARS.search(name)
        or any(p in ("", ".", "..") for p in parts)
    ):
        return f"路径不安全（含“..”、绝对路径、反斜杠或控制字符）；备份中只能有 {_FOLDERS} 下的文件"
    if parts[0] not in FOLDERS or len(parts) < 2:
        return f"不在 {_FOLDERS} 下；备份中只能有这几个目录中的 .md 文件"
    if not name.endswith(".md"):
        return f"不是 Markdown 文件（.md）；备份中只能有 {_FOLDERS} 下的 .md 文件"
    if parts[-1].startswith("."):
        return "是隐藏文件（名称以“.”开头）；系统不读取这类文件，备份中不应有"
    return ""


def _entry_problem(info: zipfile.ZipInfo) -> str:
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "是符号链接；备份中只能有普通文件"
    if kind not in (0, stat.S_IFREG):
        return "不是普通文件；备份中只能有普通文件"
    if info.flag_bits & 0x1:
        return "已加密；请使用未加密的备份"
    if info.file_size > MAX_ENTRY_BYTES:
        return f"解压后 {info.file_size // 1024} KB，超过单个文件上限 {MAX_ENTRY_BYTES // 1024} KB"
    return ""


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | str:
    """The entry's bytes, or why they cannot be read; never more than `limit` bytes are inflated."""
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError):
        return "已损坏，无法解压（校验失败或压缩格式不支持）；请重新导出"
    if len(data) > limit:
        return f"解压后超过上限 {limit // 1024} KB（与 zip 中声明的大小不符）"
    return data


def _parse_manifest(raw: bytes) -> tuple[dict[str, str], list[str], dict]:
    """The manifest's files (path -> sha256), its problems, and the whole object."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}, ["不是有效的 UTF-8 JSON；清单已损坏，请重新导出"], {}
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        return {}, [f"format 不是“{FORMAT}”；这不是本系统导出的备份"], {}
    if obj.get("format_version") != FORMAT_VERSION:
        version = obj.get("format_version")
        return {}, [f"备份格式第 {version} 版，本系统只能恢复第 {FORMAT_VERSION} 版；请用相同版本的系统导出"], {}
    listed = obj.get("files")
    if not isinstance(listed, list):
        return {}, ["缺少 files 列表；清单已损坏，请重新导出"], {}
    files: dict[str, str] = {}
    problems: list[str] = []
    for i, item in enumerate(listed, 1):
        path = item.get("path") if isinstance(item, dict) else None
        sha = item.get("sha256") if isinstance(item, dict) else None
        if not isinstance(path, str) or not isinstance(sha, str) or not _SHA256.match(sha):
            problems.append(f"files 第 {i} 项应有 path 与 64 位十六进制的 sha256；清单已损坏，请重新导出")
        elif path in files:
            problems.append(f"files 中“{path}”列出了两次；清单已损坏，请重新导出")
        else:
            files[path] = sha
    if obj.get("count") != len(listed):
        problems.append(f"count 为 {obj.get('count')}，files 却列出 {len(listed)} 个文件；清单已损坏，请重新导出")
    return files, problems, obj


@dataclass(frozen=True)
class Archive:
    """A backup checked in full: its manifest and each document's bytes by path."""

    manifest: Manifest
    files: dict[str, bytes]


def read_archive(data: bytes, name: str = "备份.zip") -> Archive:
    """Open a backup and check all of it; raise ArchiveError listing every problem (by name in the zip)."""
    problems: list[ArchiveProblem] = []
    order: dict[str, int] = {}  # problems are listed in the zip's order, then the files missing from it

    def problem(path: str, message: str) -> None:
        problems.append(ArchiveProblem(path, message))

    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError([ArchiveProblem(name, f"文件过大（上限 {MAX_ARCHIVE_BYTES // 1024 // 1024} MB）")])
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveError([ArchiveProblem(name, "不是 zip 文件或已损坏；请选择用“导出”生成的备份文件")]) from None
    with zf:
        if len(infos) > MAX_ENTRIES + 1:
            raise ArchiveError([ArchiveProblem(name, f"含 {len(infos)} 个条目，超过上限 {MAX_ENTRIES} 个")])
        if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise ArchiveError(
                [ArchiveProblem(name, f"解压后总大小超过上限 {MAX_TOTAL_BYTES // 1024 // 1024} MB；疑似压缩炸弹")]
            )
        listed: dict[str, str] = {}
        manifest_obj: dict = {}
        found: dict[str, bytes] = {}
        seen: set[str] = set()
        manifests = [i for i in infos if i.filename == MANIFEST]
        if not manifests:
            problem(MANIFEST, "备份中没有清单；这不是本系统导出的备份，请选择用“导出”生成的文件")
        for info in infos:
            entry = info.filename
            if entry in seen:
                problem(entry, "在备份中出现了不止一次；备份已损坏，请重新导出")
                continue
            seen.add(entry)
            order[entry] = len(order)
            if entry == MANIFEST:
                raw = _read(zf, info, MAX_MANIFEST_BYTES)
                if isinstance(raw, str):
                    problem(entry, raw)
                    continue
                listed, messages, manifest_obj = _parse_manifest(raw)
                for message in messages:
                    problem(entry, message)
                continue
            if info.is_dir():
                unsafe = _path_problem(entry.rstrip("/") + "/x.md")
                if unsafe.startswith("路径不安全"):
                    problem(entry, unsafe)
                continue  # a folder entry makes nothing: folders come with their files
            message = _path_problem(entry) or _entry_problem(info)
            if message:
                problem(entry, message)
                continue
            content = _read(zf, info, MAX_ENTRY_BYTES)
            if isinstance(content, str):
                problem(entry, content)
                continue
            found[entry] = content
        if manifest_obj:  # a manifest that could not be read was reported: nothing to compare with
            for path, sha in listed.items():
                if path not in seen:
                    problem(path, "清单中列出，但备份中没有这个文件；备份不完整，请重新导出")
                elif path in found and hashlib.sha256(found[path]).hexdigest() != sha:
                    problem(path, "内容与清单中的 SHA-256 不符；文件已损坏或被改动，请重新导出")
            for path in sorted(found.keys() - listed.keys()):
                problem(path, "备份中有这个文件，清单中却没有；备份可能被改动过，请重新导出")
    if problems:
        raise ArchiveError(sorted(problems, key=lambda p: order.get(p.path, len(order))))
    files = tuple(ArchiveFile(p, listed[p], len(found[p])) for p in sorted(found))
    manifest = Manifest(str(manifest_obj.get("exported_at", "")), str(manifest_obj.get("tool_version", "")), files)
    return Archive(manifest, found)


__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveFile",
    "ArchiveProblem",
    "Export",
    "Manifest",
    "export_content",
    "read_archive",
]
