"""End to end in chromium: a 管理员 downloads the content backup from the 审计日志 page, changes a document,
and restores the backup by upload with the confirmation; nothing is fetched from outside the machine."""

from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, LOCAL_HOSTS, TIMEOUT_MS, nav, shot, streamlit_server, wait_app
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, LOCAL_HOSTS, TIMEOUT_MS, nav, shot, streamlit_server, wait_app

from kb.content.documents import iter_content_files
from kb.search.index import build_index
from kb.workflow import accounts, audit

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e-backup")
    content = make_content(root)
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "qian", "管理员", "qian-password")
    with streamlit_server(root, content, search_log=False) as url:
        yield url, settings


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in iter_content_files(root)}


def test_download_the_backup_then_restore_it_by_upload(site, browser, tmp_path):
    url, settings = site
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN", accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda req: requests.append(req.url))
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url + "/login")
    page.get_by_label("用户名").fill("qian")
    page.get_by_label("密码").fill("qian-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("当前用户：qian", exact=False).first.wait_for()
    wait_app(page)
    nav(page, "审计日志")

    export = page.get_by_role("button", name="导出全部已发布内容（zip）")
    export.wait_for()
    # The zip is made when the button is clicked (a callable download): on a loaded CI machine that
    # took longer than the default 30 s once, so the wait is longer.
    with page.expect_download(timeout=90_000) as download:
        export.click()
    assert download.value.suggested_filename.startswith("内容备份-")
    backup = tmp_path / "备份.zip"
    download.value.save_as(backup)
    with zipfile.ZipFile(backup) as zf:
        files = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    before = tree(settings.content_dir)
    assert files == before
    assert audit.read_entries(settings, action="export")[0].actor == "qian"

    changed = settings.content_dir / "guides" / "G-2024-901.md"
    changed.write_text("被改坏了", encoding="utf-8")
    page.get_by_text("从备份恢复（管理员）").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(backup))
    page.get_by_text("备份.zip").first.wait_for()
    wait_app(page)
    page.get_by_text("覆盖：同名文件换成备份中的，其他文件保留").click()
    wait_app(page)
    page.get_by_text("我已确认：恢复会修改已发布内容").click()
    wait_app(page)
    page.get_by_role("button", name="恢复", exact=True).click()
    page.get_by_text(f"已恢复备份中的 {len(before)} 个文件（新增 0 个，覆盖 1 个", exact=False).wait_for()
    wait_app(page)
    shot(page, "backup-restored")
    assert tree(settings.content_dir) == before
    assert Path(changed).read_bytes() == before["guides/G-2024-901.md"]
    assert {urlsplit(r).hostname for r in requests} <= LOCAL_HOSTS
    context.close()
