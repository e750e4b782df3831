"""The 学习路径 page through AppTest: a logged-in officer's 已学习 marks saved to the account and shown in a
new session, the account's tier first; a visitor's kept for the session only; the legal section's view of
completion by unit and tier; units and tiers set on 账号管理."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from kb.workflow import accounts, audit
from kb.workflow.progress import list_learned, mark_learned

try:
    from tests.test_app_publish import PASSWORDS, TIMEOUT, check, env, go, logged_in, texts
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from test_app_publish import PASSWORDS, TIMEOUT, check, env, go, logged_in, texts

__all__ = ["env"]  # the fixture: fresh content, index, database and one account per role

MINE = "learning_cb_办案民警:C-2023-901"


def links(at: AppTest) -> list[str]:
    return [p.value for p in at.page_link]


def bar(at: AppTest) -> str:
    return at.progress[0].proto.text


def test_a_logged_in_officer_starts_on_their_tier_and_their_marks_are_saved(env):
    accounts.set_tier(env, "du", "办案民警")
    accounts.set_tier(env, "lin", "法制员")
    at = go(logged_in("lin"), "learning")
    assert at.segmented_control(key="learning_tier").value == "法制员"
    assert links(at) == ["本路径自测", "李某酒后殴打他人治安案"]
    at = go(logged_in("du"), "learning")
    assert at.segmented_control(key="learning_tier").value == "办案民警"
    assert bar(at) == "已学习 0 / 3 篇（已保存到账号“du”）"
    at.checkbox(key=MINE).check().run()
    at.checkbox(key="learning_cb_办案民警:G-2024-902").check().run()
    check(at)
    assert bar(at) == "已学习 2 / 3 篇（已保存到账号“du”）"
    assert sorted(m.doc_id for m in list_learned(env, "du")) == ["C-2023-901", "G-2024-902"]
    at.checkbox(key="learning_cb_办案民警:G-2024-902").uncheck().run()
    assert [m.doc_id for m in list_learned(env, "du")] == ["C-2023-901"]
    again = go(logged_in("du"), "learning")  # a new session: the marks come from the database
    assert again.checkbox(key=MINE).value is True
    assert again.checkbox(key="learning_cb_办案民警:G-2024-901").value is False
    assert bar(again) == "已学习 1 / 3 篇（已保存到账号“du”）"


def test_a_mark_counts_on_every_path_the_document_is_on(env):
    mark_learned(env, "du", "G-2024-901")  # on the 办案民警 and the 单位负责人 paths
    at = go(logged_in("du"), "learning", tier="单位负责人")
    assert bar(at) == "已学习 1 / 1 篇（已保存到账号“du”）"
    assert texts(at.success) == ["本层级的学习路径已全部完成。"]


def test_a_visitor_ticks_for_the_session_only_and_is_told_that_logging_in_saves(env):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    check(at.run())
    at = go(at, "learning")
    assert bar(at) == "已学习 0 / 3 篇（仅在本次会话中保存；登录后学习进度会保存）"
    at.checkbox(key=MINE).check().run()
    assert bar(check(at)) == "已学习 1 / 3 篇（仅在本次会话中保存；登录后学习进度会保存）"
    assert [u.name for u in accounts.list_users(env) if list_learned(env, u)] == []
    assert "学习完成情况" not in texts(at.subheader)


def test_ticks_made_before_logging_in_are_saved_to_the_account(env):
    mark_learned(env, "du", "G-2024-901")
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    check(at.run())
    at = go(at, "learning", tier="办案民警")
    at.checkbox(key=MINE).check().run()
    at.checkbox(key="learning_cb_办案民警:G-2024-901").check().run()  # already saved to the account
    at = go(at, "login")
    at.text_input(key="login_name").input("du")
    at.text_input(key="login_password").input(PASSWORDS["du"])
    at.button[0].click()
    check(at.run())
    at = go(at, "learning", tier="办案民警")
    assert sorted(m.doc_id for m in list_learned(env, "du")) == ["C-2023-901", "G-2024-901"]
    assert [t.proto.body for t in at.toast] == ["登录前勾选的 2 篇已保存到账号“du”"]
    assert bar(at) == "已学习 2 / 3 篇（已保存到账号“du”）"
    again = go(at, "learning", tier="办案民警")  # said once: the session's ticks are now the account's
    assert list(again.toast) == []


def test_the_legal_section_sees_completion_by_unit_and_tier_and_readers_do_not(env):
    for name, unit, tier in (
        ("du", "城关派出所", "办案民警"),
        ("lin", "城东派出所", "办案民警"),
        ("wang", "", "法制员"),
    ):
        accounts.set_unit(env, name, unit)
        accounts.set_tier(env, name, tier)
    mark_learned(env, "du", "G-2024-901")
    mark_learned(env, "du", "C-2023-901")
    mark_learned(env, "du", "G-2024-902")
    mark_learned(env, "lin", "G-2024-901")
    reader = go(logged_in("du"), "learning")
    assert "学习完成情况" not in texts(reader.subheader)
    at = go(logged_in("zhao"), "learning")
    assert "学习完成情况" in texts(at.subheader)
    assert (
        "每人按其层级的学习路径计算；完成率 = 已学习篇数之和 ÷ 应学篇数之和。"
        "另有 2 个账号未设置层级，未计入（在“账号管理”页设置）。"
    ) in texts(at.caption)
    by_unit, by_tier, people = (d.value for d in at.dataframe)
    assert by_unit.values.tolist() == [
        ["城关派出所", "办案民警", 1, 1, 3, 3, "100%"],
        ["城东派出所", "办案民警", 1, 0, 1, 3, "33%"],
        ["未设置单位", "法制员", 1, 0, 0, 1, "0%"],
    ]
    assert list(by_unit.columns) == ["单位", "层级", "人数", "全部学完", "已学习", "应学", "完成率"]
    assert by_tier.values.tolist() == [["法制员", 1, 0, 0, 1, "0%"], ["办案民警", 2, 1, 4, 6, "67%"]]
    assert people.values.tolist()[0] == ["du", "城关派出所", "办案民警", 3, 3, "100%"]
    [chart] = at.get("vega_lite_chart")
    assert json.loads(chart.proto.spec)["description"] == "条形图：各单位学习路径完成率，共 3 个单位"


def test_the_admin_sets_a_unit_and_tier_on_the_users_page(env):
    at = go(logged_in("admin"), "users")
    at.selectbox(key="users_pick").select("du").run()
    at.selectbox(key="users_unit_du").select("城南派出所")
    at.selectbox(key="users_tier_du").select("办案民警").run()
    at.button(key="users_set_place").click()
    check(at.run())
    assert "已把“du”的单位设为城南派出所，层级设为办案民警" in texts(at.success)
    du = accounts.get_user(env, "du")
    assert (du.unit, du.tier) == ("城南派出所", "办案民警")
    assert [e.detail for e in audit.read_entries(env, action="user_unit")] == ["单位：未设置 → 城南派出所"]
    row = at.dataframe[0].value.set_index("用户名").loc["du"]
    assert (row["单位"], row["层级"]) == ("城南派出所", "办案民警")
    assert at.dataframe[0].value.set_index("用户名").loc["lin"]["单位"] == "未设置"


def test_the_admin_adds_an_account_with_a_unit_and_tier(env):
    at = go(logged_in("admin"), "users")
    at.text_input[0].input("qian")
    at.selectbox(key="users_add_unit").select("禁毒大队")
    at.selectbox(key="users_add_tier").select("法制员")
    at.text_input[1].input("qian-password")
    at.text_input[2].input("qian-password")
    at.button[0].click()
    check(at.run())
    qian = accounts.get_user(env, "qian")
    assert (qian.unit, qian.tier) == ("禁毒大队", "法制员")
