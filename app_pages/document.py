"""文档 (?id=…): one guide, case or article, rendered and sanitised, with metadata and related documents."""

from __future__ import annotations

import hashlib
import html
import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import streamlit as st

from kb import roles
from kb.content.vocabulary import STATUS_CURRENT, in_force, split_keywords, type_label
from kb.errors import KBError
from kb.rendering.markup import cited_articles_html, print_footer_html, print_page_css, render_markdown
from kb.statutes.citations import article_label, citation_context
from kb.workflow import database, logins
from kb.workflow.versions import Retirement, superseded_on, withdrawal
from ui import cards, citation_notes, files, markup, services, statutes, urls

META_FIELDS = (
    ("type", "类型"),
    ("kind", "种类"),
    ("category", "类别"),
    ("case_type", "性质"),
    ("charges", "罪名/违法行为"),
    ("year", "办结年份"),
    ("unit", "承办单位"),
    ("stage", "办案环节"),
    ("audience", "适用层级"),
    ("issued", "印发日期"),
    ("version", "版本"),
    ("status", "状态"),
    ("law", "法律"),
    ("law_version", "法律版本"),
    ("chapter", "章节"),
    ("effective", "施行日期"),
)
LIST_FIELDS = {"charges", "stage", "audience"}


def link(doc_id: str, label: str | None = None, q: str = "", icon: str | None = None) -> None:
    """A client-side link to another document (keeps the session)."""
    cards.doc_link(label or doc_id, {"id": doc_id, "q": q} if q else {"id": doc_id}, icon)


def title_of(doc_id: str) -> str:
    other = services.document(doc_id)
    return f"{other['title']}（{doc_id}）" if other else doc_id


def highlight_terms(q: str) -> tuple[str, ...]:
    """The words a search for `q` marks in its snippets (synonyms included)."""
    if not q:
        return ()
    try:
        return services.search(q, per_page=1).terms
    except KBError:
        return tuple(w for w in q.split() if w)


def metadata_panel(doc) -> None:
    rows = []
    for key, label in META_FIELDS:
        value = doc.get(key)
        if value in (None, "", 0) or (key == "year" and doc["type"] != "case"):
            continue
        if key == "type":
            value = type_label(value)
        elif key in LIST_FIELDS:
            value = "、".join(split_keywords(value))
        rows.append(f"<dt>{html.escape(label)}</dt><dd>{html.escape(str(value))}</dd>")
    st.html(f'<dl class="kb-metadata">{"".join(rows)}</dl><div class="kb-meta">编号：{html.escape(doc["id"])}</div>')
    for other in split_keywords(doc.get("supersedes")):
        st.caption("本文替代：")
        link(other, title_of(other), icon=":material/history:")
    with st.container(key="noprint_actions"):
        if doc["type"] == "case":
            st.page_link(
                "app_pages/similar.py",
                label="查找类案",
                query_params={"id": doc["id"]},
                icon=":material/compare_arrows:",
            )
        st.caption("打印：使用浏览器的打印功能（Ctrl+P），侧栏、链接和相关文档不会打印。")


def from_history(read, doc_id: str) -> Retirement | None:
    """What the version history says about a document; nothing when the database cannot be read."""
    try:
        return read(services.settings(), doc_id)
    except KBError:
        return None


def superseded_banner(doc) -> None:
    if in_force(doc["status"]):
        return
    newer = doc.get("superseded_by")
    with st.container(border=True):
        if newer:
            marked = from_history(superseded_on, doc["id"])
            replacing = services.document(newer)
            # Marked through review: that day; written into the files by hand: the day the new one was issued.
            since = marked.day if marked else (replacing.get("issued") if replacing else "")
            when = f"（自 {since} 起）" if since else ""
            st.warning(
                f"本文已{markup.md(doc['status'])}{when}，请以新版为准：{markup.md(title_of(newer))}",
                icon=":material/block:",
            )
            link(newer, f"查看新版：{title_of(newer)}", icon=":material/arrow_forward:")
        else:
            st.warning(f"本文状态为“{markup.md(doc['status'])}”，仅供查阅历史。", icon=":material/block:")


def instead_of(gone: Retirement) -> str | None:
    """The document in force that replaces a withdrawn one, if any."""
    if gone.replaced_by and services.document(gone.replaced_by) is not None:
        return gone.replaced_by
    for other in services.indexed_documents():
        if gone.doc_id in split_keywords(other.get("supersedes")) and other.get("status") == STATUS_CURRENT:
            return other["id"]
    return None


def withdrawn_page(gone: Retirement) -> None:
    """A withdrawn document's old link: when, by whom and why it was withdrawn, and what to read instead."""
    title = gone.title or gone.doc_id
    st.title(markup.md(title))
    who = gone.role
    viewer = logins.current_user(st.session_state, services.settings())
    if gone.actor and viewer is not None and viewer.can(roles.AUDIT):  # names only for who may read the log
        who += f"（{markup.md(database.visible(gone.actor))}）"
    reason = markup.md(gone.reason) if gone.reason else "未记录"
    st.warning(
        f"本文（{markup.md(gone.doc_id)}）已于 {gone.day} 撤回，停止使用。\n\n撤回人：{who}\n\n撤回理由：{reason}",
        icon=":material/block:",
    )
    newer = instead_of(gone)
    if newer:
        st.markdown("**请改读：**")
        link(newer, title_of(newer), icon=":material/arrow_forward:")
    else:
        st.page_link(
            "app_pages/search.py",
            label=f"检索与“{markup.md(title)}”相关的现行文档",
            query_params={"q": title},
            icon=":material/search:",
        )


def citations_panel(keys: tuple[str, ...], issued: str | None) -> None:
    if not keys:
        return
    st.subheader("引用法条")
    cited = [(_label(key), statutes.article(key, issued)) for key in keys]
    # Printed in full: collapsed expanders would print as empty boxes.
    st.html(f'<div class="kb-print-only">{cited_articles_html(cited)}</div>')
    with st.container(key="noprint_citations"):
        found = _citation_expanders(cited)
    if not found:
        st.caption("当前未加载法条库，点击条文名可检索引用该条的文档。")


def _citation_expanders(cited) -> int:
    """One expander per cited article (on screen); returns how many the statute library holds."""
    found = 0
    for label, art in cited:
        with st.expander(markup.md(label), icon=":material/balance:"):
            if art is None:
                st.caption("法条库未收录该条文。")
                st.page_link(
                    "app_pages/search.py", label=f"检索引用{markup.md(label)}的文档", query_params={"q": label}
                )
            else:
                found += 1
                st.markdown(f"**{markup.md(art.label)}**{markup.md(art.note)}")
                st.text(art.text)
                law_id = parse_qs(urlsplit(art.href).query).get("id", [""])[0]
                if law_id:
                    st.page_link("app_pages/document.py", label="打开法条页", query_params={"id": law_id})
    return found


def _label(key: str) -> str:
    try:
        return article_label(key)
    except (ValueError, KeyError):
        return key


def related(doc) -> None:
    """Similar cases, the guides it applies, and the documents that cite it."""
    svc = services.service_quiet()
    if svc is None:
        return
    doc_id = doc["id"]
    guides = split_keywords(doc.get("guides"))
    citing_ids = [
        d["id"]
        for d in services.indexed_documents()
        if doc_id in split_keywords(d.get("guides")) or doc_id in split_keywords(d.get("supersedes"))
    ]
    citing_laws = []
    if doc["type"] == "law" and doc.get("article_key"):
        citing_laws = [d["id"] for d in svc.citing(doc["article_key"])]
    try:
        similar = svc.similar(doc_id=doc_id, limit=5) if doc["type"] != "law" else None
    except KBError:
        similar = None
    st.subheader("相关文档")
    if guides:
        st.markdown("**本案适用的指引**")
        for g in guides:
            link(g, title_of(g), icon=":material/menu_book:")
    citers = list(dict.fromkeys([*citing_ids, *citing_laws]))
    if citers:
        st.markdown("**引用本文的文档**")
        for c in citers[:30]:
            cited_by = services.document(c)
            link(c, title_of(c), icon=markup.TYPE_ICONS.get(cited_by["type"] if cited_by else "case"))
    if similar is not None and similar.cases:
        st.markdown("**相似案例**")
        for hit in similar.cases:
            why = "、".join([*hit.shared_charges, *hit.shared_laws][:4])
            link(hit.id, f"{hit.title}" + (f"（{why}）" if why else ""), icon=":material/gavel:")
    if similar is not None and similar.guides and doc["type"] == "case":
        others = [h for h in similar.guides if h.id not in guides]
        if others:
            st.markdown("**可能相关的指引**")
            for hit in others[:3]:
                link(hit.id, hit.title, icon=":material/menu_book:")
    if not (guides or citers or (similar and (similar.cases or similar.guides))):
        st.caption("暂无相关文档。")


def body(doc, q: str) -> tuple[str, ...]:
    """Render the body; returns the article keys it cites."""
    terms = highlight_terms(q)
    text = files.read_markdown(doc)
    if text is None:
        # Statute articles (and documents whose file is gone) are shown from the indexed text.
        text = "\n\n".join(p.strip() for p in (doc.get("body") or "").split("\n") if p.strip())
        cites = False
    else:
        cites = True
    issued = doc.get("issued") or None
    context = citation_context("", laws=split_keywords(doc.get("laws")), case_type=doc.get("case_type"))
    rendered = render_markdown(
        text,
        citations=cites,
        articles=lambda key: statutes.article(key, issued),
        highlight=terms,
        abbreviations=context,
        notes=citation_notes.note_source(doc) if cites else None,  # beside a citation of an outdated article
    )
    token = hashlib.sha1(f"{doc['id']}\n{q}".encode()).hexdigest()[:12]
    if terms and rendered.marks:
        st.caption(f"已标出检索词：{markup.md('、'.join(terms[:8]))}（共 {rendered.marks} 处）")
        passage_nav(token, rendered.marks)
    st.html(f'<div class="kb-doc" data-passages="{token}">{rendered.html}</div>')
    laws = split_keywords(doc.get("laws"))
    return tuple(dict.fromkeys([*rendered.citations, *laws]))


# Hand-written: Streamlit has no widget that scrolls the page. The body is drawn by the next
# element, which can land a moment after this one, so the script polls for its marks; the token
# tells this document's body from a previous page's that has not yet been taken away.
PASSAGE_SCRIPT = """<script>(() => {
  const nav = document.currentScript.parentElement.querySelector('.kb-passages');
  const count = nav.querySelector('.kb-passage-count');
  const token = TOKEN;
  let marks = [], at = 0, tries = 0;
  const show = (i) => {
    if (!marks.length) return;
    at = (i + marks.length) % marks.length;
    marks.forEach((m, j) => m.classList.toggle('kb-term-current', j === at));
    marks[at].scrollIntoView({block: 'center'});
    count.textContent = `第 ${at + 1} / ${marks.length} 处`;
  };
  nav.querySelector('.kb-passage-prev').addEventListener('click', () => show(at - 1));
  nav.querySelector('.kb-passage-next').addEventListener('click', () => show(at + 1));
  // Elements above and below the body may still be drawing after the first scroll and push the
  // passage out of the window: for three seconds, until the reader scrolls or clicks, keep it in view.
  const settle = () => {
    const until = Date.now() + 3000;
    let reader = false;
    for (const e of ['wheel', 'touchstart', 'keydown', 'mousedown']) {
      window.addEventListener(e, () => { reader = true; }, {once: true, capture: true});
    }
    const page = document.querySelector('[data-testid="stMainBlockContainer"]') || document.body;
    const watch = new ResizeObserver(() => {
      if (reader || Date.now() > until) return watch.disconnect();
      const box = marks[at].getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) marks[at].scrollIntoView({block: 'center'});
    });
    watch.observe(page);
    setTimeout(() => watch.disconnect(), 3000);
  };
  const find = () => {
    marks = Array.from(document.querySelectorAll(`.kb-doc[data-passages="${token}"] mark.kb-term`));
    if (marks.length) { show(0); settle(); } else if (tries++ < 200) setTimeout(find, 50);
  };
  find();
})();</script>"""


def passage_nav(token: str, total: int) -> None:
    """上一处 / 下一处 through the highlighted search terms, with a count; opens at the first one."""
    nav = (
        f'<div class="kb-passages" role="navigation" aria-label="检索词位置">'
        f'<button type="button" class="kb-passage-prev">上一处</button>'
        f'<span class="kb-passage-count" aria-live="polite">第 1 / {total} 处</span>'
        f'<button type="button" class="kb-passage-next">下一处</button></div>'
    )
    st.html(nav + PASSAGE_SCRIPT.replace("TOKEN", json.dumps(token)), unsafe_allow_javascript=True)


def print_footer(doc) -> None:
    """Printed only: the document's id, version and the day it was printed."""
    if doc.get("version"):
        version = f"第 {doc['version']} 版"
    else:
        version = f"{doc['law_version']} 版" if doc.get("law_version") else ""
    today = date.today()
    # at the foot of every printed page (page-margin boxes), and once more at the end of the text
    st.html(f"<style>{print_page_css(doc['id'], version, today)}</style>")
    st.html(f'<div class="kb-print-only">{print_footer_html(doc["id"], version, today)}</div>')


def choose() -> None:
    """No ?id=: offer a way to pick a document."""
    st.title("文档")
    st.info("请从检索结果、案例库或办案指引中打开一篇文档，或在下方按编号打开。", icon=":material/info:")
    docs = services.indexed_documents() if services.service_quiet() else ()
    if not docs:
        return
    options = sorted(d["id"] for d in docs)
    labels = {d["id"]: f"{d['id']} {d['title']}" for d in docs}
    choice = st.selectbox("文档编号", options, index=None, format_func=labels.get, placeholder="选择或输入编号")
    if choice:
        st.query_params["id"] = choice
        st.rerun()


def main() -> None:
    doc_id = urls.url_param("id")
    q = urls.url_param("q")
    if not doc_id:
        choose()
        return
    services.require_service()
    doc = services.document(doc_id)
    gone = from_history(withdrawal, doc_id) if doc is None else None
    if gone is not None:
        withdrawn_page(gone)
        return
    if doc is None:
        st.title("文档")
        st.error(f"找不到编号为“{markup.md(doc_id)}”的文档。它可能已被删除或编号有误。")
        st.page_link("app_pages/search.py", label="返回检索", query_params={"q": doc_id}, icon=":material/search:")
        return
    if doc["type"] == "law":  # an article opens on the law pages, with its chapter and neighbours
        version = "" if doc.get("status") == STATUS_CURRENT else doc.get("law_version", "")
        article = (doc.get("article_key") or "").rpartition(":")[2]
        st.switch_page(
            "app_pages/law.py", query_params={"law": doc["law"], "a": article} | ({"v": version} if version else {})
        )
    superseded_banner(doc)
    urls.back_link(q)  # to the list it was opened from, with its filters
    st.html(
        f'<div class="kb-meta">{markup.badges(doc["type"], doc.get("category", ""), doc.get("case_type", ""), doc.get("year"), doc.get("status", ""))}</div>'
        f'<h1 class="kb-doc-title">{html.escape(doc["title"] or doc_id)}</h1>'
    )
    if doc.get("summary"):
        label = "办案要旨" if doc["type"] == "case" else "要旨"
        st.html(f'<div class="kb-summary"><strong>{label}：</strong>{html.escape(doc["summary"])}</div>')
    main_col, side = st.columns([5, 2], gap="large")
    with main_col:
        keys = body(doc, q)
        citations_panel(keys, doc.get("issued") or None if doc["type"] != "law" else None)
    with side:
        st.subheader("文档信息")
        metadata_panel(doc)
        with st.container(key="noprint_related"):
            related(doc)
    print_footer(doc)


main()
