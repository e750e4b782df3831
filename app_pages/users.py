"""账号管理 (管理员): list accounts, add one (a 读者 unless chosen), change role, unit and tier, disable, reset a password."""

from __future__ import annotations

import streamlit as st

from kb import roles
from kb.workflow import accounts
from ui import markup, messages, services, workflow

admin = workflow.user_or_stop(roles.USERS, "账号管理")
s = services.settings()
st.title("账号管理")
message = st.session_state.pop("users_flash", "")
if message:
    st.success(markup.md(message), icon=":material/check_circle:")

people = accounts.list_users(s)
units = ("", *accounts.unit_choices(s))  # "" = 未设置
tiers = ("", *accounts.tier_choices(s))


def unset(value: str) -> str:
    return value or "未设置"


st.dataframe(
    [
        {
            "用户名": u.name,
            "角色": u.role,
            "单位": unset(u.unit),
            "层级": unset(u.tier),
            "状态": "已停用" if u.disabled else ("须修改密码" if u.must_change else "正常"),
            "最近登录": u.last_login[:16].replace("T", " ") or "从未登录",
            "创建时间": u.created_at[:16].replace("T", " "),
        }
        for u in people
    ],
    hide_index=True,
    width="stretch",
)


def done(text: str) -> None:
    st.session_state["users_flash"] = text
    st.rerun()


add, change = st.columns(2, gap="large")
with add:
    st.subheader("新增账号")
    with st.form("users_add", clear_on_submit=True):
        name = st.text_input("用户名")
        role = st.selectbox("角色", roles.ROLES, index=roles.ROLES.index(roles.DEFAULT_ROLE))
        unit = st.selectbox("单位", units, format_func=unset, key="users_add_unit")
        tier = st.selectbox("层级", tiers, format_func=unset, key="users_add_tier")
        password = st.text_input(
            f"初始密码（至少 {accounts.MIN_PASSWORD_CHARS} 个字符；首次登录后须修改）", type="password"
        )
        again = st.text_input("再次输入密码", type="password")
        submitted = st.form_submit_button("新增", type="primary")
    if submitted:
        if password != again:
            st.error("两次输入的密码不一致")
        else:
            with messages.shown_errors() as outcome:
                accounts.add_user(s, name, role, password, actor=admin, must_change=True, unit=unit, tier=tier)
            if not outcome.failed:
                done(f"已新增用户“{name.strip()}”（{role}）")

with change:
    st.subheader("修改账号")
    names = [u.name for u in people]
    who = st.selectbox("账号", names, index=None, key="users_pick", placeholder="选择账号")
    if who:
        target = next(u for u in people if u.name == who)
        role = st.selectbox("角色", roles.ROLES, index=roles.ROLES.index(target.role), key=f"users_role_{who}")
        if st.button("保存角色", disabled=role == target.role, key="users_set_role"):
            with messages.shown_errors() as outcome:
                accounts.set_role(s, who, role, actor=admin)
            if not outcome.failed:
                done(f"已把“{who}”的角色改为{role}")
        # a unit or tier no longer on its list is still shown as it is stored
        unit_options = units if target.unit in units else (*units, target.unit)
        tier_options = tiers if target.tier in tiers else (*tiers, target.tier)
        unit = st.selectbox(
            "单位", unit_options, index=unit_options.index(target.unit), format_func=unset, key=f"users_unit_{who}"
        )
        tier = st.selectbox(
            "层级（学习路径默认显示该层级）",
            tier_options,
            index=tier_options.index(target.tier),
            format_func=unset,
            key=f"users_tier_{who}",
        )
        if st.button("保存单位和层级", disabled=(unit, tier) == (target.unit, target.tier), key="users_set_place"):
            with messages.shown_errors() as outcome:
                if unit != target.unit:
                    accounts.set_unit(s, who, unit, actor=admin)
                if tier != target.tier:
                    accounts.set_tier(s, who, tier, actor=admin)
            if not outcome.failed:
                done(f"已把“{who}”的单位设为{unset(unit)}，层级设为{unset(tier)}")
        label = "启用账号" if target.disabled else "停用账号"
        if st.button(label, key="users_toggle"):
            with messages.shown_errors() as outcome:
                accounts.set_disabled(s, who, not target.disabled, actor=admin)
            if not outcome.failed:
                done(f"已{label[:2]}“{who}”")
        if who == admin.name:
            st.caption("修改自己的密码请到“账号”页。")
        else:
            with st.form("users_passwd", clear_on_submit=True):
                new = st.text_input(
                    f"新密码（至少 {accounts.MIN_PASSWORD_CHARS} 个字符；该用户下次登录后须修改）", type="password"
                )
                submitted = st.form_submit_button("重设密码")
            if submitted:
                with messages.shown_errors() as outcome:
                    accounts.set_password(s, who, new, actor=admin)
                if not outcome.failed:
                    done(f"已重设“{who}”的密码；其登录已全部失效，下次登录后须修改密码")
