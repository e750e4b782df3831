"""End to end in chromium: a withdrawn document's old link explains itself; 版本历史 shows a field table and
the body with its Markdown structure, drawn as such by the browser."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import make_settings

try:
    from tests.app_fixtures import make_content
    from tests.browser import E2E, TIMEOUT_MS, streamlit_server, wait_app
    from tests.test_e2e_publish import log_in, nav, new_page, shot
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content
    from browser import E2E, TIMEOUT_MS, streamlit_server, wait_app
    from test_e2e_publish import log_in, nav, new_page, shot

from kb.search.index import build_index
from kb.workflow import accounts, publish
from kb.workflow.drafts import create_draft, save_draft, submit

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server over content where G-2024-901 was revised (date, one table cell) and G-2024-902 withdrawn."""
    root = tmp_path_factory.mktemp("e2e-review")
    content = make_content(root)
    settings = make_settings(content, root)
    build_index(settings)
    accounts.add_user(settings, "lin", "编辑", "lin-password")
    accounts.add_user(settings, "zhao", "审核", "zhao-password")
    draft = create_draft(settings, "lin", target_id="G-2024-901")
    text = draft.text.replace("issued: 2024-05-01", "issued: 2026-12-07").replace("扣押并估价", "扣押、拍照并估价")
    save_draft(settings, "lin", draft.id, text, draft.rev)
    submit(settings, "lin", draft.id)
    publish.publish(settings, "zhao", draft.id)
    publish.withdraw(settings, "zhao", "G-2024-902", "抽血规定已修改，清单内容过时")
    with streamlit_server(root, content, search_log=False) as url:
        yield url


def test_a_withdrawn_documents_old_link_says_when_and_why(site, browser):
    page = new_page(browser)
    page.goto(site + "/doc?id=G-2024-902")
    wait_app(page)
    page.get_by_text(f"本文（G-2024-902）已于 {date.today().isoformat()} 撤回，停止使用。").wait_for()
    page.get_by_text("撤回理由：抽血规定已修改，清单内容过时").wait_for()
    page.get_by_role("link", name="检索与“醉驾案件办理工具箱”相关的现行文档").wait_for()
    assert page.get_by_text("找不到编号为", exact=False).count() == 0
    shot(page, "40-withdrawn-link")
    page.context.close()


def test_version_history_draws_the_field_table_and_the_structure(site, browser):
    page = new_page(browser)
    log_in(page, site, "zhao", "zhao-password")
    nav(page, "审核发布")
    page.get_by_role("tab", name="版本历史").click()
    page.get_by_label("文档", exact=True).click()
    page.get_by_role("option", name="G-2024-901").click()
    wait_app(page)
    table = page.locator("table.kb-diff-fields")
    sync_api.expect(table.locator("tr").nth(1)).to_have_text("印发日期2024-05-012026-12-07")
    # the old value struck through, the new one not: drawn by the diff's own style
    old = table.locator("del").first
    assert "line-through" in old.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert table.locator("ins").first.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"
    heading = page.locator(".kb-diff h2", has_text="调查取证")
    sync_api.expect(heading).to_be_visible()
    assert heading.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    row = page.locator(".kb-diff-tr.kb-diff-mod")
    sync_api.expect(row).to_have_text(re.compile(r"赃物 │ 扣押、拍照并估价"))
    sync_api.expect(row.locator("ins")).to_have_text("、拍照")
    shot(page, "41-version-history")
    page.context.close()
