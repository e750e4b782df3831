"""casekb web app: page config, shared sidebar and navigation; each page lives in app_pages/.

Streamlit runs this file as a script for every page view (`__name__ == "__main__"`). Before
that, `streamlit run app.py` imports it to find the server (`app`, an st.App) whose start-up
warms the search index and the Chinese dictionary, so the first page view does not wait, and
whose routes set and clear the login cookie (ui/auth_cookie.py).
"""

from __future__ import annotations

import streamlit as st


def main() -> None:
    from kb.errors import KBError
    from kb.workflow.logins import MUST_CHANGE_NOTICE, NOTICE, RELOGIN, current_user
    from ui import auth_cookie, first_build, menu, messages, services, sidebar, style, urls

    st.set_page_config(page_title="案例指引库", page_icon=style.FAVICON, layout="wide")
    try:
        settings = services.settings()
    except KBError as exc:  # a setting in casekb.toml or the environment that cannot be used
        messages.show_error(exc)
        st.stop()

    # the login cookie counts where this tab has no live login of its own (its first view, after idling)
    user = current_user(st.session_state, settings, token=auth_cookie.token())
    locked = user is None and settings.require_login
    pages = {
        section: [
            st.Page(
                f"app_pages/{p.name}.py",
                title=p.title,
                icon=p.icon,
                url_path=p.url_path or None,
                default=not p.url_path,
                visibility="visible" if p.shown else "hidden",
            )
            for p in section_pages
        ]
        for section, section_pages in menu.menu(user, settings.require_login).items()
    }
    login = next(page for section in pages.values() for page in section if page.url_path == "login")

    style.inject_css()
    first_build.ensure_index()
    sidebar.sidebar(counts=not locked)
    if user is not None:
        st.sidebar.caption(f"当前用户：{user.name}（{user.role}）")
    page = st.navigation(pages, expanded=True)  # collapsed, Streamlit adds an English “View n more”
    urls.pin_url(page.url_path)
    relogin = st.session_state.pop(RELOGIN, False)  # the login timed out or was ended meanwhile
    if page is not login:
        st.session_state[auth_cookie.NEXT] = auth_cookie.here(page.url_path)  # logging in returns here
        if user is not None and user.must_change:  # a password the 管理员 set: nothing else until changed
            st.session_state[NOTICE] = MUST_CHANGE_NOTICE
            st.switch_page(login)
        if locked or relogin:  # logged out while login is required, or the login ended: log in first
            if page.url_path and not relogin:  # a bookmarked page, not the front page
                st.session_state[NOTICE] = f"请先登录后再使用“{page.title}”。"
            st.switch_page(login)
    messages.run(page)


if __name__ == "__main__":
    main()
else:
    from streamlit import config

    from ui.auth_cookie import routes
    from ui.startup import lifespan, report_unexpected

    app = st.App(
        __file__,
        lifespan=lifespan,
        on_script_error=report_unexpected,
        routes=routes(config.get_option("server.baseUrlPath") or ""),  # set and clear the login cookie
    )
