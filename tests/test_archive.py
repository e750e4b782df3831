"""The backup of the published content: the zip and its manifest, and every problem a bad backup can have."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile
from pathlib import Path

import pytest

from kb.content.documents import iter_content_files
from kb.content.quizzes import quiz_files
from kb.workflow import audit
from kb.workflow.archive import MANIFEST, MAX_ENTRY_BYTES, ArchiveError, export_content, read_archive


def tree(root: Path) -> dict[str, bytes]:
    """Every document under guides/ and casebook/ and every quiz file under quizzes/ by path, as bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in [*iter_content_files(root), *quiz_files(root)]}


def manifest_of(files: dict[str, bytes], **changes) -> bytes:
    listed = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)} for p, d in files.items()]
    obj = {
        "format": "casekb-content",
        "format_version": 1,
        "tool": "casekb",
        "tool_version": "0.1.0",
        "exported_at": "2026-12-01T10:00:00+08:00",
        "count": len(listed),
        "files": listed,
    }
    return json.dumps({**obj, **changes}, ensure_ascii=False).encode("utf-8")


def zip_of(entries: dict[str, bytes], manifest: bytes | None = None) -> bytes:
    """A zip of `entries`, with a manifest listing exactly them unless another (or b"" for none) is given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        if manifest != b"":
            zf.writestr(MANIFEST, manifest if manifest is not None else manifest_of(entries))
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def problems(data: bytes) -> list[str]:
    with pytest.raises(ArchiveError) as caught:
        read_archive(data, "备份.zip")
    return [str(p) for p in caught.value.problems]


GOOD = {
    "guides/G-1.md": "---\nid: G-1\n---\n正文\n".encode(),
    "casebook/盗窃/C-1.md": "---\nid: C-1\n---\n案情\n".encode(),
}


# -- export ------------------------------------------------------------------------------------


def test_the_manifest_lists_every_file_with_its_hash_count_time_and_version(content, settings):
    content.guide("G-1")
    content.case("C-1")
    exported = export_content(settings)
    with zipfile.ZipFile(io.BytesIO(exported.data)) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read(MANIFEST))
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in zf.infolist()}
    assert names == [MANIFEST, "casebook/盗窃/C-1.md", "guides/G-1.md"]
    assert manifest["format"] == "casekb-content" and manifest["tool_version"] == "0.1.0"
    assert manifest["count"] == 2 and manifest["exported_at"] == exported.manifest.exported_at
    data = (content.root / "guides/G-1.md").read_bytes()
    assert manifest["files"][1] == {
        "path": "guides/G-1.md",
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    assert set(modes.values()) == {0o644}


def test_an_export_is_audited_with_who_made_it(content, settings):
    content.guide("G-1")
    export_content(settings, "zhao")
    export_content(settings)
    entries = audit.read_entries(settings, action="export")
    assert [(e.actor, e.label, e.detail) for e in entries] == [
        ("命令行", "导出内容备份", "1 个文件"),
        ("zhao", "导出内容备份", "1 个文件"),
    ]


# -- bad backups: every problem, by its name in the zip ----------------------------------------


def test_a_file_that_is_not_a_zip_is_refused():
    assert problems(b"PK\x03\x04 not really a zip") == ["备份.zip: 不是 zip 文件或已损坏；请选择用“导出”生成的备份文件"]


def test_paths_that_leave_the_content_folder_are_refused():
    bad = {"../evil.md": b"x", "/etc/evil.md": b"x", "guides/../../evil.md": b"x", "guides\\evil.md": b"x"}
    unsafe = "路径不安全（含“..”、绝对路径、反斜杠或控制字符）；备份中只能有 guides/、casebook/、quizzes/ 下的文件"
    assert problems(zip_of({**GOOD, **bad})) == [f"{name}: {unsafe}" for name in bad]


def test_files_that_are_not_markdown_or_outside_the_two_folders_are_refused():
    bad = {"guides/G-1.txt": b"x", "data/taxonomy.md": b"x", "guides/.hidden.md": b"x"}
    assert problems(zip_of({**GOOD, **bad})) == [
        "guides/G-1.txt: 不是 Markdown 文件（.md）；备份中只能有 guides/、casebook/、quizzes/ 下的 .md 文件",
        "data/taxonomy.md: 不在 guides/、casebook/、quizzes/ 下；备份中只能有这几个目录中的 .md 文件",
        "guides/.hidden.md: 是隐藏文件（名称以“.”开头）；系统不读取这类文件，备份中不应有",
    ]


def test_a_file_listed_but_missing_a_changed_file_and_an_unlisted_file_are_each_reported():
    listed = manifest_of({**GOOD, "guides/G-2.md": b"gone"})
    changed = {**GOOD, "guides/G-1.md": b"changed", "guides/G-3.md": b"extra"}
    assert problems(zip_of(changed, listed)) == [
        "guides/G-1.md: 内容与清单中的 SHA-256 不符；文件已损坏或被改动，请重新导出",
        "guides/G-3.md: 备份中有这个文件，清单中却没有；备份可能被改动过，请重新导出",
        "guides/G-2.md: 清单中列出，但备份中没有这个文件；备份不完整，请重新导出",  # after those in the zip
    ]


def test_a_zip_without_a_manifest_or_with_a_broken_one_is_refused():
    assert problems(zip_of(GOOD, b"")) == [
        "manifest.json: 备份中没有清单；这不是本系统导出的备份，请选择用“导出”生成的文件"
    ]
    assert problems(zip_of(GOOD, b"{not json")) == ["manifest.json: 不是有效的 UTF-8 JSON；清单已损坏，请重新导出"]
    assert problems(zip_of(GOOD, manifest_of(GOOD, count=5))) == [
        "manifest.json: count 为 5，files 却列出 2 个文件；清单已损坏，请重新导出"
    ]


def test_symlinks_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(MANIFEST, manifest_of({**GOOD, "guides/link.md": b"/etc/passwd"}))
        for name, data in GOOD.items():
            zf.writestr(name, data)
        link = zipfile.ZipInfo("guides/link.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    assert problems(buffer.getvalue()) == ["guides/link.md: 是符号链接；备份中只能有普通文件"]


def test_a_zip_bomb_is_refused_without_inflating_it():
    big = b"0" * (MAX_ENTRY_BYTES + 1)  # deflates to a few KB
    data = zip_of({**GOOD, "guides/G-2.md": big})
    assert len(data) < 100_000
    assert problems(data) == ["guides/G-2.md: 解压后 8192 KB，超过单个文件上限 8192 KB"]


def test_an_entry_whose_header_understates_its_size_is_read_no_further_than_it_says(monkeypatch):
    data = zip_of({**GOOD, "guides/G-2.md": b"1" * 200})
    real = zipfile.ZipFile.infolist

    def lying(self):
        infos = real(self)
        for info in infos:
            if info.filename == "guides/G-2.md":
                info.file_size = 50
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    assert problems(data) == ["guides/G-2.md: 已损坏，无法解压（校验失败或压缩格式不支持）；请重新导出"]
