"""Article numbering of questions (kb.statutes.numbering): missing articles, short names, and the 2012
治安管理处罚法 numbering for conduct after 2026-01-01, checked against the real statute folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import LAWS_DIR

from kb.content.quizzes import parse_quiz
from kb.content.taxonomy import load_taxonomy
from kb.statutes.library import StatuteLibrary
from kb.statutes.numbering import check_question_citations, cited_articles

REPO = Path(__file__).resolve().parent.parent
REL = "quizzes/法条.md"
TODAY = date(2026, 12, 7)
HEAD = "---\nid: QB-N1\ntitle: 法条题库\ncategory: 殴打他人\n---\n\n"


def question(source: str, stem: str, explanation: str, extra: str = "", qid: str = "Q-0001") -> str:
    return (
        f"## {qid}\n题型：判断\n层级：办案民警\n环节：处罚执行\n出处：{source}\n{extra}"
        f"题干：{stem}\n答案：正确\n解析：{explanation}\n\n"
    )


@pytest.fixture(scope="module")
def library():
    if not LAWS_DIR.is_dir():
        pytest.skip(f"法规库目录不存在：{LAWS_DIR}")
    return StatuteLibrary.load(LAWS_DIR)


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(REPO / "data" / "taxonomy.yaml")


def check(library, taxonomy, *blocks: str, today: date = TODAY) -> list[str]:
    bank, problems = parse_quiz(HEAD + "".join(blocks), REL, taxonomy)
    assert problems == []
    return [f"{p.severity} {p}" for p in check_question_citations(library, bank.questions, today=today)]


BEATING_2012 = "殴打他人的，处五日以上十日以下拘留，并处二百元以上五百元以下罚款。"
BEATING_2025 = "殴打他人的，处五日以上十日以下拘留，并处五百元以上一千元以下罚款。"


def test_the_2012_number_of_a_conduct_is_an_error_naming_the_number_in_force(library, taxonomy):
    found = check(library, taxonomy, question("治安管理处罚法第四十三条", BEATING_2012, "见上。"))
    assert found == [
        f"error {REL}:11: 出处: “治安管理处罚法第四十三条”疑似使用了 2012 版的条文序号：题目内容对应 2012 版第四十三条，"
        "该条在现行 2025 版（2026-01-01 起施行）中为第五十一条；行为时间（2026-12-07）适用现行版本，"
        "请改为治安管理处罚法第五十一条"
    ]


@pytest.mark.parametrize(
    "source, stem",
    [
        ("治安管理处罚法第五十一条", BEATING_2025),
        ("治安管理处罚法第五十八条", "盗窃、诈骗、哄抢、抢夺或者敲诈勒索的，处五日以上十日以下拘留。"),
        ("治安管理处罚法第三十条", "结伙斗殴或者随意殴打他人的，处五日以上十日以下拘留。"),
        ("刑法第二百六十四条", "扒窃的，不论数额，构成盗窃罪。"),
    ],
)
def test_the_numbers_in_force_pass(library, taxonomy, source, stem):
    assert check(library, taxonomy, question(source, stem, f"{source}。")) == []


def test_other_2012_numbers_are_caught_too(library, taxonomy):
    found = check(
        library,
        taxonomy,
        question(
            "治安管理处罚法第四十九条", "张某盗窃超市商品，价值三百元，应处五日以上十日以下拘留。", "盗窃、诈骗、哄抢。"
        ),
        question("治安管理处罚法第二十六条", "结伙斗殴、追逐、拦截他人的，构成寻衅滋事。", "寻衅滋事。", qid="Q-0002"),
    )
    assert [line.split("该条在现行")[1] for line in found] == [
        " 2025 版（2026-01-01 起施行）中为第五十八条、第五十九条；行为时间（2026-12-07）适用现行版本，"
        "请改为治安管理处罚法第五十八条或第五十九条（按题目内容选择）",
        " 2025 版（2026-01-01 起施行）中为第三十条；行为时间（2026-12-07）适用现行版本，请改为治安管理处罚法第三十条",
    ]


def test_conduct_before_2026_is_checked_against_the_2012_text(library, taxonomy):
    block = question("治安管理处罚法第四十三条", BEATING_2012, "见上。", extra="行为时间：2025-06-01\n")
    assert check(library, taxonomy, block) == []


def test_a_citation_naming_the_2012_edition_for_conduct_now(library, taxonomy):
    found = check(library, taxonomy, question("治安管理处罚法（2012年）第四十三条", BEATING_2012, "见上。"))
    assert found == [
        f"error {REL}:11: 出处: “治安管理处罚法（2012年）第四十三条”是2012 版第四十三条；行为时间（2026-12-07）"
        "适用 2025 版（2026-01-01 起施行），请改为治安管理处罚法第五十一条"
    ]


def test_missing_articles_short_names_and_unknown_laws(library, taxonomy):
    found = check(
        library,
        taxonomy,
        question("治安管理处罚法第五百条", BEATING_2025, "见上。"),
        question("程序规定第十条", "询问笔录应当交被询问人核对。", "见上。", qid="Q-0002"),
        question("某某条例第三条", "某某条例的规定。", "见上。", qid="Q-0003"),
        question("刑法第二百六十四条", "扒窃的，构成盗窃罪。", "依照刑法第九百条处罚。", qid="Q-0004"),
    )
    assert found == [
        f"error {REL}:11: 出处: 引用“治安管理处罚法第五百条”不存在；治安管理处罚法（2025-06-27 版）共 144 条"
        "（第一条至第一百四十四条），最接近的有：第一百四十四条",
        f"error {REL}:20: 出处: “程序规定第十条”中的“程序规定”可能指《公安机关办理刑事案件程序规定》或"
        "《公安机关办理行政案件程序规定》；题目中请写全称",
        f"warning {REL}:29: 出处: 引用“某某条例第三条”不存在；法规库中没有“某某条例”",
        f"error {REL}:41: 解析: 引用“刑法第九百条”不存在；刑法共 452 条（第一条至第四百五十二条），最接近的有：第四百五十二条",
    ]


def test_cited_articles_resolve_as_in_force(library, taxonomy):
    bank, _ = parse_quiz(HEAD + question("治安管理处罚法第五十一条", BEATING_2025, "见上。"), REL, taxonomy)
    assert [a.id for a in cited_articles(library, bank.questions[0], TODAY)] == ["治安管理处罚法@2025-06-27#51"]
