"""The question bank's format (kb.content.quizzes): every rule reported with file:line and the fix; grading."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.content.quizzes import QuestionBank, grade, load_questions, normalize_fill, parse_quiz
from kb.content.taxonomy import load_taxonomy

REPO = Path(__file__).resolve().parent.parent
REL = "quizzes/测试.md"
HEAD = "---\nid: QB-T1\ntitle: 测试题库\ncategory: 盗窃\n---\n\n"
GOOD = """## Q-0001
题型：单选
层级：办案民警、法制员
环节：受案立案
出处：G-2024-005；刑法第二百六十四条
题干：扒窃入罪是否以数额较大为要件？
A. 是
B. 否
答案：B
解析：刑法第二百六十四条把扒窃与数额较大并列。
"""


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(REPO / "data" / "taxonomy.yaml")


def problems_of(taxonomy, body: str, head: str = HEAD, known=("G-2024-005",)) -> list[str]:
    _, problems = parse_quiz(head + body, REL, taxonomy, set(known))
    return [str(p) for p in problems]


def question_of(taxonomy, body: str):
    bank, problems = parse_quiz(HEAD + body, REL, taxonomy, {"G-2024-005"})
    assert problems == []
    return bank.questions[0]


def test_a_good_question_reads_with_the_bank_defaults(taxonomy):
    q = question_of(taxonomy, GOOD)
    assert (q.id, q.type, q.category, q.bank, q.path, q.line) == ("Q-0001", "单选", "盗窃", "QB-T1", REL, 7)
    assert q.tiers == ("办案民警", "法制员")
    assert q.stages == ("受案立案",)
    assert q.sources == ("G-2024-005",)
    assert q.citations == ("刑法第二百六十四条",)
    assert q.options == (("A", "是"), ("B", "否"))
    assert q.answer == ("B",)
    assert q.answer_text == "B"
    assert q.field_lines["出处"] == 11


def test_stem_and_explanation_run_over_several_lines_and_titles_above_are_allowed(taxonomy):
    body = "# 盗窃题库\n\n> 说明\n\n" + GOOD.replace("解析：刑法", "解析：第一行\n第二行 刑法").replace(
        "题干：扒窃入罪是否以数额较大为要件？", "题干：第一行\n扒窃入罪是否以数额较大为要件？"
    )
    q = question_of(taxonomy, body)
    assert q.stem == "第一行\n扒窃入罪是否以数额较大为要件？"
    assert q.explanation.startswith("第一行\n第二行 刑法")


def test_round_trip_through_json(taxonomy):
    from kb.content.quizzes import Question

    q = question_of(taxonomy, GOOD)
    assert Question.from_json(q.to_json()) == q


@pytest.mark.parametrize(
    "change, message",
    [
        (("题型：单选", "题型：问答"), f"{REL}:8: 题型: 未知题型“问答”；可选：单选、多选、判断、填空"),
        (("题型：单选\n", ""), f"{REL}:7: 题型: 缺少“题型”；应为 单选、多选、判断、填空 之一"),
        (
            ("层级：办案民警、法制员", "层级：科员"),
            f"{REL}:9: 层级: 未知层级“科员”；可选：单位负责人、法制员、办案民警",
        ),
        (
            ("层级：办案民警、法制员\n", ""),
            f"{REL}:7: 层级: 缺少“层级”；可选：单位负责人、法制员、办案民警（可写多个，用“、”分隔）",
        ),
        (
            ("环节：受案立案", "环节：侦查"),
            f"{REL}:10: 环节: 未知办案环节“侦查”；可选：接报案、受案立案、调查取证、强制措施、审核审批、处罚执行、涉案财物、执法监督",
        ),
        (
            ("出处：G-2024-005；", "出处：G-2024-999；"),
            f"{REL}:11: 出处: 出处“G-2024-999”不存在；请写已发布的指引或案例 id",
        ),
        (
            ("出处：G-2024-005；刑法第二百六十四条", "出处：见指引"),
            f"{REL}:11: 出处: 无法识别的出处“见指引”；应为指引或案例 id（如 G-2024-005）或法条（如 刑法第二百六十四条）",
        ),
        (
            ("出处：G-2024-005；刑法第二百六十四条\n", ""),
            f"{REL}:7: 出处: 缺少“出处”；写本题考查的指引或案例 id（如 G-2024-005）和/或法条（如 刑法第二百六十四条），多个用“；”分隔",
        ),
        (("题干：扒窃入罪是否以数额较大为要件？\n", ""), f"{REL}:7: 题干: 缺少“题干”；写“题干：”和题目内容"),
        (("答案：B\n", ""), f"{REL}:7: 答案: 缺少“答案”"),
        (("答案：B", "答案：C"), f"{REL}:15: 答案: 答案“C”不在选项中；选项为 A、B"),
        (
            ("答案：B", "答案：A、B"),
            f"{REL}:15: 答案: 单选题的答案只能是一个选项，实际为“A、B”；多个正确选项请把题型改为多选",
        ),
        (
            ("解析：刑法第二百六十四条把扒窃与数额较大并列。\n", ""),
            f"{REL}:7: 解析: 缺少“解析”；写明答案的理由，引用法条原文或案例的办案要旨",
        ),
        (("答案：B", "答案：A"), None),
        (("B. 否", "B. 是"), f"{REL}:14: 选项: 选项 B 与选项 A 内容相同"),
        (("## Q-0001", "## 第一题"), f"{REL}:7: 题号“第一题”不合规；写成 Q- 加字母数字，如“Q-0001”"),
        (
            ("环节：受案立案", "环节：受案立案\n环节：调查取证"),
            f"{REL}:11: 环节: “环节”重复（第 10 行已写）；每道题只写一次",
        ),
        (
            ("题干：", "随便写一行\n题干："),
            f"{REL}:12: 无法识别的行“随便写一行”；应为“题型：”“题干：”“答案：”等开头的一行，或选项“A. …”",
        ),
    ],
)
def test_each_bad_line_is_reported_with_its_line_and_fix(taxonomy, change, message):
    assert problems_of(taxonomy, GOOD.replace(*change)) == ([message] if message else [])


def test_options_in_order_from_a(taxonomy):
    assert problems_of(taxonomy, GOOD.replace("B. 否", "C. 否")) == [
        f"{REL}:13: 选项: 选项应从 A 起依次排列（A、B），实际为 A、C",
        f"{REL}:15: 答案: 答案“B”不在选项中；选项为 A、C",
    ]


def test_the_remaining_rules(taxonomy):
    assert problems_of(taxonomy, GOOD.replace("出处：", "类别：盗抢\n出处：")) == [
        f"{REL}:11: 类别: 未知类别“盗抢”；可选：" + "、".join(taxonomy.categories)
    ]
    assert problems_of(taxonomy, GOOD.replace("出处：", "行为时间：2026年1月\n出处：")) == [
        f"{REL}:11: 行为时间: 日期“2026年1月”无法识别；请写成 2026-03-01 的形式"
    ]
    assert problems_of(taxonomy, GOOD.replace("B. 否", "B.")) == [f"{REL}:14: 选项: 选项 B 没有内容"]
    multi = (
        GOOD.replace("题型：单选", "题型：多选").replace("B. 否", "B. 否\nC. 三").replace("答案：B", "答案：A、A、C")
    )
    assert problems_of(taxonomy, multi) == [f"{REL}:16: 答案: 答案“A、A、C”中有重复的选项"]
    fill = (
        GOOD.replace("题型：单选", "题型：填空")
        .replace("A. 是\nB. 否\n", "")
        .replace("题干：扒窃入罪是否以数额较大为要件？", "题干：传唤查证不得超过____小时。")
        .replace("答案：B", "答案：八|")
    )
    assert problems_of(taxonomy, fill) == [
        f"{REL}:13: 答案: 答案中有空项；每空一项，用“；”分隔，同义写法用“|”分隔，如“七日|7日”"
    ]
    head = "---\nid: QB-T1\ncategory: 盗窃\n---\n\n"
    assert problems_of(taxonomy, GOOD.replace("## Q-0001", "## Q-0001"), head=head) == [
        f"{REL}:1: title: 缺少 title；写题库名称，如“盗窃案件题库”"
    ]


def test_multiple_choice_needs_two_answers(taxonomy):
    body = GOOD.replace("题型：单选", "题型：多选").replace("B. 否", "B. 否\nC. 不一定")
    assert problems_of(taxonomy, body) == [
        f"{REL}:16: 答案: 多选题的答案至少两个选项（如 A、C），实际为“B”；只有一个请把题型改为单选"
    ]
    q = question_of(taxonomy, body.replace("答案：B", "答案：C、A"))
    assert q.answer == ("A", "C")
    assert q.answer_text == "A、C"


def test_true_false_and_fill_in_rules(taxonomy):
    tf = GOOD.replace("题型：单选", "题型：判断").replace("A. 是\nB. 否\n", "").replace("答案：B", "答案：对")
    assert problems_of(taxonomy, tf) == [f"{REL}:13: 答案: 判断题的答案应为“正确”或“错误”，实际为“对”"]
    with_options = GOOD.replace("题型：单选", "题型：判断").replace("答案：B", "答案：错误")
    assert problems_of(taxonomy, with_options) == [f"{REL}:13: 选项: 判断题不写选项；请删去选项行"]
    fill = (
        GOOD.replace("题型：单选", "题型：填空")
        .replace("A. 是\nB. 否\n", "")
        .replace("题干：扒窃入罪是否以数额较大为要件？", "题干：传唤查证不得超过____小时，情节复杂的不得超过____小时。")
    )
    assert problems_of(taxonomy, fill) == [
        f"{REL}:13: 答案: 题干有 2 个空，答案有 1 项；每空一项，用“；”分隔，同义写法用“|”分隔"
    ]
    assert problems_of(
        taxonomy, fill.replace("题干：传唤查证不得超过____小时，情节复杂的不得超过____小时。", "题干：无空")
    ) == [f"{REL}:12: 题干: 填空题的题干中要有空位，写成“____”（两个以上下划线）"]
    q = question_of(taxonomy, fill.replace("答案：B", "答案：八|8；二十四| 24 "))
    assert q.answer == ("八|8", "二十四|24")
    assert q.answer_text == "八；二十四"


def test_front_matter_problems(taxonomy):
    assert problems_of(taxonomy, GOOD, head="") == [
        f"{REL}:1: 缺少开头的 --- 元数据块；第一行写 ---，再写 id: QB-…、title: …，再写 ---",
        f"{REL}:1: 类别: 缺少“类别”；写本题所属的案件类别，或在文件开头写 category",
    ]
    head = "---\nid: 盗窃\ntitle: 测试\ncategory: 盗窃\nauthor: 张某\nversion: 0\n---\n\n"
    assert problems_of(taxonomy, GOOD, head=head) == [
        f"{REL}:5: author: 未知字段“author”；可用：id、title、version、category、stage、tiers",
        f"{REL}:2: id: 题库 id“盗窃”不合规；写成 QB- 加字母数字，如 QB-DQ",
        f"{REL}:6: version: 版本号应为正整数，实际为“0”",
    ]
    assert problems_of(taxonomy, "", head=HEAD) == [f"{REL}:1: 没有题目；每道题以“## 题号”开头，如“## Q-0001”"]
    assert problems_of(taxonomy, "题干：孤立的一行\n" + GOOD) == [
        f"{REL}:7: 这一行在第一道题之前；每道题以“## 题号”开头，如“## Q-0001”"
    ]
    assert problems_of(taxonomy, "本题库根据现行指引编写。\n" + GOOD) == []


def test_ids_and_stems_repeated_across_files_and_bank_ids_used_twice(tmp_path, taxonomy):
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "a.md").write_text(HEAD + GOOD, encoding="utf-8")
    (folder / "b.md").write_text(HEAD + GOOD.replace("## Q-0001", "## Q-0002"), encoding="utf-8")
    (folder / "c.md").write_text(HEAD.replace("QB-T1", "QB-T3") + GOOD, encoding="utf-8")
    bank = load_questions(tmp_path, taxonomy, {"G-2024-005"})
    assert [str(p) for p in bank.problems] == [
        "quizzes/b.md:2: id: 题库 id“QB-T1”已被 quizzes/a.md 使用；请换一个",
        "quizzes/b.md:12: 题干: 题干与 Q-0001（quizzes/a.md:7）相同；请删除或改写其中一题",
        "quizzes/c.md:7: 题号“Q-0001”与 quizzes/a.md:7 重复；请换一个题号",
    ]
    assert [q.id for q in bank.questions] == ["Q-0001", "Q-0002"]
    same_file = GOOD + "\n" + GOOD.replace("扒窃入罪", "入户盗窃入罪")
    assert problems_of(taxonomy, same_file) == [f"{REL}:18: 题号“Q-0001”与第 7 行重复；请换一个题号"]


def test_a_draft_replaces_its_file_and_an_unreadable_file_is_named(tmp_path, taxonomy):
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "a.md").write_text(HEAD + GOOD, encoding="utf-8")
    (folder / "bad.md").write_bytes("题".encode("gbk"))
    bank = load_questions(
        tmp_path, taxonomy, {"G-2024-005"}, replace={"quizzes/a.md": HEAD + GOOD.replace("答案：B", "答案：A")}
    )
    assert [str(p) for p in bank.problems] == [
        "quizzes/bad.md:1: 文件不是 UTF-8 编码；请转换为 UTF-8 后再保存（记事本、WPS：另存为时选 UTF-8）"
    ]
    assert bank.questions[0].answer == ("A",)
    assert isinstance(bank, QuestionBank) and bank.question("Q-0001") is bank.questions[0]
    assert load_questions(tmp_path / "nowhere", taxonomy).questions == ()


def test_grading_each_type(taxonomy):
    single = question_of(taxonomy, GOOD)
    assert grade(single, "B") and grade(single, ["b"]) and not grade(single, "A") and not grade(single, "")
    multi = question_of(
        taxonomy,
        GOOD.replace("题型：单选", "题型：多选").replace("B. 否", "B. 否\nC. 三").replace("答案：B", "答案：A、C"),
    )
    assert grade(multi, ["C", "A"]) and grade(multi, "A、C") and not grade(multi, ["A"]) and not grade(multi, "ABC")
    tf = question_of(
        taxonomy,
        GOOD.replace("题型：单选", "题型：判断").replace("A. 是\nB. 否\n", "").replace("答案：B", "答案：错误"),
    )
    assert grade(tf, "错误") and not grade(tf, "正确")
    fill = question_of(
        taxonomy,
        GOOD.replace("题型：单选", "题型：填空")
        .replace("A. 是\nB. 否\n", "")
        .replace("题干：扒窃入罪是否以数额较大为要件？", "题干：一般不超过____小时，复杂的不超过____小时。")
        .replace("答案：B", "答案：八|8；二十四|24"),
    )
    assert grade(fill, ["８", "二十四"]) and grade(fill, "8；24") and grade(fill, [" 八 ", "24。"])
    assert not grade(fill, ["8"]) and not grade(fill, ["8", "12"])
    assert normalize_fill("Ａ　b，") == "ab"
