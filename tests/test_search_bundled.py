"""Search over the bundled guides and cases and the statute folder: the issue's officer queries."""

from __future__ import annotations

import pytest

from kb.search.index import build_index
from kb.search.service import SearchService
from kb.settings import REPO_ROOT, Settings

try:
    from tests.conftest import LAWS_DIR
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from conftest import LAWS_DIR

pytestmark = pytest.mark.laws


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}（设置 KB_TEST_LAWS 指向 LawRefBook 格式的法规目录）")
    root = tmp_path_factory.mktemp("bundled")
    settings = Settings(
        content_dir=REPO_ROOT,
        index_dir=root / "index",
        laws_dir=LAWS_DIR,
        data_dir=REPO_ROOT / "data",
        db_path=root / "casekb.sqlite3",
        search_log=False,
    )
    build_index(settings, parallel=False)
    svc = SearchService(settings)
    yield svc
    svc.close()


def top(results, n: int = 3) -> list[str]:
    return [h.id for h in results.hits[:n]]


def test_a_statute_question_in_slang_puts_the_penalty_article_in_the_top_three(bundled):
    assert "治安管理处罚法@2025-06-27#51" in top(bundled.search("打人 拘几天"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("和邻居吵架动手了 会被拘留几天", {"G-2024-022", "C-2022-116", "C-2024-114", "治安管理处罚法@2025-06-27#51"}),
        ("未成年人做笔录家长不来怎么办", {"G-2024-005", "G-2024-013"}),
        ("把银行卡租给别人用 犯法吗", {"G-2024-021", "C-2023-050", "C-2025-052"}),
        ("顺手牵羊 没多少钱 怎么处理", {"治安管理处罚法@2025-06-27#58"}),
        ("监世居住 期限", {"G-2024-006", "刑事诉讼法@2018-10-26#79"}),
    ],
)
def test_the_issues_officer_queries_find_what_the_officer_needed(bundled, query, expected):
    results = bundled.search(query)
    assert results.total > 0
    assert expected & set(top(results)), top(results)


def test_a_typo_is_corrected_and_said(bundled):
    results = bundled.search("监世居住 期限")
    assert results.corrected and results.understanding.corrected == "监视居住 期限"


def test_a_citation_puts_its_article_first(bundled):
    assert top(bundled.search("刑法第264条"), 1) == ["刑法@2023-12-29#264"]
    assert top(bundled.search("刑法第264条 数额较大"), 1) == ["刑法@2023-12-29#264"]


def test_an_abbreviation_finds_documents_that_only_use_the_full_term(bundled):
    found = {h.id for h in bundled.search("醉驾", per_page=100).hits}
    assert "刑法@2023-12-29#133-1" in found  # its text says 醉酒驾驶机动车, never 醉驾


def test_a_quoted_phrase_finds_exactly_the_documents_containing_it(bundled):
    results = bundled.search('"价格认定"', per_page=100)
    assert results.total > 0
    for hit in results.hits:
        stored = bundled.document(hit.id)
        assert "价格认定" in (stored["title"] + stored["summary"] + stored["body"] + (stored["tags"] or ""))


def test_a_statute_question_naming_a_charge_puts_the_article_defining_it_first(bundled, monkeypatch):
    from kb.search import concepts

    assert top(bundled.search("持刀 袭警 判几年"))[0] == "刑法@2023-12-29#277"
    monkeypatch.setattr(concepts, "DEFINING_LEND", False)  # without it, cases covering 持刀 come first
    monkeypatch.setattr(concepts, "ARTICLE_BY", 0)  # (and no article is moved up among the first three)
    assert "刑法@2023-12-29#277" not in top(bundled.search("持刀 袭警 判几年"))


def test_a_word_contained_in_one_charge_name_leads_to_the_article_defining_it(bundled):
    assert top(bundled.search("卖公民信息 判几年"))[0] == "刑法@2023-12-29#253-1"


def test_an_age_in_digits_finds_the_article_that_writes_it_in_chinese(bundled, monkeypatch):
    from kb.search import query

    assert top(bundled.search("12岁 打死人 负刑事责任吗"))[0] == "刑法@2023-12-29#17"
    monkeypatch.setattr(query, "NUMERALS", False)
    monkeypatch.setattr(query, "AGES", ())  # 12岁 is also an age (已满十二周岁 …): that finds it too
    monkeypatch.setattr(query, "MINOR", ())  # … and a minor (未成年人)
    assert "刑法@2023-12-29#17" not in top(bundled.search("12岁 打死人 负刑事责任吗"))


def test_a_word_naming_a_law_is_covered_by_that_laws_articles(bundled):
    # 治安 → 《治安管理处罚法》 (data/colloquial.txt): article 58 never says 治安, yet covers it.
    hit = bundled.search("治安 偷东西 罚多少").hits[0]
    assert hit.id == "治安管理处罚法@2025-06-27#58"
    assert hit.matched == ("治安", "偷东西")
    assert hit.missing == ()


def test_an_associated_article_ranks_below_a_document_covering_the_rarest_concept_itself(bundled, monkeypatch):
    # 殴打他人 guide covers 打架; the articles it cites borrow its coverage less 打架 (the rarest
    # word), so 第二十三条, which itself covers 16岁 / 第一次 / 拘留 / 执行, stays in the top three.
    from kb.search import concepts
    from kb.search import query as reading

    query = "16岁第一次打架 拘留还执行吗"
    assert "治安管理处罚法@2025-06-27#23" in top(bundled.search(query))
    monkeypatch.setattr(concepts, "GRAPH_LEND", "minus1")  # less the last concept typed: it fell out
    monkeypatch.setattr(reading, "AGES", ())  # (16岁's age lines, 已满十六周岁 …, find it by themselves)
    assert "治安管理处罚法@2025-06-27#23" not in top(bundled.search(query))


def test_the_intent_picks_the_crimes_article_not_the_public_order_one(bundled):
    # 编造虚假警情: 刑法第二百九十一条之一 (a crime) and 治安管理处罚法第二十九条 (a 违法行为) both
    # define it; 够不够刑事 steers to 追究刑事责任 / 情节严重…, which only the crime's article says.
    assert top(bundled.search("编造虚假警情发到网上 够不够刑事"))[0] == "刑法@2023-12-29#291-1"


def test_a_time_limit_question_finds_the_time_limit_article_though_it_shares_no_word(bundled, monkeypatch):
    # 还能立案吗 → 【不再追诉】 (data/query_words.txt): 刑法第八十七条 says neither 盗窃 nor 手机.
    from kb.search import concepts

    query = "偷了同事手机 过了好几年 还能立案吗"
    assert "刑法@2023-12-29#87" in top(bundled.search(query))
    monkeypatch.setattr(concepts, "NOTION_MAX", 0)
    assert "刑法@2023-12-29#87" not in top(bundled.search(query), 10)


def test_an_article_defining_the_word_asked_about_ranks_first(bundled, monkeypatch):
    # 刑法第六十五条 says “…的，是累犯”: it answers 算累犯吗, though it says neither 出狱 nor 抢劫.
    from kb.search import concepts

    query = "出狱两年又抢劫 算累犯吗"
    assert top(bundled.search(query))[0] == "刑法@2023-12-29#65"
    monkeypatch.setattr(concepts, "DEFINED_LEND", False)
    assert top(bundled.search(query))[0] != "刑法@2023-12-29#65"


def test_an_age_finds_the_article_drawing_the_age_line_it_passed(bundled, monkeypatch):
    # 75岁 → 已满七十五周岁 (刑法第十七条之一), which says neither 老人 nor 犯罪 as typed.
    from kb.search import concepts, query

    assert "刑法@2023-12-29#17-1" in top(bundled.search("75岁的老人犯罪 能从轻吗"))
    monkeypatch.setattr(query, "AGE_NOTIONS", False)
    monkeypatch.setattr(concepts, "ARTICLE_BY", 0)  # (and no article is moved up among the first three)
    assert "刑法@2023-12-29#17-1" not in top(bundled.search("75岁的老人犯罪 能从轻吗"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("楼上天天放音乐 能拘吗", "治安管理处罚法@2025-06-27#88"),  # 放音乐 → 噪声
        ("邻居家的狗咬人 罚多少", "治安管理处罚法@2025-06-27#89"),  # 狗 → 犬 饲养动物, 咬人 → 动物伤害他人
        ("嫌疑人死了 治安案子还办吗", "公安机关办理行政案件程序规定@2019-04-27#259"),  # 还办吗 → 【终止调查】
        ("为讨债把人关了 判几年", "刑法@2023-12-29#238"),  # 讨债 → 索取债务, 关 → 拘禁
    ],
)
def test_everyday_words_reach_the_statutes_words(bundled, query, expected):
    assert expected in top(bundled.search(query)), top(bundled.search(query))


def test_a_colloquial_word_of_the_thesaurus_is_not_corrected_into_an_index_word(bundled):
    # 牌照 (→ 号牌) is no slip for 拍照, which the bundled guides use.
    results = bundled.search("假牌照 拘几天")
    assert results.understanding.corrections == ()
    assert "道路交通安全法@2021-04-29#96" in top(results)


def test_secretly_is_no_theft(bundled):
    und = bundled.search("驾照被扣期间偷偷开车 罚多少").understanding
    assert "偷偷" in und.fillers and not any(c.word.startswith("偷") for c in und.concepts)
    assert "道路交通安全法@2021-04-29#99" in top(bundled.search("驾照被扣期间偷偷开车 罚多少"), 10)
