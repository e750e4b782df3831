"""End to end in chromium: a guide written with the form alone (no YAML typed) is submitted, reviewed and
published, and its file's front matter is exactly what the form showed."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from conftest import make_settings

try:
    from tests.app_fixtures import make_content, make_laws
    from tests.browser import (
        ARTIFACTS,
        E2E,
        TIMEOUT_MS,
        after_text,
        nav,
        streamlit_server,
        wait_app,
    )
    from tests.test_forms import PUBLIC_ORDER_LAW
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content, make_laws
    from browser import (
        ARTIFACTS,
        E2E,
        TIMEOUT_MS,
        after_text,
        nav,
        streamlit_server,
        wait_app,
    )
    from test_forms import PUBLIC_ORDER_LAW

from kb.content.documents import split_front_matter
from kb.content.templates import FIELD_ORDER
from kb.search.index import build_index
from kb.workflow import accounts
from kb.workflow.forms import DraftForm, write_form

pytestmark = E2E

sync_api = pytest.importorskip("playwright.sync_api", reason="需要 python 包 playwright")
sync_api.expect.set_options(timeout=TIMEOUT_MS)

YEAR = date.today().year
NEW_ID = f"G-{YEAR}-911"  # after the fixture's G-2023-901 … 910 and G-2024-901, 902
ADD, NOTHING = '"按回车键添加所输入的内容"', '"没有匹配的选项"'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A streamlit server over fresh content, index (with two small laws) and database; an editor and a reviewer."""
    root = tmp_path_factory.mktemp("e2e-form")
    content = make_content(root)
    laws = make_laws(root)
    (laws / "行政法").mkdir()
    (laws / "行政法" / "治安管理处罚法(2012-10-26).md").write_text(PUBLIC_ORDER_LAW, encoding="utf-8")
    settings = make_settings(content, root, laws_dir=laws)
    build_index(settings)
    accounts.add_user(settings, "lin", "编辑", "lin-password")
    accounts.add_user(settings, "zhao", "审核", "zhao-password")
    with streamlit_server(root, content, laws, search_log=False) as url:
        yield url, settings


def new_page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def log_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"当前用户：{name}", exact=False).first.wait_for()
    wait_app(page)


class Form:
    """The editor's form for one draft, by front-matter key."""

    def __init__(self, page, draft_id: str):
        self.page, self.draft_id = page, draft_id

    def widget(self, key: str):
        return self.page.locator(f".st-key-editor_f_{self.draft_id}_{key}")

    def type(self, key: str, text: str, commit: str = "Enter") -> None:
        box = self.widget(key).locator("input, textarea").first
        box.fill(text)
        box.press(commit)
        wait_app(self.page)

    def pick(self, key: str, option: str) -> None:
        """Choose an option of a pick list (one value or several) by typing to filter it."""
        box = self.widget(key).get_by_role("combobox")
        box.click()
        box.fill(option)
        # the filtered option itself, not whatever is first while the list is still being filtered
        self.page.locator('[role="option"]', has_text=option).first.click()
        self.page.keyboard.press("Escape")
        wait_app(self.page)
        if self.widget(key).locator(".react-aria-ComboBox [data-tag]").count():  # a list: its chip has landed
            self.widget(key).locator(f'.react-aria-ComboBox [data-tag] span[title^="{option}"]').wait_for()

    def add(self, key: str, text: str) -> None:
        """Add a value of one's own to a list (关键词)."""
        box = self.widget(key).get_by_role("combobox")
        box.click()
        box.fill(text)
        offer = self.page.locator('[role="option"][data-key="__creatable__"] [data-item-hl]').first
        offer.wait_for()
        assert after_text(offer, ADD) == ADD  # over Streamlit's "Add: …"
        box.press("Enter")
        self.page.keyboard.press("Escape")
        wait_app(self.page)

    def text(self, key: str) -> str:
        return self.widget(key).locator("input, textarea").first.input_value()

    def chips(self, key: str) -> list[str]:
        return (
            self.widget(key)
            .locator(".react-aria-ComboBox [data-tag] span[title]")
            .evaluate_all("spans => spans.map(s => s.title)")
        )

    def shown(self) -> DraftForm:
        """What the form shows, field by field, as the values the file should hold."""
        values = {
            "id": self.text("id"),
            "title": self.text("title"),
            "kind": self.text("kind"),
            "category": self.text("category"),
            "stage": self.chips("stage"),
            "tags": self.chips("tags"),
            "laws": self.chips("laws"),
            "audience": self.chips("audience"),
            "status": self.text("status"),
            "superseded_by": self.text("superseded_by"),
            "issued": date.fromisoformat(self.text("issued")),
            "version": int(self.text("version")),
            "supersedes": [chip.split(" ")[0] for chip in self.chips("supersedes")],  # "G-2024-901 盗窃案件办理指引"
            "review_by": date.fromisoformat(self.text("review_by")) if self.text("review_by") else None,
            "summary": self.text("summary"),
        }
        return DraftForm("guide", values, self.text("body"))


def test_a_guide_written_with_the_form_is_published_with_the_front_matter_the_form_showed(site, browser):
    url, settings = site
    editor = new_page(browser)
    log_in(editor, url, "lin", "lin-password")
    nav(editor, "编写")
    editor.get_by_text(f"编号为 {NEW_ID}（今年的下一个编号）", exact=False).wait_for()
    editor.get_by_role("button", name="新建草稿").click()
    editor.get_by_role("textbox", name="标题").wait_for()
    wait_app(editor)
    draft_id = editor.url.split("draft=")[1]
    form = Form(editor, draft_id)
    assert form.text("id") == NEW_ID
    form.type("title", "电动车被盗案件快速处置指引")
    form.pick("kind", "工具箱")
    form.pick("category", "盗窃")
    stage = form.widget("stage").get_by_role("combobox")
    stage.click()
    stage.fill("没有这个环节")
    empty = editor.locator('[role="listbox"][data-empty="true"] [role="option"] > span').first
    empty.wait_for()
    assert after_text(empty, NOTHING) == NOTHING  # over Streamlit's "No results"
    stage.fill("")
    editor.keyboard.press("Escape")
    form.pick("stage", "调查取证")
    form.add("tags", "电动车")
    form.add("tags", "快速处置")
    form.type("issued", "2026-11-30")
    law_search = editor.get_by_role("textbox", name="检索法条")
    law_search.fill("哄抢")
    law_search.press("Enter")
    wait_app(editor)
    editor.get_by_role("button", name="加入 治安管理处罚法第四十九条").click()
    wait_app(editor)
    form.pick("supersedes", "G-2024-901")  # its citations resolve in the two small laws, so it can be retired
    form.type("summary", "接报电动车被盗后三十分钟内调取周边视频，锁定逃跑路线。", commit="Control+Enter")
    form.type("body", "## 适用范围\n\n接报电动车被盗的警情。\n\n## 办理步骤\n\n1. 调取视频。\n", commit="Control+Enter")
    editor.get_by_role("tab", name="校验").click()
    editor.get_by_text("校验通过，可以提交").first.wait_for()
    shown = form.shown()
    assert shown.values["laws"] == ["治安管理处罚法第四十九条"]
    assert (shown.values["kind"], shown.values["stage"]) == ("工具箱", ["受案立案", "调查取证"])
    ARTIFACTS.mkdir(exist_ok=True)
    editor.screenshot(path=str(ARTIFACTS / "30-editor-form.png"), full_page=True)
    assert editor.get_by_role("textbox", name="Markdown 全文（含 front matter）").count() == 0  # no YAML typed
    editor.get_by_role("button", name="提交审核").click()
    editor.get_by_text(f"草稿 #{draft_id} 已提交审核").wait_for()
    wait_app(editor)

    reviewer = new_page(browser)
    log_in(reviewer, url, "zhao", "zhao-password")
    nav(reviewer, "审核发布")
    reviewer.get_by_text("待审核（1）").wait_for()
    reviewer.get_by_role("button", name="发布", exact=True).click()
    reviewer.get_by_text(f"已发布 {NEW_ID} 第 1 版：guides/{NEW_ID}.md；G-2024-901 已标记为不再参照").wait_for()

    published = (settings.content_dir / "guides" / f"{NEW_ID}.md").read_text(encoding="utf-8")
    assert published == write_form(shown)  # the file is what the form writes of what it showed
    source = split_front_matter(published)
    front_matter = yaml.safe_load(source.front_matter)
    assert list(front_matter) == [k for k in FIELD_ORDER["guide"] if k not in ("superseded_by", "review_by")]
    assert front_matter == {k: v for k, v in shown.values.items() if k not in ("superseded_by", "review_by")}
    assert source.body == "\n" + shown.body
    for page in (editor, reviewer):
        page.context.close()
