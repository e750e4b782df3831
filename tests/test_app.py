"""The Streamlit app through AppTest: every page, query parameters, facets, 类案检索, the document view."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from streamlit.testing.v1 import AppTest

from kb.rendering.markup import ArticleText
from kb.search.index import build_index, current_dir
from kb.search.service import SearchService
from kb.search.similarity import SimilarHit, SimilarResults
from kb.settings import REPO_ROOT, load_settings
from kb.workflow import accounts, searchlog

try:
    from tests.app_fixtures import LEARNING_PATHS, add_hostile, make_content, make_laws
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import LEARNING_PATHS, add_hostile, make_content, make_laws

TIMEOUT = 60  # the first run loads jieba's dictionary
PAGES = ("search", "similar", "casebook", "guides", "document", "learning", "stats")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A fixture content folder with its index built once for the module."""
    root = tmp_path_factory.mktemp("app")
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
    monkeypatch.setenv("KB_DB", str(built / "casekb.sqlite3"))  # the document page reads version history
    monkeypatch.delenv("KB_LAWS", raising=False)
    log = searchlog.log_path(load_settings())
    log.unlink(missing_ok=True)
    return built


def open_page(page: str, /, as_user: str | None = None, **params: str) -> AppTest:
    """Run the app once (logged in as `as_user`), switch to a page with query parameters and run it."""
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    if as_user:
        at.session_state["auth_user"] = as_user
        at.session_state["auth_seen"] = time.time()
    at.run()
    assert not at.exception, at.exception
    at.switch_page(f"app_pages/{page}.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_of(at: AppTest) -> str:
    from ui.chrome_zh import script  # the app's own, on every page: Streamlit's English in Chinese

    return "\n".join(h.proto.body for h in at.html if h.proto.body != script())


def links(at: AppTest) -> list[str]:
    return [p.value for p in at.page_link]


def pills(at: AppTest) -> dict[str, list[str]]:
    return {p.label: list(p.options) for p in at.pills}


# -- 检索 -------------------------------------------------------------------------------------


def test_query_params_prefill_the_search_box_and_highlight_results(env):
    at = open_page("search", q="盗窃")
    assert at.text_input(key="search_q").value == "盗窃"
    assert "张某多次盗窃电动车电瓶案" in links(at)
    assert "盗窃案件办理指引" in links(at)
    assert "<mark>盗窃</mark>" in html_of(at)
    assert "“盗窃”：共 2 条结果" in html_of(at)


def test_a_result_names_each_cited_law_once(env):
    at = open_page("search", q="抽血")
    assert "引用：刑法第一百三十三条之一、第一百三十三条" in html_of(at)


def test_facets_show_counts_and_the_url_filter_applies(env):
    at = open_page("search", q="盗窃", type="guide")
    assert links(at) == ["盗窃案件办理指引"]
    facets = pills(at)
    # The type facet ignores its own filter so the other value stays selectable.
    assert facets["类型"] == ["案例 1", "指引 1"]
    assert at.pills(key="search_f_type").value == ["guide"]
    assert facets["状态"] == ["现行 1", "不再参照 1"]


def test_choosing_a_facet_filters_and_updates_the_url(env):
    at = open_page("search", q="盗窃")
    at.pills(key="search_f_type").set_value(["case"]).run()
    assert links(at) == ["张某多次盗窃电动车电瓶案"]
    assert at.query_params["type"] == "case"
    assert at.query_params["q"] == "盗窃"


def test_typing_a_query_searches_sets_the_url_and_logs_it(env):
    at = open_page("search")
    at.text_input(key="search_q").input("醉驾").run()
    assert at.query_params["q"] == "醉驾"
    assert "醉驾案件办理工具箱" in links(at)
    logged = searchlog.top_queries(load_settings())
    assert [(c.query, c.count) for c in logged] == [("醉驾", 1)]


def test_superseded_documents_only_appear_when_asked_for(env):
    at = open_page("search", q="盗窃", status="不再参照")
    assert links(at) == ["盗窃案件办理指引（2020年版）"]
    assert '<span class="kb-badge superseded">不再参照</span>' in html_of(at)
    assert "已由 G-2024-901 替代" in html_of(at)


def test_an_empty_query_lists_everything_with_pagination(env):
    at = open_page("search")
    assert "全部文档：共 15 条结果" in html_of(at)
    assert len(links(at)) == 10
    at.get("pagination")[0].set_value(2).run()
    assert at.query_params["page"] == "2"
    assert len(links(at)) == 5


def test_a_page_number_in_the_url_opens_that_page(env):
    at = open_page("search", page="2")
    assert len(links(at)) == 5
    assert "第 2 / 2 页" in [c.value for c in at.caption]


def test_no_results_suggest_synonyms_filters_and_popular_searches(env):
    at = open_page("search", q="酒驾", type="case")
    assert at.info[0].value == "没有找到与“酒驾”相关的文档。"
    labels = [b.label for b in at.button]
    assert "清除筛选后重新检索" in labels
    assert "盗窃" in labels  # a popular search (from the fallback list while the log is empty)
    at.button(key="search_clear_empty").click().run()
    assert "type" not in at.query_params


def test_no_results_offer_words_that_do_find_something(env):
    at = open_page("search", q="醉驾 +猫咪")  # the query language: every + word required
    assert at.info[0].value == "没有找到与“醉驾 +猫咪”相关的文档。"
    offered = {b.label: b.key for b in at.button if b.key and b.key.startswith("search_syn_")}
    assert "醉驾（1）" in offered
    at.button(key=offered["醉驾（1）"]).click().run()
    assert at.query_params["q"] == "醉驾"
    assert links(at) == ["醉驾案件办理工具箱"]


def test_partial_results_say_so_and_each_hit_names_the_words_it_lacks(env):
    at = open_page("search", q="醉驾 猫咪")
    assert not at.info
    captions = [c.value for c in at.caption]
    assert "部分匹配：没有文档同时包含全部检索词，以下结果按包含检索词的多少排列，每条注明缺少的词。" in captions
    assert links(at) == ["醉驾案件办理工具箱"]
    assert '<span class="kb-missing">缺少：猫咪</span>' in html_of(at)


def test_documents_covering_fewer_words_follow_those_covering_all_and_the_page_says_so(env):
    at = open_page("search", q="小区 视频 盗窃")
    captions = [c.value for c in at.caption]
    assert "包含全部检索词的文档排在前面；其后的结果只包含部分检索词，每条注明缺少的词。" in captions
    assert not any(c.startswith("部分匹配") for c in captions)
    assert links(at) == ["张某多次盗窃电动车电瓶案", "盗窃案件办理指引"]
    assert html_of(at).count('<span class="kb-missing">') == 1
    assert '<span class="kb-missing">缺少：小区</span>' in html_of(at)


def test_a_colloquial_word_says_how_it_was_read_and_can_be_searched_as_typed(env):
    at = open_page("search", q="偷")
    assert "按“盗窃”检索了“偷”" in [c.value for c in at.caption]
    assert len(links(at)) == 2
    at.button(key="search_literal").click().run()
    assert at.query_params["lit"] == "1"
    assert "已按原词检索（未作口语转换和纠错）。" in [c.value for c in at.caption]
    assert at.info[0].value == "没有找到与“偷”相关的文档。"
    at.button(key="search_understood").click().run()
    assert "lit" not in at.query_params
    assert len(links(at)) == 2


def test_filler_words_are_named_and_never_suggested(env):
    at = open_page("search", q="醉驾 怎么办")
    assert "未作为检索词：怎么办" in [c.value for c in at.caption]
    assert links(at) == ["醉驾案件办理工具箱"]
    assert not [b for b in at.button if b.label.startswith("怎么办")]
    at = open_page("search", q="猫咪 不来 怎么办")  # nothing matches 猫咪: the page is empty
    assert at.info[0].value == "没有找到与“猫咪 不来 怎么办”相关的文档。"
    offered = [b.label for b in at.button if b.key and b.key.startswith("search_syn_")]
    assert not [label for label in offered if label.split("（")[0] in ("不", "来", "不来", "怎么办")]


def test_few_results_for_several_words_offer_words_that_find_more(env):
    at = open_page("search", q="证据 +抽血")  # the query language: + requires the word
    assert "共 1 条结果" in html_of(at)
    assert "结果较少。减少检索词或换一种说法，可以找到更多：" in [c.value for c in at.caption]
    offered = [b.label for b in at.button if b.key and b.key.startswith("search_more_")]
    assert "证据（4）" in offered
    assert all(int(label.rsplit("（", 1)[1].rstrip("）")) > 1 for label in offered)


def test_enough_results_offer_nothing_more(env):
    at = open_page("search", q="盗窃")
    assert not [b for b in at.button if b.key and b.key.startswith("search_more_")]


def test_markdown_in_a_shared_query_is_shown_as_text(env):
    at = open_page("search", q="[点我](javascript:alert(1)) :red[x]")
    assert at.info[0].value == "没有找到与“\\[点我\\]\\(javascript\\:alert\\(1\\)\\) \\:red\\[x\\]”相关的文档。"


def test_a_refused_query_is_explained_in_chinese(env):
    at = open_page("search", q="盗" * 400)
    assert at.error[0].value.startswith("检索词过长（400 字，上限 300 字）")


# -- 类案检索 ---------------------------------------------------------------------------------


def test_similar_cases_come_in_three_groups_with_reasons_and_are_not_logged(env):
    at = open_page("similar")
    at.text_area(key="similar_text").input("2023年张某在小区内三次盗窃电动车电瓶，民警调取视频监控后将其抓获。")
    at.button[0].click().run()
    assert [s.value for s in at.subheader] == ["相似案例", "适用指引", "相关法条"]
    assert links(at)[0] == "张某多次盗窃电动车电瓶案（2023）"
    assert "盗窃案件办理指引（2024）" in links(at)
    assert "相似原因：共同罪名：盗窃罪" in html_of(at)
    assert any(m.value == "**刑法第二百六十四条**" for m in at.markdown)
    assert searchlog.total_searches(load_settings()) == 0
    assert "similar_text" not in "".join(at.query_params)


def similar_page_with(monkeypatch, cases, citations=(), charges=("盗窃罪",), confidence=1.0):
    """The 类案检索 page after a search that returned exactly these cases."""
    crafted = SimilarResults(
        cases=tuple(cases),
        guides=(),
        laws=(),
        charges=charges,
        terms=("电瓶",),
        citations=citations,
        took_ms=1.0,
        confidence=confidence,
    )
    monkeypatch.setattr(SearchService, "similar", lambda self, **kwargs: crafted)
    at = open_page("similar")
    # Facts of their own: the page caches results by the facts pasted.
    facts = f"只在措辞上相近的案情（本测试专用 {hash(crafted):x}）"
    at.text_area(key="similar_text").input(facts)
    at.button[0].click().run()
    return at


def case_hit(doc_id, title, **shared):
    return SimilarHit(id=doc_id, title=title, type="case", category="盗窃", score=1.0, **shared)


def test_similar_cases_sharing_nothing_nameable_are_not_listed(env, monkeypatch):
    at = similar_page_with(
        monkeypatch,
        [
            case_hit("C-2023-901", "张某多次盗窃电动车电瓶案", shared_charges=("盗窃罪",)),
            case_hit("C-2024-902", "李某酒后殴打他人治安案"),
        ],
    )
    assert "张某多次盗窃电动车电瓶案" in links(at)
    assert "李某酒后殴打他人治安案" not in links(at)
    assert "另有 1 个案例与案情没有共同的罪名、法条，共同关键词不足两个，未列出。" in [c.value for c in at.caption]


def test_when_no_case_shares_anything_nameable_none_is_listed(env, monkeypatch):
    at = similar_page_with(
        monkeypatch,
        [case_hit("C-2023-901", "张某多次盗窃电动车电瓶案"), case_hit("C-2024-902", "李某酒后殴打他人治安案")],
    )
    assert not {"张某多次盗窃电动车电瓶案", "李某酒后殴打他人治安案"} & set(links(at))
    captions = [c.value for c in at.caption]
    assert "没有找到相似的精品案例。" in captions
    assert "另有 2 个案例与案情没有共同的罪名、法条，共同关键词不足两个，未列出。" in captions


def test_the_articles_read_from_the_facts_name_each_law_once(env, monkeypatch):
    at = similar_page_with(monkeypatch, [], citations=("刑法:264", "刑法:133-1", "治安管理处罚法:58"))
    assert any("法条：刑法第二百六十四条、第一百三十三条之一；治安管理处罚法第五十八条" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("charges", "confidence", "said"),
    [
        (("盗窃罪",), 0.95, "罪名/违法行为：盗窃罪"),
        (("盗窃罪",), 0.6, "可能涉及：盗窃罪（把握 60%）"),
        ((), 0.04, "罪名：无法从案情判断（按案情相似度排列）"),
    ],
)
def test_the_charge_read_from_the_facts_says_how_sure_it_is(env, monkeypatch, charges, confidence, said):
    at = similar_page_with(monkeypatch, [], charges=charges, confidence=confidence)
    assert any(said in c.value.replace("\\", "") for c in at.caption), [c.value for c in at.caption]


def test_similar_cases_for_a_document_from_the_url(env):
    at = open_page("similar", id="C-2023-901")
    assert at.info[0].value == "正在查找与《张某多次盗窃电动车电瓶案（C-2023-901）》相似的案例。"
    assert "张某多次盗窃电动车电瓶案（2023）" not in links(at)


# -- 案例库 / 办案指引 -------------------------------------------------------------------------


def test_casebook_groups_cases_by_case_type_and_category_with_counts(env):
    at = open_page("casebook")
    assert [e.label for e in at.sidebar.expander] == ["刑事（2）", "行政（1）"]
    assert [b.label for b in at.sidebar.button] == [
        "全部案例（3）", "全部刑事案例", "盗窃（1）", "诈骗（1）", "全部行政案例", "殴打他人（1）"
    ]  # fmt: skip
    assert at.subheader[0].value == "全部案例（3 件）"
    at.sidebar.button(key="casebook_cat_刑事_盗窃").click().run()
    assert (at.query_params["cat"], at.query_params["ctype"]) == ("盗窃", "刑事")
    assert at.subheader[0].value == "刑事 · 盗窃（1 件）"
    assert links(at) == ["张某多次盗窃电动车电瓶案"]
    assert "办案要旨：</strong>二年内盗窃三次以上" in html_of(at)
    at.sidebar.button(key="casebook_group_行政").click().run()
    assert "cat" not in at.query_params
    assert at.subheader[0].value == "行政（1 件）"
    assert links(at) == ["李某酒后殴打他人治安案"]


def test_casebook_filters_by_charge_and_sorts_by_year(env):
    at = open_page("casebook", charge="殴打他人")
    assert links(at) == ["李某酒后殴打他人治安案"]
    at = open_page("casebook", sort="old")
    assert [p.value for p in at.page_link][0] == "张某多次盗窃电动车电瓶案"
    at.selectbox(key="casebook_stage").select("处罚执行").run()
    assert at.query_params["stage"] == "处罚执行"
    assert links(at) == ["李某酒后殴打他人治安案"]


def test_guides_by_stage_and_by_kind(env):
    at = open_page("guides")
    # each guide counted once, under its main (first) stage
    assert pills(at)["办案环节"] == ["受案立案 1", "调查取证 1", "执法监督 10"]
    at = open_page("guides", by="kind", v="工具箱")
    assert [s.value for s in at.subheader] == ["工具箱（1）"]
    assert links(at) == ["醉驾案件办理工具箱"]
    at = open_page("guides", v="调查取证", old="1")
    assert "盗窃案件办理指引（2020年版）" in links(at)


# -- 文档 ---------------------------------------------------------------------------------------


def test_document_renders_sanitised_markdown_with_citations_and_terms(env):
    at = open_page("document", id="C-2023-901", q="盗窃")
    page = html_of(at)
    assert '<h1 class="kb-doc-title">张某多次盗窃电动车电瓶案</h1>' in page
    assert '<h2 id="基本案情">基本案情</h2>' in page
    assert '<mark class="kb-term">盗窃</mark>' in page
    assert 'class="kb-cite" href="./?q=%E5%88%91%E6%B3%95' in page
    assert [e.label for e in at.expander] == ["刑法第二百六十四条"]
    assert "盗窃案件办理指引（G-2024-901）" in links(at)  # the guide the case applies
    assert "返回检索“盗窃”" in links(at)


def test_citations_expand_to_the_article_text_when_statutes_are_indexed(env, monkeypatch):
    from ui import statutes

    article = ArticleText("刑法:264", "刑法第二百六十四条", "盗窃公私财物，数额较大的……", "doc?id=LAW-264", "")
    monkeypatch.setattr(statutes, "article", lambda key, on=None: article if key == "刑法:264" else None)
    at = open_page("document", id="C-2023-901")
    assert '<span class="kb-article"><strong>刑法第二百六十四条</strong><br>盗窃公私财物，数额较大的……' in html_of(at)
    assert [t.value for t in at.text] == ["盗窃公私财物，数额较大的……"]


def test_citations_expand_from_an_indexed_statute_library(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(make_content(tmp_path)))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("KB_LAWS", str(make_laws(tmp_path)))
    build_index(load_settings())
    at = open_page("document", id="C-2023-901")
    page = html_of(at)
    assert (
        '<span class="kb-cite" tabindex="0" role="button" title="刑法第二百六十四条">刑法第二百六十四条'
        '<span class="kb-article"><strong>刑法第二百六十四条</strong>'
    ) in page
    assert "盗窃公私财物，数额较大的，或者多次盗窃" in page
    assert [e.label for e in at.expander] == ["刑法第二百六十四条"]
    assert at.text[0].value.startswith("盗窃公私财物，数额较大的")
    query = next(p.proto.query_string for p in at.page_link if p.value == "打开法条页")
    assert query == "id=%E5%88%91%E6%B3%95%402020-12-26%23264"
    # The article's own page (the law page, app_pages/law.py) lists the documents citing it.
    at = open_page("document", id="刑法@2020-12-26#264")
    assert at.error == []
    assert "案例：张某多次盗窃电动车电瓶案" in links(at)


def test_a_superseded_document_links_to_the_one_replacing_it(env):
    at = open_page("document", id="G-2020-001")
    assert at.warning[0].value == "本文已不再参照（自 2024-05-01 起），请以新版为准：盗窃案件办理指引（G-2024-901）"
    assert "查看新版：盗窃案件办理指引（G-2024-901）" in links(at)
    at = open_page("document", id="G-2024-901")
    assert "盗窃案件办理指引（2020年版）（G-2020-001）" in links(at)  # 本文替代
    assert "张某多次盗窃电动车电瓶案（C-2023-901）" in links(at)  # documents that cite it


def test_hostile_html_in_a_document_is_removed_or_escaped(env):
    at = open_page("document", id="C-2024-903")
    page = html_of(at)
    assert "<script" not in page.replace("&lt;script", "")
    assert "onerror=" not in page.replace("onerror=&quot;", "").replace('onerror="window.XSS_', "ESCAPED")
    assert 'href="javascript' not in page.lower()
    assert "<iframe" not in page
    assert "&lt;script&gt;window.XSS_TITLE" in page  # the title is shown as text


def test_unknown_and_missing_document_ids(env):
    at = open_page("document", id="NOPE-1")
    assert at.error[0].value == "找不到编号为“NOPE-1”的文档。它可能已被删除或编号有误。"
    at = open_page("document")
    assert at.info[0].value.startswith("请从检索结果、案例库或办案指引中打开一篇文档")


# -- 学习路径 / 统计 ----------------------------------------------------------------------------


def test_learning_path_lists_the_tier_in_order_and_tracks_progress(env):
    at = open_page("learning")
    assert links(at) == ["本路径自测", "盗窃案件办理指引", "张某多次盗窃电动车电瓶案", "醉驾案件办理工具箱"]
    assert at.progress[0].proto.text == "已学习 0 / 3 篇（仅在本次会话中保存；登录后学习进度会保存）"
    at.checkbox(key="learning_cb_办案民警:C-2023-901").check().run()
    assert at.progress[0].proto.text == "已学习 1 / 3 篇（仅在本次会话中保存；登录后学习进度会保存）"
    at.segmented_control(key="learning_tier").set_value("法制员").run()
    assert at.query_params["tier"] == "法制员"
    assert links(at) == ["本路径自测", "李某酒后殴打他人治安案"]


def test_learning_paths_file_missing_is_explained(env, tmp_path, monkeypatch):
    content = make_content(tmp_path, documents={}, learning=False)
    monkeypatch.setenv("KB_CONTENT", str(content))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    at = open_page("learning")
    assert at.info[0].value.startswith("学习路径尚未配置：找不到 data/learning_paths.yaml")
    assert "办案民警" in LEARNING_PATHS


def test_stats_show_counts_and_the_search_log(people):
    settings = load_settings()
    for q, n, session in [("盗窃", 2, "a"), ("盗窃", 2, "b"), ("酒驾", 0, "a")]:
        searchlog.record_search(settings, q, n, session=session)
    at = open_page("stats", as_user="zhao")  # the log is for 审核 and 管理员 (search_log_roles)
    assert [m.value for m in at.metric] == ["15", "12", "3", "0"]  # 现行 only: one guide is 不再参照
    top, zero = at.dataframe[0].value, at.dataframe[1].value
    assert top.to_dict("list") == {"检索词": ["盗窃", "酒驾"], "次数": [2, 1], "会话数": [2, 1]}
    assert zero["检索词"].tolist() == ["酒驾"]
    at.segmented_control(key="stats_days").set_value(30).run()
    assert at.query_params["days"] == "30"


def test_stats_say_when_the_search_log_is_off(env, monkeypatch):
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    at = open_page("stats")
    assert at.info[0].value == "检索日志已关闭（配置项 search_log）。"
    at = open_page("search")
    at.text_input(key="search_q").input("盗窃").run()
    assert searchlog.total_searches(load_settings()) == 0


# -- honest search statistics ---------------------------------------------------------------------


@pytest.fixture
def people(env, tmp_path, monkeypatch):
    """`env` with a database of its own holding a reviewer (zhao) and an editor (lin)."""
    monkeypatch.setenv("KB_DB", str(tmp_path / "casekb.sqlite3"))
    settings = load_settings()
    accounts.add_user(settings, "zhao", "审核", "zhao-password")
    accounts.add_user(settings, "lin", "编辑", "lin-password")
    return settings


def logged() -> list[tuple[str, int]]:
    return [(c.query, c.count) for c in searchlog.top_queries(load_settings())]


def popular_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("search_pop_")]


def test_a_typed_query_is_logged_once_not_for_facets_sort_pages_or_reloads(env):
    at = open_page("search")
    at.text_input(key="search_q").input("案件").run()
    assert logged() == [("案件", 1)]
    at.pills(key="search_f_type").set_value(["case"]).run()
    at.pills(key="search_f_type").set_value([]).run()
    at.segmented_control(key="search_sort").set_value("newest").run()
    at.get("pagination")[0].set_value(2).run()
    assert at.query_params["page"] == "2"
    at.run()  # a rerun of the same URL in the same session
    at.query_params["q"] = "醉驾"  # a link or the back button: the URL changed, nothing was typed
    at.run()
    assert "醉驾案件办理工具箱" in links(at)
    open_page("search", q="案件")  # the URL reloaded, or opened from a bookmark
    assert logged() == [("案件", 1)]
    at.text_input(key="search_q").input("盗窃").run()
    assert logged() == [("案件", 1), ("盗窃", 1)]


def test_the_stats_page_asks_a_visitor_to_log_in_and_shows_the_log_to_a_reviewer(people):
    searchlog.record_search(people, "张三 盗窃", 2, session="a")
    visitor = open_page("stats")
    assert [i.value for i in visitor.info] == [
        "检索日志只对“审核”或“管理员”显示；请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。"
    ]
    assert not visitor.dataframe
    editor = open_page("stats", as_user="lin")
    assert [i.value for i in editor.info] == ["当前用户“lin”（编辑）无权查看检索日志；需要“审核”或“管理员”角色。"]
    assert not editor.dataframe and not editor.text_input
    reviewer = open_page("stats", as_user="zhao")
    assert reviewer.dataframe[0].value["检索词"].tolist() == ["某某 盗窃"]  # the name was never stored


def test_popular_buttons_need_several_sessions_and_the_right_role(people):
    for session in ("a", "b"):
        searchlog.record_search(people, "醉驾 抽血", 1, session=session)
    searchlog.record_search(people, "刑法第264条", 1, session="a")
    for _ in range(25):
        searchlog.record_search(people, "广告文字", 1, session="a")  # one session, 25 times
    assert popular_buttons(open_page("search", as_user="zhao"))[:3] == ["盗窃", "醉驾", "电信网络诈骗"]
    searchlog.record_search(people, "醉驾 抽血", 1, session="c")
    assert popular_buttons(open_page("search", as_user="zhao"))[:2] == ["醉驾 抽血", "盗窃"]
    assert popular_buttons(open_page("search"))[:2] == ["盗窃", "醉驾"]  # a visitor sees no log


def test_a_hidden_query_never_shows_and_a_pinned_one_shows_to_everyone(people):
    for session in ("a", "b", "c", "d"):
        searchlog.record_search(people, "醉驾 抽血", 1, session=session)
    at = open_page("stats", as_user="zhao")
    at.text_input(key="stats_curate_q").input("醉驾 抽血")
    at.button(key="stats_hide").click().run()
    assert [s.value for s in at.success] == ["已隐藏“醉驾 抽血”：它不会显示为常用检索按钮。"]
    at.text_input(key="stats_curate_q").input("危险驾驶")
    at.button(key="stats_pin").click().run()
    at.text_input(key="stats_curate_q").input("盗窃")
    at.button(key="stats_hide").click().run()
    assert [m.value for m in at.markdown if m.value.startswith(("固定：", "隐藏："))] == [
        "隐藏：醉驾 抽血", "固定：危险驾驶", "隐藏：盗窃"
    ]  # fmt: skip
    for user in ("zhao", None):
        buttons = popular_buttons(open_page("search", as_user=user))
        assert buttons[:2] == ["危险驾驶", "醉驾"]
        assert "醉驾 抽血" not in buttons and "盗窃" not in buttons
    empty = open_page("search", q="猫咪狗狗", as_user="zhao")  # no results: the 常用检索 below
    assert "醉驾 抽血" not in popular_buttons(empty) and "盗窃" not in popular_buttons(empty)
    editor = open_page("stats", as_user="lin")
    assert not [b for b in editor.button if b.key in ("stats_pin", "stats_hide")]


# -- no index, empty index ----------------------------------------------------------------------


def test_the_app_builds_a_missing_index_at_start(tmp_path, monkeypatch):
    content = make_content(tmp_path)
    monkeypatch.setenv("KB_CONTENT", str(content))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    assert not at.exception
    assert current_dir(tmp_path / "index") is not None
    assert [t.value for t in at.toast] == ["索引已建立：15 篇文档，0 条法条"]
    assert "张某多次盗窃电动车电瓶案" in links(at)


def test_a_setting_that_cannot_be_used_is_explained(env, monkeypatch):
    monkeypatch.setenv("KB_SESSION_TIMEOUT_MINUTES", "0")
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.error[0].value.startswith("设置 session\\_timeout\\_minutes（环境变量 KB\\_SESSION\\_TIMEOUT\\_MINUTES")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_with_an_empty_index(page, tmp_path, monkeypatch):
    content = make_content(tmp_path, documents={})
    monkeypatch.setenv("KB_CONTENT", str(content))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    at = open_page(page, id="C-1") if page in ("document",) else open_page(page)
    assert not at.error or page == "document"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_content_errors_instead_of_crashing(page, tmp_path, monkeypatch):
    content = make_content(tmp_path, documents={"guides/bad.md": "---\nid: [\n---\n"})
    monkeypatch.setenv("KB_CONTENT", str(content))
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    at = open_page(page)
    assert at.error[0].value.startswith("共 1 处错误，涉及 1 个文件")
    assert "guides/bad.md" in at.error[0].value


def test_an_unexpected_failure_is_reported_in_chinese():
    def page():
        from ui.messages import report_unexpected

        assert report_unexpected(ValueError("坏值")) is True  # Streamlit's English report is not shown

    at = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert [e.value for e in at.error] == [
        "内部错误：ValueError: 坏值。请刷新页面重试；如仍出现，请把这条信息报告给系统管理员。"
    ]


def test_the_server_reports_failures_outside_a_page_in_chinese():
    # A widget callback or the sidebar fails outside messages.run: the st.App's handler reports it.
    # (A subprocess: constructing the st.App pins process-wide Streamlit configuration.)
    # ui.services is imported by the warm-up, not by app.py: its cached functions would be
    # declared before the runtime exists (Streamlit's "No runtime found" warning).
    probe = "import app, sys, ui.startup as s; print(app.app._on_script_error is s.report_unexpected)"
    probe += "; print('ui.services' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True", "False"], done.stderr
