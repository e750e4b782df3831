"""The roles (读者 / 编辑 / 审核 / 管理员) and what each may do."""

from __future__ import annotations

ROLE_READER, ROLE_EDITOR, ROLE_REVIEWER, ROLE_ADMIN = "读者", "编辑", "审核", "管理员"
ROLES = (ROLE_READER, ROLE_EDITOR, ROLE_REVIEWER, ROLE_ADMIN)
DEFAULT_ROLE = ROLE_READER  # a new account's role unless another is chosen (command line, 账号管理)

# What each role may do. 审核 (法制大队) also writes drafts; 管理员 manages users but does not publish,
# so publishing always needs a reviewer's account.
READ, EDIT, REVIEW, AUDIT, USERS = "read", "edit", "review", "audit", "users"
PERMISSIONS: dict[str, frozenset[str]] = {
    ROLE_READER: frozenset({READ}),
    ROLE_EDITOR: frozenset({READ, EDIT}),
    ROLE_REVIEWER: frozenset({READ, EDIT, REVIEW, AUDIT}),
    ROLE_ADMIN: frozenset({READ, AUDIT, USERS}),
}
PERMISSION_NAMES = {
    READ: "查阅",
    EDIT: "编写草稿",
    REVIEW: "审核发布",
    AUDIT: "查看审计日志",
    USERS: "管理用户",
}
