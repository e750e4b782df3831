"""Tests for kb.statutes.citations."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.statutes.citations import (
    Citation,
    article_label,
    articles_label,
    canonical_law_name,
    citation_context,
    cn_to_int,
    expand_short_names,
    extract_citations,
    find_abbreviations,
    int_to_cn,
    parse_citation,
)

THEFT = "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释"


def keys(text, **kwargs):
    return [c.key for c in extract_citations(text, **kwargs)]


@pytest.mark.parametrize(
    ("cn", "n"),
    [
        ("二百六十四", 264),
        ("一百零九", 109),
        ("十", 10),
        ("十五", 15),
        ("两", 2),
        ("一百一十", 110),
        ("一千零一", 1001),
        ("四百五十二", 452),
        ("264", 264),
        ("２６４", 264),
        ("一〇九", 109),
        ("零", 0),
    ],
)
def test_cn_to_int_reads_chinese_ascii_and_full_width_numerals(cn, n):
    assert cn_to_int(cn) == n


@pytest.mark.parametrize(
    ("n", "cn"),
    [
        (264, "二百六十四"),
        (10, "十"),
        (109, "一百零九"),
        (110, "一百一十"),
        (15, "十五"),
        (1000, "一千"),
        (1010, "一千零一十"),
        (20000, "二万"),
    ],
)
def test_int_to_cn_writes_numbers_as_statutes_do(n, cn):
    assert int_to_cn(n) == cn


@given(st.integers(min_value=1, max_value=1000))
def test_cn_to_int_and_int_to_cn_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n


def test_cn_to_int_rejects_words_that_are_not_numbers():
    with pytest.raises(ValueError, match="不是数字：“一次”"):
        cn_to_int("一次")


@pytest.mark.parametrize(
    ("name", "law"),
    [
        ("《中华人民共和国刑法》", "刑法"),
        ("刑诉法", "刑事诉讼法"),
        ("中华人民共和国 刑事诉讼法", "刑事诉讼法"),
        ("治安法", "治安管理处罚法"),
        ("治安处罚法", "治安管理处罚法"),
        ("道交法", "道路交通安全法"),
        ("反电诈法", "反电信网络诈骗法"),
        ("《行政处罚法》", "行政处罚法"),
        ("行政案件程序规定", "公安机关办理行政案件程序规定"),
        ("刑事案件程序规定", "公安机关办理刑事案件程序规定"),
        ("最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释", "最高人民法院关于适用刑事诉讼法的解释"),
        ("公安机关办理刑事案件程序规定（2020年修正）", "公安机关办理刑事案件程序规定"),
        ("中华人民共和国刑法修正案（十二）", "刑法修正案（十二）"),
        ("某某条例", "某某条例"),
    ],
)
def test_canonical_law_name_strips_decoration_and_applies_aliases(name, law):
    assert canonical_law_name(name) == law


def test_article_label_writes_keys_out_in_chinese():
    assert article_label("刑法:133-1") == "刑法第一百三十三条之一"
    assert article_label("治安管理处罚法:58") == "治安管理处罚法第五十八条"


@pytest.mark.parametrize(
    ("text", "key", "paragraph"),
    [
        ("刑法第264条", "刑法:264", None),
        ("刑法第二百六十四条", "刑法:264", None),
        ("《刑法》264条", "刑法:264", None),
        ("《中华人民共和国刑法》第二百六十四条", "刑法:264", None),
        ("刑法 第二百六十四条", "刑法:264", None),
        ("刑法264", "刑法:264", None),
        ("刑事诉讼法第八十一条第一款", "刑事诉讼法:81", 1),
        ("治安管理处罚法第58条", "治安管理处罚法:58", None),
        ("刑法第一百三十三条之一", "刑法:133-1", None),
        ("刑诉法第81条第1款", "刑事诉讼法:81", 1),
        ("刑法第一百三十三条之一第一款第（二）项", "刑法:133-1", 1),
    ],
)
def test_parse_citation_accepts_every_written_form(text, key, paragraph):
    citation = parse_citation(text)
    assert (citation.key, citation.paragraph, citation.text) == (key, paragraph, text)


@pytest.mark.parametrize("text", ["第一百三十三条之一", "本法第三条", "依法第三条", "办法第三条", "盗窃", ""])
def test_parse_citation_returns_none_without_a_law(text):
    assert parse_citation(text) is None


def test_citation_label_and_key():
    citation = Citation("刑法", "133-1", 1, 0, 0, "")
    assert (citation.key, citation.label) == ("刑法:133-1", "刑法第一百三十三条之一第一款")
    assert Citation("刑法", "264", None, 0, 0, "").label == "刑法第二百六十四条"
    with pytest.raises(dataclasses.FrozenInstanceError):
        citation.law = "宪法"


def test_extract_finds_a_bracketed_full_title_after_a_verb():
    [c] = extract_citations("依照《中华人民共和国刑法》第二百六十四条之规定，以盗窃罪追究刑事责任。")
    assert (c.key, c.text, c.start, c.end) == ("刑法:264", "《中华人民共和国刑法》第二百六十四条", 2, 20)


def test_extract_strips_leading_verbs_from_unbracketed_names():
    text = "根据治安管理处罚法第五十一条第一款，张某的行为违反了中华人民共和国刑法第264条。"
    found = extract_citations(text)
    assert [(c.key, c.paragraph, c.text) for c in found] == [
        ("治安管理处罚法:51", 1, "治安管理处罚法第五十一条第一款"),
        ("刑法:264", None, "中华人民共和国刑法第264条"),
    ]


def test_extract_continues_a_list_with_the_same_law():
    found = extract_citations("刑法第二百六十四条、第二百六十七条第一款和第二百六十九条")
    assert [(c.key, c.paragraph, c.text) for c in found] == [
        ("刑法:264", None, "刑法第二百六十四条"),
        ("刑法:267", 1, "第二百六十七条第一款"),
        ("刑法:269", None, "第二百六十九条"),
    ]


def test_extract_continues_a_list_of_paragraphs_of_one_article():
    found = extract_citations("刑法第一百三十三条之一第一款、第二款")
    assert [(c.key, c.paragraph) for c in found] == [("刑法:133-1", 1), ("刑法:133-1", 2)]


def test_a_bare_article_inherits_the_law_only_within_its_sentence():
    text = "《刑事诉讼法》第八十一条规定了逮捕条件，另见第一百三十三条之一。第九十条另有规定。"
    assert keys(text) == ["刑事诉讼法:81", "刑事诉讼法:133-1"]


def test_a_bare_article_with_no_law_is_not_a_citation_unless_a_default_is_given():
    assert keys("依照第二百六十四条处罚。") == []
    assert keys("依照第二百六十四条处罚。", default_law="中华人民共和国刑法") == ["刑法:264"]


def test_this_law_refers_to_the_default_law_only():
    assert keys("违反本法第五条的，具有本解释第一条情形的") == []
    assert keys("违反本法第五条的", default_law="治安管理处罚法") == ["治安管理处罚法:5"]


def test_offsets_point_at_the_matched_text():
    text = "案情：张某于2023年盗窃。依照刑法第264条、第67条第3款，根据《治安管理处罚法》 第 58 条，另依道交法91条处理。"
    found = extract_citations(text)
    assert [c.key for c in found] == ["刑法:264", "刑法:67", "治安管理处罚法:58", "道路交通安全法:91"]
    assert all(text[c.start : c.end] == c.text for c in found)


def test_digits_without_a_law_or_with_a_date_are_not_citations():
    assert keys("2023年5月，盗窃3次，共计2000元，刑法修正案（十二）2023年通过。") == []


def test_a_query_may_name_a_known_law_followed_by_digits():
    assert keys("刑法264 盗窃") == ["刑法:264"]


@pytest.mark.parametrize(
    "text",
    [
        "第一次传唤",
        "第三人在场",
        "第二天到案",
        "依法第三条",
        "办法第三条",
        "该法第五条",
        "上述规定第三条",
        "满足第一条件",
        "第3次",
        "依照现行法第九十八条",
        "违反国家规定第三条",
    ],
)
def test_ordinary_words_are_not_citations(text):
    assert keys(text) == []


def test_unknown_law_names_keep_their_stripped_name():
    assert keys("依照某某省道路交通安全条例第十二条") == ["某某省道路交通安全条例:12"]


def test_a_full_interpretation_title_is_one_law_name():
    text = f"依照{THEFT}第一条，参照最高人民法院关于审理抢劫案件具体应用法律若干问题的解释第二条"
    assert keys(text) == [f"{THEFT}:1", "最高人民法院关于审理抢劫案件具体应用法律若干问题的解释:2"]


def test_find_abbreviations_reads_definitions_in_the_text():
    text = (
        f"《{THEFT}》（以下简称《解释》）及《中华人民共和国刑事诉讼法》（以下简称“刑诉”），"
        "公安机关办理行政案件程序规定(下称程序规定)"
    )
    assert find_abbreviations(text) == {"解释": THEFT, "刑诉": "刑事诉讼法", "程序规定": "公安机关办理行政案件程序规定"}


def test_a_defined_abbreviation_resolves_later_citations_only():
    text = f"《解释》第三条不算。《{THEFT}》（以下简称《解释》）规定：依照《解释》第一条、解释第二条处理。"
    found = extract_citations(text)
    assert [(c.key, c.text) for c in found] == [(f"{THEFT}:1", "《解释》第一条"), (f"{THEFT}:2", "解释第二条")]


def test_abbreviations_can_be_passed_in():
    assert keys("依照《两高解释》第五条", abbreviations={"《两高解释》": THEFT}) == [f"{THEFT}:5"]


def test_an_abbreviation_does_not_swallow_the_end_of_another_title():
    text = f"《{THEFT}》（以下简称《解释》）。最高人民法院关于审理抢劫案件具体应用法律若干问题的解释第一条"
    assert keys(text) == ["最高人民法院关于审理抢劫案件具体应用法律若干问题的解释:1"]


def test_citations_of_two_laws_in_one_sentence():
    text = "刑法第二百六十四条和治安管理处罚法第五十八条、第五十九条"
    assert keys(text) == ["刑法:264", "治安管理处罚法:58", "治安管理处罚法:59"]


def test_an_edition_note_after_the_law_name_is_kept_as_the_version():
    text = "《中华人民共和国治安管理处罚法》（2025年6月27日修订，2026年1月1日起施行）第九条、第二十条；治安管理处罚法（2012年修正）第四十三条"
    found = extract_citations(text)
    assert [(c.key, c.version) for c in found] == [
        ("治安管理处罚法:9", "2025-06-27"),
        ("治安管理处罚法:20", "2025-06-27"),
        ("治安管理处罚法:43", "2012"),
    ]
    assert found[0].text == "《中华人民共和国治安管理处罚法》（2025年6月27日修订，2026年1月1日起施行）第九条"


def test_parse_citation_reads_an_edition_note():
    citation = parse_citation("治安管理处罚法（2025年修订）第五十一条")
    assert (citation.key, citation.version, citation.label) == ("治安管理处罚法:51", "2025", "治安管理处罚法第五十一条")
    assert parse_citation("刑法第264条").version is None


def test_short_names_of_interpretations_resolve_to_full_titles():
    assert keys("依照2013年盗窃解释第三条第四款") == [f"{THEFT}:3"]


def test_a_short_name_takes_the_one_matching_law_from_context():
    found = extract_citations("依照程序规定第四十条、刑法第二百六十四条")
    front = ["公安机关办理行政案件程序规定", "刑法"]
    assert [c.key for c in expand_short_names(found, front)] == ["公安机关办理行政案件程序规定:40", "刑法:264"]
    both = [*front, "公安机关办理刑事案件程序规定"]
    assert [c.key for c in expand_short_names(found, both)] == ["程序规定:40", "刑法:264"]


def test_a_law_name_may_contain_tiao_inside():
    cite = parse_citation("道路交通安全法实施条例第九十二条")
    assert cite is not None and cite.key == "道路交通安全法实施条例:92"


def test_several_articles_name_each_law_once_in_order_of_first_appearance():
    keys = ["刑法:312", "解释:2", "刑法:312", "解释:3", "治安管理处罚法:71", "解释:10"]
    assert articles_label(keys) == "刑法第三百一十二条；解释第二条、第三条、第十条；治安管理处罚法第七十一条"
    assert articles_label(keys, limit=2) == "刑法第三百一十二条；解释第二条等"
    assert articles_label(["刑法:133-1", "不是法条"]) == "刑法第一百三十三条之一；不是法条"
    assert articles_label([]) == ""


CRIMINAL_RULES = "公安机关办理刑事案件程序规定"
ADMIN_RULES = "公安机关办理行政案件程序规定"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("刑事程序规定第七十八条", f"{CRIMINAL_RULES}:78"),
        ("行政程序规定第四十条", f"{ADMIN_RULES}:40"),
        ("刑案程序规定第五条", f"{CRIMINAL_RULES}:5"),
        ("治安法第九条", "治安管理处罚法:9"),
        ("道交法第九十一条", "道路交通安全法:91"),
        ("刑诉法第八十一条", "刑事诉讼法:81"),
        ("两高赌博解释第八条", "最高人民法院、最高人民检察院关于办理赌博刑事案件具体应用法律若干问题的解释:8"),
        ("两高盗窃解释第一条", f"{THEFT}:1"),
    ],
)
def test_abbreviations_officers_write_resolve(text, key):
    assert keys(text) == [key]


def test_a_bare_procedure_rules_citation_stays_unsettled_without_context():
    assert keys("依照程序规定第四十条处理") == ["程序规定:40"]


def test_the_procedure_rules_named_first_settle_the_short_name_that_follows():
    text = f"依照{ADMIN_RULES}第一条。依照程序规定第四十条；{CRIMINAL_RULES}第二条，又依照程序规定第三条"
    assert keys(text) == [f"{ADMIN_RULES}:1", f"{ADMIN_RULES}:40", f"{CRIMINAL_RULES}:2", f"{CRIMINAL_RULES}:3"]


def test_find_abbreviations_gives_the_first_procedure_rules_a_text_names():
    assert find_abbreviations(f"参照《{ADMIN_RULES}》。后来又参照{CRIMINAL_RULES}") == {"程序规定": ADMIN_RULES}
    assert find_abbreviations("依照程序规定第四十条") == {}


@pytest.mark.parametrize(
    ("laws", "case_type", "meant"),
    [
        ([f"{ADMIN_RULES}第四十条"], "刑事", ADMIN_RULES),  # the front matter beats the case type
        ([f"{ADMIN_RULES}:40"], None, ADMIN_RULES),  # an index key
        ([CRIMINAL_RULES], "行政", CRIMINAL_RULES),  # a law name
        (["刑法第二百六十四条"], "刑事", CRIMINAL_RULES),
        ([], "行政", ADMIN_RULES),
        ([f"{ADMIN_RULES}第一条", f"{CRIMINAL_RULES}第二条"], "刑事", CRIMINAL_RULES),
        ([f"{ADMIN_RULES}第一条", f"{CRIMINAL_RULES}第二条"], None, None),
        ([], None, None),
    ],
)
def test_citation_context_settles_the_short_name_from_front_matter_then_case_type(laws, case_type, meant):
    context = citation_context("", laws=laws, case_type=case_type)
    assert context.get("程序规定") == meant


def test_the_texts_own_mention_beats_the_case_type():
    text = f"本案依照{CRIMINAL_RULES}第一条立案。依照程序规定第四十条"
    assert keys(text, abbreviations=citation_context(text, case_type="行政"))[-1] == f"{CRIMINAL_RULES}:40"
