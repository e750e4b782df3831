"""The law pages through AppTest: the list of laws, a law's versions and table of contents, an article with its
chapter, previous/next and citing documents; one count in the sidebar, the search facets and 统计."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from kb.search.index import build_index
from kb.settings import load_settings

try:
    from tests.app_fixtures import make_content
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content

TIMEOUT = 60

CRIMINAL_LAW = """# 中华人民共和国刑法

2020年12月26日 第十三届全国人民代表大会常务委员会第二十四次会议通过

<!-- INFO END -->

## 第二编 分则

### 第二章 危害公共安全罪

第一百三十三条 违反交通运输管理法规，因而发生重大事故的，处三年以下有期徒刑或者拘役。

第一百三十三条之一 在道路上驾驶机动车，醉酒驾驶机动车的，处拘役，并处罚金。

### 第五章 侵犯财产罪

第二百六十四条 盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。

第二百六十六条 诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。
"""

# Two versions: data/laws_effective.yaml dates them (2013-01-01 and 2026-01-01).
PUBLIC_SECURITY_2012 = """# 中华人民共和国治安管理处罚法

2012年10月26日 第十一届全国人民代表大会常务委员会第二十九次会议修正

<!-- INFO END -->

## 第三章 违反治安管理的行为和处罚

### 第三节 侵犯人身权利、财产权利的行为和处罚

第四十三条 殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留。

第四十九条 盗窃、诈骗、哄抢、抢夺、敲诈勒索或者故意损毁公私财物的，处五日以上十日以下拘留。
"""

PUBLIC_SECURITY_2025 = """# 中华人民共和国治安管理处罚法

2025年6月27日 第十四届全国人民代表大会常务委员会第十六次会议修订

<!-- INFO END -->

## 第三章 违反治安管理的行为和处罚

### 第四节 侵犯人身权利、财产权利的行为和处罚

第五十一条 殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处五百元以上一千元以下罚款。

第五十八条 盗窃、诈骗、哄抢、抢夺或者故意损毁公私财物的，处五日以上十日以下拘留或者二千元以下罚款。
"""


def make_law_folder(root):
    laws = root / "laws"
    (laws / "刑法").mkdir(parents=True)
    (laws / "行政法").mkdir()
    (laws / "刑法" / "刑法.md").write_text(CRIMINAL_LAW, encoding="utf-8")
    (laws / "行政法" / "治安管理处罚法(2012-10-26).md").write_text(PUBLIC_SECURITY_2012, encoding="utf-8")
    (laws / "行政法" / "治安管理处罚法(2025-06-27).md").write_text(PUBLIC_SECURITY_2025, encoding="utf-8")
    return laws


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The app fixtures' guides and cases with a small statute folder, indexed once for the module."""
    root = tmp_path_factory.mktemp("law")
    content = make_content(root)
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_CONTENT", str(content))
    mp.setenv("KB_INDEX", str(root / "index"))
    mp.setenv("KB_LAWS", str(make_law_folder(root)))
    build_index(load_settings())
    mp.undo()
    return root


@pytest.fixture
def env(built, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(built / "content"))
    monkeypatch.setenv("KB_INDEX", str(built / "index"))
    monkeypatch.setenv("KB_DB", str(built / "casekb.sqlite3"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)
    return built


def open_page(page: str, /, **params: str) -> AppTest:
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


def visible_text(at: AppTest) -> str:
    """Everything a reader sees on the page: HTML with tags stripped, captions, links, markdown."""
    shown = re.sub(r"<(style|script)\b.*?</\1>", " ", html_of(at), flags=re.S)
    parts = [re.sub(r"<[^>]+>", " ", shown)]
    parts += [c.value for c in at.main.caption] + [m.value for m in at.markdown] + [t.value for t in at.title]
    parts += [p.proto.label for p in at.page_link] + [w.value for w in at.warning] + [s.value for s in at.subheader]
    return "\n".join(parts)


def links(at: AppTest) -> dict[str, tuple[str, str]]:
    """Link label -> (icon, query string)."""
    return {p.proto.label: (p.proto.icon, p.proto.query_string) for p in at.page_link}


def test_the_law_list_names_each_law_with_its_current_and_old_articles(env):
    at = open_page("law")
    assert [t.value for t in at.title] == ["法规"]
    page = html_of(at)
    assert (
        '<a href="law?law=%E5%88%91%E6%B3%95" target="_self">刑法</a><span class="kb-meta">（现行 4 条）</span>' in page
    )
    assert '治安管理处罚法</a><span class="kb-meta">（现行 2 条，另有旧版本条文 2 条）</span>' in page
    assert at.main.caption[-1].value == (
        "法规库收录 2 部法律法规，现行条文 6 条；另有旧版本条文（已失效 2 条），在各法规页的“版本”中查看。"
        "法条按条计，同一条文的每个版本各算一条。"
    )


def test_a_law_page_lists_its_versions_with_the_right_date_labels(env):
    at = open_page("law", law="治安管理处罚法")
    page = html_of(at)
    assert "<th>版本</th><th>公布日期</th><th>施行日期</th><th>状态</th><th>条数</th>" in page
    assert "<td><strong>2025-06-27 版（正在查看）</strong></td><td>2025-06-27</td><td>2026-01-01</td>" in page
    assert "<td>2012-10-26</td><td>2013-01-01</td>" in page
    assert '<span class="kb-badge superseded">已失效</span>' in page
    assert "2025-06-27 公布 · 施行日期 2026-01-01 · 现行" in [c.value for c in at.main.caption]
    assert "印发日期" not in visible_text(at)


def test_a_law_page_shows_its_table_of_contents_in_order(env):
    at = open_page("law", law="刑法")
    toc = re.search(r'<nav class="kb-law-toc"[^>]*>(.*)</nav>', html_of(at), re.S)[1]
    lines = re.findall(r"<h(\d)[^>]*>([^<]+)</h\d>|<a href=\"([^\"]+)\"[^>]*>([^<]+)</a>", toc)
    assert [(level or "a", heading or label) for level, heading, _, label in lines] == [
        ("3", "第二编 分则"),
        ("4", "第二章 危害公共安全罪"),
        ("a", "第一百三十三条"),
        ("a", "第一百三十三条之一"),
        ("4", "第五章 侵犯财产罪"),
        ("a", "第二百六十四条"),
        ("a", "第二百六十六条"),
    ]
    assert "law?law=%E5%88%91%E6%B3%95&amp;a=133-1" in toc  # the version in force: no v= in the link
    assert '第二百六十四条</a> <span class="kb-meta">盗窃公私财物' in toc


def test_an_article_page_has_its_chapter_neighbours_and_citing_documents(env):
    at = open_page("law", law="刑法", a="264")
    page = html_of(at)
    assert '<h1 class="kb-doc-title">刑法第二百六十四条</h1>' in page
    assert "<p>盗窃公私财物，数额较大的" in page
    assert "所在章节：第二编 分则 › 第五章 侵犯财产罪" in [c.value for c in at.main.caption]
    found = links(at)
    assert found["上一条：第一百三十三条之一"] == (":material/arrow_back:", "law=%E5%88%91%E6%B3%95&a=133-1")
    assert found["下一条：第二百六十六条"] == (":material/arrow_forward:", "law=%E5%88%91%E6%B3%95&a=266")
    citing = {label: icon for label, (icon, _) in found.items() if label.startswith(("指引：", "案例："))}
    assert citing == {
        "指引：盗窃案件办理指引": ":material/menu_book:",
        "案例：张某多次盗窃电动车电瓶案": ":material/gavel:",
        "指引：盗窃案件办理指引（2020年版）（不再参照）": ":material/menu_book:",
    }


def test_the_first_and_last_articles_say_so(env):
    at = open_page("law", law="刑法", a="133")
    assert "（已是第一条）" in [c.value for c in at.main.caption]
    assert "下一条：第一百三十三条之一" in links(at)
    at = open_page("law", law="刑法", a="第二百六十六条")
    assert "（已是最后一条）" in [c.value for c in at.main.caption]
    assert "上一条：第二百六十四条" in links(at)


def test_an_old_versions_article_is_labelled_and_points_to_the_version_in_force(env):
    at = open_page("law", law="治安管理处罚法", v="2012-10-26", a="43")
    page = html_of(at)
    assert '<span class="kb-badge superseded">已失效</span>' in page
    assert [w.value for w in at.warning] == ["本页为 2012-10-26 版（已失效），现行版本自 2026-01-01 起施行。"]
    assert "2012-10-26 公布 · 施行日期 2013-01-01 · 已失效" in [c.value for c in at.main.caption]
    found = links(at)
    assert found["查看现行版本"][1] == "law=%E6%B2%BB%E5%AE%89%E7%AE%A1%E7%90%86%E5%A4%84%E7%BD%9A%E6%B3%95"
    assert found["下一条：第四十九条"][1].endswith("v=2012-10-26&a=49")


def test_no_internal_id_is_shown_on_the_law_pages(env):
    for params in (
        {},
        {"law": "刑法"},
        {"law": "刑法", "a": "264"},
        {"law": "治安管理处罚法", "v": "2012-10-26", "a": "49"},
    ):
        text = visible_text(open_page("law", **params))
        assert re.findall(r"\S*(?:@\S*#|@\d{4}-|#\d)\S*", text) == [], params  # 刑法@2020-12-26#264


def test_a_statute_document_link_opens_the_article_on_the_law_page(env):
    at = open_page("document", id="刑法@2020-12-26#264")
    assert '<h1 class="kb-doc-title">刑法第二百六十四条</h1>' in html_of(at)
    assert "上一条：第一百三十三条之一" in links(at)


def test_an_unknown_law_or_article_is_explained(env):
    at = open_page("law", law="民法典")
    assert [e.value for e in at.error] == ["法规库中没有“民法典”。"]
    at = open_page("law", law="刑法", a="999")
    assert [e.value for e in at.error] == ["刑法中没有这一条（999）。"]
    at = open_page("law", law="刑法", a="甲")
    assert [e.value for e in at.error] == ["“甲”不是条号；应写作 264、133-1 或 第二百六十四条。"]


def test_the_counts_agree_in_the_sidebar_the_search_facets_and_stats(env):
    at = open_page("stats")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"现行文档": "20", "办案指引": "12", "精品案例": "2", "法条": "6"}
    sidebar = [c.value for c in at.sidebar.caption]
    assert "现行：指引 12 · 案例 2 · 法条 6" in sidebar
    assert "另有不再参照的指引 1 篇、已失效的法条 2 条，检索时默认不显示" in sidebar
    explained = at.main.caption[0].value
    assert explained.startswith("以上只计现行文档，与侧栏和检索页“类型”筛选的计数相同")
    assert "另有不再参照的指引 1 篇、已失效的法条 2 条" in explained
    search = open_page("search")
    types = next(p for p in search.pills if p.label == "类型")
    assert sorted(types.options) == sorted(["指引 12", "案例 2", "法条 6"])
