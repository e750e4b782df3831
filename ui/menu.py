"""The navigation menu: every page, its section, and whether this user sees it in the menu."""

from __future__ import annotations

from dataclasses import dataclass

from kb.roles import AUDIT, EDIT, REVIEW, USERS
from kb.workflow.accounts import User


@dataclass(frozen=True)
class MenuPage:
    """One page of the app (a file in app_pages/)."""

    name: str  # app_pages/<name>.py
    title: str
    icon: str
    url_path: str  # "" for the default page
    shown: bool = True  # listed in the menu; a hidden page still opens from a link or bookmark


# Sections in menu order. Add a page here; its file goes in app_pages/ and checks access itself.
READING = (
    ("查阅", "search", "检索", ":material/search:", ""),
    ("查阅", "similar", "类案检索", ":material/compare_arrows:", "similar"),
    ("查阅", "casebook", "案例库", ":material/library_books:", "casebook"),
    ("查阅", "guides", "办案指引", ":material/menu_book:", "guides"),
    ("查阅", "law", "法规", ":material/balance:", "law"),
    ("查阅", "document", "文档", ":material/description:", "doc"),
    ("学习与统计", "learning", "学习路径", ":material/school:", "learning"),
    ("学习与统计", "selftest", "自测", ":material/quiz:", "selftest"),
    ("学习与统计", "exams", "比武", ":material/emoji_events:", "exams"),
    ("学习与统计", "stats", "统计", ":material/bar_chart:", "stats"),
)
# Registered but not listed: 文档 opens from a link, a bookmark or a search by its id in 检索.
UNLISTED = frozenset({"document"})
WORK = (
    ("editor", "编写", ":material/edit_note:", EDIT),
    ("review", "审核发布", ":material/fact_check:", REVIEW),
    ("quizbank", "题库", ":material/checklist:", EDIT),
    ("audit_log", "审计日志", ":material/receipt_long:", AUDIT),
    ("users", "账号管理", ":material/manage_accounts:", USERS),
)
WORKBENCH = "工作台"


def menu(user: User | None, require_login: bool) -> dict[str, list[MenuPage]]:
    """The pages by section. Every page is registered for everyone, so that a bookmark never
    lands on "page not found"; the menu lists only what the user may open, and a page opened
    without the right role explains in Chinese (the pages check access themselves)."""
    locked = user is None and require_login
    sections: dict[str, list[MenuPage]] = {}
    for section, name, title, icon, url_path in READING:
        sections.setdefault(section, []).append(
            MenuPage(name, title, icon, url_path, shown=name not in UNLISTED and not locked)
        )
    work = [
        MenuPage(name, title, icon, name, shown=user is not None and user.can(permission))
        for name, title, icon, permission in WORK
    ]
    login = MenuPage("login", "账号" if user else "登录", ":material/account_circle:", "login")
    sections[WORKBENCH] = [*work, login]
    return sections
