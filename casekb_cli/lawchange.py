"""`impact`: the guides and cases a law change touches, grouped by document."""

from __future__ import annotations

import re
from datetime import date

import click

from casekb_cli.base import (
    cli,
    content_option,
    echo_err,
    handles_errors,
    json_option,
    laws_option,
    print_json,
    settings_for,
    usage_error,
)
from kb.content.vocabulary import type_label

_VERSION = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def _version_option(value: str | None, option: str) -> str | None:
    """A --from / --to value: a version date (2012-10-26) or its leading part (2012, 2012-10); exit 2 otherwise."""
    if value is None:
        return None
    value = value.strip()
    ok = _VERSION.fullmatch(value) is not None
    if ok and len(value) == 10:
        try:
            date.fromisoformat(value)
        except ValueError:
            ok = False
    if not ok:
        usage_error(f"{option} 的值“{value}”不是版本日期；请写作 YYYY-MM-DD，如 2012-10-26（也可只写年份 2012）")
    return value


@cli.command(
    help="法律修订对本库文档的影响：列出引用了被修改、改号或删除条文的指引和案例，按文档分组。"
    "例：python indexer.py impact 治安管理处罚法；--from 2012-10-26 --to 2025-06-27 指定新旧版本（默认最新两个版本）。"
)
@click.argument("law_name", metavar="法律名称")
@click.option("--from", "old", help="旧版本日期，如 2012-10-26；默认次新版本")
@click.option("--to", "new", help="新版本日期，如 2025-06-27；默认最新版本")
@click.option("--diff", "show_diff", is_flag=True, help="每处内容修改都显示条文差异（默认只对须修改、须关注的显示）")
@content_option
@laws_option
@json_option
@handles_errors
def impact(law_name, old, new, show_diff, content, laws, as_json) -> None:
    from kb.content.catalog import load_content_taxonomy
    from kb.content.validation import load_content
    from kb.statutes.citations import parse_citation
    from kb.statutes.concordance import CORRECTIONS_NAME, ConcordanceError, align_versions
    from kb.statutes.impact import affected_documents, edition
    from kb.statutes.library import StatuteLibrary

    old, new = _version_option(old, "--from"), _version_option(new, "--to")
    settings = settings_for(content, None, laws)
    if settings.laws_dir is None:
        usage_error("未指定法规库目录；请使用 --laws DIR 或设置环境变量 KB_LAWS")
    library = StatuteLibrary.load(settings.laws_dir)
    corrections = settings.data_dir / CORRECTIONS_NAME  # the file `check` validates
    loaded = load_content(settings.content_dir, load_content_taxonomy(settings), parse_citation)
    try:
        concordance = align_versions(library, law_name, old, new, corrections)
        found = affected_documents(loaded.documents, library, law_name, old, new, corrections=corrections)
    except ConcordanceError as exc:  # the law or a version named on the command line: a usage error
        usage_error(str(exc))
    read = {d.path for d in loaded.documents}
    unread = sorted({p.path for p in loaded.problems if p.severity == "error"} - read)
    if unread:
        files = "、".join(unread)
        echo_err(f"注意：{len(unread)} 个文件无法读取，未计入（运行 python indexer.py check 查看）：{files}")
    if as_json:
        print_json(impact_json(concordance, found))
        return
    editions = (edition(library, concordance.old), edition(library, concordance.new))
    for line in impact_lines(concordance, found, editions, show_diff=show_diff):
        click.echo(line)


def _version_json(version) -> dict:
    return {"version": version.version, "effective": version.effective.isoformat() if version.effective else None}


def impact_json(concordance, found) -> dict:
    """The JSON object of `impact --json`."""
    from kb.statutes.impact import SEVERITIES

    return {
        "law": concordance.law,
        "old": _version_json(concordance.old),
        "new": _version_json(concordance.new),
        "counts": {s: sum(1 for d in found if d.severity == s) for s in SEVERITIES},
        "documents": [d.to_json() for d in found],
    }


def _version_text(version) -> str:
    effective = f"{version.effective.isoformat()} 施行" if version.effective else "施行日期不详"
    return f"{version.version} 版（{effective}）"


def _diff_text(pieces) -> str:
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    return "".join(marks[p.kind].format(p.text) for p in pieces)


def impact_lines(concordance, found, editions: tuple[str, str], *, show_diff: bool = False) -> list[str]:
    """The Chinese report of `impact`: a header, then each document and its affected citations."""
    from kb.statutes.impact import SEVERITIES, SEVERITY_INFO, SEVERITY_LABELS

    lines = [f"{concordance.law}：{_version_text(concordance.old)} → {_version_text(concordance.new)}"]
    if not found:
        lines.append("没有文档引用本次修订涉及的条文。")
        return lines
    counts = "，".join(f"{SEVERITY_LABELS[s]} {sum(1 for d in found if d.severity == s)} 篇" for s in SEVERITIES)
    lines.append(f"引用本次修订涉及条文的文档：{len(found)} 篇（{counts}）")
    if show_diff or any(d.needs_review for d in found):
        lines.append("说明：条文变化中 [-…-] 为删去的文字，{+…+} 为新增的文字。")
    old_ed, new_ed = editions
    for doc in found:
        issued = f"，{doc.issued.isoformat()} 印发" if doc.issued else ""
        lines.append("")
        lines.append(f"{doc.path}　{doc.doc_id}《{doc.title}》（{type_label(doc.type)}，{doc.status}{issued}）")
        for f in doc.findings:
            where = "第" + "、".join(str(n) for n in f.lines) + "行"
            olds = "、".join(a.label for a in f.old_articles)
            news = "、".join(a.label for a in f.new_articles)
            moved = f"{old_ed}{olds or '无对应条文'} → {new_ed}{news or '无对应条文'}"
            lines.append(f"  [{SEVERITY_LABELS[f.severity]}] {where}　{f.text}：{moved}（{f.change}）")
            if f.reads_old:  # a citation of the new text needs no more than the line above
                lines.append(f"      {f.reason}")
            if show_diff or f.severity != SEVERITY_INFO:
                for pair, pieces in f.diffs():
                    lines.append(f"      条文变化（{pair.old.label} → {pair.new.label}）：")
                    lines += ["        " + part for part in _diff_text(pieces).split("\n")]
    return lines
