"""The CLI's `export` and `restore`: exit codes, Chinese messages, the signed-in 管理员, the index updated."""

from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner
from conftest import make_settings

from indexer import cli
from kb.content.documents import iter_content_files
from kb.search.index import build_index
from kb.search.service import SearchService
from kb.workflow import accounts, audit


@pytest.fixture
def env(content, settings, monkeypatch):
    """The fixture content with two documents, its index, and a 管理员 who has chosen their password."""
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))
    content.guide("G-1", title="取保候审工作指引")
    content.case("C-1")
    build_index(settings)
    accounts.add_user(settings, "admin", "管理员", "admin-password-1")
    accounts.add_user(settings, "zhao", "审核", "zhao-password-1")
    return settings


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, prog_name="python indexer.py")


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in iter_content_files(root)}


@pytest.fixture
def backup(env, tmp_path):
    out = tmp_path / "备份.zip"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"已导出 2 篇文档到 {out}（{out.stat().st_size // 1024} KB）\n"
    return out


def test_export_then_restore_into_an_empty_folder_gives_the_same_files_and_an_index(env, backup, tmp_path):
    target = make_settings(tmp_path / "copy", tmp_path)  # the same database and its 管理员
    (tmp_path / "copy").mkdir()
    result = run(
        "restore", str(backup), "--as", "admin", "--password-stdin",
        "--content", str(target.content_dir), "--index", str(tmp_path / "copy-index"),
        input="admin-password-1\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == (
        "已恢复备份中的 2 个文件（新增 2 个，覆盖 0 个，未变 0 个）\n尚未建立索引；请运行 python indexer.py build\n"
    )
    assert tree(target.content_dir) == tree(env.content_dir)
    entry = audit.read_entries(env, action="restore")[0]
    assert (entry.actor, entry.target) == ("admin", "备份.zip")


def test_restore_over_the_live_folder_updates_the_index(env, backup):
    (env.content_dir / "guides" / "G-1.md").unlink()
    build_index(env)
    result = run("restore", str(backup), "--as", "admin", "--password-stdin", "--overwrite", input="admin-password-1\n")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "已恢复备份中的 2 个文件（新增 1 个，覆盖 0 个，未变 1 个）\n索引已更新：新增 1、更新 0、删除 0 篇\n"
    )
    service = SearchService(env)
    try:
        assert service.document("G-1") is not None
    finally:
        service.close()


def test_restore_into_a_folder_with_documents_needs_overwrite_or_replace(env, backup):
    result = run("restore", str(backup), "--as", "admin", "--password-stdin", input="admin-password-1\n")
    assert result.exit_code == 1
    assert result.output == (
        f"错误：内容目录 {env.content_dir} 中已有 2 篇文档，未恢复任何文件；"
        "要用备份覆盖同名文件请加 --overwrite，要同时删除备份中没有的文件请加 --replace\n"
    )


def test_replace_removes_what_the_backup_does_not_have(env, backup, content):
    content.guide("G-2")
    result = run("restore", str(backup), "--as", "admin", "--password-stdin", "--replace", input="admin-password-1\n")
    assert result.exit_code == 0, result.output
    assert "  已删除 guides/G-2.md\n" in result.output
    assert sorted(tree(env.content_dir)) == ["casebook/盗窃/C-1.md", "guides/G-1.md"]


def test_a_damaged_backup_lists_every_problem_and_exits_1(env, backup, tmp_path):
    bad = tmp_path / "坏.zip"
    with zipfile.ZipFile(backup) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, data + b"!" if info.filename == "guides/G-1.md" else data)
        dst.writestr("../evil.md", b"x")
    result = run("restore", str(bad), "--as", "admin", "--password-stdin", "--overwrite", input="admin-password-1\n")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "guides/G-1.md: 内容与清单中的 SHA-256 不符；文件已损坏或被改动，请重新导出",
        "../evil.md: 路径不安全（含“..”、绝对路径、反斜杠或控制字符）；备份中只能有 guides/、casebook/、quizzes/ 下的文件",
        "错误：备份有 2 处问题，未恢复任何文件",
    ]


def test_a_file_that_is_not_a_zip_exits_1(env, tmp_path):
    bad = tmp_path / "备份.zip"
    bad.write_bytes(b"not a zip")
    result = run("restore", str(bad), "--as", "admin", "--password-stdin", "--overwrite", input="admin-password-1\n")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "备份.zip: 不是 zip 文件或已损坏；请选择用“导出”生成的备份文件",
        "错误：备份有 1 处问题，未恢复任何文件",
    ]


def test_a_reviewer_or_a_wrong_password_cannot_restore(env, backup):
    before = tree(env.content_dir)
    result = run("restore", str(backup), "--as", "zhao", "--password-stdin", "--replace", input="zhao-password-1\n")
    assert (result.exit_code, result.output) == (1, "错误：用户“zhao”（审核）不能恢复备份；需要“管理员”角色\n")
    result = run("restore", str(backup), "--as", "admin", "--password-stdin", "--replace", input="wrong-password\n")
    assert (result.exit_code, result.output) == (1, "错误：用户名或密码错误\n")
    assert tree(env.content_dir) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--overwrite", "--replace"], "用法错误：--overwrite 与 --replace 只能选一个"),
        (["--as", "admin", "--password-stdin", "--file", "x"], "用法错误："),
    ],
)
def test_usage_errors_exit_2(env, backup, args, message):
    base = [] if "--as" in args else ["--as", "admin", "--password-stdin"]
    result = run("restore", str(backup), *base, *args, input="admin-password-1\n")
    assert result.exit_code == 2
    assert result.output.startswith(message)


def test_restore_of_a_missing_file_and_export_without_out_are_usage_errors(env, tmp_path):
    result = run("restore", str(tmp_path / "无.zip"), "--as", "admin")
    assert result.exit_code == 2
    assert result.output.startswith("用法错误：")
    assert run("export").exit_code == 2


def test_the_backup_is_readable_by_its_owner_only(backup):
    assert backup.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(io.BytesIO(backup.read_bytes())) as zf:
        assert zf.namelist()[0] == "manifest.json"
