"""`check` and `build`: the content folder checked, the index built from it."""

from __future__ import annotations

import sys

import click

from casekb_cli.base import (
    EXIT_CONTENT,
    cli,
    content_option,
    echo_err,
    handles_errors,
    index_option,
    laws_option,
    problem_lines,
    recover,
    settings_for,
)
from kb.content.vocabulary import TYPE_CASE, TYPE_GUIDE


@cli.command(help="校验 guides/ 与 casebook/ 下的全部文档，一次列出所有问题。")
@content_option
@laws_option
@handles_errors
def check(content, laws) -> None:
    from kb.workflow.content_check import check_everything

    result = check_everything(settings_for(content, None, laws))
    for line in problem_lines(list(result.problems)):
        click.echo(line)
    errors, warnings = result.errors, len(result.warnings)
    if errors:
        files = len({p.path for p in errors})
        click.echo(f"共 {len(errors)} 处错误，涉及 {files} 个文件" + (f"；另有 {warnings} 条警告" if warnings else ""))
        sys.exit(EXIT_CONTENT)
    guides = sum(1 for d in result.documents if d.type == TYPE_GUIDE)
    cases = sum(1 for d in result.documents if d.type == TYPE_CASE)
    click.echo(
        f"检查通过：{len(result.documents)} 篇文档（指引 {guides} 篇，案例 {cases} 篇）"
        + (f"；{warnings} 条警告" if warnings else "")
    )


class _ProgressBar:
    """A progress bar on a terminal's stderr for builds of 200 files or more; nothing otherwise."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if total < 200 or not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="正在建立索引", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command(help="构建或更新索引：默认只写入新增、修改和删除的文件；--full 全量重建后原子切换。")
@content_option
@index_option
@laws_option
@click.option("--full", is_flag=True, help="全量重建")
@handles_errors
def build(content, index_dir, laws, full) -> None:
    from kb.search.index import build_index

    settings = settings_for(content, index_dir, laws)
    recover(settings)
    progress = _ProgressBar()
    try:
        report = build_index(settings, full=full, progress=progress, parallel=True)
    finally:
        progress.close()
    for line in problem_lines(list(report.warnings)):
        echo_err(line)
    kind = "全量构建" if report.full else "增量更新"
    why = f"（{report.reason}）" if report.reason else ""
    click.echo(
        f"{kind}{why}完成：新增 {report.added}，更新 {report.updated}，删除 {report.deleted}，"
        f"未变 {report.unchanged}；法条 {report.laws} 条；用时 {report.seconds:.2f} 秒"
    )
    for law, count in report.law_counts:
        click.echo(f"  {law}：{count} 条")
    click.echo(f"索引目录：{settings.index_dir}")
