"""What the publishing pages share: the logged-in user, the live preview, problems, diffs, cache clearing,
the review queue's reasons and table."""

from __future__ import annotations

import html

import streamlit as st

from kb import roles
from kb.content.diff import DIFF_CSS, document_diff, document_html
from kb.content.frontmatter import draft_view
from kb.errors import Problem
from kb.rendering.markup import render_markdown
from kb.settings import Settings
from kb.workflow import accounts, logins, reviewqueue
from ui import markup, services, statutes


def user_or_stop(permission: str, what: str) -> accounts.User:
    """The logged-in user if their role allows `permission`; otherwise explain and stop the page."""
    user = logins.current_user(st.session_state, services.settings())
    if user is None:
        st.title(what)
        st.warning("请先登录：在左侧导航的“工作台 → 登录”中输入用户名和密码。", icon=":material/lock:")
        st.stop()
    if not user.can(permission):
        st.title(what)
        allowed = "或".join(f"“{r}”" for r in roles.ROLES if permission in roles.PERMISSIONS[r])
        st.error(f"当前用户“{markup.md(user.name)}”（{user.role}）无权使用本页；需要{allowed}角色。")
        st.stop()
    return user


def preview(text: str, doc_type: str) -> None:
    """The draft rendered exactly as the document page renders a published document."""
    view = draft_view(text, doc_type)
    st.html(
        f'<div class="kb-meta">{markup.badges(view.doc_type, view.category, view.case_type, view.year, view.status)}</div>'
        f'<h1 class="kb-doc-title">{html.escape(view.title or "（无标题）")}</h1>'
    )
    if view.summary:
        label = "办案要旨" if view.doc_type == "case" else "要旨"
        st.html(f'<div class="kb-summary"><strong>{label}：</strong>{html.escape(view.summary)}</div>')
    rendered = render_markdown(view.body, citations=True, articles=statutes.article)
    st.html(f'<div class="kb-doc">{rendered.html}</div>')


def show_problems(problems: list[Problem], ok_text: str = "校验通过，可以提交") -> bool:
    """List validation problems (path:line: field: message); True when there is no error."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if errors:
        files = len({p.path for p in errors})
        lines = "\n".join(f"- {markup.code(p)}" for p in errors[:50])
        st.error(f"共 {len(errors)} 处错误，涉及 {files} 个文件；修改后才能提交：\n\n{lines}", icon=":material/error:")
    for p in warnings:
        st.warning(f"{markup.code(p)}（警告）")
    if not errors and ok_text:
        st.success(ok_text, icon=":material/check_circle:")
    return not errors


def diff_view(old: str, new: str, old_label: str = "旧版", new_label: str = "新版") -> None:
    """Two versions compared: changed front-matter fields as a table, the body by paragraph then by sentence."""
    diff = document_diff(old, new)
    st.caption(f"{old_label} → {new_label}：{diff.summary}")
    st.html(DIFF_CSS + document_html(diff))


def clear_caches() -> None:
    """After a publish: drop cached results and the search service so every page sees the new index."""
    st.cache_data.clear()
    services.search_service.clear()


# -- the review queue (待复核) ----------------------------------------------------------------------


@st.cache_data(ttl=600, show_spinner="正在查找需复核的文档…")
def review_reasons(s: Settings) -> tuple[reviewqueue.Reason, ...]:
    """Why each document needs review (content and statutes only: assignments and decisions are read
    fresh each run); kept ten minutes, dropped by clear_caches after a publish."""
    return reviewqueue.find_reasons(s)


def queue_rows(entries) -> list[dict[str, str]]:
    """The review queue as table rows."""
    return [
        {
            "编号": e.doc_id,
            "标题": e.reason.title,
            "原因": e.reason.kind,
            "说明": e.reason.detail,
            "起始日期": e.reason.since.isoformat(),
            "复核人": e.assignee or "—",
            "状态": e.state,
        }
        for e in entries
    ]
