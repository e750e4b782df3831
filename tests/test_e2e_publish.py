"""End to end in chromium: an editor drafts and submits, a reviewer publishes, search finds it, the old one is retired."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import (
        E2E,
        TIMEOUT_MS,
        after_text,
        nav,
        shot,
        source_mode,
        streamlit_server,
        wait_app,
    )
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import (
        E2E,
        TIMEOUT_MS,
        after_text,
        nav,
        shot,
        source_mode,
        streamlit_server,
        wait_app,
    )

from kb.search.index import build_index
from kb.workflow import accounts, audit

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)  # assertions retry as long as locators wait

NEW_GUIDE = """---
id: G-2025-950
title: 盗窃电动车案件快速处置指引
kind: 办案指引
category: 盗窃
stage: [调查取证]
tags: [电动车, 快速处置]
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 现行
supersedes: [G-2024-902]
issued: 2025-06-01
version: 1
summary: 接报电动车被盗后三十分钟内完成视频追踪部署。
---

## 快速处置

接报电动车被盗后，应当在三十分钟内调取周边视频，锁定嫌疑人逃跑路线。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A streamlit server over fresh content, index and database, with an editor and a reviewer."""
    root = tmp_path_factory.mktemp("e2e-publish")
    content = make_content(root)
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "lin", "编辑", "lin-password")
    accounts.add_user(settings, "zhao", "审核", "zhao-password")
    with streamlit_server(root, content, search_log=False) as url:
        yield url, settings


def new_page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    return pg


def log_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    hint = page.locator('[data-testid="stForm"] [data-testid="InputInstructions"] > span').first
    hint.wait_for(state="attached")  # Streamlit's "Press Enter to submit form", in Chinese
    assert after_text(hint, '"按回车键提交"') == '"按回车键提交"'
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"当前用户：{name}", exact=False).first.wait_for()
    wait_app(page)


def test_draft_submit_publish_search_supersede_and_audit(site, browser):
    url, settings = site
    # The site is shared with this module's other tests (in any order): only this test's entries count.
    before = max((e.id for e in audit.read_entries(settings)), default=0)
    editor = new_page(browser)
    log_in(editor, url, "lin", "lin-password")
    nav(editor, "编写")
    editor.get_by_role("button", name="新建草稿").click()
    editor.get_by_role("textbox", name="标题").wait_for()
    source_mode(editor)
    area = editor.get_by_role("textbox", name="Markdown 全文（含 front matter）")
    area.wait_for()
    area.fill(NEW_GUIDE)
    hint = editor.locator('[data-testid="stTextArea"] [data-testid="InputInstructions"] > span').first
    hint.wait_for(state="attached")  # Streamlit's "Press Ctrl+Enter to apply", in Chinese
    assert after_text(hint, '"按 Ctrl+Enter 确认"') == '"按 Ctrl+Enter 确认"'
    area.press("Control+Enter")  # commit the text: autosave and live preview
    editor.locator("h1.kb-doc-title", has_text="盗窃电动车案件快速处置指引").wait_for()
    wait_app(editor)
    # the draft list names the draft by the id and title it now has, not the template's
    picked = editor.locator('[data-testid="stSelectbox"] input[role="combobox"]').first
    # expect() retries: Streamlit streams a rerun's elements, so a value can land a moment later
    sync_api.expect(picked).to_have_value(re.compile(re.escape("盗窃电动车案件快速处置指引（G-2025-950）")))
    shot(editor, "20-editor-preview")
    editor.get_by_role("tab", name="校验").click()
    editor.get_by_text("校验通过，可以提交").first.wait_for()
    editor.get_by_role("button", name="提交审核").click()
    editor.get_by_text("已提交审核", exact=False).first.wait_for()
    wait_app(editor)

    reviewer = new_page(browser)
    log_in(reviewer, url, "zhao", "zhao-password")
    nav(reviewer, "审核发布")
    reviewer.get_by_text("待审核（1）").wait_for()
    reviewer.get_by_text("这是新文档，没有已发布的版本可对比。").wait_for()
    shot(reviewer, "21-review")
    reviewer.get_by_role("button", name="发布", exact=True).click()
    reviewer.get_by_text("已发布 G-2025-950 第 1 版：guides/G-2025-950.md；G-2024-902 已标记为不再参照").wait_for()

    # search finds it at once, from a fresh visitor's page: the first search, no rebuild in between
    reader = new_page(browser)
    reader.goto(url + "/?q=" + quote("三十分钟内调取周边视频"))
    reader.get_by_role("link", name="盗窃电动车案件快速处置指引").wait_for()
    shot(reader, "22-search-finds-it")
    reader.goto(url + "/doc?id=G-2024-902")
    reader.get_by_text("本文已不再参照").wait_for()
    reader.get_by_role("link", name="查看新版：盗窃电动车案件快速处置指引（G-2025-950）").wait_for()
    shot(reader, "23-superseded-banner")

    # the audit log shows every step, and exports it
    nav(reviewer, "审计日志")
    with reviewer.expect_download() as download:
        reviewer.get_by_role("button", name="下载 CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    steps = [(r[2], r[3]) for r in reversed(rows[1:]) if int(r[0]) > before and r[3] not in ("登录", "新增用户")]
    assert steps == [
        ("lin", "新建草稿"),
        ("lin", "保存草稿"),
        ("lin", "提交审核"),
        ("zhao", "发布"),
        ("zhao", "标记不再参照"),
    ]
    shot(reviewer, "24-audit-log")
    for pg in (editor, reviewer, reader):
        pg.context.close()


def test_a_bookmarked_review_page_asks_to_log_in_in_chinese(site, browser):
    url, _ = site
    page = new_page(browser)
    page.goto(url + "/review")  # a new session: nobody is logged in
    wait_app(page)
    page.get_by_text("请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。").wait_for()
    assert page.get_by_text("Page not found", exact=False).count() == 0
    assert page.get_by_text("未找到该页面").count() == 0  # the same dialog, translated (ui/chrome_zh.py)
    menu = page.locator('[data-testid="stSidebarNav"]')
    assert menu.get_by_role("link", name="登录", exact=True).count() == 1
    assert menu.get_by_role("link", name="审核发布", exact=True).count() == 0
    page.context.close()


def upload_tab(url: str, browser):
    """The editor's upload tab, for a logged-in editor."""
    page = new_page(browser)
    log_in(page, url, "lin", "lin-password")
    nav(page, "编写")
    page.get_by_role("tab", name="上传 Markdown 或 Word 文件").click()
    return page


def choose_file(page, path) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text(path.name).first.wait_for()
    wait_app(page)


def test_a_word_file_is_refused_in_chinese(site, browser, tmp_path):
    url, _ = site
    page = upload_tab(url, browser)
    source = tmp_path / "接报案指引.docx"
    source.write_bytes(b"PK\x03\x04 a Word file")
    choose_file(page, source)
    assert page.get_by_text("not allowed", exact=False).count() == 0  # Streamlit's own English refusal
    page.get_by_role("button", name="上传并新建草稿").click()
    page.get_by_text("“接报案指引.docx”已损坏或不是有效的 Word 文档，无法读取", exact=False).wait_for()
    page.context.close()


def test_a_gbk_upload_shows_the_message_and_keeps_the_text(site, browser, tmp_path):
    url, settings = site
    page = upload_tab(url, browser)
    instructions = page.locator('[data-testid="stFileUploaderDropzoneInstructions"] span').first
    drawn = after_text(instructions)
    assert drawn == '"或把文件拖到此处 · 单个文件不超过 1 MB"'
    button = page.locator('[data-testid="stFileUploaderDropzone"] button p').first
    assert after_text(button, '"选择文件"') == '"选择文件"'
    source = tmp_path / "旧指引.md"
    source.write_bytes(NEW_GUIDE.replace("G-2025-950", "G-2025-951").encode("gb18030"))
    choose_file(page, source)
    page.get_by_role("button", name="上传并新建草稿").click()
    page.get_by_text("已按 GBK/GB18030 编码读入草稿", exact=False).first.wait_for()
    page.get_by_text("上传的文件校验通过", exact=False).first.wait_for()
    assert page.get_by_text("修改后才能提交", exact=False).count() == 0
    source_mode(page)
    area = page.get_by_role("textbox", name="Markdown 全文（含 front matter）")
    sync_api.expect(area).to_have_value(re.compile("接报电动车被盗后，应当在三十分钟内调取周边视频"))
    shot(page, "25-upload-gbk")
    assert audit.read_entries(settings, action="upload")[0].detail.startswith("旧指引.md，")
    page.context.close()
