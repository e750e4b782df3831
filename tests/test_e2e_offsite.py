"""End to end in chromium: a guide whose title and body link external images, published through the
web workflow (with a reviewer's return comment linking one too), is shown on every page without a
single request leaving 127.0.0.1."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import LEARNING_PATHS, make_content
    from tests.browser import (
        E2E,
        LOCAL_HOSTS,
        TIMEOUT_MS,
        nav,
        shot,
        source_mode,
        streamlit_server,
        wait_app,
    )
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import LEARNING_PATHS, make_content
    from browser import (
        E2E,
        LOCAL_HOSTS,
        TIMEOUT_MS,
        nav,
        shot,
        source_mode,
        streamlit_server,
        wait_app,
    )

from kb.search.index import build_index
from kb.workflow import accounts

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)  # assertions retry as long as locators wait

HOST = "203.0.113.9"  # TEST-NET-3: never a real machine
IMAGE = f"![追踪](http://{HOST}/t.png)"
TITLE = f"盗窃电动车{IMAGE}快速处置指引"

GUIDE = f"""---
id: G-2025-950
title: '{TITLE}'
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

现场示意：{IMAGE}

接报电动车被盗后，应当在三十分钟内调取周边视频，锁定嫌疑人逃跑路线。
<img src="https://{HOST}/raw.png">
"""

CASE = f"""---
id: C-2024-950
title: '李某盗窃电瓶![照片](https://{HOST}/case.png)案'
category: 盗窃
case_type: 刑事
charges: [盗窃罪]
year: 2024
unit: 某县公安局城关派出所
tags: [电瓶]
laws: [刑法第二百六十四条]
audience: [办案民警]
stage: [调查取证]
status: 现行
issued: 2024-06-01
version: 1
summary: 多次盗窃电动车电瓶的认定。
---

## 基本案情
李某盗窃电动车电瓶三次。![监控截图](http://{HOST}/cctv.png)

## 办案过程
民警调取监控。

## 法律适用
依照刑法第二百六十四条认定多次盗窃。

## 处理结果
依法处理。

## 办案要旨
多次盗窃不以数额为要件。

## 指导意义
对同类案件有参考价值。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Fixture content with a case linking external images, an editor and a reviewer, served."""
    root = tmp_path_factory.mktemp("e2e-offsite")
    content = make_content(root)
    (content / "casebook" / "盗窃" / "C-2024-950.md").write_text(CASE, encoding="utf-8")
    # the published guide is first on the 办案民警 learning path
    learning = LEARNING_PATHS.replace("办案民警:\n", "办案民警:\n  - id: G-2025-950\n    reason: 快速处置\n")
    (content / "data" / "learning_paths.yaml").write_text(learning, encoding="utf-8")
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "lin", "编辑", "lin-password")
    accounts.add_user(settings, "zhao", "审核", "zhao-password")
    with streamlit_server(root, content, search_log=True) as url:
        yield url


@pytest.fixture
def open_page(browser):
    """New pages whose every request is recorded; a request off the machine is recorded and refused."""
    seen: list[str] = []
    contexts = []

    def route(r):
        (r.continue_ if urlsplit(r.request.url).hostname in LOCAL_HOSTS else r.abort)()

    def new_page():
        context = browser.new_context(viewport={"width": 1500, "height": 1600}, locale="zh-CN")
        context.on("request", lambda req: seen.append(req.url))
        context.route("**/*", route)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    new_page.seen = seen
    yield new_page
    for context in contexts:
        context.close()


def log_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"当前用户：{name}", exact=False).first.wait_for()
    wait_app(page)


def rerun(page) -> None:
    """Run the page's script again in the same session (Streamlit's R shortcut), as after a refresh."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # R in a text box is typed
    page.keyboard.press("r")
    wait_app(page)


def shows_as_text(page, text: str) -> None:
    """The text is on the page literally (so its Markdown was not read) and no image points off the machine."""
    page.get_by_text(text, exact=False).first.wait_for()
    assert page.locator(f'img[src*="{HOST}"]').count() == 0


def test_external_images_in_a_published_guide_and_a_comment_are_never_fetched(site, open_page):
    url = site
    editor = open_page()
    log_in(editor, url, "lin", "lin-password")
    nav(editor, "编写")
    editor.get_by_role("button", name="新建草稿").click()
    source_mode(editor)
    area = editor.get_by_role("textbox", name="Markdown 全文（含 front matter）")
    area.fill(GUIDE)
    area.press("Control+Enter")  # autosave and preview
    editor.locator(".kb-image-note", has_text="［外部图片未显示：追踪］").wait_for()  # the preview
    editor.get_by_role("tab", name="校验").click()
    shows_as_text(editor, f"外部图片链接“http://{HOST}/t.png”")  # check's warning, before submitting
    editor.get_by_role("button", name="提交审核").click()
    editor.get_by_text("已提交审核", exact=False).first.wait_for()
    wait_app(editor)

    reviewer = open_page()
    log_in(reviewer, url, "zhao", "zhao-password")
    nav(reviewer, "审核发布")
    reviewer.get_by_text("待审核（1）").wait_for()
    reviewer.get_by_role("tab", name="预览").click()
    reviewer.locator(".kb-image-note", has_text="［外部图片未显示：追踪］").first.wait_for()
    reviewer.get_by_label("修改意见（必填）").fill(f"请删除外部图片 {IMAGE}")
    reviewer.get_by_role("button", name="退回", exact=True).click()
    reviewer.get_by_text("已退回给 lin", exact=False).wait_for()

    rerun(editor)  # the author sees the comment
    shows_as_text(editor, f"修改意见：请删除外部图片 {IMAGE}")
    shot(editor, "30-offsite-returned")
    editor.get_by_role("button", name="提交审核").click()
    editor.get_by_text("已提交审核", exact=False).first.wait_for()

    rerun(reviewer)
    reviewer.get_by_text("待审核（1）").wait_for()
    reviewer.get_by_role("button", name="发布", exact=True).click()
    reviewer.get_by_text("已发布 G-2025-950 第 1 版", exact=False).wait_for()
    nav(reviewer, "统计")
    nav(reviewer, "审计日志")

    reader = open_page()
    visits = [
        ("/?q=" + quote("三十分钟内调取周边视频"), TITLE),  # a result's link
        ("/?q=" + quote(IMAGE), IMAGE),  # a shared search for the image itself
        ("/?cat=" + quote(IMAGE), IMAGE),  # a facet value from the URL
        (f"/doc?id=G-2025-950&q={quote(IMAGE)}", f"返回检索“{IMAGE}”"),
        ("/doc?id=G-2024-902", f"查看新版：{TITLE}"),  # the guide it supersedes
        ("/doc?id=C-2024-950", "［外部图片未显示：监控截图］"),
        ("/guides", TITLE),
        ("/casebook", f"李某盗窃电瓶![照片](https://{HOST}/case.png)案"),
        ("/casebook?cat=" + quote(IMAGE), IMAGE),
        ("/similar?id=C-2024-950", f"李某盗窃电瓶![照片](https://{HOST}/case.png)案"),
        ("/learning", TITLE),
        ("/stats", "统计"),
    ]
    for path, text in visits:
        reader.goto(url + path)
        wait_app(reader)
        shows_as_text(reader, text)
    reader.goto(url + "/doc?id=G-2025-950")
    wait_app(reader)
    sync_api.expect(reader.locator(".kb-image-note")).to_have_text(["［外部图片未显示：追踪］"])
    shot(reader, "31-offsite-document")

    seen = open_page.seen
    assert seen  # the pages were loaded and recorded
    off = sorted({u for u in seen if urlsplit(u).hostname not in LOCAL_HOSTS})
    assert off == [], off
