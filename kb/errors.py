"""The exceptions the core raises; only the CLI and the app turn them into messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a file, reported as `path:line: field: message`."""

    path: str
    line: int
    field: str
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        prefix = f"{self.path}:{self.line}: "
        if self.field:
            prefix += f"{self.field}: "
        return prefix + self.message


class KBError(Exception):
    """Base class for every error the core raises on purpose."""


class ContentError(KBError):
    """The content has problems; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        files = len({p.path for p in self.problems})
        super().__init__(f"共 {len(self.problems)} 处错误，涉及 {files} 个文件")


class IndexLockedError(KBError):
    """Another process holds the index writer lock."""


class ConfigError(KBError):
    """A setting in casekb.toml or the environment has a value that cannot be used."""


class IndexMissingError(KBError):
    """No index exists where one was expected."""


class QueryError(KBError):
    """A query was refused (too broad, too long)."""


class StatuteError(KBError):
    """The statute library could not be read or an article is unknown."""


class PublishError(KBError):
    """A publish, save or workflow action could not be completed."""


class StaleVersionError(PublishError):
    """A revision is based on another version than the one published: publishing it would revert
    someone else's change (the web flow and the command line refuse it alike)."""

    def __init__(self, doc_id: str, published: int, base: int):
        self.doc_id, self.published, self.base = doc_id, published, base
        if base < published:
            message = (
                f"{doc_id} 在此草稿创建后已发布了第 {published} 版（草稿基于第 {base} 版）；"
                "为免覆盖他人的修改，请退回作者，让其对照最新版本合并后重新提交"
            )
        else:
            message = (
                f"{doc_id} 已发布的最新版本是第 {published} 版，文件中的 version 却是 {base}；"
                "version 应写所依据的已发布版本（发布时自动加一）"
            )
        super().__init__(message)


class AuthError(KBError):
    """The user is not logged in or lacks the role for an action."""


class MigrationError(KBError):
    """A numbered step of a database's schema could not be applied; the step was rolled back."""
