"""`quiz publish` and `quiz history`: a quiz file published from the command line, and its published versions."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from casekb_cli import zh
from casekb_cli.base import (
    EXIT_CONTENT,
    content_option,
    echo_err,
    handles_errors,
    json_option,
    laws_option,
    print_json,
    recover,
    settings_for,
    usage_error,
)
from casekb_cli.quiz import quiz
from casekb_cli.workflow import _reviewer, password_stdin_option


@quiz.command(
    name="publish",
    help="发布一个题库文件（须为“审核”角色）：校验、版本号加一、原子写入、保留历史版本、记入审计日志。"
    "可以是内容目录 quizzes/ 中直接修改过的文件，也可以是别处的文件（按文件名放入 quizzes/）；"
    "文件的 version 应为它所依据的已发布版本。",
)
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--as", "as_user", required=True, help="以哪个账号发布（须为“审核”角色）")
@password_stdin_option
@content_option
@laws_option
@handles_errors
def publish_quiz(file, as_user, password_stdin, content, laws) -> None:
    from kb.workflow.quizpublish import publish_quiz_file

    settings = settings_for(content, None, laws)
    account = _reviewer(settings, as_user, password_stdin)
    recover(settings)  # an interrupted publish is settled before this one starts
    result = publish_quiz_file(settings, account, file)
    click.echo(f"已发布 {result.path} 第 {result.version} 版（{result.questions} 道题）")


@quiz.command(name="history", help="列出一个题库文件发布过的各个版本；加 --version 输出某一版的全文。")
@click.argument("path", metavar="题库文件")
@click.option("--version", "version", type=zh.IntRange(1, 1_000_000), help="输出这一版的全文")
@content_option
@json_option
@handles_errors
def quiz_history(path, version, content, as_json) -> None:
    from kb.errors import PublishError
    from kb.workflow.quizversions import quiz_history, quiz_path
    from kb.workflow.versions import ACTION_LABELS

    settings = settings_for(content)
    try:
        rel = quiz_path(path)
    except PublishError as exc:
        usage_error(str(exc))
    versions = quiz_history(settings, rel)
    if version is not None:
        chosen = next((v for v in versions if v.version == version), None)
        if chosen is None:
            echo_err(f"错误：{rel} 没有第 {version} 版的记录")
            sys.exit(EXIT_CONTENT)
        click.echo(chosen.text, nl=not chosen.text.endswith("\n"))
        return
    if as_json:
        rows = [
            {"version": v.version, "action": v.action, "actor": v.actor, "draft_id": v.draft_id, "at": v.at}
            for v in versions
        ]
        print_json({"path": rel, "versions": rows})
        return
    if not versions:
        echo_err(f"错误：{rel} 不存在，也没有版本记录")
        sys.exit(EXIT_CONTENT)
    for v in versions:
        when = v.at[:19].replace("T", " ") or "（未记录）"
        draft = f"题库草稿#{v.draft_id}" if v.draft_id else ""
        line = f"第 {v.version} 版\t{ACTION_LABELS.get(v.action, v.action)}\t{when}\t{v.actor or '—'}\t{draft}"
        click.echo(line.rstrip())
    click.echo(f"共 {len(versions)} 个版本")
