"""The unit list (data/units.yaml): read with every problem by line, checked by `check`; an account's unit
and tier set only from their lists, audited."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.content.units import load_units
from kb.errors import AuthError, Problem
from kb.workflow import audit
from kb.workflow.accounts import add_user, check_tier, get_user, set_tier, set_unit, tier_choices, unit_choices

REL = "data/units.yaml"


def units_from(tmp_path, text: str):
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    return load_units(path)


def test_the_bundled_list_loads_without_problems(settings):
    units = unit_choices(settings)
    assert units[:2] == ("城关派出所", "城东派出所")
    assert "法制大队" in units
    assert load_units(settings.data_dir / "units.yaml").problems == ()


def test_every_bad_entry_is_reported_with_its_line_and_the_fix(tmp_path):
    loaded = units_from(tmp_path, "# 注释\n- 城关派出所\n- \n- [城东派出所]\n- 城关派出所\n- 法制大队\n")
    assert loaded.names == ("城关派出所", "法制大队")
    assert [str(p) for p in loaded.problems] == [
        f"{REL}:3: 每项须为一个单位名称，例如：- 城关派出所",
        f"{REL}:4: 每项须为一个单位名称，例如：- 城关派出所",
        f"{REL}:5: 单位“城关派出所”重复（第 2 行已列出）；请删去这一行",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "1: 单位名单为空；请每行写一项，例如：- 城关派出所"),
        ("# 只有注释\n\nunits: 城关派出所\n", "3: 顶层应为单位名称的列表，每行一项，例如：- 城关派出所"),
        ("- 城关派出所\n- [未闭合\n", None),
    ],
)
def test_an_empty_file_a_mapping_and_bad_yaml_are_one_problem_each(tmp_path, text, problem):
    loaded = units_from(tmp_path, text)
    assert loaded.names == ()
    [found] = loaded.problems
    if problem is None:
        assert str(found).startswith(f"{REL}:3: 不是合法的 YAML：")
    else:
        assert str(found) == f"{REL}:{problem}"


def test_a_missing_file_says_where_to_create_it(tmp_path):
    assert load_units(tmp_path / "units.yaml").problems == (
        Problem(REL, 1, "", "找不到单位名单；请在 data/ 下创建 units.yaml，每行一项，例如：- 城关派出所"),
    )


def test_check_reports_the_unit_list_problems_and_exits_1(content, settings):
    content.guide("G-1")
    (settings.data_dir / "units.yaml").write_text("- 城关派出所\n- 城关派出所\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--content", str(settings.content_dir)], prog_name="python indexer.py")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{REL}:2: 单位“城关派出所”重复（第 1 行已列出）；请删去这一行",
        "共 1 处错误，涉及 1 个文件",
    ]


def test_the_tiers_are_the_taxonomy_audiences(settings):
    assert tier_choices(settings) == ("单位负责人", "法制员", "办案民警")
    assert check_tier(settings, " 法制员 ") == "法制员"


def test_an_account_gets_a_unit_and_tier_from_the_lists_and_each_change_is_audited(settings):
    add_user(settings, "admin", "管理员", "password-admin")
    created = add_user(settings, "li", "读者", "password-li", unit="城关派出所", tier="办案民警")
    assert (created.unit, created.tier) == ("城关派出所", "办案民警")
    assert audit.read_entries(settings, action="user_add")[0].detail == "角色：读者；单位：城关派出所；层级：办案民警"
    set_unit(settings, "li", "城东派出所", actor="admin")
    set_tier(settings, "li", "", actor="admin")
    li = get_user(settings, "li")
    assert (li.unit, li.tier) == ("城东派出所", "")
    assert li.to_json()["unit"] == "城东派出所"
    [tier_change] = audit.read_entries(settings, action="user_tier")
    [unit_change] = audit.read_entries(settings, action="user_unit")
    assert (unit_change.actor, unit_change.label, unit_change.target, unit_change.detail) == (
        "admin",
        "设置单位",
        "li",
        "单位：城关派出所 → 城东派出所",
    )
    assert (tier_change.label, tier_change.detail) == ("设置层级", "层级：办案民警 → 未设置")


def test_a_unit_or_tier_not_on_its_list_is_refused_with_the_choices(settings):
    add_user(settings, "li", "读者", "password-li")
    with pytest.raises(
        AuthError, match="^未知单位“城中派出所”；可选：城关派出所、.*、法制大队（单位名单见 data/units.yaml）$"
    ):
        set_unit(settings, "li", "城中派出所")
    with pytest.raises(AuthError, match="^未知层级“民警”；可选：单位负责人、法制员、办案民警$"):
        add_user(settings, "wu", "读者", "password-wu", tier="民警")
    assert get_user(settings, "wu") is None
    with pytest.raises(AuthError, match="^用户“ghost”不存在$"):
        set_tier(settings, "ghost", "法制员")
    assert audit.read_entries(settings, action="user_unit") == []


def test_only_an_admin_sets_units(settings):
    add_user(settings, "li", "读者", "password-li")
    add_user(settings, "zhao", "审核", "password-zhao")
    with pytest.raises(AuthError, match="^用户“zhao”（审核）没有管理用户权限；需要“管理员”角色$"):
        set_unit(settings, "li", "城关派出所", actor="zhao")


def test_without_a_unit_list_no_unit_can_be_set(settings):
    (settings.data_dir / "units.yaml").unlink()
    add_user(settings, "li", "读者", "password-li")
    assert unit_choices(settings) == ()
    with pytest.raises(AuthError, match="^单位名单为空或不存在；请先在 data/units.yaml 中列出单位（由法制大队维护）$"):
        set_unit(settings, "li", "城关派出所")
    set_unit(settings, "li", "")  # clearing needs no list
