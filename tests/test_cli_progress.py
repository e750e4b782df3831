"""The CLI of saved progress: `user add --unit --tier`, `user set-unit`, `user set-tier`, and `progress`
(per person, unit and tier; filters; JSON; exit codes)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.workflow import audit
from kb.workflow.accounts import add_user, get_user
from kb.workflow.progress import mark_learned

PATHS = """办案民警:
  - id: G-1
    reason: 基本功
  - id: G-2
    reason: 拘留
法制员:
  - id: G-2
    reason: 审核
"""


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("KB_CONTENT", str(settings.content_dir))
    monkeypatch.setenv("KB_INDEX", str(settings.index_dir))
    monkeypatch.setenv("KB_DB", str(settings.db_path))

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), input=input, prog_name="python indexer.py")

    return invoke


@pytest.fixture
def learners(settings):
    """li and wu (办案民警) of two units, fa (法制员), xu without a tier; li has learned both guides, wu one."""
    (settings.data_dir / "learning_paths.yaml").write_text(PATHS, encoding="utf-8")
    add_user(settings, "li", "读者", "password-li", unit="城关派出所", tier="办案民警")
    add_user(settings, "wu", "读者", "password-wu", unit="城东派出所", tier="办案民警")
    add_user(settings, "fa", "编辑", "password-fa", unit="法制大队", tier="法制员")
    add_user(settings, "xu", "读者", "password-xu")
    for name, doc in (("li", "G-1"), ("li", "G-2"), ("wu", "G-2")):
        mark_learned(settings, name, doc)
    return settings


def test_user_add_with_unit_and_tier(run, settings):
    result = run(
        "user", "add", "li", "--unit", "城关派出所", "--tier", "办案民警", "--password-stdin", input="li-initial-pw\n"
    )
    assert (result.exit_code, result.output) == (
        0,
        f"已新增用户“li”（读者，城关派出所，办案民警）；数据库：{settings.db_path}\n",
    )
    assert (
        run("user", "list").output
        == "li\t读者\t正常\t最近登录：从未登录\t须修改密码\t单位：城关派出所\t层级：办案民警\n"
    )


def test_user_add_with_an_unknown_tier_fails_before_asking_for_the_password(run, settings):
    result = run("user", "add", "li", "--tier", "民警", "--password-stdin", input="li-initial-pw\n")
    assert (result.exit_code, result.output) == (1, "错误：未知层级“民警”；可选：单位负责人、法制员、办案民警\n")
    assert get_user(settings, "li") is None


def test_set_unit_and_tier_then_clear_them(run, settings):
    add_user(settings, "li", "读者", "password-li")
    assert run("user", "set-unit", "li", "城西派出所").output == "已把“li”的单位设为城西派出所\n"
    assert run("user", "set-tier", "li", "法制员").output == "已把“li”的层级设为法制员\n"
    li = get_user(settings, "li")
    assert (li.unit, li.tier) == ("城西派出所", "法制员")
    assert audit.read_entries(settings, action="user_unit")[0].actor == "命令行"
    assert run("user", "set-tier", "li", "").output == "已清除“li”的层级\n"
    assert get_user(settings, "li").tier == ""


def test_set_unit_refuses_a_unit_not_on_the_list_and_an_unknown_account(run, settings):
    add_user(settings, "li", "读者", "password-li")
    bad = run("user", "set-unit", "li", "城中派出所")
    assert bad.exit_code == 1
    assert bad.output.startswith("错误：未知单位“城中派出所”；可选：城关派出所、城东派出所、")
    ghost = run("user", "set-tier", "ghost", "法制员")
    assert (ghost.exit_code, ghost.output) == (1, "错误：用户“ghost”不存在\n")
    missing = run("user", "set-unit", "li")
    assert missing.exit_code == 2


def test_progress_prints_per_person_per_unit_and_per_tier(run, learners):
    result = run("progress")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "按人员：",
        "  li\t城关派出所\t办案民警\t已学习 2 / 2 篇\t100%",
        "  wu\t城东派出所\t办案民警\t已学习 1 / 2 篇\t50%",
        "  fa\t法制大队\t法制员\t已学习 0 / 1 篇\t0%",
        "按单位：",
        "  城关派出所\t办案民警\t1 人\t完成率 100%\t全部学完 1 人",
        "  城东派出所\t办案民警\t1 人\t完成率 50%\t全部学完 0 人",
        "  法制大队\t法制员\t1 人\t完成率 0%\t全部学完 0 人",
        "按层级：",
        "  法制员\t1 人\t完成率 0%\t全部学完 0 人",
        "  办案民警\t2 人\t完成率 75%\t全部学完 1 人",
        "另有 1 个账号未设置层级，未计入；用 python indexer.py user set-tier 名字 层级 设置",
    ]


def test_progress_filters_by_unit_and_tier_and_prints_json(run, learners):
    assert run("progress", "--unit", "城东派出所").output.splitlines()[:2] == [
        "按人员：",
        "  wu\t城东派出所\t办案民警\t已学习 1 / 2 篇\t50%",
    ]
    data = json.loads(run("progress", "--tier", "办案民警", "--json").output)
    assert [p["name"] for p in data["people"]] == ["li", "wu"]
    assert data["tiers"] == [{"unit": "", "tier": "办案民警", "people": 2, "finished": 1, "done": 3, "total": 4}]
    assert data["untiered"] == 0


def test_progress_with_an_unknown_unit_or_tier_is_a_usage_error(run, learners):
    result = run("progress", "--tier", "民警")
    assert (result.exit_code, result.output) == (
        2,
        "用法错误：--tier：未知层级“民警”；可选：单位负责人、法制员、办案民警\n",
    )
    assert run("progress", "--unit", "城中派出所").exit_code == 2


def test_progress_without_tiered_accounts_says_how_to_set_one(run, settings):
    result = run("progress")
    assert (result.exit_code, result.output) == (
        0,
        "没有可统计的账号；请先用 python indexer.py user set-tier 名字 层级 设置账号的层级\n",
    )


def test_progress_of_a_unit_with_nobody_to_count_says_so(run, learners):
    result = run("progress", "--unit", "城南派出所", "--tier", "法制员")
    assert (result.exit_code, result.output) == (0, "城南派出所、法制员没有设置了层级的在用账号，无可统计\n")
