"""casekb web app: page config, shared sidebar and navigation; each page lives in app_pages/.

Streamlit runs this file as a script for every page view (`__name__ == "__main__"`). Before
that, `streamlit run app.py` imports it to find the server (`app`, an st.App) whose start-up
warms the search index and the Chinese dictionary, so the first page view does not wait.
"""

from __future__ import annotations

import streamlit as st


def main() -> None:
    from app_pages import shared
    from kb.accounts import AUDIT, EDIT, REVIEW, USERS, current_user
    from kb.errors import KBError

    st.set_page_config(page_title="案例指引库", page_icon=shared.FAVICON, layout="wide")
    try:
        settings = shared.settings()
    except KBError as exc:  # a setting in casekb.toml or the environment that cannot be used
        shared.show_error(exc)
        st.stop()

    # Sections of the navigation menu. Add pages by appending st.Page entries to a section
    # (or a new section); page files live in app_pages/ and must not import each other.
    pages: dict[str, list] = {
        "查阅": [
            st.Page("app_pages/search.py", title="检索", icon=":material/search:", default=True),
            st.Page("app_pages/similar.py", title="类案检索", icon=":material/compare_arrows:", url_path="similar"),
            st.Page("app_pages/casebook.py", title="案例库", icon=":material/library_books:", url_path="casebook"),
            st.Page("app_pages/guides.py", title="办案指引", icon=":material/menu_book:", url_path="guides"),
            st.Page("app_pages/document.py", title="文档", icon=":material/description:", url_path="doc"),
        ],
        "学习与统计": [
            st.Page("app_pages/learning.py", title="学习路径", icon=":material/school:", url_path="learning"),
            st.Page("app_pages/stats.py", title="统计", icon=":material/bar_chart:", url_path="stats"),
        ],
    }

    # Publishing pages by role (each page checks the role again itself); login only when required.
    user = current_user(st.session_state, settings)
    work = [
        st.Page(f"app_pages/{name}.py", title=title, icon=icon, url_path=name)
        for name, title, icon, permission in (
            ("editor", "编写", ":material/edit_note:", EDIT),
            ("review", "审核发布", ":material/fact_check:", REVIEW),
            ("audit_log", "审计日志", ":material/receipt_long:", AUDIT),
            ("users", "账号管理", ":material/manage_accounts:", USERS),
        )
        if user is not None and user.can(permission)
    ]
    login = st.Page(
        "app_pages/login.py", title="账号" if user else "登录", icon=":material/account_circle:", url_path="login"
    )
    if user is None and settings.require_login:
        pages = {"登录": [login]}
    else:
        pages["工作台"] = [*work, login]

    shared.inject_css()
    shared.ensure_index()
    shared.sidebar()
    if user is not None:
        st.sidebar.caption(f"当前用户：{user.name}（{user.role}）")
    shared.pin_url()
    shared.run(st.navigation(pages))


if __name__ == "__main__":
    main()
else:
    from app_pages.startup import lifespan

    app = st.App(__file__, lifespan=lifespan)
