"""Keeping one's place: every list page's state round-trips through the URL, 返回 links carry it,
sorting by time shows the date sorted by, guides listed once by stage, a search by document id."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from kb.search.index import build_index
from kb.settings import load_settings
from kb.workflow import searchlog
from ui.menu import menu

try:
    from tests.app_fixtures import add_hostile, make_content
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import add_hostile, make_content

TIMEOUT = 60


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture content with its index built once for the module."""
    root = tmp_path_factory.mktemp("place")
    content = make_content(root)
    index = root / "index"
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_CONTENT", str(content))
    mp.setenv("KB_INDEX", str(index))
    mp.delenv("KB_LAWS", raising=False)
    build_index(load_settings())
    add_hostile(content, index)
    mp.undo()
    return root


@pytest.fixture
def env(built, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(built / "content"))
    monkeypatch.setenv("KB_INDEX", str(built / "index"))
    monkeypatch.setenv("KB_SEARCH_LOG", "1")
    monkeypatch.setenv("KB_DB", str(built / "casekb.sqlite3"))
    monkeypatch.delenv("KB_LAWS", raising=False)
    searchlog.log_path(load_settings()).unlink(missing_ok=True)
    return built


def open_page(page: str, /, **params: str) -> AppTest:
    """Run the app once, switch to a page with query parameters and run it."""
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(f"app_pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_of(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.html)


def links(at: AppTest) -> list[str]:
    return [p.value for p in at.page_link]


def link_params(at: AppTest, label: str) -> dict[str, str]:
    """The query parameters of the page link labelled `label`."""
    query = next(p.proto.query_string for p in at.page_link if p.value == label)
    return dict(parse_qsl(query))


def came_from(at: AppTest, label: str) -> tuple[str, dict[str, str]]:
    """The list page a document link names as its `from`, and that page's parameters."""
    page, _, query = link_params(at, label)["from"].partition("?")
    return page, dict(parse_qsl(query))


def url(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


# -- 检索 -------------------------------------------------------------------------------------


def test_the_search_state_in_the_url_is_loaded_into_the_widgets(env):
    at = open_page("search", q="盗窃", type="case", sort="newest")
    assert at.text_input(key="search_q").value == "盗窃"
    assert at.pills(key="search_f_type").value == ["case"]
    assert at.segmented_control(key="search_sort").value == "newest"
    assert links(at) == ["张某多次盗窃电动车电瓶案"]


def test_changing_a_search_widget_puts_the_whole_state_in_the_url(env):
    at = open_page("search", q="盗窃", sort="newest")
    at.pills(key="search_f_type").set_value(["guide"]).run()
    assert url(at) == {"q": "盗窃", "type": "guide", "sort": "newest"}
    at.segmented_control(key="search_sort").set_value("relevance").run()
    assert url(at) == {"q": "盗窃", "type": "guide"}


def test_a_result_link_carries_the_whole_search_it_came_from(env):
    at = open_page("search", q="盗窃", type="case", sort="newest")
    assert link_params(at, "张某多次盗窃电动车电瓶案")["q"] == "盗窃"
    assert came_from(at, "张某多次盗窃电动车电瓶案") == ("search", {"q": "盗窃", "type": "case", "sort": "newest"})


def test_a_page_number_is_carried_by_result_links(env):
    at = open_page("search", page="2")
    assert came_from(at, links(at)[0]) == ("search", {"page": "2"})


def test_a_new_page_of_results_scrolls_to_the_top_of_the_list(env):
    at = open_page("search")
    assert "scrollIntoView" not in html_of(at)
    at.get("pagination")[0].set_value(2).run()
    assert 'querySelector(".st-key-search_results")' in html_of(at)
    assert "scrollIntoView" in html_of(at)
    at.pills(key="search_f_type").set_value(["case"]).run()  # a filter starts at the top anyway
    assert "scrollIntoView" not in html_of(at)


def test_sorted_by_time_every_result_shows_the_date_it_is_sorted_by(env):
    at = open_page("search", q="盗窃", sort="newest")
    page = html_of(at)
    assert "印发日期：2024-05-01" in page
    assert "印发日期：2023-09-12" in page
    assert "印发日期：" not in html_of(open_page("search", q="盗窃"))  # by relevance: the year badge only


def test_typing_a_document_id_lists_that_document_first(env):
    at = open_page("search", q="g-2024-902")
    assert links(at)[0] == "醉驾案件办理工具箱"
    assert "编号为 G-2024-902 的文档" in [c.value for c in at.caption]
    assert "没有找到" not in "".join(i.value for i in at.info)
    assert came_from(at, "醉驾案件办理工具箱") == ("search", {"q": "g-2024-902"})


def test_an_unknown_id_is_searched_as_words(env):
    at = open_page("search", q="G-1999-001")
    assert not any(c.value.startswith("编号为") for c in at.caption)


# -- 返回 from a document ---------------------------------------------------------------------


def test_the_back_link_returns_to_the_search_with_its_filters(env):
    at = open_page("document", id="C-2023-901", q="盗窃", **{"from": "search?q=盗窃&type=case&page=1"})
    assert link_params(at, "返回检索“盗窃”") == {"q": "盗窃", "type": "case", "page": "1"}


@pytest.mark.parametrize(
    ("back", "label", "params"),
    [
        ("casebook?cat=盗窃&ctype=刑事&sort=old", "返回案例库", {"cat": "盗窃", "ctype": "刑事", "sort": "old"}),
        ("guides?by=kind&v=工具箱", "返回办案指引", {"by": "kind", "v": "工具箱"}),
        ("learning?tier=法制员", "返回学习路径", {"tier": "法制员"}),
    ],
)
def test_the_back_link_returns_to_the_list_page_it_came_from(env, back, label, params):
    at = open_page("document", id="C-2023-901", **{"from": back})
    assert link_params(at, label) == params


def test_a_back_link_to_anything_but_a_list_page_falls_back_to_the_words(env):
    at = open_page("document", id="C-2023-901", q="盗窃", **{"from": "users?x=1"})
    assert link_params(at, "返回检索“盗窃”") == {"q": "盗窃"}
    assert not any(label.startswith("返回") for label in links(open_page("document", id="C-2023-901")))


# -- 案例库 -------------------------------------------------------------------------------------


def test_the_casebook_state_round_trips_through_the_url(env):
    at = open_page("casebook", cat="盗窃", ctype="刑事", sort="old", old="1")
    assert at.selectbox(key="casebook_sort").value == "old"
    assert at.toggle(key="casebook_old").value is True
    assert at.subheader[0].value == "刑事 · 盗窃（1 件）"
    assert came_from(at, "张某多次盗窃电动车电瓶案") == (
        "casebook",
        {"cat": "盗窃", "ctype": "刑事", "sort": "old", "old": "1"},
    )
    at.toggle(key="casebook_old").set_value(False).run()
    at.selectbox(key="casebook_charge").select("盗窃罪").run()
    assert url(at) == {"cat": "盗窃", "ctype": "刑事", "sort": "old", "charge": "盗窃罪"}


def test_a_case_card_shows_the_issue_date_it_is_sorted_by_after_the_year(env):
    at = open_page("casebook", cat="盗窃", ctype="刑事")
    assert '<span class="kb-badge ">2023 年</span> 印发日期：2023-09-12' in html_of(at)


# -- 办案指引 ----------------------------------------------------------------------------------


def test_by_stage_each_guide_is_listed_once_under_its_main_stage(env):
    at = open_page("guides")
    assert links(at).count("盗窃案件办理指引") == 1
    assert links(at).count("醉驾案件办理工具箱") == 1
    assert [s.value for s in at.subheader][:2] == ["受案立案（1）", "调查取证（1）"]
    page = html_of(at)
    assert "其他环节：调查取证" in page  # the toolbox: 受案立案 first
    assert "其他环节：强制措施" in page  # the theft guide: 调查取证 first


def test_the_guides_state_round_trips_through_the_url(env):
    at = open_page("guides", by="kind", v="工具箱", old="1")
    assert at.segmented_control(key="guides_by").value == "kind"
    assert at.pills(key="guides_v").value == "工具箱"
    assert at.toggle(key="guides_old").value is True
    assert came_from(at, "醉驾案件办理工具箱") == ("guides", {"by": "kind", "v": "工具箱", "old": "1"})
    at.segmented_control(key="guides_by").set_value("stage").run()
    assert url(at) == {"old": "1"}  # the kind chosen means nothing by stage


# -- 学习路径 / menu ---------------------------------------------------------------------------


def test_the_learning_tier_round_trips_through_the_url(env):
    at = open_page("learning", tier="法制员")
    assert at.segmented_control(key="learning_tier").value == "法制员"
    assert came_from(at, "李某酒后殴打他人治安案") == ("learning", {"tier": "法制员"})
    at.segmented_control(key="learning_tier").set_value("办案民警").run()
    assert "tier" not in at.query_params


def test_the_document_page_is_registered_but_not_in_the_menu():
    pages = {p.name: p for section in menu(None, require_login=False).values() for p in section}
    assert pages["document"].url_path == "doc"
    assert pages["document"].shown is False
    assert pages["search"].shown is True
