"""Click's own messages in Simplified Chinese, through the gettext names click marks its strings with."""

from __future__ import annotations

import gettext
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

# msgid -> msgstr for every click string the CLI can show. A dict rather than a compiled .mo file: setuptools
# has no step that compiles .po catalogues at install, and gettext.translation() picks the language from
# LANG/LANGUAGE, while this CLI is always Chinese. Placeholders may drop click's !r (Chinese quotes instead).
# Chinese has one plural form, so both forms of an ngettext message map to the same text.
CATALOGUE: dict[str, str] = {
    # help screens
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出",
    "Show the version and exit.": "显示版本并退出",
    "required": "必填",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    # usage errors
    "No such command {name!r}.": "未知命令“{name}”",
    "No such option {name!r}.": "未知选项 {name}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing command.": "缺少命令",
    "Option {name!r} does not take a value.": "选项 {name} 不带值",
    "Option {name!r} requires an argument.": "选项 {name} 需要一个值",
    "Option {name!r} requires {nargs} arguments.": "选项 {name} 需要 {nargs} 个值",
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Got unexpected extra arguments ({args})": "多余的参数：{args}",
    "Invalid value for {param_hint}: {message}": "选项 {param_hint} 的取值无效：{message}",
    "Invalid value: {message}": "取值无效：{message}",
    # why a value was refused (Choice and IntRange below word their own)
    "{value!r} is not a valid {number_type}.": "“{value}”不是整数",  # the CLI has integer options only
    "{name} {filename!r} does not exist.": "“{filename}”不存在",
    "{name} {filename!r} is a file.": "“{filename}”是文件，这里要一个目录",
    "{name} {filename!r} is a directory.": "“{filename}”是目录，这里要一个文件",
    "{name} {filename!r} is not readable.": "“{filename}”不可读；请检查文件权限",
    "{name} {filename!r} is not writable.": "“{filename}”不可写；请检查文件权限",
    "{value} is not in the range {range}.": "{value} 超出范围 {range}",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Error: {message}": "错误：{message}",
    "Aborted!": "已取消",
}

# Metavars shown in help for options without their own, by click type name.
METAVARS = {
    "text": "文本",
    "integer": "整数",
    "integer range": "整数",
    "directory": "目录",
    "file": "文件",
    "path": "路径",
}


class ChineseTranslations(gettext.NullTranslations):
    """A gettext translation whose catalogue is CATALOGUE; unknown messages stay as they are."""

    def gettext(self, message: str) -> str:
        return CATALOGUE.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


TRANSLATIONS = ChineseTranslations()


@contextmanager
def chinese() -> Iterator[None]:
    """Show click's messages in Chinese while the block runs."""
    # Click binds gettext.gettext / ngettext at import as each module's `_` / `ngettext`; those consult the
    # process-wide text domain and the locale environment, so installing a catalogue there would change every
    # library's messages and depend on LANG. Rebinding click's own names keeps the change to the CLI run.
    patched: list[tuple[Any, str, Any]] = []
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        for attr, original, ours in (
            ("_", gettext.gettext, TRANSLATIONS.gettext),
            ("ngettext", gettext.ngettext, TRANSLATIONS.ngettext),
        ):
            if getattr(module, attr, None) is original:
                patched.append((module, attr, original))
                setattr(module, attr, ours)
    # Help columns are aligned by click.formatting.term_len, which counts characters; a Chinese character
    # takes two terminal columns, so while Chinese is shown the columns are measured by display width.
    patched.append((click.formatting, "term_len", click.formatting.term_len))
    click.formatting.term_len = display_width
    try:
        yield
    finally:
        for module, attr, original in patched:
            setattr(module, attr, original)


def display_width(text: str) -> int:
    """Terminal columns taken by text: two for each wide (CJK) character."""
    plain = click.unstyle(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in plain)


def usage_message(exc: click.UsageError, commands: list[str]) -> str:
    """A click usage error in Chinese, with our punctuation where click joins translated pieces in English."""
    if isinstance(exc, click.exceptions.NoSuchCommand):
        group = exc.ctx.command if exc.ctx else None  # a subgroup (user …) lists its own commands
        names = list(group.commands) if isinstance(group, click.Group) else commands
        return f"{exc.message}；可用命令：{'、'.join(sorted(names))}"
    if isinstance(exc, click.NoSuchOption):
        hint = f"；是否要用 {'、'.join(sorted(exc.possibilities))}？" if exc.possibilities else ""
        return f"{exc.message}{hint}"
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        missing = TRANSLATIONS.gettext(
            "Missing argument" if exc.param.param_type_name == "argument" else "Missing option"
        )
        return f"{missing} {_bare_hint(exc.param)}"
    if isinstance(exc, click.BadParameter) and exc.param_hint is None and exc.param is not None:
        exc.param_hint = _bare_hint(exc.param)  # click quotes the name as '--limit'; we want --limit
    return exc.format_message()


def _bare_hint(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


class Choice(click.Choice):
    """click.Choice that lists its choices in Chinese when a value is refused."""

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        return f"“{value}”不在可选值中；可选：{'、'.join(map(str, self.choices))}"


class IntRange(click.IntRange):
    """click.IntRange that writes its range as 1–100 in help and errors."""

    # _describe_range is click's only hook for the range text (help and the out-of-range error).
    def _describe_range(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min}–{self.max}"
        return f"≥{self.min}" if self.min is not None else f"≤{self.max}"


class HelpFormatter(click.HelpFormatter):
    """Click's help formatter with Chinese punctuation after headings and the usage prefix."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, TRANSLATIONS.gettext("Usage:") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class Context(click.Context):
    """A click context that formats help with HelpFormatter."""

    formatter_class = HelpFormatter


def chinese_metavars(params: list[click.Parameter]) -> None:
    """Give options without a metavar the Chinese name of their type (文本, 整数, 目录 …)."""
    for param in params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            param.metavar = METAVARS.get(param.type.name, param.metavar)
