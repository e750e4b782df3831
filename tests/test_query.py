"""Query understanding: fillers, intents, colloquial words, numbers, typos, the query language."""

from __future__ import annotations

import pytest

from kb.errors import QueryError
from kb.search import analysis
from kb.search.query import is_explicit, understand
from kb.search.spelling import Speller
from kb.search.synonyms import parse_synonyms
from kb.search.thesaurus import parse_query_words, parse_thesaurus
from kb.settings import REPO_ROOT

SYNONYMS = parse_synonyms("殴打他人 打人\n醉驾 醉酒驾驶\n")
THESAURUS, _ = parse_thesaurus("偷 顺手牵羊 → 盗窃\n拘 → 拘留\n动手 → 殴打他人\n家长 → 法定代理人 监护人\n")
WORDS, _ = parse_query_words("[虚词]\n怎么办 怎么 吗 会 能 多少 多少钱\n[意图]\n几天 拘几天 → 拘留 日以下\n")


@pytest.fixture(autouse=True)
def configured():
    """The analyzer with these tests' own words (another test may have loaded other ones)."""
    words = [*SYNONYMS.terms()]
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], words, query_words=[*THESAURUS.words(), *WORDS.words()])


def read(text: str, **kwargs):
    return understand(text, SYNONYMS, THESAURUS, WORDS, **kwargs)


def words(und) -> list[str]:
    return [c.word for c in und.concepts]


def test_question_and_filler_words_are_left_out():
    und = read("未成年人家长不来怎么办")
    assert words(und) == ["未成年人", "家长"]
    assert und.fillers == ("不", "来", "怎么办")


def test_lone_characters_without_a_legal_term_are_left_out():
    und = read("把银行卡租给别人用")
    assert "用" in und.fillers and "把" in und.fillers
    assert "用" not in words(und)


def test_a_colloquial_word_leads_to_its_legal_term():
    und = read("偷 电动车")
    assert und.concepts[0].word == "偷"
    assert und.concepts[0].legal == ("盗窃",)
    assert und.mapped == (("偷", ("盗窃",)),)


def test_a_single_character_legal_verb_is_mapped_not_dropped():
    und = read("拘 多久")
    assert und.concepts[0].word == "拘"
    assert und.concepts[0].legal == ("拘留",)


def test_the_thesaurus_is_one_directional():
    und = read("盗窃")
    assert und.concepts[0].legal == ()
    assert und.mapped == ()


def test_legal_terms_bring_their_synonyms():
    und = read("动手")
    assert und.concepts[0].legal == ("殴打他人",)
    assert "打人" in und.concepts[0].synonyms


def test_intent_words_steer_and_are_not_concepts():
    und = read("打人 拘几天")
    assert words(und) == ["打人"]
    assert und.intents == ("拘几天",)
    assert und.steer == ("拘留", "日以下")


def test_numbers_keep_their_value_and_the_unit_does_not_glue_to_the_next_word():
    und = read("偷电动车3000元够刑事吗")
    assert "3000" in words(und)
    assert "元够" not in words(und)


def test_a_query_of_only_filler_words_searches_them():
    und = read("怎么办")
    assert words(und) == ["怎么办"]


def test_literal_keeps_the_words_as_typed():
    und = read("偷 电动车", literal=True)
    assert und.concepts[0].legal == ()
    assert und.mapped == ()


@pytest.mark.parametrize("query", ['"取保候审期间"', "醉驾 -危险驾驶", "盗窃 OR 抢劫", "标题:醉驾", "取保*", "(醉驾)"])
def test_the_query_language_is_recognised(query):
    assert is_explicit(query)
    assert read(query).explicit


@pytest.mark.parametrize("query", ["醉驾 取保候审", "和邻居吵架动手了 会被拘留几天", "3000元", "80毫克/100毫升"])
def test_plain_words_are_not_the_query_language(query):
    assert not is_explicit(query)


def test_citations_are_read_and_taken_out_of_the_words():
    und = read("刑法第264条 多少钱")
    assert und.citations == ("刑法:264",)
    assert words(und) == []


def test_typos_are_corrected_against_the_vocabulary():
    vocabulary = {"监视居住": 40, "居住": 50, "期限": 80}
    und = read("监世居住 期限", speller=Speller(vocabulary), known=vocabulary.__contains__)
    assert words(und) == ["监视居住", "期限"]
    assert [(c.original, c.corrected) for c in und.corrections] == [("监世居住", "监视居住")]
    assert und.corrected == "监视居住 期限"


def test_an_overlong_query_is_refused():
    with pytest.raises(QueryError) as exc:
        read("盗" * 301)
    assert str(exc.value) == "检索词过长（301 字，上限 300 字）；请精简检索词，或到“类案检索”粘贴案情"


def test_filler_and_intent_words_glued_into_one_word_are_read_apart():
    analysis.configure(
        [REPO_ROOT / "data" / "userdict.txt"],
        [*SYNONYMS.terms(), "能拘几天"],
        query_words=[*THESAURUS.words(), *WORDS.words()],
    )
    assert "能拘几天" in analysis.words("打人能拘几天", drop_stops=False)  # jieba reads them as one word
    und = read("打人能拘几天")
    assert words(und) == ["打人"]
    assert und.fillers == ("能",)
    assert und.intents == ("拘几天",)
    # a word the index knows is a word, not glued filler
    assert "能拘几天" in words(read("打人能拘几天", known=lambda w: w == "能拘几天"))


def test_only_a_word_made_wholly_of_listed_words_comes_apart():
    assert WORDS.pieces("能拘几天") == ("能", "拘几天")
    assert WORDS.pieces("怎么办吗") == ("怎么办", "吗")
    assert WORDS.pieces("能偷") is None  # 偷 is no filler or intent: the word stays
    assert WORDS.pieces("怎么") is None  # one listed word is not glued


def test_a_number_in_digits_is_also_searched_as_the_statutes_write_it():
    und = read("12岁 打人 拘留能执行吗 罚1000元")
    legal = dict(und.mapped)
    assert legal["12"] == (
        "十二",
        "已满十二周岁",
        "不满十四周岁",
        "不满十六周岁",
        "不满十八周岁",
        "未成年人",
    )  # an age too
    assert legal["1000"] == ("一千",)


@pytest.mark.parametrize("query", ["过了6年", "2024年 打人", "罚123456元"])
def test_one_digit_years_and_very_large_numbers_are_not_written_in_chinese(query):
    und = read(query)
    assert not [w for w, _ in und.mapped if w.isascii() and w.isdigit()]


def test_a_one_character_legal_verb_glued_to_a_filler_is_read_apart():
    und = read("能拘吗")
    assert words(und) == ["拘"]
    assert dict(und.mapped)["拘"] == ("拘留",)


def test_a_lone_character_glued_after_a_filler_is_left_out():
    und = read("盗窃 能先 拘")
    assert words(und) == ["盗窃", "拘"]
    assert "能" in und.fillers


def test_a_steer_word_in_brackets_is_a_notion_the_ranking_uses_apart():
    notion_words, _ = parse_query_words("[意图]\n还能立案吗 → 【不再追诉】 时效\n")
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], [], query_words=notion_words.words())
    und = understand("诈骗 还能立案吗", SYNONYMS, THESAURUS, notion_words)
    assert words(und) == ["诈骗"]
    assert und.intents == ("还能立案吗",)
    assert und.steer == ("时效",)
    assert und.notions == ("不再追诉",)
    assert read("打人 拘几天").notions == ()


def test_an_age_in_digits_is_also_searched_as_the_statutes_age_lines_it_falls_under():
    assert dict(read("15岁 打人").mapped)["15"] == ("十五", "已满十四周岁", "不满十六周岁", "不满十八周岁", "未成年人")
    und = read("76岁 打人")
    lines = ("七十周岁以上", "已满七十周岁", "七十五周岁以上", "已满七十五周岁")
    assert dict(und.mapped)["76"] == ("七十六", *lines)
    assert und.notions == lines  # the articles saying them answer the question (kb.search.concepts)
    assert dict(read("40岁 打人").mapped)["40"] == ("四十", "已满十八周岁")
    assert "未成年人" not in dict(read("18岁 打人").mapped)["18"]  # 已满十八周岁: no longer a minor


def test_an_approximate_age_or_amount_keeps_its_number_and_unit():
    und = read("70多岁老头打人")
    assert dict(und.mapped)["70"] == ("七十", "七十周岁以上", "已满七十周岁")
    assert "多岁" not in words(und)
    assert words(read("偷了3000来块")) == ["偷", "3000"]  # 来块 / 块钱 were left over as words
    assert words(read("偷了3000多块钱")) == ["偷", "3000"]


def test_an_age_in_chinese_numerals_is_read_as_one_and_under_means_one_less():
    assert dict(read("十五岁 打人").mapped)["十五岁"] == ("已满十四周岁", "不满十六周岁", "不满十八周岁", "未成年人")
    und = read("十三 周岁 偷")
    assert words(und) == ["十三", "偷"]  # 周岁 goes with the numeral
    assert dict(und.mapped)["十三"] == ("已满十二周岁", "不满十四周岁", "不满十六周岁", "不满十八周岁", "未成年人")
    assert dict(read("不满14岁 偷").mapped)["14"] == (
        "十四",
        "已满十二周岁",
        "不满十四周岁",
        "不满十六周岁",
        "不满十八周岁",
        "未成年人",
    )
    assert "十六周岁" not in dict(read("七十六周岁 动手").mapped)  # jieba's 七 / 十六周岁 is no age of sixteen


def test_a_number_not_typed_as_an_age_gets_no_age_lines(monkeypatch):
    und = read("打了15次")
    assert dict(und.mapped)["15"] == ("十五",)
    assert und.notions == ()
    from kb.search import query

    monkeypatch.setattr(query, "AGE_NOTIONS", False)
    assert read("76岁 打人").notions == ()


def test_no_typo_correction_rewrites_a_one_character_legal_verb(monkeypatch):
    from kb.search import query

    vocabulary = {"居留": 40, "据了": 40, "打人": 50}
    und = read("打人 拘了", speller=Speller(vocabulary), known=vocabulary.__contains__)
    assert und.corrections == ()
    assert words(und) == ["打人", "拘"]
    monkeypatch.setattr(query, "GUARD_VERBS", False)  # without the guard 拘了 became 据了
    und = read("打人 拘了", speller=Speller(vocabulary), known=vocabulary.__contains__)
    assert [(c.original, c.corrected) for c in und.corrections] == [("拘了", "据了")]


def test_a_correction_beside_a_guarded_one_is_still_made():
    vocabulary = {"监视居住": 40, "居民": 30}
    und = read("监世居住 拘民", speller=Speller(vocabulary), known=vocabulary.__contains__)
    assert [(c.original, c.corrected) for c in und.corrections] == [("监世居住", "监视居住")]
    assert und.corrected == "监视居住 拘民"
    assert words(und) == ["监视居住", "拘"]


def test_a_one_digit_number_is_a_detail_of_the_case_not_a_concept():
    und = read("先拘了3天 还能抵吗")
    assert "3" in und.fillers and "3" not in words(und)
    assert "15" in words(read("拘15天"))  # two digits stay: the statutes' 十五日


def test_a_number_of_ten_thousands_is_read_as_its_value():
    und = read("偷了3万块")
    assert "30000" in words(und) and "万块" not in words(und)
    assert next(c for c in und.concepts if c.word == "30000").legal == ("三万",)
    assert "15000" in words(read("骗了1.5万元"))


def test_a_verb_and_its_object_with_le_between_them_are_one_known_word():
    known = {"吸毒", "报警"}.__contains__
    assert words(read("吸了毒 报了警", known=known)) == ["吸毒", "报警"]
    # 偷了 and 了东 are no words: the query stays as typed (偷 is read as 盗窃, 东西 as itself).
    assert words(read("偷了东西", known=known)) == ["偷", "东西"]
    assert words(read("吸了毒", known=known, literal=True)) == []  # as typed, 吸 and 毒 are lone characters
    # A vague amount between them too: 喝了点酒, 喝了两杯酒.
    drink = {"喝酒"}.__contains__
    assert words(read("喝了点酒", known=drink)) == ["喝酒"] == words(read("喝了两杯酒", known=drink))


def test_a_word_the_thesaurus_lists_joins_across_le_without_the_index():
    und = read("邻居动了手")
    assert words(und) == ["邻居", "动手"]  # 动手 → 殴打他人 is listed, though no index is given
    assert und.mapped == (("动手", ("殴打他人",)),)


def test_a_filler_holding_a_one_character_verb_is_cut_out_before_segmentation():
    words_ = parse_query_words("[虚词]\n偷偷 吗\n")[0]
    thesaurus, _ = parse_thesaurus("偷 → 盗窃\n偷开车 → 偷开他人机动车\n开车 → 驾驶\n")
    und = understand("驾照被扣期间偷偷开车吗", SYNONYMS, thesaurus, words_)
    assert "偷" not in words(und) and "偷开车" not in words(und)
    assert "开车" in words(und) and und.fillers[0] == "偷偷"
    # Not listed as a filler, 偷偷 leaves its 偷 to be read as a theft.
    plain = understand("驾照被扣期间偷偷开车吗", SYNONYMS, thesaurus, parse_query_words("[虚词]\n吗\n")[0])
    assert {"偷", "偷开车"} & set(words(plain))


def test_a_concept_the_intent_steers_toward_is_covered_by_its_other_steer_words(monkeypatch):
    words_ = parse_query_words("[虚词]\n多少钱\n[意图]\n够刑事 → 数额较大 立案 追诉\n")[0]
    analysis.configure([REPO_ROOT / "data" / "userdict.txt"], [], query_words=[*THESAURUS.words(), *words_.words()])
    und = understand("偷多少钱够刑事立案", SYNONYMS, THESAURUS, words_)
    by_word = {c.word: c for c in und.concepts}
    assert by_word["立案"].terms == ("立案", "数额较大", "追诉")
    assert by_word["偷"].terms == ("偷", "盗窃")  # not a steer word: unchanged
    monkeypatch.setattr("kb.search.query.STEERED_CONCEPTS", False)
    und = understand("偷多少钱够刑事立案", SYNONYMS, THESAURUS, words_)
    assert {c.word: c for c in und.concepts}["立案"].terms == ("立案",)


def test_a_lone_character_cut_off_a_listed_word_is_put_back(monkeypatch):
    synonyms = parse_synonyms("行拘 行政拘留\n")
    und = understand("打人行拘几天", synonyms, THESAURUS, WORDS)
    assert words(und) == ["打人", "行拘"]
    assert und.intents == ("几天",)
    monkeypatch.setattr("kb.search.query.REGROUP", False)
    und = understand("打人行拘几天", synonyms, THESAURUS, WORDS)
    assert words(und) == ["打人"] and und.intents == ("拘几天",)  # jieba's 行 / 拘几天: 行 was lost
