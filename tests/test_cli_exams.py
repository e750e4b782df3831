"""The 比武 commands: `quiz exam-create`, `quiz exams`, `quiz ranking`, `quiz export-results` (output, JSON, exit codes)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import argon2
import openpyxl
import pytest
from click.testing import CliRunner

from indexer import cli
from kb.content.quizzes import QUIZ_FOLDER
from kb.workflow import passwords
from kb.workflow.accounts import add_user
from kb.workflow.exams import create_exam, start_exam, submit_exam

try:
    from tests.test_exams import BANK, RIGHT, WRONG
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_exams import BANK, RIGHT, WRONG

BEIJING = timezone(timedelta(hours=8))
OPENS = datetime(2099, 12, 10, 9, 0, tzinfo=BEIJING)
CLOSES = datetime(2099, 12, 10, 18, 0, tzinfo=BEIJING)
T0 = OPENS + timedelta(hours=1)
CREATE = (
    "quiz",
    "exam-create",
    "--title",
    "年度比武",
    "--tier",
    "办案民警",
    "--category",
    "盗窃",
    "--count",
    "4",
    "--minutes",
    "30",
    "--opens",
    "2099-12-10 09:00",
    "--closes",
    "2099-12-10 18:00",
    "--seed",
    "7",
    "--password-stdin",
)


@pytest.fixture
def run(content, settings, monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))
    monkeypatch.delenv("KB_LAWS", raising=False)
    content.write(f"{QUIZ_FOLDER}/theft.md", BANK)
    add_user(settings, "zhao", "审核", "password-zhao")
    add_user(settings, "du", "读者", "password-du", unit="城关派出所", tier="办案民警")
    add_user(settings, "li", "读者", "password-li", unit="城东派出所", tier="办案民警")

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input, prog_name="python indexer.py")

    return invoke


@pytest.fixture
def taken(run, settings):
    """Exam 1 taken by du (城关, 3 of 4 in 10 minutes) and li (城东, 1 of 4 in 20 minutes)."""
    exam = create_exam(
        settings,
        "zhao",
        "年度比武",
        tier="办案民警",
        categories=["盗窃"],
        count=4,
        time_limit_minutes=30,
        opens_at=OPENS,
        closes_at=CLOSES,
        seed=7,
    )
    for name, wrong, minutes in (("du", {"Q-2"}, 10), ("li", {"Q-2", "Q-3", "Q-4"}, 20)):
        start_exam(settings, name, exam.id, now=T0)
        given = {q.id: (WRONG if q.id in wrong else RIGHT)[q.id] for q in exam.questions}
        submit_exam(settings, name, exam.id, given, now=T0 + timedelta(minutes=minutes))
    return exam


def test_exam_create_prints_what_was_created(run):
    result = run(*CREATE, "--as", "zhao", input="password-zhao\n")
    assert (result.exit_code, result.output) == (
        0,
        "已创建比武 1“年度比武”：4 道题，限时 30 分钟，2099-12-10 09:00 至 2099-12-10 18:00，层级：办案民警\n",
    )
    listed = run("quiz", "exams")
    assert (listed.exit_code, listed.output) == (
        0,
        "1\t年度比武\t办案民警\t4 道题\t限时 30 分钟\t2099-12-10 09:00 至 2099-12-10 18:00\t未开始\n",
    )
    data = json.loads(run("quiz", "exams", "--json").output)
    assert data["exams"][0]["questions"] == 4 and data["exams"][0]["categories"] == ["盗窃"]


def test_exam_create_by_a_reader_exits_1(run):
    result = run(*CREATE, "--as", "du", input="password-du\n")
    assert (result.exit_code, result.output) == (1, "错误：用户“du”（读者）不能组织比武；需要“审核”或“管理员”角色\n")


def test_exam_create_with_too_few_questions_exits_1(run):
    args = list(CREATE)
    args[args.index("--count") + 1] = "9"
    result = run(*args, "--as", "zhao", input="password-zhao\n")
    assert result.exit_code == 1
    assert result.output == (
        "错误：无法创建比武：符合条件的可用题目只有 4 道（层级：办案民警；类别：盗窃），不足 9 道；请减少题量或放宽条件\n"
    )


def test_a_time_that_cannot_be_read_exits_2(run):
    args = list(CREATE)
    args[args.index("--opens") + 1] = "12月10日"
    result = run(*args, "--as", "zhao", input="password-zhao\n")
    assert result.exit_code == 2
    assert (
        result.output.splitlines()[0]
        == "用法错误：选项 --opens 的取值无效：“12月10日”不是时间；写成 2026-12-10 09:00 的形式"
    )


def test_no_exams_yet(run):
    assert run("quiz", "exams").output == "还没有比武；用 quiz exam-create 组织一场\n"


def test_ranking_by_person_and_by_unit(run, taken):
    result = run("quiz", "ranking", "1")
    assert (result.exit_code, result.output) == (
        0,
        "比武 1“年度比武”\n"
        "1\tdu\t城关派出所\t办案民警\t3 / 4\t用时 10分00秒\t已交卷\n"
        "2\tli\t城东派出所\t办案民警\t1 / 4\t用时 20分00秒\t已交卷\n",
    )
    by_unit = run("quiz", "ranking", "1", "--by", "单位")
    assert by_unit.output == (
        "比武 1“年度比武”\n1\t城关派出所\t1 人\t平均 3 分\t最高 3 分\t最低 3 分\n"
        "2\t城东派出所\t1 人\t平均 1 分\t最高 1 分\t最低 1 分\n"
    )
    data = json.loads(run("quiz", "ranking", "1", "--by", "单位", "--json").output)
    assert data["unit"] == [
        {"rank": 1, "unit": "城关派出所", "people": 1, "average": 3.0, "highest": 3, "lowest": 3},
        {"rank": 2, "unit": "城东派出所", "people": 1, "average": 1.0, "highest": 1, "lowest": 1},
    ]
    people = json.loads(run("quiz", "ranking", "1", "--json").output)["person"]
    assert people[0] == {
        "rank": 1,
        "name": "du",
        "unit": "城关派出所",
        "tier": "办案民警",
        "score": 3,
        "total": 4,
        "seconds": 600,
        "status": "已交卷",
    }


def test_ranking_of_an_exam_that_does_not_exist_exits_1(run):
    result = run("quiz", "ranking", "9")
    assert (result.exit_code, result.output) == (1, "错误：比武 9 不存在\n")


def test_export_results_to_excel_and_csv(run, taken, tmp_path):
    result = run("quiz", "export-results", "1", "--out", str(tmp_path / "成绩.xlsx"))
    assert (result.exit_code, result.output) == (0, f"已导出比武 1 的成绩（2 人）到 {tmp_path / '成绩.xlsx'}\n")
    book = openpyxl.load_workbook(tmp_path / "成绩.xlsx")
    assert [[c.value for c in row] for row in book["单位排名"].iter_rows()] == [
        ["名次", "单位", "参赛人数", "平均分", "最高分", "最低分"],
        [1, "城关派出所", 1, 3, 3, 3],
        [2, "城东派出所", 1, 1, 1, 1],
    ]
    assert run("quiz", "export-results", "1", "--out", str(tmp_path / "成绩.CSV")).exit_code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "成绩.CSV").read_bytes().decode("utf-8-sig"))))
    assert rows[1] == ["1", "du", "城关派出所", "办案民警", "3", "4", "10分00秒", "已交卷"]
    run("quiz", "export-results", "1", "--by", "单位", "--out", str(tmp_path / "单位.csv"))
    assert (tmp_path / "单位.csv").read_bytes() == (
        "\ufeff名次,单位,参赛人数,平均分,最高分,最低分\r\n1,城关派出所,1,3.0,3,3\r\n2,城东派出所,1,1.0,1,1\r\n"
    ).encode()


def test_export_results_to_another_format_exits_2(run, taken, tmp_path):
    result = run("quiz", "export-results", "1", "--out", str(tmp_path / "成绩.txt"))
    assert (result.exit_code, result.output) == (2, "用法错误：--out 的扩展名应为 .xlsx 或 .csv，实际为“.txt”\n")
    assert not (tmp_path / "成绩.txt").exists()


def test_export_results_help_names_the_choice_as_typed(run):
    result = run("quiz", "export-results", "--help")
    assert result.exit_code == 0
    shown = " ".join(result.output.split())  # as --by [人员|单位] takes it, whatever the wrapping
    assert "；.csv 为一张表（--by 单位 为单位排名），" in shown
