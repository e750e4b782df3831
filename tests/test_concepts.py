"""Ranked, forgiving matching of plain queries: what an intent word names by itself (【不再追诉】), the
article defining a word typed (累犯)."""

from __future__ import annotations

import pytest

from kb.search import concepts
from kb.search.index import build_index
from kb.search.service import SearchService

try:
    from tests.conftest import ContentTree, make_settings
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from conftest import ContentTree, make_settings

CRIMINAL_LAW = """# 中华人民共和国刑法

<!-- INFO END -->

## 第一编 总则

第六十五条 被判处有期徒刑以上刑罚的犯罪分子，刑罚执行完毕以后，在五年以内再犯应当判处有期徒刑以上刑罚之罪的，是累犯，应当从重处罚。

第六十六条 危害国家安全犯罪的犯罪分子在刑罚执行完毕以后，在任何时候再犯上述任一类罪的，都以累犯论处。

### 第八节 时效

第八十七条 犯罪经过下列期限不再追诉：法定最高刑为不满五年有期徒刑的，经过五年。

第八十八条 在公安机关立案侦查以后，逃避侦查的，不受追诉期限的限制。

## 第二编 分则

第二百六十六条 诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。
"""

QUERY_WORDS = "[虚词]\n算不算\n[意图]\n还能立案吗 还能追究吗 → 【不再追诉】 时效\n还能罚吗 → 不再处罚\n"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("concepts")
    content = ContentTree(root / "content")
    (content.root / "data" / "query_words.txt").write_text(QUERY_WORDS, encoding="utf-8")
    (content.root / "data" / "colloquial.txt").write_text("二进宫 → 累犯\n", encoding="utf-8")
    laws = root / "laws"
    (laws / "刑法").mkdir(parents=True)
    (laws / "刑法" / "刑法.md").write_text(CRIMINAL_LAW, encoding="utf-8")
    content.case(
        "C-1",
        title="钱某诈骗邻居案",
        category="诈骗",
        charges="诈骗罪",
        laws="刑法第二百六十六条",
        tags="邻里",
        facts="钱某以投资为名诈骗邻居孙某五千元。",
    )
    content.case(
        "C-2",
        title="周某电信诈骗案",
        category="诈骗",
        charges="诈骗罪",
        laws="刑法第二百六十六条",
        tags="电信网络诈骗",
        facts="周某冒充客服诈骗被害人二万元。",
    )
    content.guide(
        "G-1", title="邻里纠纷调处指引", laws="刑法第二百六十六条", body="邻居之间因琐事发生纠纷的，先行劝解。"
    )
    settings = make_settings(content.root, root, laws)
    build_index(settings)
    svc = SearchService(settings)
    yield svc
    svc.close()


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def article(results, number: int) -> str:
    return next(h.id for h in results.hits if h.id.endswith(f"#{number}"))


def test_an_article_saying_a_rare_notion_ranks_first_though_it_shares_no_word(service):
    results = service.search("诈骗 邻居 过了好多年 还能立案吗")
    assert results.understanding.notions == ("不再追诉",)
    assert results.understanding.steer == ("时效",)
    found = ids(results)
    # 刑法第八十七条 alone says 不再追诉: it answers the question, above C-1, which covers two words.
    assert found[:2] == [article(results, 87), "C-1"]
    assert found[0].startswith("刑法@")
    assert results.hits[0].matched == () and results.hits[0].missing == ("诈骗", "邻居", "好多年")
    # 第八十八条 says 追诉期限, not the notion: it is no answer by itself.
    assert not any(h.id.endswith("#88") for h in results.hits)


def test_a_rare_notion_sharing_no_word_needs_the_query_to_speak_of_time(service, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 0)
    # 诈骗 邻居 还能立案吗 says nothing of time: 不再追诉 is not its answer by itself.
    assert ids(service.search("诈骗 邻居 还能立案吗"))[0] == "C-1"
    assert "刑法@现行#87" not in ids(service.search("诈骗 邻居 还能立案吗"))
    monkeypatch.setattr(concepts, "NOTION_NEEDS", False)
    assert ids(service.search("诈骗 邻居 还能立案吗"))[0] == "刑法@现行#87"


def test_an_article_saying_a_common_notion_ranks_below_full_matches_and_above_partial_ones(service, monkeypatch):
    monkeypatch.setattr(concepts, "NOTION_FIRST", 0)  # 不再追诉 now counts as said by too many articles
    results = service.search("诈骗 邻居 还能立案吗")
    found = ids(results)
    assert found[:2] == ["C-1", article(results, 87)]
    assert set(found[2:]) == {"C-2", "G-1", article(results, 266)}


def test_without_the_rule_the_article_sharing_no_word_is_not_found(service, monkeypatch):
    monkeypatch.setattr(concepts, "NOTION_MAX", 0)
    results = service.search("诈骗 邻居 还能立案吗")
    assert ids(results)[0] == "C-1"
    assert not any(h.id.endswith("#87") for h in results.hits)


def test_an_intent_naming_no_notion_only_steers(service):
    results = service.search("诈骗 邻居 还能罚吗")
    assert results.understanding.notions == ()
    assert not any(h.id.endswith("#87") for h in results.hits)


def test_a_query_naming_an_article_gets_no_notion_articles(service):
    results = service.search("刑法第266条 还能立案吗")
    assert ids(results)[0] == article(results, 266)
    assert not any(h.id.endswith("#87") for h in results.hits)


def test_the_articles_defining_a_word_are_read_from_their_text(service):
    with service._searcher() as searcher:
        table = concepts.definitions(searcher, service._caches)
        assert {w: [searcher.stored_fields(d)["id"] for d in ds] for w, ds in table.items()} == {
            "累犯": ["刑法@现行#65"]  # 第六十六条 says 以累犯论处: no definition
        }


def test_an_article_saying_what_the_conduct_falls_under_defines_that_word():
    text = "为了使本人的人身免受正在进行的不法侵害，对不法侵害人造成损害的，属于正当防卫，不负刑事责任。"
    found = [next(g for g in m.groups() if g) for m in concepts._DEFINES.finditer(text)]
    assert found == ["正当防卫"]
    assert not list(concepts._DEFINES.finditer("不属于正当防卫的，依法处理。"))


def test_the_article_defining_a_word_typed_ranks_with_the_documents_covering_all_but_one(service, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 0)  # the rule alone, no documents filling the page
    query = "诈骗 邻居 累犯 算不算"
    assert ids(service.search(query)) == ["C-1", "刑法@现行#65"]
    monkeypatch.setattr(concepts, "DEFINED_LEND", False)  # 第六十五条 covers one word of three: not matched
    assert ids(service.search(query)) == ["C-1"]


def test_a_short_page_is_filled_with_documents_covering_fewer_concepts_below_the_full_ones(service):
    results = service.search("诈骗 邻居 投资")
    # C-1 covers all three; the others one each, below the two-of-three share, yet they follow it.
    assert [(h.id, h.missing) for h in results.hits] == [
        ("C-1", ()),
        ("刑法@现行#266", ("邻居", "投资")),  # cited by C-1 (法条联想), so above the two below
        ("C-2", ("邻居", "投资")),
        ("G-1", ("诈骗", "投资")),
    ]
    assert results.total == 4 and results.partial and results.complete
    assert results.explanation() == ("包含全部检索词的文档排在前面；其后的结果只包含部分检索词，每条注明缺少的词。",)


def test_without_the_fill_the_documents_covering_one_concept_of_three_are_left_out(service, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 0)
    assert ids(service.search("诈骗 邻居 投资")) == ["C-1", "刑法@现行#266"]


def test_a_page_already_holding_fill_documents_gets_no_more(service, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 2)  # C-1 and the article it cites are two
    assert ids(service.search("诈骗 邻居 投资")) == ["C-1", "刑法@现行#266"]


def test_sorted_by_date_the_fill_documents_come_after_the_others(service):
    # Newest first within each part: C-1 and the article it cites, then the two covering one word.
    assert ids(service.search("诈骗 邻居 投资", sort="newest")) == ["C-1", "刑法@现行#266", "G-1", "C-2"]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """Four cases covering both words of 诈骗 邻居 (citing nothing), the article covering one."""
    root = tmp_path_factory.mktemp("crowded")
    content = ContentTree(root / "content")
    laws = root / "laws"
    (laws / "刑法").mkdir(parents=True)
    (laws / "刑法" / "刑法.md").write_text(CRIMINAL_LAW, encoding="utf-8")
    for n, name in enumerate(("钱", "孙", "李", "周"), 1):
        content.case(f"C-{n}", title=f"{name}某诈骗邻居案", category="诈骗", facts=f"{name}某诈骗邻居{n}千元。")
    settings = make_settings(content.root, root, laws)
    build_index(settings)
    svc = SearchService(settings)
    yield svc
    svc.close()


def test_the_best_article_is_among_the_first_three_results(crowded):
    found = ids(crowded.search("诈骗 邻居"))
    assert found[2] == "刑法@现行#266" and len(found) == 5
    assert set(found[:2] + found[3:]) == {"C-1", "C-2", "C-3", "C-4"}
    # Every page agrees: the second page of two holds the article and the third case.
    page2 = ids(crowded.search("诈骗 邻居", page=2, per_page=2))
    assert page2 == found[2:4]


def test_without_the_rule_the_article_covering_fewer_words_ranks_last(crowded, monkeypatch):
    monkeypatch.setattr(concepts, "ARTICLE_BY", 0)
    assert ids(crowded.search("诈骗 邻居"))[4] == "刑法@现行#266"


def test_an_article_beyond_the_window_is_not_lifted(crowded, monkeypatch):
    monkeypatch.setattr(concepts, "ARTICLE_WITHIN", 4)  # the four cases fill the window
    assert ids(crowded.search("诈骗 邻居"))[4] == "刑法@现行#266"


def test_an_article_already_among_the_first_three_stays_where_it_is(service):
    assert ids(service.search("诈骗 邻居 投资"))[:2] == ["C-1", "刑法@现行#266"]


def test_a_legal_term_the_thesaurus_maps_to_lends_no_definition(service, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 0)
    monkeypatch.setattr(concepts, "ARTICLE_BY", 0)
    # 二进宫 is searched as 累犯 (第六十五条 matches it), but 累犯 was not typed: no definition lent.
    assert ids(service.search("诈骗 邻居 二进宫")) == ["C-1"]
    monkeypatch.setattr(concepts, "DEFINED_TYPED", False)
    assert ids(service.search("诈骗 邻居 二进宫")) == ["C-1", "刑法@现行#65"]


def test_a_document_holding_enough_of_the_querys_weight_matches_with_fewer_concepts(service, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 0)
    monkeypatch.setattr(concepts, "ARTICLE_BY", 0)
    query = "诈骗 邻居 投资 逃避侦查"
    # 第八十八条 covers one word of four, below the two-of-four share, but the rarest one.
    monkeypatch.setattr(concepts, "WEIGHTED_SHARE", 0.25)
    found = ids(service.search(query))
    assert "刑法@现行#88" in found and found[0] == "C-1"
    monkeypatch.setattr(concepts, "WEIGHTED_SHARE", 0.0)
    assert "刑法@现行#88" not in ids(service.search(query))


def test_the_fill_leaves_out_documents_already_matched_by_their_weight():
    # Docs 2 and 3 cover one concept of two; 3 was matched already (by its share of the weight): only 2 fills.
    effective = {1: 0b11, 2: 0b01, 3: 0b10}
    assert concepts._fill(effective, {0b11: 2, 0b01: 1, 0b10: 1}, 2, {1, 3}) == {2}


PUBLIC_ORDER_LAW = """# 中华人民共和国治安管理处罚法

<!-- INFO END -->

第九条 对于因民间纠纷引起的打架斗殴，调解达成协议并履行的，不再处罚。

第二十五条 违反治安管理行为在六个月以内没有被公安机关发现的，不再处罚。
"""


@pytest.fixture(scope="module")
def timed(tmp_path_factory):
    """Two articles saying 不再处罚: one after a settlement, one after six months."""
    root = tmp_path_factory.mktemp("timed")
    content = ContentTree(root / "content")
    (content.root / "data" / "query_words.txt").write_text(
        "[虚词]\n才\n[意图]\n还能罚吗 → 【不再处罚】\n", encoding="utf-8"
    )
    laws = root / "laws"
    (laws / "行政法").mkdir(parents=True)
    (laws / "行政法" / "治安管理处罚法(2025-06-27).md").write_text(PUBLIC_ORDER_LAW, encoding="utf-8")
    content.guide("G-1", title="治安调解指引", body="邻居吵架的，调解应当依法进行。")
    settings = make_settings(content.root, root, laws)
    build_index(settings)
    svc = SearchService(settings)
    yield svc
    svc.close()


def test_with_a_time_said_the_notion_article_stating_a_period_comes_first(timed, monkeypatch):
    monkeypatch.setattr(concepts, "NOTION_MAX", 1)  # one place for the two articles saying 不再处罚
    query = "吵架 过了7个月 还能罚吗"
    # A rare notion (two articles say it) ranks first: the article stating the period takes its place.
    assert ids(timed.search(query)) == ["治安管理处罚法@2025-06-27#25", "G-1"]
    monkeypatch.setattr(concepts, "NOTION_TIMED", False)
    assert ids(timed.search(query)) == ["治安管理处罚法@2025-06-27#9", "G-1"]
