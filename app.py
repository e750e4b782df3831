"""casekb web app: page config, shared sidebar and navigation; each page lives in app_pages/."""

from __future__ import annotations

import streamlit as st

from app_pages import shared

st.set_page_config(page_title="案例指引库", page_icon=":material/balance:", layout="wide")

# Sections of the navigation menu. Add pages by appending st.Page entries to a section
# (or a new section); page files live in app_pages/ and must not import each other.
PAGES: dict[str, list] = {
    "查阅": [
        st.Page("app_pages/search.py", title="检索", icon=":material/search:", url_path="search", default=True),
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

shared.inject_css()
shared.ensure_index()
shared.sidebar()
st.navigation(PAGES).run()
