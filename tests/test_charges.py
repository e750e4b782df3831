"""The charge vocabulary: names, linked articles, every link naming an existing article, and the
charges a text names or signals."""

from __future__ import annotations

from collections import Counter

import pytest

from kb.errors import ContentError
from kb.search.charges import (
    Cue,
    charge_cues,
    charge_mentions,
    charge_signals,
    charge_variants,
    charges_alleged,
    charges_named,
    detect_charges,
    load_charges,
    load_cues,
    parse_charges,
    parse_cues,
    same_offence,
)
from kb.settings import REPO_ROOT
from kb.statutes.library import StatuteLibrary


def test_names_and_links():
    table = parse_charges("# c\n盗窃罪 刑法第二百六十四条\n殴打他人 治安管理处罚法第五十一条\n违反枪支管理\n")
    assert table.names() == ("盗窃罪", "殴打他人", "违反枪支管理")
    assert table.articles("盗窃罪") == ("刑法:264",)
    assert table.charges_for("治安管理处罚法:51") == ("殴打他人",)
    assert table.charges_for("刑法:1") == ()


def test_an_unreadable_citation_names_the_line():
    with pytest.raises(ContentError) as err:
        parse_charges("盗窃罪 刑法264条款\n")
    assert [str(p) for p in err.value.problems] == [
        "data/charges.txt:1: 无法识别的法条引用“刑法264条款”；请写成“刑法第二百六十四条”的形式"
    ]


def test_fact_patterns_group_the_lines_of_the_same_names():
    cues, problems = parse_cues(
        "# 注释\n危险驾驶罪/醉酒驾驶机动车 醉驾\n危险驾驶罪/醉酒驾驶机动车\t酒后.{0,6}驾驶  # 注释\n盗窃罪\u3000窃取\n"
    )
    assert problems == []
    assert cues == (
        Cue(("危险驾驶罪", "醉酒驾驶机动车"), "(?:醉驾)|(?:酒后.{0,6}驾驶)"),
        Cue(("盗窃罪",), "(?:窃取)"),
    )


def test_every_bad_fact_pattern_line_is_reported_and_only_it_is_left_out():
    text = "盗窃罪 窃取\n盗抢罪 抢(走|夺\n危险驾驶罪\n"
    cues, problems = parse_cues(text, known=("盗窃罪", "危险驾驶罪"))
    assert cues == (Cue(("盗窃罪",), "(?:窃取)"),)
    assert [str(p) for p in problems] == [
        "data/charge_cues.txt:2: 事实特征“抢(走|夺”不是有效的正则表达式（第 2 个字符附近有误）；请检查括号是否成对、“|”两侧是否都有内容",
        "data/charge_cues.txt:2: 未知的罪名或违法行为“盗抢罪”；名称须与 data/charges.txt 中的写法一致",
        "data/charge_cues.txt:3: “危险驾驶罪”后缺少事实特征；每行写“罪名 特征”，中间用空格隔开",
    ]


def test_the_bundled_fact_patterns_name_charges_of_the_bundled_vocabulary():
    names = load_charges(REPO_ROOT / "data" / "charges.txt").names()
    cues, problems = load_cues(REPO_ROOT / "data" / "charge_cues.txt", known=names)
    assert problems == [] and len(cues) >= 30
    assert {n for cue in cues for n in cue.names} <= set(names)
    assert load_cues(REPO_ROOT / "data" / "missing.txt") == ((), [])


def test_every_bundled_link_names_an_article_in_force(laws_dir):
    library = StatuteLibrary.load(laws_dir)
    table = load_charges(REPO_ROOT / "data" / "charges.txt")
    missing = []
    for charge in table.charges:
        for key in charge.laws:
            law, _, article = key.rpartition(":")
            if library.article(law, article) is None:
                missing.append((charge.name, key))
    assert missing == []
    assert len([c for c in table.charges if c.laws]) >= 100


@pytest.mark.parametrize(
    ("charge", "words"),
    [
        ("盗窃罪", "盗窃公私财物"),
        ("危险驾驶罪", "醉酒驾驶机动车"),
        ("帮助信息网络犯罪活动罪", "提供互联网接入"),
        ("侵犯公民个人信息罪", "公民个人信息"),
        ("开设赌场罪", "开设赌场"),
        ("容留他人吸毒罪", "容留他人吸食"),
        ("殴打他人", "殴打他人"),
        ("参与赌博", "参与赌博"),
        ("谎报警情", "警情"),
    ],
)
def test_linked_articles_say_what_the_charge_is(laws_dir, charge, words):
    library = StatuteLibrary.load(laws_dir)
    table = load_charges(REPO_ROOT / "data" / "charges.txt")
    (key,) = table.articles(charge)
    law, _, article = key.rpartition(":")
    found = library.article(law, article)
    assert found is not None and words in found.text, (charge, key)


# -- charges in a text ------------------------------------------------------------------------

DRUGS = "走私、贩卖、运输、制造毒品罪"
VOCABULARY = ["盗窃罪", "诈骗罪", "合同诈骗罪", "危险驾驶罪", "交通肇事罪", "殴打他人", DRUGS, "容留他人吸毒罪"]
CUES, _ = load_cues(REPO_ROOT / "data" / "charge_cues.txt")
DUI_FACTS = "赵某酒后驾驶小型轿车在城关镇被执勤民警查获，抽血检验血液酒精含量为120毫克/100毫升。"


def test_a_simple_charge_is_named_by_its_stem():
    assert charge_variants("盗窃罪") == ["盗窃"]
    assert charge_variants("殴打他人") == ["殴打他人"]


def test_a_compound_charge_joins_each_verb_to_the_shared_object():
    assert charge_variants(DRUGS) == ["走私、贩卖、运输、制造毒品", "走私毒品", "贩卖毒品", "运输毒品", "制造毒品"]
    assert charge_variants("掩饰、隐瞒犯罪所得、犯罪所得收益罪")[1:] == ["掩饰犯罪所得", "隐瞒犯罪所得"]


def test_bare_verbs_never_name_a_charge():
    variants = charge_variants("生产、销售伪劣产品罪")
    assert "生产" not in variants and "销售" not in variants
    assert "销售伪劣产品" in variants


def test_the_longest_charge_name_wins():
    assert charge_mentions("李某涉嫌合同诈骗", VOCABULARY) == Counter({"合同诈骗罪": 1})


def test_a_name_followed_by_zui_counts_double():
    assert charge_mentions("张某犯盗窃罪，又盗窃一次", VOCABULARY) == Counter({"盗窃罪": 3})


def test_charges_named_reads_case_names_in_full_or_short():
    assert charges_named("郭某走私、贩卖、运输、制造毒品罪一案", VOCABULARY) == [DRUGS]
    assert charges_named("易某某贩卖毒品、容留他人吸毒一案", VOCABULARY) == [DRUGS, "容留他人吸毒罪"]
    assert charges_named("姜某一案", VOCABULARY) == []


def test_detect_charges_reads_fact_patterns_when_no_charge_is_named():
    assert detect_charges(DUI_FACTS, VOCABULARY, CUES) == ["危险驾驶罪"]
    assert detect_charges(DUI_FACTS, VOCABULARY) == []  # no fact patterns given


def test_detect_charges_ignores_patterns_for_charges_outside_the_vocabulary():
    assert detect_charges(DUI_FACTS, ["盗窃罪"], CUES) == []


def test_detect_charges_puts_named_charges_before_signalled_ones():
    text = "钱某构成盗窃罪。其间钱某酒后驾驶车辆。"
    assert detect_charges(text, VOCABULARY, CUES, limit=2) == ["盗窃罪", "危险驾驶罪"]


def test_selling_ones_bank_card_for_score_running_signals_the_aiding_offence():
    signals = charge_signals("王某在网上出售自己的银行卡给他人用于跑分。", ["帮助信息网络犯罪活动罪", "诈骗罪"], CUES)
    assert signals["帮助信息网络犯罪活动罪"] > 0
    assert signals["诈骗罪"] == 0


def test_a_denied_fact_shows_no_pattern():
    vocabulary = ["交通肇事罪", "殴打他人"]
    assert charge_cues("王某酒后驾驶被查获，未发生交通事故。", vocabulary, CUES) == Counter()
    assert charge_cues("没有发生交通事故", vocabulary, CUES) == Counter()
    assert charge_cues("王某驾车发生交通事故", vocabulary, CUES) == Counter({"交通肇事罪": 1})
    assert charge_mentions("李某的行为不构成盗窃罪", VOCABULARY) == Counter()


def test_renting_out_ones_bank_cards_shows_the_aiding_offence_in_either_word_order():
    vocabulary = ["帮助信息网络犯罪活动罪", "诈骗罪"]
    assert charge_cues("将本人名下的两张银行卡出租给他人使用", vocabulary, CUES)["帮助信息网络犯罪活动罪"] == 1
    assert charge_cues("王某出售本人名下的U盾", vocabulary, CUES)["帮助信息网络犯罪活动罪"] == 1  # any case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张某涉嫌盗窃，被传唤到案", {"盗窃罪": 1}),
        ("张某的行为构成诈骗罪", {"诈骗罪": 1}),
        ("被害人被诈骗的资金转入该卡", {}),  # what happened to someone else, not the case's charge
        ("张某不构成盗窃罪", {}),
        ("易某在家中容留他人吸毒", {"容留他人吸毒罪": 1}),  # a specific name needs no 涉嫌
    ],
)
def test_a_charge_is_alleged_only_when_the_text_names_it_as_the_cases(text, expected):
    assert charges_alleged(text, VOCABULARY) == Counter(expected)


def test_a_split_charge_is_the_same_offence_as_its_compound():
    assert same_offence("贩卖毒品罪", DRUGS)
    assert same_offence("盗窃", "盗窃罪")
    assert not same_offence("非法持有毒品罪", DRUGS)
    assert not same_offence("诈骗罪", "合同诈骗罪")
