"""casekb web app: page config, shared sidebar and navigation; each page lives in app_pages/.

Streamlit runs this file as a script for every page view (`__name__ == "__main__"`). Before
that, `streamlit run app.py` imports it to find the server (`app`, an st.App) whose start-up
warms the search index and the Chinese dictionary, so the first page view does not wait.
"""

from __future__ import annotations

import streamlit as st


def main() -> None:
    from app_pages import menu, shared
    from kb.accounts import current_user
    from kb.errors import KBError

    st.set_page_config(page_title="案例指引库", page_icon=shared.FAVICON, layout="wide")
    try:
        settings = shared.settings()
    except KBError as exc:  # a setting in casekb.toml or the environment that cannot be used
        shared.show_error(exc)
        st.stop()

    user = current_user(st.session_state, settings)
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

    shared.inject_css()
    shared.ensure_index()
    shared.sidebar(counts=not locked)
    if user is not None:
        st.sidebar.caption(f"当前用户：{user.name}（{user.role}）")
    shared.pin_url()
    page = st.navigation(pages)
    if locked and page is not login:  # logged out while login is required: log in first
        if page.url_path:  # a bookmarked page, not the front page
            st.session_state["auth_notice"] = f"请先登录后再使用“{page.title}”。"
        st.switch_page(login)
    shared.run(page)


if __name__ == "__main__":
    main()
else:
    from app_pages.shared import report_unexpected
    from app_pages.startup import lifespan

    app = st.App(__file__, lifespan=lifespan, on_script_error=report_unexpected)
