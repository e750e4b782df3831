"""`quiz stats` through the entry point: scores by unit and tier, the most-missed questions and their guides,
filters, JSON, and unknown units, tiers or dates as usage errors (exit 2)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.workflow.accounts import add_user

try:
    from tests.test_quizstats import attempt, quizzes
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_quizstats import attempt, quizzes

__all__ = ["quizzes"]  # the fixture: three questions, people of two units and tiers, their attempts

REPORT = """\
自测：4 次，3 人，平均得分率 50%
  按单位：
    城关派出所\t3 次\t2 人\t得分率 67%
    城东派出所\t1 次\t1 人\t得分率 0%
  按层级：
    法制员\t1 次\t1 人\t得分率 67%
    办案民警\t3 次\t2 人\t得分率 44%
比武：2 次，2 人，平均得分率 75%
  按单位：
    城关派出所\t1 次\t1 人\t得分率 100%
    城东派出所\t1 次\t1 人\t得分率 50%
  按层级：
    办案民警\t2 次\t2 人\t得分率 75%
答错最多的题目（至少作答 3 次）：
  Q-2\t错误率 71%（7 次中答错 5 次）\t盗窃\t调查取证、强制措施\t出处：G-1 盗窃案件办理指引；C-1 张某多次盗窃电动车电瓶案
    题干：二年内盗窃几次以上的，应当认定为“多次盗窃”？
  Q-3\t错误率 33%（3 次中答错 1 次）\t诈骗\t受案立案\t出处：G-2 诈骗案件办理指引；刑法第二百六十六条
    题干：冒充客服骗取钱财的，以诈骗罪论处。
  Q-1\t错误率 17%（6 次中答错 1 次）\t盗窃\t调查取证\t出处：G-1 盗窃案件办理指引
    题干：扒窃不以数额较大为要件。
需要加强培训或修改指引的主题：
  G-1 盗窃案件办理指引（指引）\t答错 6 次（作答 13 次，错误率 46%）\t题目：Q-1、Q-2
  C-1 张某多次盗窃电动车电瓶案（案例）\t答错 5 次（作答 7 次，错误率 71%）\t题目：Q-2
  G-2 诈骗案件办理指引（指引）\t答错 1 次（作答 3 次，错误率 33%）\t题目：Q-3
各类别的错误率：
  盗窃\t46%（13 次中答错 6 次）
  诈骗\t33%（3 次中答错 1 次）
已删除的题目：1 道（Q-OLD），作答 1 次，答错 1 次；不计入以上排名
"""


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), prog_name="python indexer.py")

    return invoke


def test_stats_prints_scores_the_most_missed_questions_and_the_guides_behind_them(run, quizzes):
    result = run("quiz", "stats")
    assert (result.exit_code, result.output) == (0, REPORT)


def test_stats_for_one_unit_and_fewer_answers(run, quizzes):
    result = run("quiz", "stats", "--unit", "城东派出所", "--min-answers", "1")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:4] == [
        "自测：1 次，1 人，平均得分率 0%",
        "  按单位：",
        "    城东派出所\t1 次\t1 人\t得分率 0%",
        "  按层级：",
    ]
    assert "答错最多的题目（至少作答 1 次）：" in lines
    assert [line.split("\t")[0] for line in lines if line.startswith("  Q-")] == ["  Q-2", "  Q-1"]


def test_stats_for_a_tier_without_exams_says_so(run, quizzes):
    lines = run("quiz", "stats", "--tier", "法制员").output.splitlines()
    assert lines[0] == "自测：1 次，1 人，平均得分率 67%"
    assert "比武：没有已交卷的记录" in lines


def test_stats_as_json(run, quizzes):
    result = run("quiz", "stats", "--json", "--since", "2026-12-05")
    data = json.loads(result.output)
    assert result.exit_code == 0
    assert data["self_tests"]["overall"] == {
        "kind": "自测",
        "unit": "",
        "tier": "",
        "attempts": 1,
        "people": 1,
        "right": 2,
        "total": 3,
        "rate": 0.6667,
    }
    assert [(q["id"], q["answers"], q["wrong"]) for q in data["missed"]] == [("Q-2", 4, 2)]
    assert data["deleted"] == {"questions": [], "answers": 0, "wrong": 0}


def test_no_records_yet(run, settings):
    assert run("quiz", "stats").output == "还没有测验记录：自测和比武的成绩会记在这里\n"
    add_user(settings, "li", "读者", "password-li")
    attempt(settings, "li", "城关派出所", "办案民警", [("Q-9", 1)])
    assert run("quiz", "stats", "--unit", "城西派出所").output == "城西派出所还没有测验记录\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--unit", "城中派出所"),
            "用法错误：--unit：未知单位“城中派出所”；可选：城关派出所、城东派出所、城西派出所、城南派出所、城北派出所、"
            "开发区派出所、龙泉镇派出所、青山镇派出所、刑事侦查大队、治安管理大队、交通警察大队、禁毒大队、"
            "经济犯罪侦查大队、网络安全保卫大队、巡特警大队、法制大队（单位名单见 data/units.yaml）\n",
        ),
        (("--tier", "民警"), "用法错误：--tier：未知层级“民警”；可选：单位负责人、法制员、办案民警\n"),
        (("--since", "12月1日"), "用法错误：--since：日期“12月1日”无法识别；请写成 2026-12-01 的形式\n"),
    ],
)
def test_unknown_unit_tier_or_date_exits_2_naming_the_choices(run, settings, args, message):
    result = run("quiz", "stats", *args)
    assert (result.exit_code, result.output) == (2, message)
