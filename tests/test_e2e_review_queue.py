"""End to end in chromium: a reviewer records "已复核，无需修改" on the 待复核 tab; the entry leaves the queue
and the decision is in the audit log."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import DOCUMENTS, make_content
    from tests.browser import E2E, TIMEOUT_MS, nav, shot, streamlit_server, wait_app
    from tests.test_e2e_publish import log_in, new_page
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import DOCUMENTS, make_content
    from browser import E2E, TIMEOUT_MS, nav, shot, streamlit_server, wait_app
    from test_e2e_publish import log_in, new_page

from kb.search.index import build_index
from kb.workflow import accounts

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

KIT = "guides/G-2024-902.md"
COMMENT = "抽血流程已核对，与现行规定一致"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server over content where G-2024-902 is past its review date (2025-06-01), with one reviewer."""
    root = tmp_path_factory.mktemp("e2e-review-queue")
    documents = {**DOCUMENTS, KIT: DOCUMENTS[KIT].replace("version: 1\n", "version: 1\nreview_by: 2025-06-01\n")}
    content = make_content(root, documents)
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "zhao", "审核", "zhao-password")
    with streamlit_server(root, content, search_log=False) as url:
        yield url


def test_a_reviewer_records_no_change_and_the_entry_leaves_the_queue(site, browser):
    page = new_page(browser)
    log_in(page, site, "zhao", "zhao-password")
    nav(page, "审核发布")
    page.get_by_role("tab", name="待复核（1）").click()
    page.get_by_text("复核日期 2025-06-01，已逾期", exact=False).first.wait_for(state="attached")
    comment = page.get_by_label("复核意见（必填）")
    comment.fill(COMMENT)
    comment.press("Control+Enter")
    wait_app(page)
    shot(page, "42-review-queue")
    page.get_by_role("button", name="记录已复核").click()
    page.get_by_text("已记录 G-2024-902“已复核，无需修改”：到期复核；已记入审计日志").wait_for()
    page.get_by_role("tab", name="待复核（0）").click()
    page.get_by_text("没有待复核的文档。").wait_for()
    shot(page, "43-review-queue-cleared")

    nav(page, "审计日志")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [r[2:] for r in rows[1:] if r[3] == "已复核，无需修改"] == [
        [
            "zhao",
            "已复核，无需修改",
            "G-2024-902",
            f"到期复核（复核日期 2025-06-01，已逾期 {(date.today() - date(2025, 6, 1)).days} 天）；复核意见：{COMMENT}",
        ]
    ]
    page.context.close()
