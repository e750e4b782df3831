"""`quiz stats`: average quiz scores by unit and tier, and the questions and guides most answered wrong."""

from __future__ import annotations

from datetime import date

import click

from casekb_cli import zh
from casekb_cli.base import handles_errors, json_option, print_json, settings_for, usage_error
from casekb_cli.progress import _filter
from casekb_cli.quiz import quiz
from kb.workflow.quizstats import MIN_ANSWERS


def _rate(item) -> str:
    return f"{item.rate:.0%}"


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        usage_error(f"--since：日期“{value}”无法识别；请写成 2026-12-01 的形式")


def _scores(scores) -> None:
    overall = scores.overall
    if not overall.attempts:
        click.echo(f"{scores.kind}：没有已交卷的记录")
        return
    click.echo(f"{scores.kind}：{overall.attempts} 次，{overall.people} 人，平均得分率 {_rate(overall)}")
    for title, groups in (("按单位", scores.units), ("按层级", scores.tiers)):
        click.echo(f"  {title}：")
        for g in groups:
            click.echo(f"    {g.unit or g.tier}\t{g.attempts} 次\t{g.people} 人\t得分率 {_rate(g)}")


def _source(source) -> str:
    return f"{source.id} {source.title or '（已不在库中）'}"


@quiz.command(
    name="stats",
    help="测验情况：自测与比武的平均得分率（按单位、按层级），答错最多的题目和它们出自的指引、案例，各类别的错误率。"
    "单位和层级按作答时记录的统计。",
)
@click.option("--unit", help="只看某个单位（data/units.yaml 中的单位）")
@click.option("--tier", help="只看某个层级（单位负责人、法制员、办案民警）")
@click.option("--since", help="只看这一天（含）以后开始的测验，如 2026-12-01")
@click.option(
    "--min-answers",
    type=zh.IntRange(1, 1000),
    default=MIN_ANSWERS,
    show_default=True,
    help="题目至少被作答多少次才列入“答错最多的题目”",
)
@json_option
@handles_errors
def stats(unit, tier, since, min_answers, as_json) -> None:
    from kb.workflow.accounts import check_tier, check_unit
    from kb.workflow.quizstats import summarize_quizzes

    settings = settings_for()
    unit, tier = _filter(settings, "--unit", unit, check_unit), _filter(settings, "--tier", tier, check_tier)
    report = summarize_quizzes(
        settings, viewer=None, unit=unit, tier=tier, since=_since(since), min_answers=min_answers
    )
    if as_json:
        print_json(report.to_json())
        return
    if not report.self_tests.overall.attempts and not report.exams.overall.attempts and not report.answers:
        scope = "、".join(v for v in (unit, tier) if v)
        click.echo(f"{scope}还没有测验记录" if scope else "还没有测验记录：自测和比武的成绩会记在这里")
        return
    _scores(report.self_tests)
    _scores(report.exams)
    click.echo(f"答错最多的题目（至少作答 {report.min_answers} 次）：")
    if not report.missed:
        click.echo("  暂无")
    for q in report.missed:
        where = "；".join([*(_source(s) for s in q.sources), *q.citations])
        click.echo(
            f"  {q.id}\t错误率 {_rate(q)}（{q.answers} 次中答错 {q.wrong} 次）\t{q.category}\t{'、'.join(q.stages)}"
            f"\t出处：{where}"
        )
        click.echo(f"    题干：{' '.join(q.stem.split())}")
    click.echo("需要加强培训或修改指引的主题：")
    if not report.topics:
        click.echo("  暂无")
    for t in report.topics:
        click.echo(
            f"  {_source(t.source)}（{t.source.kind}）\t答错 {t.wrong} 次（作答 {t.answers} 次，错误率 {_rate(t)}）"
            f"\t题目：{'、'.join(t.questions)}"
        )
    click.echo("各类别的错误率：")
    for c in report.categories:
        click.echo(f"  {c.category}\t{_rate(c)}（{c.answers} 次中答错 {c.wrong} 次）")
    if report.deleted.answers:
        d = report.deleted
        click.echo(
            f"已删除的题目：{len(d.questions)} 道（{'、'.join(d.questions)}），作答 {d.answers} 次，答错 {d.wrong} 次；"
            "不计入以上排名"
        )
