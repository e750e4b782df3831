"""The 新旧条文对照 on the law pages through AppTest: a law's 对照表 with its filter and links, and an article's
origin or successor with the character diff."""

from __future__ import annotations

import html
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
LAW = "治安管理处罚法"
ENCODED = "%E6%B2%BB%E5%AE%89%E7%AE%A1%E7%90%86%E5%A4%84%E7%BD%9A%E6%B3%95"  # 治安管理处罚法 in a URL

OLD = """# 中华人民共和国治安管理处罚法

<!-- INFO END -->

## 第一章 总则

第一条 为维护社会治安秩序，保障公共安全，保护公民、法人和其他组织的合法权益，制定本法。

第二条 扰乱公共秩序，妨害公共安全，侵犯人身权利、财产权利，妨害社会管理，尚不够刑事处罚的，由公安机关依照本法给予治安管理处罚。

## 第三章 违反治安管理的行为和处罚

第三条 殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处二百元以上五百元以下罚款。

第四条 协助组织或者运送他人偷越国（边）境的，处十日以上十五日以下拘留，并处一千元以上五千元以下罚款。

第五条 饲养动物，干扰他人正常生活的，处警告。
"""

NEW = """# 中华人民共和国治安管理处罚法

<!-- INFO END -->

## 第一章 总则

第一条 为维护社会治安秩序，保障公共安全，保护公民、法人和其他组织的合法权益，制定本法。

第二条 为了免受正在进行的不法侵害而采取的制止行为，造成损害的，不属于违反治安管理行为，不受处罚。

第三条 扰乱公共秩序，妨害公共安全，侵犯人身权利、财产权利，妨害社会管理，尚不够刑事处罚的，由公安机关依照本法给予治安管理处罚。

## 第三章 违反治安管理的行为和处罚

第四条 殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处五百元以上一千元以下罚款<注意>。

第五条 出售、饲养烈性犬等危险动物，致使动物伤害他人的，处五日以下拘留。
"""

CORRECTIONS = f"""{LAW}:
  2012-10-26 -> 2025-06-27:
    - 5 -> 5: 烈性犬条款由原饲养动物条款改写
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A law in two versions (data/laws_effective.yaml dates them 2013 and 2026) and one correction, indexed."""
    root = tmp_path_factory.mktemp("concordance")
    content = make_content(root)
    (content / "data" / "law_concordance.yaml").write_text(CORRECTIONS, encoding="utf-8")
    laws = root / "laws" / "行政法"
    laws.mkdir(parents=True)
    (laws / f"{LAW}(2012-10-26).md").write_text(OLD, encoding="utf-8")
    (laws / f"{LAW}(2025-06-27).md").write_text(NEW, encoding="utf-8")
    (root / "laws" / "刑法.md").write_text(
        "# 中华人民共和国刑法\n\n第一条 为了惩罚犯罪，保护人民，制定本法。\n", "utf-8"
    )
    mp = pytest.MonkeyPatch()
    mp.setenv("KB_CONTENT", str(content))
    mp.setenv("KB_INDEX", str(root / "index"))
    mp.setenv("KB_LAWS", str(root / "laws"))
    build_index(load_settings())
    mp.undo()
    return root


@pytest.fixture
def env(built, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(built / "content"))
    monkeypatch.setenv("KB_INDEX", str(built / "index"))
    monkeypatch.setenv("KB_DB", str(built / "casekb.sqlite3"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_LAWS", raising=False)  # the page compares what the index holds
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)
    return built


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/law.py")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html_of(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.html)


def table_rows(at: AppTest) -> list[tuple[str, ...]]:
    """The 对照表's rows as (old cell, new cell, change) with tags stripped."""
    table = re.search(r'<table class="kb-concordance">(.*?)</table>', html_of(at), re.S)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [tuple(re.sub(r"<[^>]+>", "", c) for c in row[:3]) for row in cells]


def links(at: AppTest) -> dict[str, str]:
    return {p.proto.label: p.proto.query_string for p in at.page_link}


def test_a_law_with_two_versions_shows_the_concordance_table(env):
    at = open_page(law=LAW)
    assert "新旧条文对照" in [s.value for s in at.subheader]
    assert at.main.caption[1].value == (
        "2012-10-26 版（5 条）→ 2025-06-27 版（5 条）：文字未变 1、仅条号变化 1、内容修改 2、删除 1、新增 1。"
        "按条文内容自动对照；对照有误的，由法制大队在 data/law_concordance.yaml 中更正。"
    )
    assert table_rows(at) == [
        ("第一条", "第一条", "文字未变"),
        ("（无）", "第二条", "新增"),
        ("第二条", "第三条", "仅条号变化"),
        ("第三条", "第四条", "内容修改"),
        ("第四条", "（无）", "删除"),
        ("第五条", "第五条", "内容修改（人工更正：烈性犬条款由原饲养动物条款改写）"),
    ]
    page = html_of(at)
    # Each row links both articles: the old version's with v=, the version in force without.
    assert (
        f'<td><a href="law?law={ENCODED}&amp;v=2012-10-26&amp;a=3" target="_self">第三条</a></td>'
        f'<td><a href="law?law={ENCODED}&amp;a=4" target="_self">第四条</a></td>' in page
    )


def test_the_filter_keeps_one_kind_of_change_and_is_in_the_url(env):
    at = open_page(law=LAW)
    control = at.segmented_control(key="law_cmp")
    assert list(control.options) == [
        "全部 6",
        "仅内容修改 2",
        "仅条号变化 1",
        "仅新增 1",
        "仅删除 1",
    ]
    control.set_value("新增").run()
    assert at.query_params["cmp"] == "新增"
    assert table_rows(at) == [("（无）", "第二条", "新增")]
    at = open_page(law=LAW, cmp="删除")
    assert table_rows(at) == [("第四条", "（无）", "删除")]
    at = open_page(law=LAW, cmp="条号")
    assert table_rows(at) == [("第二条", "第三条", "仅条号变化")]
    at = open_page(law=LAW, cmp="不存在")  # an unknown filter shows everything
    assert len(table_rows(at)) == 6


def test_a_law_with_one_version_has_no_concordance(env):
    at = open_page(law="刑法")
    assert "新旧条文对照" not in [s.value for s in at.subheader]
    assert 'class="kb-concordance"' not in html_of(at)


def test_a_current_article_says_where_it_came_from_with_the_diff(env):
    at = open_page(law=LAW, a="4")
    page = html_of(at)
    assert '<p class="kb-article-history-text">本条为2012年版第三条修改而来</p>' in page
    diff = re.search(r'<div class="kb-article-diff">(.*?)</div>', page, re.S)[1]
    assert diff == (
        "殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处<del>二</del><ins>五</ins>百元以上"
        "<del>五百</del><ins>一千</ins>元以下罚款<ins>" + html.escape("<注意>") + "</ins>。"
    )
    assert links(at)["2012-10-26 版第三条（已失效）"] == f"law={ENCODED}&v=2012-10-26&a=3"


def test_an_old_article_says_what_it_became(env):
    at = open_page(law=LAW, v="2012-10-26", a="3")
    page = html_of(at)
    assert "2012年版第三条在2025年修订后为第四条，内容有修改" in page
    assert "与2025-06-27 版第四条对照：<del>删去的文字</del>　<ins>增加的文字</ins>" in page
    found = links(at)
    assert found["2025-06-27 版第四条（现行）"] == f"law={ENCODED}&a=4"
    assert "本条在其他版本中" not in [m.value for m in at.markdown]  # 2025 第三条 is another provision


@pytest.mark.parametrize(
    ("params", "sentence"),
    [
        ({"a": "2"}, "本条为2025年修订新增，2012年版无对应条文"),
        ({"a": "3"}, "本条即2012年版第二条，仅条号变化，文字未变"),
        ({"a": "1"}, "本条与2012年版第一条相同，文字未变"),
        ({"v": "2012-10-26", "a": "4"}, "2012年版第四条在2025年修订时删除，2025年版无对应条文"),
    ],
)
def test_each_kind_of_change_has_its_sentence_and_no_diff(env, params, sentence):
    at = open_page(law=LAW, **params)
    page = html_of(at)
    assert f'<p class="kb-article-history-text">{sentence}</p>' in page
    assert '<div class="kb-article-diff">' not in page


def test_a_corrected_pairing_says_so(env):
    at = open_page(law=LAW, a="5")
    page = html_of(at)
    assert "本条为2012年版第五条修改而来" in page
    assert "（此对照经法制大队人工更正：烈性犬条款由原饲养动物条款改写）" in page
