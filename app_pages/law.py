"""法规 (?law=…&v=…&a=…&cmp=…): the statute library by law, a law's versions, its 新旧条文对照 and table of
contents, and each article with its chapter, where it came from / went to, the articles before and after it
and the documents citing it."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from kb.content.vocabulary import STATUS_CURRENT, STATUS_EXPIRED, STATUS_PENDING, type_label
from kb.errors import KBError
from kb.statutes.concordance import CHANGES
from kb.statutes.library import article_sort_key, neighbours, normalize_article, table_of_contents
from ui import markup, services, statutes, urls

PAGE = "app_pages/law.py"
URL = "law"
# Stored fields an article page needs (the body is its text).
FIELDS = ("id", "law", "law_version", "article_key", "chapter", "effective", "status", "body")
STATUS_ORDER = {STATUS_CURRENT: 0, STATUS_PENDING: 1, STATUS_EXPIRED: 2}
EXCERPT = 36  # characters of an article's text shown in the table of contents


@st.cache_data(max_entries=4, show_spinner=False)
def _law_articles(_service, index_version: str) -> dict[str, tuple[dict, ...]]:
    """Every indexed article by law (all versions), cached per index version."""
    by_law: dict[str, list[dict]] = {}
    for stored in _service.articles():
        record = {k: stored.get(k) or "" for k in FIELDS}
        record["article"] = record["article_key"].rpartition(":")[2]
        by_law.setdefault(record["law"], []).append(record)
    return {law: tuple(sorted(rows, key=lambda r: article_sort_key(r["article"]))) for law, rows in by_law.items()}


def law_articles() -> dict[str, tuple[dict, ...]]:
    """Every indexed article by law; empty when there is no index or no statute library in it."""
    svc = services.service_quiet()
    if svc is None or services.index_is_empty():
        return {}
    return _law_articles(svc, services.index_version())


def versions_of(rows: Sequence[dict]) -> list[dict]:
    """One entry per version of a law: version, effective date, status and article count, newest first."""
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(
            row["law_version"],
            {"version": row["law_version"], "effective": row["effective"], "status": row["status"], "count": 0},
        )
        entry["count"] += 1
    return sorted(found.values(), key=lambda v: v["effective"] or v["version"], reverse=True)


def current_version(versions: Sequence[dict]) -> dict:
    """The version in force, else the newest."""
    return next((v for v in versions if v["status"] == STATUS_CURRENT), versions[0])


def law_url(law: str, version: str = "", article: str = "") -> str:
    return urls.page_url(URL, law=law, v=version, a=article)


def params(law: str, version: str = "", article: str = "") -> dict[str, str]:
    return {k: v for k, v in (("law", law), ("v", version), ("a", article)) if v}


def published(version: str) -> str:
    """The 公布日期 a version is named by (its file's date), or 不详 for a consolidated text without one."""
    return version if version[:4].isdigit() else "不详"


def status_badge(status: str) -> str:
    return markup.badge(status, "" if status == STATUS_CURRENT else "superseded")


# -- the list of laws ------------------------------------------------------------------------------


def law_list(by_law: Mapping[str, Sequence[dict]]) -> None:
    st.title("法规")
    by_type = services.corpus_counts()
    law_counts = by_type.get("law", {})
    old = "、".join(f"{status} {n} 条" for status, n in law_counts.items() if status != STATUS_CURRENT and n)
    st.caption(
        f"法规库收录 {len(by_law)} 部法律法规，现行条文 {law_counts.get(STATUS_CURRENT, 0)} 条"
        + (f"；另有旧版本条文（{old}），在各法规页的“版本”中查看" if old else "")
        + "。法条按条计，同一条文的每个版本各算一条。"
    )
    items = []
    for law, rows in sorted(by_law.items()):
        current = sum(1 for r in rows if r["status"] == STATUS_CURRENT)
        others = len(rows) - current
        note = f"现行 {current} 条" + (f"，另有旧版本条文 {others} 条" if others else "")
        items.append(
            f'<li><a href="{html.escape(law_url(law))}" target="_self">{html.escape(law)}</a>'
            f'<span class="kb-meta">（{note}）</span></li>'
        )
    st.html(f'<ul class="kb-law-list">{"".join(items)}</ul>')


# -- one law: versions and table of contents -------------------------------------------------------


def versions_table(law: str, versions: Sequence[dict], shown: str) -> None:
    st.subheader("版本")
    head = "<tr><th>版本</th><th>公布日期</th><th>施行日期</th><th>状态</th><th>条数</th></tr>"
    rows = []
    for v in versions:
        name = f"{published(v['version'])} 版" if v["version"][:4].isdigit() else "现行文本"
        cell = (
            f"<strong>{html.escape(name)}（正在查看）</strong>"
            if v["version"] == shown
            else f'<a href="{html.escape(law_url(law, v["version"]))}" target="_self">{html.escape(name)}</a>'
        )
        rows.append(
            f"<tr><td>{cell}</td><td>{html.escape(published(v['version']))}</td>"
            f"<td>{html.escape(v['effective'] or '不详')}</td><td>{status_badge(v['status'])}</td>"
            f"<td>{v['count']}</td></tr>"
        )
    st.html(f'<table class="kb-law-versions">{head}{"".join(rows)}</table>')


def toc(law: str, version: str, rows: Sequence[dict]) -> None:
    st.subheader("目录")
    texts = {r["article"]: r["body"] for r in rows}
    parts = []
    for entry in table_of_contents((r["article"], r["chapter"]) for r in rows):
        if entry.level:
            level = min(entry.level + 2, 6)  # 编 → h3, 章 → h4, 节 → h5
            parts.append(f'<h{level} class="kb-toc-heading">{html.escape(entry.text)}</h{level}>')
        else:
            href = html.escape(law_url(law, version, entry.article))
            text = markup.excerpt(texts.get(entry.article, ""), EXCERPT)
            parts.append(
                f'<div class="kb-toc-article"><a href="{href}" target="_self">{html.escape(entry.text)}</a> '
                f'<span class="kb-meta">{html.escape(text)}</span></div>'
            )
    st.html(f'<nav class="kb-law-toc" aria-label="{html.escape(law)}目录">{"".join(parts)}</nav>')


def law_page(law: str, rows: Sequence[dict], wanted: str) -> None:
    versions = versions_of(rows)
    current = current_version(versions)
    chosen = next((v for v in versions if v["version"] == wanted), current)
    st.page_link(PAGE, label="全部法规", icon=":material/arrow_back:")
    st.html(f'<div class="kb-meta">{markup.badge("法规", "law")}</div><h1 class="kb-doc-title">{html.escape(law)}</h1>')
    if wanted and chosen["version"] != wanted:
        st.warning(f"没有“{markup.md(wanted)}”版，下面是现行版本。", icon=":material/info:")
    version_note(law, chosen, current)
    shown = [r for r in rows if r["law_version"] == chosen["version"]]
    versions_table(law, versions, chosen["version"])
    concordance(law, rows, current)
    toc(law, _version_param(chosen, current), shown)


def article_href(law: str, current: dict) -> Callable:
    """An article's link on this page (no v= for the version in force)."""
    return lambda a: law_url(law, "" if a.version == current["version"] else a.version, a.article)


def concordance(law: str, rows: Sequence[dict], current: dict) -> None:
    """The 新旧条文对照表 of a law with two versions, filterable by the kind of change."""
    table = statutes.law_concordance(law, rows)
    if table is None:
        return
    st.subheader("新旧条文对照")
    counts = "、".join(f"{change} {table.count(change)}" for change in CHANGES)
    st.caption(
        f"{table.old.version} 版（{len(table.old.articles)} 条）→ {table.new.version} 版（{len(table.new.articles)} 条）："
        f"{counts}。按条文内容自动对照；对照有误的，由法制大队在 data/law_concordance.yaml 中更正。"
    )
    chosen = urls.url_param("cmp", "", statutes.COMPARE_FILTERS)
    counted = statutes.filter_counts(table)
    st.segmented_control(
        "显示",
        list(statutes.COMPARE_FILTERS),
        format_func=lambda key: f"{statutes.COMPARE_FILTERS[key]} {counted[key]}",
        required=True,
        label_visibility="collapsed",
        **urls.bind("law_cmp", "cmp", chosen, ""),
    )
    pairs = statutes.filter_pairs(table, chosen)
    st.html(statutes.concordance_html(table, pairs, article_href(law, current)))


def version_note(law: str, chosen: dict, current: dict) -> None:
    """Which version the page shows, with its dates; a way to the version in force from an old one."""
    when = f"施行日期 {chosen['effective']}" if chosen["effective"] else "施行日期不详"
    st.caption(f"{published(chosen['version'])} 公布 · {when} · {chosen['status']}")
    if chosen is not current:
        st.warning(
            f"本页为 {published(chosen['version'])} 版（{chosen['status']}），"
            f"现行版本自 {current['effective'] or '—'} 起施行。",
            icon=":material/history:",
        )
        st.page_link(PAGE, label="查看现行版本", query_params=params(law), icon=":material/arrow_forward:")


# -- one article -----------------------------------------------------------------------------------


def chapter_trail(chapter: str) -> str:
    return " › ".join(part.strip() for part in chapter.split(" / ") if part.strip())


def article_page(law: str, rows: Sequence[dict], wanted_version: str, article: str) -> None:
    versions = versions_of(rows)
    current = current_version(versions)
    chosen = next((v for v in versions if v["version"] == wanted_version), current)
    shown = [r for r in rows if r["law_version"] == chosen["version"]]
    row = next((r for r in shown if r["article"] == article), None)
    if row is None:
        # An article the chosen version lacks: the version in force, else any version holding it.
        row = next((r for r in rows if r["article"] == article and r["status"] == STATUS_CURRENT), None)
        row = row or next((r for r in rows if r["article"] == article), None)
        if row is None:
            st.title(markup.md(law))
            st.error(f"{markup.md(law)}中没有这一条（{markup.md(article)}）。")
            st.page_link(PAGE, label=f"{law}目录", query_params=params(law), icon=":material/toc:")
            return
        chosen = next(v for v in versions if v["version"] == row["law_version"])
        shown = [r for r in rows if r["law_version"] == chosen["version"]]
    label = table_of_contents([(article, "")])[0].text
    st.page_link(
        PAGE, label=f"{law}目录", query_params=params(law, _version_param(chosen, current)), icon=":material/toc:"
    )
    st.html(
        f'<div class="kb-meta">{markup.badge("法条", "law")}{status_badge(chosen["status"])}</div>'
        f'<h1 class="kb-doc-title">{html.escape(law)}{html.escape(label)}</h1>'
    )
    if row["chapter"]:
        st.caption(f"所在章节：{markup.md(chapter_trail(row['chapter']))}")
    version_note(law, chosen, current)
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in row["body"].split("\n") if p.strip())
    st.html(f'<div class="kb-doc kb-article-text">{paragraphs}</div>')
    history = statutes.law_article_history(law, rows, chosen["version"], article)
    article_history(law, history, versions, current)
    step(law, chosen, current, shown, article)
    if not history:  # with a concordance the same number in another version is another provision
        other_versions(law, rows, chosen, article)
    citing(row["article_key"])


def article_history(law: str, history: Sequence, versions: Sequence[dict], current: dict) -> None:
    """本条为2012年版第四十三条修改而来 / 2012年版第四十三条在2025年修订后为第五十一条, the character diff,
    and a link to each counterpart."""
    if not history:
        return
    st.subheader("新旧对照")
    status = {v["version"]: v["status"] for v in versions}
    for entry in history:
        st.html(statutes.history_html(entry))
        for other in entry.articles:
            version = "" if other.version == current["version"] else other.version
            st.page_link(
                PAGE,
                label=f"{published(other.version)} 版{other.label}（{status.get(other.version, '')}）",
                query_params=params(law, version, other.article),
                icon=":material/compare_arrows:",
            )


def _version_param(chosen: dict, current: dict) -> str:
    """The version in the URL: none for the version in force (a bookmark then follows new versions)."""
    return "" if chosen is current else chosen["version"]


def step(law: str, chosen: dict, current: dict, shown: Sequence[dict], article: str) -> None:
    """上一条 / 下一条 within the version shown."""
    before, after = neighbours((r["article"] for r in shown), article)
    version = _version_param(chosen, current)
    with st.container(horizontal=True, key="law_step"):
        for number, word, icon in (
            (before, "上一条", ":material/arrow_back:"),
            (after, "下一条", ":material/arrow_forward:"),
        ):
            if number is None:
                st.caption(f"（已是{'第一' if word == '上一条' else '最后一'}条）")
                continue
            label = table_of_contents([(number, "")])[0].text
            st.page_link(PAGE, label=f"{word}：{label}", query_params=params(law, version, number), icon=icon)


def other_versions(law: str, rows: Sequence[dict], chosen: dict, article: str) -> None:
    others = [r for r in rows if r["article"] == article and r["law_version"] != chosen["version"]]
    if not others:
        return
    st.markdown("**本条在其他版本中**")
    for r in sorted(others, key=lambda r: r["effective"], reverse=True):
        st.page_link(
            PAGE,
            label=f"{published(r['law_version'])} 版（{r['status']}，施行日期 {r['effective'] or '不详'}）",
            query_params=params(law, r["law_version"], article),
            icon=":material/history:",
        )


def citing(key: str) -> None:
    """The guides and cases citing this article (any version), each with its type's icon and status."""
    svc = services.service_quiet()
    if svc is None:
        return
    try:
        docs = [d for d in svc.citing(key) if d["type"] != "law"]
    except KBError:
        docs = []
    st.subheader("引用本条的文档")
    if not docs:
        st.caption("暂无指引或案例引用本条。")
        return
    docs.sort(key=lambda d: (d.get("status") != STATUS_CURRENT, d["type"] != "guide", d["id"]))
    for d in docs[:50]:
        status = d.get("status") or STATUS_CURRENT
        note = "" if status == STATUS_CURRENT else f"（{status}）"
        st.page_link(
            "app_pages/document.py",
            label=f"{type_label(d['type'])}：{markup.md(d['title'])}{note}",
            query_params={"id": d["id"]},
            icon=markup.TYPE_ICONS.get(d["type"]),
        )
    if len(docs) > 50:
        st.caption(f"另有 {len(docs) - 50} 篇未列出，可在检索页按本条检索。")


def main() -> None:
    law = urls.url_param("law")
    version = urls.url_param("v")
    article = urls.url_param("a")
    services.require_service()
    by_law = law_articles()
    if not by_law:
        st.title("法规")
        st.info(
            "索引中没有法条。建立索引时指定法规库目录即可收录：python indexer.py build --laws 法规库目录"
            "（或设置环境变量 KB_LAWS）。",
            icon=":material/info:",
        )
        return
    if not law:
        law_list(by_law)
        return
    rows = by_law.get(law)
    if rows is None:
        st.title("法规")
        st.error(f"法规库中没有“{markup.md(law)}”。")
        st.page_link(PAGE, label="全部法规", icon=":material/arrow_back:")
        return
    if article:
        key = normalize_article(article)
        if key is None:
            st.error(f"“{markup.md(article)}”不是条号；应写作 264、133-1 或 第二百六十四条。")
            return
        article_page(law, rows, version, key)
    else:
        law_page(law, rows, version)


main()
