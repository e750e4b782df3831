"""The 内容备份 section of the 审计日志 page through AppTest: the export download, the 管理员's confirmed restore."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from kb.content.documents import iter_content_files
from kb.search.index import build_index
from kb.search.service import SearchService
from kb.settings import load_settings
from kb.workflow import accounts, audit

try:
    from tests.app_fixtures import make_content
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content

TIMEOUT = 60  # the first run loads jieba's dictionary
PASSWORDS = {"zhao": "zhao-password", "admin": "admin-password"}
EXPORT = "导出全部已发布内容（zip）"


@pytest.fixture
def env(tmp_path, monkeypatch):
    content = make_content(tmp_path)
    monkeypatch.setenv("KB_CONTENT", str(content))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("KB_DB", str(tmp_path / "casekb.sqlite3"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)
    settings = load_settings()
    build_index(settings)
    accounts.add_user(settings, "zhao", "审核", PASSWORDS["zhao"])
    accounts.add_user(settings, "admin", "管理员", PASSWORDS["admin"])
    return settings


@pytest.fixture
def deferred(monkeypatch) -> dict[str, object]:
    """The download buttons' deferred callables by file id (AppTest has no browser to click them)."""
    found: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = real(self, data_callable, *args, **kwargs)
        found[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return found


def check(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def audit_page(name: str) -> AppTest:
    at = check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())
    at.switch_page("app_pages/login.py")
    check(at.run())
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORDS[name])
    at.button[0].click()
    check(at.run())
    at.switch_page("app_pages/audit_log.py")
    return check(at.run())


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in iter_content_files(root)}


def export_of(at: AppTest, deferred: dict) -> bytes:
    (button,) = [b for b in at.get("download_button") if b.proto.label == EXPORT]
    return deferred[button.proto.deferred_file_id]()


@pytest.mark.parametrize("name", ["zhao", "admin"])
def test_a_reviewer_and_an_administrator_download_every_document_as_a_zip(env, deferred, name):
    at = audit_page(name)
    assert [b.proto.label for b in at.get("download_button")] == ["下载 CSV", EXPORT]
    data = export_of(at, deferred)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    assert files == tree(env.content_dir) and len(files) >= 3
    entry = audit.read_entries(env, action="export")[0]
    assert (entry.actor, entry.detail) == (name, f"{len(files)} 个文件")


def test_only_the_administrator_sees_the_restore(env):
    assert [e.label for e in audit_page("zhao").expander] == []
    assert [e.label for e in audit_page("admin").expander] == ["从备份恢复（管理员）"]


def test_the_restore_needs_a_file_and_the_confirmation_then_replaces_and_reindexes(env, deferred):
    at = audit_page("admin")
    backup = export_of(at, deferred)
    target = env.content_dir / "guides" / "G-2024-901.md"
    original = target.read_bytes()
    target.write_bytes(original.replace("盗窃案件办理指引".encode(), "改过的标题".encode(), 1))
    build_index(env)

    assert at.button(key="backup_restore").disabled
    at.file_uploader(key="backup_upload").upload("备份.zip", backup, "application/zip")
    check(at.run())
    assert at.button(key="backup_restore").disabled  # not yet confirmed
    at.checkbox(key="backup_sure").check()
    check(at.run())
    at.button(key="backup_restore").click()
    check(at.run())
    count = len(tree(env.content_dir))
    assert [e.value for e in at.error] == [
        f"内容目录中已有 {count} 篇文档，未恢复任何文件；"
        "要用备份覆盖同名文件请选择“覆盖”，要同时删除备份中没有的文件请选择“替换”"
    ]

    at.radio(key="backup_mode").set_value("overwrite")
    check(at.run())
    at.button(key="backup_restore").click()
    check(at.run())
    assert [e.value for e in at.success] == [
        f"已恢复备份中的 {count} 个文件（新增 0 个，覆盖 1 个，未变 {count - 1} 个）；索引已更新"
    ]
    assert target.read_bytes() == original
    service = SearchService(env)
    try:
        assert service.document("G-2024-901")["title"] == "盗窃案件办理指引"
    finally:
        service.close()
    assert audit.read_entries(env, action="restore")[0].target == "备份.zip"


def test_a_damaged_backup_is_listed_problem_by_problem(env):
    at = audit_page("admin")
    at.file_uploader(key="backup_upload").upload("备份.zip", b"not a zip", "application/zip")
    at.checkbox(key="backup_sure").check()
    check(at.run())
    at.button(key="backup_restore").click()
    check(at.run())
    assert [e.value for e in at.error] == [
        "备份有 1 处问题，未恢复任何文件\n\n- `备份.zip: 不是 zip 文件或已损坏；请选择用“导出”生成的备份文件`"
    ]
