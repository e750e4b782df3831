"""The click group every command hangs on: Chinese help and usage errors, exit codes, shared options."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import NoReturn

import click

from casekb_cli import zh
from kb.errors import ConfigError, ContentError, KBError, Problem
from kb.settings import Settings, load_settings

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
PROG = "python indexer.py"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def echo_err(text: str) -> None:
    """Print one line to stderr."""
    click.echo(text, err=True)


def usage_error(message: str) -> NoReturn:
    """Print a usage error and exit 2."""
    echo_err(f"用法错误：{message}")
    sys.exit(EXIT_USAGE)


def content_error(message: str) -> NoReturn:
    """Print an error about the content, the index or a file and exit 1."""
    echo_err(f"错误：{message}")
    sys.exit(EXIT_CONTENT)


def problem_lines(problems: list[Problem]) -> list[str]:
    """One `path:line: field: message` line per problem, warnings marked."""
    return [f"{p}（警告）" if p.severity == "warning" else str(p) for p in problems]


def fail(exc: KBError) -> NoReturn:
    """Print a core error in Chinese and exit 1 (2 for a setting that cannot be used)."""
    if isinstance(exc, ConfigError):
        usage_error(str(exc))
    if isinstance(exc, ContentError):
        for line in problem_lines(exc.problems):
            echo_err(line)
        files = len({p.path for p in exc.problems})
        echo_err(f"共 {len(exc.problems)} 处错误，涉及 {files} 个文件")
        sys.exit(EXIT_CONTENT)
    content_error(str(exc))


def handles_errors(func: Callable) -> Callable:
    """Turn KBError into a Chinese message and exit code 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KBError as exc:
            fail(exc)

    return wrapper


class ChineseCommand(click.Command):
    """A click command whose help screen is in Chinese."""

    context_class = zh.Context

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        zh.chinese_metavars(self.params)


class ChineseGroup(click.Group):
    """A click group with Chinese help that reports usage errors in Chinese with exit code 2."""

    context_class = zh.Context
    command_class = ChineseCommand
    group_class = type  # subgroups (user …) are ChineseGroups too

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)
        zh.chinese_metavars(self.params)

    def main(self, args=None, prog_name=None, **kwargs):
        with zh.chinese():
            return self._main(args, prog_name, **kwargs)

    def _main(self, args, prog_name, **kwargs):
        try:
            return super().main(args=args, prog_name=prog_name, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            echo_err("已取消")
            sys.exit(EXIT_CONTENT)
        except click.UsageError as exc:
            echo_err(f"用法错误：{zh.usage_message(exc, list(self.commands))}")
            echo_err(f"运行 {exc.ctx.command_path if exc.ctx else PROG} --help 查看用法")
            sys.exit(EXIT_USAGE)
        except KBError as exc:
            fail(exc)
        except Exception as exc:
            if os.environ.get("KB_DEBUG"):
                raise
            echo_err(
                f"内部错误：{type(exc).__name__}: {exc}；请把这条信息报告给系统管理员（设置 KB_DEBUG=1 可查看详细堆栈）"
            )
            sys.exit(EXIT_CONTENT)


content_option = click.option(
    "--content",
    type=click.Path(file_okay=False, path_type=Path),
    help="内容目录（含 guides/ 与 casebook/），默认为仓库根目录，或环境变量 KB_CONTENT",
)
index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="索引目录，默认 var/index，或环境变量 KB_INDEX",
)
laws_option = click.option(
    "--laws", type=click.Path(file_okay=False, path_type=Path), help="法规库目录（LawRefBook 格式），或环境变量 KB_LAWS"
)
json_option = click.option("--json", "as_json", is_flag=True, help="输出一个 JSON 对象")


def settings_for(content=None, index_dir=None, laws=None, new_content: bool = False) -> Settings:
    """Settings from the command's options (then the environment and casekb.toml); exit 2 for a missing --laws,
    or a missing --content unless the command fills a new one (`new_content`: restore)."""
    if laws is not None and not Path(laws).is_dir():
        usage_error(f"法规库目录不存在：{laws}")
    if content is not None and not new_content and not Path(content).is_dir():
        usage_error(f"内容目录不存在：{content}；请检查 --content 的路径")
    return load_settings(content=content, index=index_dir, laws=laws)


def print_json(obj: dict) -> None:
    """Print one JSON object on one line, Chinese unescaped."""
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None))


def recover(settings: Settings) -> None:
    """Settle what an interrupted publish left behind (kb.workflow.publish.recover) and say what was done."""
    from kb.workflow.publish import recover as settle

    for action in settle(settings).actions:
        echo_err(f"启动恢复：{action}")


@click.group(
    cls=ChineseGroup, context_settings=CONTEXT, help="案例指引库（casekb）命令行：校验内容、构建索引、检索与类案检索。"
)
def cli() -> None:
    pass
