"""`quiz check` and `check` over the question bank: every problem with file:line, a summary, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer import cli

QUIZ = """---
id: QB-T1
title: 测试题库
category: 盗窃
tiers: [办案民警]
stage: [受案立案]
---

## Q-0001
题型：单选
出处：G-2024-001
题干：扒窃入罪是否以数额较大为要件？
A. 是
B. 否
答案：B
解析：刑法第二百六十四条把扒窃与数额较大并列。

## Q-0002
题型：判断
出处：G-2024-001
题干：入户盗窃不以数额较大为要件。
答案：正确
解析：刑法第二百六十四条。
"""


@pytest.fixture
def run(content, settings, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))
    monkeypatch.delenv("KB_LAWS", raising=False)
    content.guide("G-2024-001")

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), prog_name="python indexer.py")

    return invoke


def test_a_clean_bank_passes_with_a_summary(run, content):
    content.write("quizzes/盗窃.md", QUIZ)
    result = run("quiz", "check")
    assert (result.exit_code, result.output) == (0, "检查通过：1 个题库文件，2 道题（单选 1 道、判断 1 道）\n")


def test_an_empty_bank_says_so(run):
    result = run("quiz", "check")
    assert (result.exit_code, result.output) == (0, "题库为空：quizzes/ 下没有题目文件\n")


def test_every_problem_is_listed_and_the_exit_code_is_1(run, content):
    content.write(
        "quizzes/盗窃.md",
        QUIZ.replace("答案：B", "答案：E").replace("出处：G-2024-001\n题干：入户", "出处：G-9\n题干：入户"),
    )
    result = run("quiz", "check")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "quizzes/盗窃.md:15: 答案: 答案“E”不在选项中；选项为 A、B",
        "quizzes/盗窃.md:20: 出处: 出处“G-9”不存在；请写已发布的指引或案例 id",
        "共 2 处错误，涉及 1 个文件",
    ]
    as_json = run("quiz", "check", "--json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert (data["questions"], data["usable"], len(data["problems"])) == (0, 0, 2)
    assert data["problems"][0] == {
        "path": "quizzes/盗窃.md",
        "line": 15,
        "field": "答案",
        "message": "答案“E”不在选项中；选项为 A、B",
        "severity": "error",
    }


def test_the_content_check_reports_the_question_bank_too(run, content):
    content.write("quizzes/盗窃.md", QUIZ.replace("题型：判断", "题型：问答"))
    result = run("check")
    assert result.exit_code == 1
    assert "quizzes/盗窃.md:19: 题型: 未知题型“问答”；可选：单选、多选、判断、填空" in result.output.splitlines()


def test_a_content_folder_that_does_not_exist_is_a_usage_error(run, tmp_path):
    for command in (["quiz", "check"], ["check"]):
        result = run(*command, "--content", str(tmp_path / "不存在"))
        assert (result.exit_code, result.output) == (
            2,
            f"用法错误：内容目录不存在：{tmp_path / '不存在'}；请检查 --content 的路径\n",
        )
