"""Tests for kb.search.spelling, on a small hand-written vocabulary shaped like the index's."""

import dataclasses

import pytest

from kb.search.spelling import HOMOPHONE, NEAR_FORM, Correction, Speller, pinyin_key, reference_key

# word → document frequency, the figures taken from the built index where it has the word.
VOCAB = {
    "监视居住": 63,
    "监视": 63,
    "居住": 131,
    "取保候审": 91,
    "取保": 91,
    "候审": 91,
    "期限": 209,
    "寻衅滋事": 18,
    "滋事": 18,
    "醉驾": 5,
    "酒驾": 12,
    "血液": 15,
    "酒精": 11,
    "含量": 13,
    "询问": 144,
    "讯问": 88,
    "讯问室": 3,
    "帮信罪": 3,
    "帮信": 6,
    "殴打": 38,
    "他人": 254,
    "殴打他人": 13,
    "拘留": 301,
    "居留": 3,
    "几天": 1,
    "未成年人": 109,
    "未成年": 100,
    "成年人": 50,
    "法定代理人": 117,
    "法定": 300,
    "代理人": 120,
    "代理": 191,
    "电信网络诈骗": 52,
    "电信": 60,
    "网络": 200,
    "诈骗": 150,
    "止付": 8,
    "支付": 55,
    "已经": 95,
    "撤销": 80,
    "事实": 310,
    "失实": 3,
    "权利": 161,
    "权力": 1,
    "刑事": 1491,
    "刑是": 1,
    "人大": 4,
    "备查": 14,
    "一把": 2,
    "王某": 40,
    "基本": 90,
    "银行": 40,
    "涨价": 4,
    # single characters: evidence that a character is a word of its own, never a correction
    "时": 399,
    "被": 555,
    "人": 536,
    "打": 6,
    "查": 4,
    "最": 8,
    "的": 900,
    # ASCII and digits are left out
    "110": 5,
    "bac": 3,
}


@pytest.fixture(scope="module")
def speller():
    return Speller(VOCAB)


def known(word):
    return word in VOCAB


@pytest.mark.parametrize(
    "word",
    [
        "监视居住",
        "取保候审",
        "寻衅滋事",
        "银行",
        "银行卡",
        "行为人",
        "重新",
        "长期",
        "女性",
        "绿色",
        "行政拘留",
        "了解",
    ],
)
def test_pinyin_key_reads_words_as_pypinyin_lazy_pinyin_does(word):
    assert pinyin_key(word) == reference_key(word)


def test_pinyin_key_is_toneless_and_space_joined():
    assert pinyin_key("银行") == "yin hang"
    assert pinyin_key("女") == "nv"


def test_only_words_of_two_or_more_cjk_characters_are_corrections(speller):
    assert "监视居住" in speller
    assert "110" not in speller
    assert "bac" not in speller
    assert "时" not in speller
    assert len(speller) == sum(1 for w in VOCAB if len(w) >= 2 and not w.isascii())
    assert speller.frequency("监视") == 63
    assert speller.frequency("监世") == 0


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("监世", "监视"),
        ("监世居住", "监视居住"),
        ("取保后审", "取保候审"),
        ("取保侯审", "取保候审"),  # 侯 is also read hòu: the sound finds it first
        ("寻衅滋是", "寻衅滋事"),
        ("醉架", "醉驾"),
        ("询文", "询问"),  # not 讯问: that changes two characters
        ("帮信最", "帮信罪"),
        ("殴大他人", "殴打他人"),
        ("拘溜", "拘留"),  # not 居留, which sounds the same but changes two
        ("是实", "事实"),  # 事实 (310) before 失实 (3)
        ("银航", "银行"),  # 行 read hang, as in the phrase
    ],
)
def test_correct_finds_the_most_frequent_word_that_sounds_the_same(speller, typed, corrected):
    assert speller.correct(typed) == Correction(typed, corrected, HOMOPHONE)


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [("末成年人", "未成年人"), ("己经", "已经"), ("撒销", "撤销"), ("洒驾", "酒驾")],
)
def test_correct_falls_back_to_a_near_form_character(speller, typed, corrected):
    assert speller.correct(typed) == Correction(typed, corrected, NEAR_FORM)


@pytest.mark.parametrize(
    "typed",
    [
        "权力",  # in the vocabulary, however rare next to 权利
        "监视",
        "盗抢",  # nothing sounds or looks like it
        "监",  # one character
        "bac",
        "被查",  # 被 and 查 are each words of their own, not a slip for 备查
        "一巴",  # 一把 is in too few documents to be a correction
    ],
)
def test_correct_leaves_words_it_cannot_improve(speller, typed):
    assert speller.correct(typed) is None


def test_a_rare_word_gives_way_to_a_far_more_frequent_one_only_when_asked():
    assert Speller(VOCAB).correct("刑是") is None
    assert Speller(VOCAB, rare_df=1).correct("刑是") == Correction("刑是", "刑事", HOMOPHONE)
    assert Speller(VOCAB, rare_df=1).correct("权力") == Correction("权力", "权利", HOMOPHONE)
    assert Speller(VOCAB, rare_df=1, dominance=500).correct("权力") is None


def test_a_second_reading_counts_only_where_the_index_uses_it():
    # 行 is usually xing; typed for 航 (hang) only once the index has a word reading it so (银行).
    assert Speller({"航空": 20}).correct("行空") is None
    assert Speller({"航空": 20, "银行": 40}).correct("行空") == Correction("行空", "航空", HOMOPHONE)


@pytest.mark.parametrize(
    "query",
    [
        "殴打他人 拘留几天",
        "醉驾 血液 酒精含量",
        "未成年人 询问 法定代理人",
        "取保候审 期限",
        "电信网络诈骗 止付",
        "殴打他人拘留几天",
        "未成年人询问法定代理人",
        "讯问时",  # 讯问 / 时, not 讯问室: 时 stands alone in 399 documents
        "被人打了",  # 被 / 人 / 打 / 了, not 人大
        "汪某",  # an anonymised name, not 王某
        "笔记本",  # a word the index lacks, whose 记本 sounds like 基本
        "权力",
    ],
)
def test_correct_queries_are_left_alone(speller, query):
    assert speller.correct_text(query, known) == (query, ())


def test_correct_text_corrects_a_misspelt_term_that_jieba_would_split(speller):
    text, corrections = speller.correct_text("监世居住 期限", known)
    assert text == "监视居住 期限"
    assert corrections == (Correction("监世居住", "监视居住", HOMOPHONE),)


def test_correct_text_prefers_the_longest_span(speller):
    assert speller.correct_text("取保后审的期限", known) == (
        "取保候审的期限",
        (Correction("取保后审", "取保候审", HOMOPHONE),),
    )


def test_correct_text_corrects_each_slip_and_keeps_the_rest_as_typed(speller):
    text, corrections = speller.correct_text("醉架 BAC 80mg，末成年人询文", known)
    assert text == "醉驾 BAC 80mg，未成年人询问"
    assert corrections == (
        Correction("醉架", "醉驾", HOMOPHONE),
        Correction("末成年人", "未成年人", NEAR_FORM),
        Correction("询文", "询问", HOMOPHONE),
    )


def test_correct_text_finds_slips_inside_merged_words(speller):
    assert speller.correct_text("殴大他人拘留几天", known) == (
        "殴打他人拘留几天",
        (Correction("殴大他人", "殴打他人", HOMOPHONE),),
    )
    assert speller.correct_text("帮信最", known) == ("帮信罪", (Correction("帮信最", "帮信罪", HOMOPHONE),))


def test_correct_text_never_rewrites_a_word_that_known_accepts():
    speller = Speller({w: df for w, df in VOCAB.items() if w != "止付"})
    assert speller.correct_text("止付", lambda w: w == "止付") == ("止付", ())
    assert speller.correct_text("止付", lambda w: False) == ("支付", (Correction("止付", "支付", HOMOPHONE),))


def test_a_chance_word_across_a_slip_does_not_shield_it():
    # 世居 (lived there for generations) overlaps the more frequent 居住 and binds nothing.
    speller = Speller({**VOCAB, "世居": 3})
    assert speller.correct_text("监世居住", known) == ("监视居住", (Correction("监世居住", "监视居住", HOMOPHONE),))


def test_correct_text_leaves_text_without_chinese_alone(speller):
    assert speller.correct_text("", known) == ("", ())
    assert speller.correct_text("BAC 80 mg/100ml", known) == ("BAC 80 mg/100ml", ())


def test_corrections_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Correction("醉架", "醉驾", HOMOPHONE).corrected = "x"
