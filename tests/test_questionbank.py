"""The published question bank (kb.workflow.questionbank): which questions a self-test or an exam may draw."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.content.quizzes import QuestionBank, load_questions, parse_quiz
from kb.content.taxonomy import load_taxonomy
from kb.errors import Problem
from kb.workflow.questionbank import usable_questions

REPO = Path(__file__).resolve().parent.parent
REL = "quizzes/测试.md"
HEAD = "---\nid: QB-T1\ntitle: 测试题库\ncategory: 盗窃\nstage: [受案立案]\ntiers: [办案民警]\n---\n\n"


def question(qid: str, answer: str = "B", stem: str = "") -> str:
    return (
        f"## {qid}\n题型：单选\n出处：刑法第二百六十四条\n题干：{stem or qid}是否以数额较大为要件？\n"
        f"A. 是\nB. 否\n答案：{answer}\n解析：刑法第二百六十四条。\n\n"
    )


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(REPO / "data" / "taxonomy.yaml")


def test_a_bad_question_does_not_take_the_good_one_above_it(taxonomy):
    text = HEAD + question("Q-0001") + question("Q-0002", answer="C") + question("Q-0003")
    bank, problems = parse_quiz(text, REL, taxonomy)
    assert [str(p) for p in problems] == ["quizzes/测试.md:24: 答案: 答案“C”不在选项中；选项为 A、B"]
    usable = usable_questions(QuestionBank((bank,), tuple(problems)))
    assert [q.id for q in usable] == ["Q-0001", "Q-0003"]


def test_an_id_repeated_in_another_file_leaves_the_question_above_it_usable(tmp_path, taxonomy):
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "a.md").write_text(HEAD + question("Q-0001"), encoding="utf-8")
    other = HEAD.replace("QB-T1", "QB-T2") + question("Q-0002", stem="入户盗窃") + question("Q-0001", stem="扒窃")
    (folder / "b.md").write_text(other, encoding="utf-8")
    bank = load_questions(tmp_path, taxonomy)
    assert [str(p) for p in bank.errors] == ["quizzes/b.md:18: 题号“Q-0001”与 quizzes/a.md:9 重复；请换一个题号"]
    assert [q.id for q in usable_questions(bank)] == ["Q-0001", "Q-0002"]


def test_an_error_found_later_in_a_good_question_takes_only_that_question(taxonomy):
    bank, problems = parse_quiz(HEAD + question("Q-0001") + question("Q-0002"), REL, taxonomy)
    assert problems == []
    cited = Problem(REL, 20, "出处", "刑法第九百条不存在")  # as the statute check reports it, in Q-0002's block
    assert [q.id for q in usable_questions(QuestionBank((bank,), (cited,)))] == ["Q-0001"]
