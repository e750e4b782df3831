"""`quiz`: the question bank checked from the command line, and the legal section's quiz and exam work."""

from __future__ import annotations

import sys
from collections import Counter

import click

from casekb_cli.base import (
    EXIT_CONTENT,
    cli,
    content_option,
    handles_errors,
    json_option,
    laws_option,
    print_json,
    problem_lines,
    settings_for,
)


@cli.group(help="题库、自测与比武：校验题库，导出比武成绩。")
def quiz() -> None:
    pass


@quiz.command(
    name="check", help="校验 quizzes/ 下的全部题目（格式、类别、环节、层级、出处、法条序号），一次列出所有问题。"
)
@content_option
@laws_option
@json_option
@handles_errors
def check_quizzes(content, laws, as_json) -> None:
    from kb.workflow.questionbank import check_questions, usable_questions

    bank = check_questions(settings_for(content, None, laws))
    usable = usable_questions(bank)
    if as_json:
        print_json(
            {
                "questions": len(bank.questions),
                "usable": len(usable),
                "problems": [
                    {"path": p.path, "line": p.line, "field": p.field, "message": p.message, "severity": p.severity}
                    for p in bank.problems
                ],
            }
        )
        sys.exit(EXIT_CONTENT if bank.errors else 0)
    for line in problem_lines(list(bank.problems)):
        click.echo(line)
    warnings = len(bank.problems) - len(bank.errors)
    if bank.errors:
        files = len({p.path for p in bank.errors})
        click.echo(
            f"共 {len(bank.errors)} 处错误，涉及 {files} 个文件" + (f"；另有 {warnings} 条警告" if warnings else "")
        )
        sys.exit(EXIT_CONTENT)
    if not bank.questions:
        click.echo("题库为空：quizzes/ 下没有题目文件")
        return
    kinds = Counter(q.type for q in bank.questions)
    summary = "、".join(f"{kind} {n} 道" for kind, n in kinds.most_common())
    click.echo(
        f"检查通过：{len(bank.banks)} 个题库文件，{len(bank.questions)} 道题（{summary}）"
        + (f"；{warnings} 条警告" if warnings else "")
    )
