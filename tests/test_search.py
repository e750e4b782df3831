"""Search: syntax, citations, synonyms, filters, facets, snippets, superseded ranking, limits."""

from __future__ import annotations

import pytest

from kb.errors import QueryError
from kb.search import concepts
from kb.search.index import build_index, index_documents
from kb.search.searchers import IndexCaches
from kb.search.service import Filters, SearchService, make_snippet

try:
    from tests.app_fixtures import make_laws
    from tests.conftest import ContentTree, make_settings
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_laws
    from conftest import ContentTree, make_settings


def write_documents(content) -> None:
    """Three guides (one superseded) and three cases for the search tests."""
    content.guide("G-1", title="取保候审工作指引", body="犯罪嫌疑人在取保候审期间未经批准不得离开所居住的市、县。")
    content.guide(
        "G-2",
        title="醉酒驾驶案件办理指引",
        category="危险驾驶",
        stage="调查取证",
        tags="抽血",
        laws="刑法第一百三十三条之一",
        body="血液酒精含量达到80毫克/100毫升以上的，属于醉酒驾驶机动车。",
        summary="规范醉酒驾驶案件的抽血与送检。",
    )
    content.guide(
        "G-OLD",
        title="醉酒驾驶案件办理指引（旧版）",
        category="危险驾驶",
        status="不再参照",
        body="醉酒驾驶机动车的，应当抽血送检。",
        summary="旧版醉驾指引。",
        extra="superseded_by: G-2\n",
    )
    content.case("C-1", facts="张某在某小区多次盗窃电动车电瓶，价值二千元。", year=2023)
    content.case(
        "C-2",
        title="李某危险驾驶案",
        category="危险驾驶",
        charges="危险驾驶罪",
        laws="刑法第一百三十三条之一",
        tags="醉酒驾驶",
        facts="李某饮酒后驾驶小型轿车，经抽血检验血液酒精含量为156毫克/100毫升。",
        law_text="依照刑法第133条之一，李某构成危险驾驶罪。",
        summary="血液酒精含量鉴定意见是认定醉驾的主要依据。",
        year=2024,
    )
    content.case(
        "C-3",
        title="王某殴打他人案",
        category="殴打他人",
        case_type="行政",
        charges="殴打他人",
        laws="治安管理处罚法第五十一条",
        facts="王某因琐事殴打邻居赵某，致其轻微伤。",
        law_text="依据《中华人民共和国治安管理处罚法》第五十一条第一款，对王某处行政拘留。",
        summary="殴打他人致轻微伤的，依法给予治安管理处罚。",
        year=2025,
    )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The documents indexed once for the module: the tests using it only read."""
    root = tmp_path_factory.mktemp("search")
    content = ContentTree(root / "content")
    write_documents(content)
    settings = make_settings(content.root, root)
    build_index(settings)
    return settings


@pytest.fixture
def service(indexed):
    """A fresh service (its own caches, jieba configured anew) over the shared index."""
    svc = SearchService(indexed)
    yield svc
    svc.close()


def ids(results):
    return [h.id for h in results.hits]


def test_a_quoted_phrase_finds_only_the_exact_phrase(service):
    assert ids(service.search('"取保候审期间"')) == ["G-1"]


def test_documents_with_every_word_come_first_and_plus_requires_a_word(service):
    assert sorted(ids(service.search("醉酒 抽血"))) == ["C-2", "G-2"]
    either = service.search("取保候审 电瓶")
    assert sorted(ids(either)) == ["C-1", "G-1"] and either.partial
    assert ids(service.search("+取保候审 +电瓶")) == []


def test_or_and_exclusion(service):
    assert sorted(ids(service.search("电瓶 OR 取保候审"))) == ["C-1", "G-1"]
    assert ids(service.search("醉酒驾驶 -抽血")) == []
    assert sorted(ids(service.search("醉酒驾驶 -轿车"))) == ["G-2"]


def test_chinese_field_prefixes(service):
    assert ids(service.search("标题:殴打")) == ["C-3"]
    assert sorted(ids(service.search("类别:危险驾驶"))) == ["C-2", "G-2"]


def test_synonyms_expand_abbreviations(service):
    results = service.search("醉驾")
    assert sorted(ids(results)) == ["C-2", "G-2"]


def test_typed_words_rank_above_synonym_matches(content, settings):
    content.guide("G-A", title="醉驾指引", body="醉驾", summary="醉驾。")
    content.guide("G-B", title="醉酒驾驶指引", body="醉酒驾驶", summary="醉酒驾驶。")
    build_index(settings)
    svc = SearchService(settings)
    assert ids(svc.search("醉驾")) == ["G-A", "G-B"]
    assert ids(svc.search("醉酒驾驶")) == ["G-B", "G-A"]
    svc.close()


@pytest.mark.parametrize(
    "query",
    ["刑法第133条之一", "刑法第一百三十三条之一", "《刑法》133条之一", "《中华人民共和国刑法》第一百三十三条之一"],
)
def test_every_citation_form_finds_the_documents_citing_it(service, query):
    assert sorted(ids(service.search(query))) == ["C-2", "G-2"]


def test_body_citations_are_indexed_too(service):
    assert ids(service.search("治安管理处罚法第51条")) == ["C-3"]


def test_superseded_documents_are_hidden_unless_asked_and_then_rank_below(service):
    assert "G-OLD" not in ids(service.search("醉酒驾驶"))
    shown = ids(service.search("醉酒驾驶", include_superseded=True))
    assert "G-OLD" in shown
    assert shown.index("G-2") < shown.index("G-OLD")


def test_filters_and_facets(service):
    results = service.search("", Filters.of(type="case"))
    assert sorted(ids(results)) == ["C-1", "C-2", "C-3"]
    assert results.facets["category"] == {"盗窃": 1, "危险驾驶": 1, "殴打他人": 1}
    assert results.facets["case_type"] == {"刑事": 2, "行政": 1}
    assert results.facets["year"] == {"2023": 1, "2024": 1, "2025": 1}
    assert ids(service.search("", {"type": "case", "year": 2024})) == ["C-2"]
    both = service.search("", {"category": ["盗窃", "殴打他人"]})
    assert sorted(ids(both)) == ["C-1", "C-3"]
    assert service.search("", {"stage": "强制措施"}).facets["stage"] == {"强制措施": 1}


def test_empty_query_lists_newest_first(service):
    results = service.search("", {"type": "case"})
    assert ids(results) == ["C-3", "C-2", "C-1"]
    assert results.total == 3


def test_a_deleted_document_leaves_the_newest_list_at_once(content, settings):
    write_documents(content)  # an index of its own: this test deletes a document from it
    build_index(settings)
    service = SearchService(settings)
    service.search("")  # fill the cached order and filter sets first
    service.search("", include_superseded=True)
    path = content.root / "casebook" / "殴打他人" / "C-3.md"
    path.unlink()
    index_documents(settings, [], ["casebook/殴打他人/C-3.md"])
    for kwargs in ({}, {"include_superseded": True}, {"filters": {"type": "case"}}):
        results = service.search("", **kwargs)
        assert "C-3" not in ids(results), kwargs
    assert service.search("", {"type": "case"}).total == 2
    service.close()


def test_pagination(service):
    first = service.search("", per_page=2, page=1)
    second = service.search("", per_page=2, page=2)
    assert first.total == second.total == 5
    assert first.pages == 3
    assert not set(ids(first)) & set(ids(second))


def test_snippets_mark_the_matched_words(service):
    (hit,) = service.search("电瓶").hits
    assert "<mark>电瓶</mark>" in hit.snippet


def test_snippets_escape_html():
    snippet = make_snippet("<script>alert(1)</script>盗窃电瓶", ["电瓶"])
    assert snippet == "&lt;script&gt;alert(1)&lt;/script&gt;盗窃<mark>电瓶</mark>"


def test_unparsable_query_falls_back_to_plain_terms(service):
    results = service.search('标题:(取保候审 "')
    assert results.notice == "检索式中的引号或括号不配对，已按普通词语检索"
    assert "G-1" in ids(results)


def test_overly_broad_wildcard_is_refused(service):
    with pytest.raises(QueryError) as err:
        service.search("*")
    assert str(err.value) == "通配符“*”范围过大；请在 * 或 ? 前至少写 1 个字"


def test_overly_long_query_is_refused_with_a_pointer_to_similar(service):
    with pytest.raises(QueryError) as err:
        service.search("盗窃" * 200)
    assert str(err.value) == "检索词过长（400 字，上限 300 字）；请精简检索词，或到“类案检索”粘贴案情"


def test_results_report_total_and_time(service):
    results = service.search("醉酒驾驶")
    assert results.total == 2 and results.took_ms > 0
    data = results.to_json()
    assert set(data) == {"query", "total", "took_ms", "partial", "understood", "hits", "facets"}
    assert set(data["hits"][0]) == {
        "id", "title", "type", "category", "score", "snippet", "path", "matched", "missing"
    }  # fmt: skip


def test_similar_never_returns_the_document_itself(service):
    results = service.similar(doc_id="C-2")
    assert "C-2" not in [h.id for h in results.cases]
    pasted = service.similar(text="赵某酒后驾驶轿车被查获，抽血检验血液酒精含量为120毫克/100毫升。")
    assert pasted.cases[0].id == "C-2"


def test_an_empty_index_answers_with_no_hits(content, settings):
    build_index(settings)
    svc = SearchService(settings)
    results = svc.search("盗窃")
    assert (results.total, results.hits) == (0, ())
    assert svc.search("").facets["year"] == {}
    assert svc.stats()["total"] == 0
    svc.close()


# -- plain queries: ranked, forgiving matching -------------------------------------------------


@pytest.fixture(scope="module")
def understood_index(tmp_path_factory):
    """Fixture documents plus a small thesaurus and query-word list of the tests' own, indexed once."""
    root = tmp_path_factory.mktemp("understood")
    content = ContentTree(root / "content")
    content.write("data/colloquial.txt", "偷 小偷 → 盗窃\n动手 → 殴打他人\n拘 → 拘留\n")
    content.write("data/query_words.txt", "[虚词]\n怎么办 怎么 吗 会 能\n[意图]\n几天 拘几天 → 拘留 日以下\n")
    content.guide("G-1", title="取保候审工作指引", body="犯罪嫌疑人在取保候审期间未经批准不得离开所居住的市、县。")
    content.case("C-1", facts="张某在某小区多次盗窃电动车电瓶，价值二千元。", year=2023)
    content.case(
        "C-2",
        title="李某危险驾驶案",
        category="危险驾驶",
        charges="危险驾驶罪",
        laws="刑法第一百三十三条之一",
        tags="醉酒驾驶",
        facts="李某饮酒后驾驶小型轿车，经抽血检验血液酒精含量为156毫克/100毫升。",
        summary="血液酒精含量鉴定意见是认定醉驾的主要依据。",
        year=2024,
    )
    content.case(
        "C-3",
        title="王某殴打他人案",
        category="殴打他人",
        case_type="行政",
        charges="殴打他人",
        laws="治安管理处罚法第五十一条",
        facts="王某因琐事殴打邻居赵某，致其轻微伤。",
        law_text="依据《中华人民共和国治安管理处罚法》第五十一条第一款，对王某处行政拘留。",
        summary="殴打他人致轻微伤的，依法给予治安管理处罚。",
        year=2025,
    )
    content.guide(
        "G-3",
        title="醉驾案件抽血指引",
        category="危险驾驶",
        body="醉驾嫌疑人应当及时验血，血样由两名民警送检。",
        tags="抽血",
        laws="刑法第一百三十三条之一",
    )
    settings = make_settings(content.root, root)
    build_index(settings)
    return settings


@pytest.fixture
def understood(understood_index):
    """A fresh service over the shared index of the plain-query tests (they only read)."""
    svc = SearchService(understood_index)
    yield svc
    svc.close()


def test_question_and_filler_words_do_not_empty_the_results(understood):
    results = understood.search("邻居动手了怎么办 会拘几天吗")
    assert ids(results)[0] == "C-3"
    assert results.ignored_line == "未作为检索词：拘几天、了、怎么办、会、吗"


def test_documents_covering_most_concepts_match_when_none_covers_all(understood, monkeypatch):
    monkeypatch.setattr(concepts, "FILL", 0)  # no documents filling the short page
    results = understood.search("殴打 邻居 电瓶")
    assert ids(results) == ["C-3"]  # two of three; C-1 has only 电瓶, below the two-thirds threshold
    assert results.partial
    assert results.hits[0].matched == ("殴打", "邻居") and results.hits[0].missing == ("电瓶",)
    assert results.explanation()[-1] == (
        "部分匹配：没有文档同时包含全部检索词，以下结果按包含检索词的多少排列，每条注明缺少的词。"
    )


def test_a_short_page_is_filled_with_documents_covering_one_concept_below_those_covering_two(understood):
    results = understood.search("殴打 邻居 电瓶")
    assert [(h.id, h.missing) for h in results.hits] == [("C-3", ("电瓶",)), ("C-1", ("殴打", "邻居"))]
    assert results.partial and not results.complete
    assert results.explanation()[-1] == (
        "部分匹配：没有文档同时包含全部检索词，以下结果按包含检索词的多少排列，每条注明缺少的词。"
    )


def test_with_two_concepts_that_never_meet_each_one_finds_its_documents(understood):
    results = understood.search("邻居 电瓶")
    assert sorted(ids(results)) == ["C-1", "C-3"]
    assert {h.id: h.missing for h in results.hits} == {"C-3": ("电瓶",), "C-1": ("邻居",)}


def test_when_a_document_covers_every_concept_the_results_are_not_partial(understood):
    results = understood.search("殴打 邻居")
    assert ids(results) == ["C-3"]
    assert not results.partial and results.hits[0].missing == ()


def test_a_colloquial_word_finds_documents_written_in_legal_terms(understood):
    results = understood.search("小偷 电瓶")
    assert ids(results)[0] == "C-1" and results.hits[0].missing == ()
    assert results.mapped_line == "按“盗窃”检索了“小偷”"
    literal = understood.search("小偷", literal=True)
    assert literal.total == 0 and literal.mapped_line == ""


def test_a_single_character_verb_reaches_its_legal_term(understood):
    assert ids(understood.search("殴打 拘"))[0] == "C-3"


def test_the_bigram_net_matches_a_word_jieba_merged_below_whole_words(understood):
    results = understood.search("验血")  # the case says 检验血液: jieba never makes 验血 there
    assert ids(results) == ["G-3", "C-2"]
    assert results.hits[0].score > results.hits[1].score


def test_explicit_syntax_keeps_its_meaning_in_the_query_language(understood):
    assert ids(understood.search('"取保候审期间"')) == ["G-1"]
    assert "C-1" not in ids(understood.search("盗窃 -电瓶"))


def test_json_hits_have_plain_snippets_and_the_concepts_they_match_and_miss(understood):
    data = understood.search("殴打 邻居 电瓶").to_json()
    first = data["hits"][0]
    assert "<mark>" not in first["snippet"] and "&" not in first["snippet"]
    assert first["matched"] == ["殴打", "邻居"] and first["missing"] == ["电瓶"]
    assert data["partial"] is True
    assert data["understood"]["concepts"] == ["殴打", "邻居", "电瓶"]


def test_a_word_of_the_thesaurus_is_never_corrected_into_an_index_word(content, settings):
    content.write("data/colloquial.txt", "牌照 → 号牌\n")
    for n in range(1, 4):  # 拍照 (pai zhao, as 牌照) is a word of three documents; 牌照 of none
        content.guide(f"G-{n}", title=f"现场拍照指引{n}", body="现场拍照应当全面。", tags="拍照")
    content.guide("G-9", title="号牌查验指引", body="查验机动车号牌。")
    build_index(settings)
    svc = SearchService(settings)
    results = svc.search("牌照")
    assert not results.corrected and results.understanding.corrections == ()
    assert [h.id for h in results.hits] == ["G-9"]
    assert results.mapped_line == "按“号牌”检索了“牌照”"
    svc.close()


def test_a_word_of_the_synonym_table_is_read_whole_though_no_document_uses_it(content, settings):
    content.write("data/synonyms.txt", "家暴 家庭暴力\n")
    content.write("data/colloquial.txt", "家 → 住宅\n")  # a one-character word: 家暴 could be read as 家 / 暴
    content.write("data/query_words.txt", "[虚词]\n咋办\n")
    content.guide("G-1", title="家庭暴力案件办理指引", body="接到家庭暴力报警，应当及时出警。")
    content.guide("G-2", title="入户调查指引", body="进入住宅应当出示证件。")
    build_index(settings)
    svc = SearchService(settings)
    results = svc.search("家暴咋办")
    assert [c.word for c in results.understanding.concepts] == ["家暴"]
    assert [h.id for h in results.hits] == ["G-1"]
    svc.close()


def test_a_typo_is_corrected_when_the_correction_finds_more(content, settings):
    for n in range(1, 4):  # a correction must be a word of at least three documents
        content.guide(f"G-{n}", title=f"监视居住工作指引{n}", body="监视居住期限最长不得超过六个月。", tags="监视居住")
    build_index(settings)
    svc = SearchService(settings)
    results = svc.search("监世居住 期限")
    assert results.corrected and results.total == 3
    assert results.explanation()[0] == "已按“监视居住 期限”检索（输入为“监世居住 期限”）"
    assert results.to_json()["understood"]["corrected"] == "监视居住 期限"
    typed = svc.search("监世居住 期限", literal=True)
    assert not typed.corrected and typed.partial  # 监世 matches nothing: only 期限 and 居住 do
    svc.close()


def test_warm_builds_the_typo_corrector_and_article_table_before_any_query(understood):
    assert understood._caches._speller_cache is None and understood._caches._articles_cache is None
    understood.warm()
    assert understood._caches._speller_cache is not None and understood._caches._articles_cache is not None


def test_an_intent_word_steers_toward_the_penalty_and_is_not_required(content, settings):
    content.write("data/query_words.txt", "[意图]\n拘几天 → 拘留 日以下\n")
    content.guide(
        "G-A",
        title="殴打他人的处罚",
        category="殴打他人",
        tags="处罚",
        body="殴打他人的，处五日以上十日以下拘留，并处五百元以下罚款。",
        summary="罚则。",
    )
    content.guide(
        "G-B",
        title="殴打他人案件调查取证",
        category="殴打他人",
        tags="询问",
        body="殴打他人案件应当询问被害人；殴打他人的经过要查明。",
        summary="取证。",
    )
    build_index(settings)
    svc = SearchService(settings)
    assert ids(svc.search("殴打他人")) == ["G-B", "G-A"]
    steered = svc.search("殴打他人 拘几天")
    assert ids(steered) == ["G-A", "G-B"]
    assert not steered.partial and steered.understanding.intents == ("拘几天",)
    svc.close()


def test_articles_cited_by_the_best_matching_cases_rank_with_them(content, tmp_path, monkeypatch):
    """法条联想: an article that never says 冒充客服 comes up for it, through the cases citing it."""
    laws = make_laws(tmp_path)
    settings = make_settings(content.root, tmp_path, laws)
    for n in range(1, 4):
        content.case(
            f"C-{n}",
            title=f"冒充客服退款案{n}",
            category="诈骗",
            charges="诈骗罪",
            laws="刑法第二百六十六条",
            facts="张某冒充网店客服，以退款为名骗取被害人钱款。",
            law_text="依照刑法第二百六十六条处理。",
        )
    build_index(settings)
    svc = SearchService(settings)
    results = svc.search("冒充客服 退款")
    article = [h for h in results.hits if h.type == "law"]
    assert [h.id for h in article] == ["刑法@2020-12-26#266"]
    assert ids(results).index(article[0].id) == 2  # the first three hold the best article (ARTICLE_BY)
    assert article[0].matched == ()  # it has none of the words: the cases brought it
    monkeypatch.setattr(concepts, "ARTICLE_BY", 0)
    assert ids(svc.search("冒充客服 退款")).index(article[0].id) == 3  # just below the three cases citing it
    monkeypatch.setattr(concepts, "GRAPH_VOTERS", 0)
    assert not [h for h in svc.search("冒充客服 退款 ").hits if h.type == "law"]
    svc.close()


def test_a_correction_that_finds_less_is_dropped_and_the_words_as_typed_keep_their_reading(understood, monkeypatch):
    from kb.search.spelling import Correction

    class Wrong:
        """A corrector that turns 电瓶 into 猫咪, which no document has."""

        def correct_text(self, text, known):
            return text.replace("电瓶", "猫咪"), (Correction("电瓶", "猫咪", "同音"),)

    monkeypatch.setattr(IndexCaches, "speller", lambda self, searcher: (Wrong(), {}))
    results = understood.search("小偷 电瓶")
    assert not results.corrected
    assert ids(results)[0] == "C-1" and results.hits[0].missing == ()
    assert results.mapped_line == "按“盗窃”检索了“小偷”"


def test_an_article_is_found_by_the_chapter_it_sits_in(content, tmp_path):
    """Officers ask by the topic a chapter names (治安调解); the article itself need not say it."""
    laws = tmp_path / "laws"
    (laws / "地方性法规").mkdir(parents=True)
    (laws / "地方性法规" / "某某市养犬管理条例(2020-01-01).md").write_text(
        "# 某某市养犬管理条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了规范养犬行为，制定本条例。\n\n"
        "## 第二章 治安调解\n\n第二条 调解一般为一次。\n",
        encoding="utf-8",
    )
    settings = make_settings(content.root, tmp_path, laws)
    content.guide("G-1", title="养犬纠纷调处指引", body="邻里之间因养犬发生纠纷的，先行劝解。")
    build_index(settings)
    svc = SearchService(settings)
    hits = svc.search("治安调解").hits
    assert [h.id for h in hits] == ["某某市养犬管理条例@2020-01-01#2"]
    assert hits[0].matched == ("治安调解",)
    svc.close()


def test_articles_lists_every_indexed_article_and_nothing_else(content, tmp_path):
    settings = make_settings(content.root, tmp_path, make_laws(tmp_path))
    content.guide("G-1", title="盗窃案件办理指引")
    build_index(settings)
    svc = SearchService(settings)
    articles = svc.articles()
    assert articles and {d["type"] for d in articles} == {"law"}
    assert [d["id"] for d in articles] == sorted(d["id"] for d in articles)
    assert "G-1" not in {d["id"] for d in articles}
    svc.close()


def test_a_conduct_finds_documents_labelled_with_its_charge_name(tmp_path):
    # The facts never say 袭警; the case is labelled 袭警罪 and the officer types the conduct.
    content = ContentTree(tmp_path / "content")
    content.case("C-9", title="赵某妨害执勤案", charges="袭警罪", facts="赵某持木棍击打正在执勤的民警。")
    content.case("C-10", title="钱某醉驾案", charges="危险驾驶罪", facts="钱某醉酒后驾驶轿车。")
    settings = make_settings(content.root, tmp_path)
    build_index(settings)
    svc = SearchService(settings)
    try:
        assert ids(svc.search("袭警")) == ["C-9"]
    finally:
        svc.close()
