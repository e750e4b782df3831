"""Restoring a backup: the bundled content byte for byte, folders with documents, all or nothing, 管理员 only."""

from __future__ import annotations

import pytest
from conftest import make_settings
from test_archive import GOOD, tree, zip_of

from kb.errors import AuthError, PublishError
from kb.search.repair import read_repair_marker
from kb.settings import REPO_ROOT
from kb.workflow import accounts, audit, versions
from kb.workflow.archive import ArchiveError, export_content
from kb.workflow.filechange import FileChanges
from kb.workflow.restore import OVERWRITE, REPLACE, NotEmptyError, restore_content

ADMIN = "admin"


@pytest.fixture
def admin(settings):
    accounts.add_user(settings, ADMIN, "管理员", "admin-password-1")
    return ADMIN


# -- the round trip ----------------------------------------------------------------------------


def test_the_bundled_content_comes_back_byte_for_byte_in_an_empty_folder(settings, admin, tmp_path):
    bundled = make_settings(REPO_ROOT, tmp_path / "source")
    exported = export_content(bundled)
    restored = restore_content(settings, admin, exported.data, "备份.zip")

    want = tree(REPO_ROOT)
    got = tree(settings.content_dir)
    assert len(want) > 50
    assert sorted(got) == sorted(want)
    for rel, data in want.items():
        assert got[rel] == data, rel
    assert restored.added == tuple(sorted(want)) and restored.overwritten == restored.removed == ()
    assert restored.summary == f"已恢复备份中的 {len(want)} 个文件（新增 {len(want)} 个，覆盖 0 个，未变 0 个）"
    assert [p.name for p in settings.content_dir.rglob(".*")] == []  # no temporaries left


def test_a_restore_is_audited_and_marks_the_index_to_catch_up(settings, admin):
    restore_content(settings, admin, zip_of(GOOD), "备份.zip")
    entry = audit.read_entries(settings, action="restore")[0]
    assert (entry.actor, entry.label, entry.target) == (ADMIN, "恢复内容备份", "备份.zip")
    assert entry.detail == "导出于 2026-12-01T10:00:00+08:00，2 个文件：新增 2，覆盖 0，未变 0，删除 0"
    assert read_repair_marker(settings.index_dir)["reasons"] == ["已恢复备份 备份.zip"]


# -- content folders that already have documents ----------------------------------------------


def test_a_folder_with_documents_is_refused_without_overwrite(content, settings, admin):
    content.guide("G-9")
    before = tree(content.root)
    with pytest.raises(NotEmptyError) as caught:
        restore_content(settings, admin, zip_of(GOOD))
    assert str(caught.value) == (
        "内容目录中已有 1 篇文档，未恢复任何文件；要用备份覆盖同名文件请选择“覆盖”，要同时删除备份中没有的文件请选择“替换”"
    )
    assert tree(content.root) == before
    assert audit.read_entries(settings, action="restore") == []


def test_overwrite_replaces_files_of_the_same_path_keeps_the_others_and_their_old_text(content, settings, admin):
    old = content.guide("G-1", title="旧标题").read_text(encoding="utf-8")
    content.guide("G-9")
    same = {"guides/G-9.md": (content.root / "guides/G-9.md").read_bytes()}
    result = restore_content(settings, admin, zip_of({**GOOD, **same}), mode=OVERWRITE)
    assert (result.added, result.overwritten, result.unchanged, result.removed) == (
        ("casebook/盗窃/C-1.md",),
        ("guides/G-1.md",),
        ("guides/G-9.md",),
        (),
    )
    assert tree(content.root) == {**GOOD, **same}
    assert [v.text for v in versions.history(settings, "G-1")] == [old]  # what was overwritten is kept


def test_replace_also_removes_the_documents_the_backup_does_not_have(content, settings, admin):
    content.guide("G-9")
    content.case("C-9", category="诈骗")
    result = restore_content(settings, admin, zip_of(GOOD), mode=REPLACE)
    assert result.removed == ("casebook/诈骗/C-9.md", "guides/G-9.md")
    assert tree(content.root) == GOOD
    assert result.summary == "已恢复备份中的 2 个文件（新增 2 个，覆盖 0 个，未变 0 个，删除备份中没有的 2 个）"


def test_a_failure_half_way_leaves_the_folder_as_it_was(content, settings, admin, monkeypatch):
    content.guide("G-1", title="旧标题")
    content.guide("G-9")
    before = tree(content.root)
    real_put, calls = FileChanges.put, []

    def put(self, target, staged):
        calls.append(target)
        if len(calls) == 2:
            raise OSError("磁盘已满")
        real_put(self, target, staged)

    monkeypatch.setattr(FileChanges, "put", put)
    with pytest.raises(PublishError) as caught:
        restore_content(settings, admin, zip_of(GOOD), mode=REPLACE)
    assert str(caught.value) == "写入内容目录失败（磁盘已满）；未恢复任何文件，内容目录保持原样"
    assert tree(content.root) == before
    assert not (content.root / "casebook" / "盗窃").exists()  # the folder made for the backup is gone too
    assert [p.name for p in content.root.rglob(".*")] == []
    assert audit.read_entries(settings, action="restore") == []


def test_only_an_administrator_may_restore(content, settings, admin):
    accounts.add_user(settings, "zhao", "审核", "zhao-password-1")
    with pytest.raises(AuthError) as caught:
        restore_content(settings, "zhao", zip_of(GOOD))
    assert str(caught.value) == "用户“zhao”（审核）不能恢复备份；需要“管理员”角色"
    assert audit.read_entries(settings, action="denied")[0].detail == "审核试图恢复备份"
    assert tree(content.root) == {}


def test_nothing_is_written_when_the_backup_has_a_problem(settings, admin):
    with pytest.raises(ArchiveError) as caught:
        restore_content(settings, admin, zip_of({**GOOD, "../evil.md": b"x"}))
    assert str(caught.value) == "备份有 1 处问题，未恢复任何文件"
    assert tree(settings.content_dir) == {}
    assert not (settings.content_dir.parent / "evil.md").exists()
