"""`progress`: how far each person, unit and tier has got along the learning paths (for the legal section)."""

from __future__ import annotations

import click

from casekb_cli.base import PROG, cli, handles_errors, json_option, print_json, settings_for, usage_error
from kb.errors import AuthError


def _filter(settings, option: str, value: str | None, check) -> str | None:
    """The --unit or --tier value checked against its list; exit 2 naming the choices when it is not on it."""
    if value is None:
        return None
    try:
        return check(settings, value) or None
    except AuthError as exc:
        usage_error(f"{option}：{exc}")


def _rate(group) -> str:
    return f"{group.rate:.0%}"


@cli.command(
    help="学习进度：每人已学完本层级学习路径的多少篇，以及按单位、按层级的完成率（只统计设置了层级的在用账号）。"
)
@click.option("--unit", help="只看某个单位（data/units.yaml 中的单位）")
@click.option("--tier", help="只看某个层级（单位负责人、法制员、办案民警）")
@json_option
@handles_errors
def progress(unit, tier, as_json) -> None:
    from kb.workflow.accounts import check_tier, check_unit
    from kb.workflow.progress import summarize_progress

    settings = settings_for()
    unit, tier = _filter(settings, "--unit", unit, check_unit), _filter(settings, "--tier", tier, check_tier)
    report = summarize_progress(settings, unit=unit, tier=tier)
    if as_json:
        print_json(
            {
                "people": [p.to_json() for p in report.people],
                "units": [g.to_json() for g in report.units],
                "tiers": [g.to_json() for g in report.tiers],
                "untiered": report.untiered,
            }
        )
        return
    if not report.people and (unit or tier):  # the filter, not a missing tier, leaves nobody
        click.echo(f"{'、'.join(v for v in (unit, tier) if v)}没有设置了层级的在用账号，无可统计")
    elif not report.people:
        click.echo(f"没有可统计的账号；请先用 {PROG} user set-tier 名字 层级 设置账号的层级")
    else:
        click.echo("按人员：")
        for p in report.people:
            click.echo(f"  {p.name}\t{p.unit}\t{p.tier}\t已学习 {p.done} / {p.total} 篇\t{_rate(p)}")
        click.echo("按单位：")
        for g in report.units:
            click.echo(f"  {g.unit}\t{g.tier}\t{g.people} 人\t完成率 {_rate(g)}\t全部学完 {g.finished} 人")
        click.echo("按层级：")
        for g in report.tiers:
            click.echo(f"  {g.tier}\t{g.people} 人\t完成率 {_rate(g)}\t全部学完 {g.finished} 人")
    if report.untiered:
        click.echo(f"另有 {report.untiered} 个账号未设置层级，未计入；用 {PROG} user set-tier 名字 层级 设置")
