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


class AuthError(KBError):
    """The user is not logged in or lacks the role for an action."""
