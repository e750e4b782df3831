"""What every page shares: settings, the cached search service, the startup build, sidebar and CSS."""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import streamlit as st

from kb.content.documents import TYPE_LABELS, split_front_matter
from kb.content.learning import LEARNING_FILE, load_learning_paths
from kb.content.taxonomy import load_taxonomy
from kb.content.validation import MAX_FILE_BYTES
from kb.errors import KBError
from kb.rendering.markup import ArticleText, plain_excerpt
from kb.search.index import build_index, current_dir, repair_index
from kb.search.service import SearchResults, SearchService, StoredDocument
from kb.settings import Settings, load_settings
from kb.statutes.citations import article_label
from kb.workflow.publish import recover

_BUILD_LOCK = threading.Lock()
_LOG = logging.getLogger("casekb.app")

TYPE_ICONS = {"guide": ":material/menu_book:", "case": ":material/gavel:", "law": ":material/balance:"}
STATUS_SUPERSEDED = "不再参照"
# The favicon is drawn here: a :material/…: page icon would be fetched from fonts.gstatic.com.
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" fill="#1d4f91"/>'
    '<path d="M12 4v15M7 19h10M5 8h14M5 8l-2.5 6h5zM19 8l-2.5 6h5z" stroke="#fff" stroke-width="1.5" '
    'fill="none" stroke-linejoin="round"/></svg>'
)


def settings() -> Settings:
    """Settings for this run (cheap; read again each run so tests can point at other folders)."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def _service(s: Settings) -> SearchService:
    return SearchService(s)


def service() -> SearchService | None:
    """The shared search service, or None (with the error shown) when the index cannot be opened."""
    s = settings()
    if current_dir(s.index_dir) is None:
        st.warning("索引尚未建立。请在命令行运行 `python indexer.py build`，或修正内容错误后刷新页面。")
        return None
    try:
        return _service(s)
    except KBError as exc:
        st.error(md(exc))
        return None


def require_service() -> SearchService:
    """The search service, or stop the page after explaining why there is none."""
    svc = service()
    if svc is None:
        st.stop()
    return svc


_RETRY_SECONDS = 30.0
_POLL_SECONDS = 0.5


class _FirstBuild:
    """The first-start build, run in a thread of its own so that closing a tab does not stop it."""

    def __init__(self, s: Settings):
        self.done = 0
        self.total = 0
        self.error: KBError | None = None
        self.report = None
        self.finished_at: float | None = None
        self.thread = threading.Thread(target=self._work, args=(s,), name="casekb-first-build", daemon=True)
        self.thread.start()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def _work(self, s: Settings) -> None:
        try:
            self.report = build_index(s, progress=self._progress)
        except KBError as exc:
            self.error = exc
        except Exception as exc:  # reported on the page instead of dying silently in a thread
            _LOG.exception("first build failed")
            self.error = KBError(
                f"建立索引失败：{type(exc).__name__}: {exc}；请在命令行运行 python indexer.py build 查看详情"
            )
        finally:
            self.finished_at = time.monotonic()


_builds: dict[Path, _FirstBuild] = {}


def _first_build(s: Settings) -> _FirstBuild:
    """The running or last first-start build for this index, started anew when due."""
    with _BUILD_LOCK:
        build = _builds.get(s.index_dir)
        stale = (
            build is not None
            and build.finished_at is not None
            and (build.error is None or time.monotonic() - build.finished_at >= _RETRY_SECONDS)
        )
        if build is None or stale:
            build = _builds[s.index_dir] = _FirstBuild(s)
    return build


_recovered: set[tuple[Path, Path, Path]] = set()
_RECOVER_LOCK = threading.Lock()


def recover_once(s: Settings) -> None:
    """Once per process and folders: settle what a crashed publish left behind, then let the index
    catch up with the files (a publish that could not index, a crash). Problems are logged: the
    index in place keeps serving."""
    key = (s.content_dir, s.db_path, s.index_dir)
    with _RECOVER_LOCK:
        if key in _recovered:
            return
        _recovered.add(key)
        try:
            for action in recover(s).actions:
                _LOG.warning("启动恢复：%s", action)
            if current_dir(s.index_dir) is not None:
                report = repair_index(s)
                if report is not None:
                    _LOG.warning("索引已补上遗漏的修改：%s 篇有变化", report.changed)
        except KBError as exc:
            _LOG.warning("启动恢复未完成：%s", exc)
        except Exception:  # the database busy, a disk error: the index in place keeps serving
            _LOG.exception("启动恢复未完成")


def warm_up() -> int:
    """Ready what the first page view needs, before anyone asks (the server calls this as it starts).

    Settles what a crash left behind (recover_once), builds the index if there is none (the first
    page view then shows the build's progress), opens it, loads the dictionary and fills the
    caches the search page reads first: corpus counts, the newest documents and the typo
    corrector. Returns the number of documents; raises KBError.
    """
    s = settings()
    recover_once(s)
    if current_dir(s.index_dir) is None:
        build = _first_build(s)
        build.thread.join()
        if build.error is not None:
            raise build.error
    _service(s)
    if index_is_empty():
        return 0
    search("")
    _service(s).warm()
    return stats()["total"]


def ensure_index() -> None:
    """Build the index on first start so `streamlit run app.py` works on a fresh checkout.

    The build runs in a background thread shared by every session; pages show its progress
    and poll until it is done. A build that failed (content errors) is shown for half a minute
    before it is tried anew, since each attempt reads every file.
    """
    s = settings()
    recover_once(s)  # done by the warm-up already when the server started the usual way
    if current_dir(s.index_dir) is not None:
        waited = st.session_state.pop("kb_first_build", None)
        if waited is not None and waited.report is not None:  # this session watched the build: say it is done
            report = waited.report
            st.toast(f"索引已建立：{report.added} 篇文档，{report.laws} 条法条", icon=":material/check_circle:")
        return
    build = _first_build(s)
    if build.finished_at is not None:
        if build.error is not None:
            show_error(build.error)
        return
    st.session_state["kb_first_build"] = build
    st.info("首次启动：正在根据内容建立检索索引，请稍候……", icon=":material/hourglass_top:")
    if build.total:
        st.progress(build.done / build.total, text=f"已索引 {build.done} / {build.total} 篇")
    else:
        st.progress(0.0, text="正在读取内容……")
    build.thread.join(_POLL_SECONDS)  # wait a moment for progress, then redraw
    st.rerun()


def run(page) -> None:
    """Run the selected page; an unexpected failure is reported in Chinese, not as a traceback."""
    try:
        page.run()
    except KBError as exc:
        show_error(exc)
    except Exception as exc:  # st.stop / st.rerun are BaseExceptions and pass through
        _LOG.exception("page %s failed", getattr(page, "title", "?"))
        report_unexpected(exc)


def report_unexpected(exc: Exception) -> bool:
    """An unexpected failure in Chinese; also the server's handler for failures outside a page
    (a widget callback, the sidebar), which Streamlit otherwise reports in English. Returns True:
    Streamlit's own report is not shown (it has logged the traceback)."""
    st.error(
        f"内部错误：{type(exc).__name__}: {md(exc)}。请刷新页面重试；如仍出现，请把这条信息报告给系统管理员。",
        icon=":material/error:",
    )
    return True


def pin_url(page: str) -> None:
    """Write the query parameters back so the browser's address bar shows them (`page`: its url_path).

    st.page_link to the page that is already open runs it with the new parameters but leaves the
    old ones in the address bar; a shared or reloaded URL would then show the wrong thing.
    """
    if st.session_state.get("kb_page") != page:
        # Another page (a link, Back, a reload): the browser shows its address already; writing the
        # parameters now would add a history entry for them under the previous page's path, and Back
        # would land there instead of on the list that was left.
        st.session_state["kb_page"] = page
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    st.query_params.from_dict(params)


def show_error(exc: KBError) -> None:
    """Show a core error in Chinese, with every listed problem, never a traceback."""
    problems = getattr(exc, "problems", None)
    if problems:
        # Code spans: paths and messages shown verbatim, nothing in them parsed as Markdown.
        lines = "\n".join("- " + code(p) for p in problems[:50])
        more = f"\n- ……另有 {len(problems) - 50} 处" if len(problems) > 50 else ""
        st.error(f"{md(exc)}\n\n{lines}{more}")
    else:
        st.error(md(exc))


def sidebar(counts: bool = True) -> None:
    """The sidebar shown on every page; `counts=False` leaves out what the index holds (for a
    visitor who has not logged in where login is required)."""
    with st.sidebar:
        st.markdown("### :material/balance: 案例指引库")
        st.caption("办案指引 · 精品案例 · 法条 —— 仅限内网使用")
        s = settings()
        if not counts or current_dir(s.index_dir) is None:
            return
        try:
            by_type = corpus_counts()
        except Exception:  # the sidebar must never take a page down with it
            _LOG.exception("sidebar counts failed")
            return
        parts = [f"{TYPE_LABELS.get(t, t)} {n}" for t, n in current_counts(by_type).items() if n]
        if parts:
            st.caption("现行：" + " · ".join(parts), help=COUNTS_HELP)
        if other := other_counts_text(by_type):
            st.caption(f"另有{other}，检索时默认不显示")


@st.cache_data(max_entries=8, show_spinner=False)
def _stats(s: Settings, version: str) -> dict:
    if _empty(s, version):
        return {"total": 0, "facets": {}}
    stats = _service(s).stats()
    return {"total": stats["total"], "facets": stats["facets"]}


def stats() -> dict:
    """Corpus counts ({total, facets}), cached per index version."""
    s = settings()
    return _stats(s, index_version(s))


COUNTS_HELP = (
    "与检索页“类型”筛选的计数相同：只计现行文档。法条按条计，同一条文的每个版本各算一条；"
    "已被新版本取代的旧版本条文标为“已失效”，单独计数。"
)
COUNTED_TYPES = ("guide", "case", "law")
# How a type's documents outside 现行 are named and counted: 已失效 articles, 不再参照 guides.
OTHER_UNITS = {"guide": "篇", "case": "篇", "law": "条"}


@st.cache_data(max_entries=8, show_spinner=False)
def _corpus_counts(s: Settings, version: str) -> dict[str, dict[str, int]]:
    if _empty(s, version):
        return {}
    svc = _service(s)
    # The same searches the search page's facets run: one count everywhere.
    return {
        t: dict(svc.search("", {"type": [t]}, per_page=1, include_superseded=True).facets.get("status", {}))
        for t in COUNTED_TYPES
    }


def corpus_counts() -> dict[str, dict[str, int]]:
    """Documents by type and status ({"law": {"现行": 2954, "已失效": 119}}), cached per index version."""
    s = settings()
    return _corpus_counts(s, index_version(s))


def current_counts(by_type: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """现行 documents by type, in menu order."""
    return {t: by_type.get(t, {}).get("现行", 0) for t in COUNTED_TYPES}


def other_counts_text(by_type: Mapping[str, Mapping[str, int]]) -> str:
    """The documents not 现行, named by status: "已失效的法条 119 条、不再参照的指引 3 篇"; "" when none."""
    parts = [
        f"{status}的{TYPE_LABELS.get(t, t)} {n} {OTHER_UNITS[t]}"
        for t in COUNTED_TYPES
        for status, n in by_type.get(t, {}).items()
        if status != "现行" and n
    ]
    return "、".join(parts)


@st.cache_data(max_entries=8, show_spinner=False)
def _empty(s: Settings, version: str) -> bool:
    return not _service(s).documents(limit=1)


def index_is_empty() -> bool:
    """True when the index exists but holds no documents (searching it would fail)."""
    s = settings()
    return current_dir(s.index_dir) is not None and _empty(s, index_version(s))


EMPTY_MESSAGE = (
    "索引中还没有任何文档。请把办案指引放入 guides/、精品案例放入 casebook/<类别>/，然后运行 python indexer.py build。"
)


def page_url(page: str, /, **params: object) -> str:
    """A relative URL to an app page with query parameters (for links inside HTML)."""
    clean = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    return page + ("?" + urlencode(clean, doseq=True) if clean else "")


def doc_url(doc_id: str, q: str | None = None) -> str:
    """The link to one document, carrying the search terms to highlight."""
    return page_url("doc", id=doc_id, q=q)


# -- list pages keep their whole state in the URL ----------------------------------------------
# One way for every list page: a widget's callback writes its value into the URL (url_from_widget),
# each run reads the URL (url_param) and loads it into the widgets. The URL is then the truth for a
# reload, a shared link and Back. Streamlit's own bind="query-params" is not used: it names the URL
# parameter after the widget key (search_q), which would break every bookmark and link (?q=, ?cat=).

# page name (app_pages/<name>.py) -> what its 返回 link says
LIST_PAGES = {"search": "检索", "casebook": "案例库", "guides": "办案指引", "learning": "学习路径"}
BACK = "from"  # a document link's parameter naming the list it was opened from, with that list's state


def url_param(name: str, default: str = "", choices: Collection[str] | None = None) -> str:
    """One query parameter, stripped; `default` when it is missing or not one of `choices`."""
    value = st.query_params.get(name, default).strip()
    return value if choices is None or value in choices else default


def set_url_params(**values: object) -> None:
    """Put values into the URL in one step (one history entry for Back); None, "" or False removes one."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    for name, value in values.items():
        if value is None or value == "" or value is False:
            params.pop(name, None)
        else:
            params[name] = "1" if value is True else str(value)
    st.query_params.from_dict(params)


def set_url_param(name: str, value: object, default: object = "") -> None:
    """Put one value into the URL; the default (or nothing) removes the parameter."""
    set_url_params(**{name: None if value == default else value})


def url_from_widget(name: str, key: str, default: object = "") -> None:
    """A widget's on_change: its value (session key `key`) into the URL parameter `name`."""
    set_url_param(name, st.session_state.get(key), default)


def here(page: str) -> str:
    """This list page with its whole state, as a document link's `from` ("casebook?cat=盗窃")."""
    return page_url(page, **{k: st.query_params.get_all(k) for k in st.query_params})


def doc_params(doc_id: str, page: str, q: str = "") -> dict[str, str]:
    """The query parameters of a link from list page `page` to one document (st.page_link)."""
    params = {"id": doc_id, "q": q, BACK: here(page)}
    return {k: v for k, v in params.items() if v}


def back_target(back: str) -> tuple[str, list[tuple[str, str]]] | None:
    """A `from` value as (page name, its query parameters); None for anything but a list page."""
    page, _, query = back.partition("?")
    if page not in LIST_PAGES:
        return None
    return page, parse_qsl(query, keep_blank_values=False)


def back_link(q: str = "") -> None:
    """The document page's 返回 link: to the list it was opened from, with all its filters."""
    target = back_target(st.query_params.get(BACK, ""))
    if target is None:
        if q:  # an older link or a bookmark: back to a search for its words
            st.page_link(
                "app_pages/search.py", label=f"返回检索“{md(q)}”", query_params={"q": q}, icon=":material/arrow_back:"
            )
        return
    page, params = target
    words = dict(params).get("q", "") if page == "search" else ""
    label = f"返回{LIST_PAGES[page]}" + (f"“{md(words)}”" if words else "")
    st.page_link(f"app_pages/{page}.py", label=label, query_params=params, icon=":material/arrow_back:")


# Hand-written: Streamlit has no call that scrolls the page. The anchor is drawn by an element of
# its own; the nonce makes each request a new script (an unchanged one is not run again).
SCROLL_SCRIPT = """<script>(() => {
  let tries = 0;
  const go = () => {
    const top = window.parent.document.querySelector(ANCHOR) || document.querySelector(ANCHOR);
    if (top) top.scrollIntoView({block: 'start'}); else if (tries++ < 100) setTimeout(go, 50);
  };
  go();
})(); /* NONCE */</script>"""


def scroll_to(anchor_class: str, nonce: object) -> None:
    """Scroll the page so that the element with class `anchor_class` is at the top of the window."""
    script = SCROLL_SCRIPT.replace("ANCHOR", json.dumps("." + anchor_class)).replace("NONCE", str(nonce))
    st.html(script, unsafe_allow_javascript=True)


def type_label(doc_type: str) -> str:
    """指引 / 案例 / 法条."""
    return TYPE_LABELS.get(doc_type, doc_type)


CSS = """
<style>
mark { background: #ffe58a; color: inherit; padding: 0 1px; border-radius: 2px; }
.kb-badge { display: inline-block; font-size: 0.78rem; line-height: 1.4; padding: 0 6px; margin-right: 4px;
  border-radius: 4px; border: 1px solid #c8ccd4; color: #31333f; background: #f4f5f8; white-space: nowrap; }
.kb-badge.guide { border-color: #7aa2d6; background: #eaf1fb; color: #1d4f91; }
.kb-badge.case { border-color: #88b98a; background: #ecf6ec; color: #24622a; }
.kb-badge.law { border-color: #c9a76b; background: #faf3e6; color: #7a5212; }
.kb-badge.superseded { border-color: #d98b8b; background: #fcecec; color: #9b1c1c; }
.kb-hit { padding: 0.55rem 0 0.7rem 0; border-bottom: 1px solid #eceef2; }
.kb-hit .kb-title { font-size: 1.05rem; font-weight: 600; text-decoration: none; }
.kb-hit .kb-snippet { color: #3d4150; margin: 0.25rem 0; font-size: 0.93rem; }
.kb-meta { color: #6b7080; font-size: 0.85rem; }
.kb-missing { color: #a14a00; }
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] p { font-weight: 600; color: #1d4f91; }
/* Long Chinese titles wrap instead of being cut off with an ellipsis. */
[data-testid="stMain"] [data-testid="stPageLink-NavLink"], [data-testid="stMain"] [data-testid="stPageLink-NavLink"] * {
  white-space: normal !important; text-overflow: clip !important; overflow: visible !important; height: auto;
  overflow-wrap: anywhere; }
.kb-doc { line-height: 1.75; }
.kb-doc table { border-collapse: collapse; margin: 0.6rem 0; }
.kb-doc th, .kb-doc td { border: 1px solid #d5d8de; padding: 4px 8px; vertical-align: top; }
.kb-doc th { background: #f4f5f8; }
.kb-doc blockquote { margin: 0.6rem 0; padding: 0.4rem 0.9rem; border-left: 4px solid #d98b8b; background: #fdf5f5; }
.kb-doc .kb-cite { color: #1d4f91; border-bottom: 1px dashed #1d4f91; text-decoration: none; cursor: pointer;
  position: relative; }
.kb-doc span.kb-cite > .kb-article { display: none; }
.kb-doc span.kb-cite:hover > .kb-article, .kb-doc span.kb-cite:focus > .kb-article,
.kb-doc span.kb-cite:focus-within > .kb-article {
  display: block; position: absolute; z-index: 20; left: 0; top: 1.6em; width: min(34rem, 80vw);
  padding: 0.5rem 0.75rem; background: #fffdf6; color: #31333f; border: 1px solid #c9a76b; border-radius: 6px;
  box-shadow: 0 4px 14px rgba(0,0,0,.12); font-size: 0.9rem; line-height: 1.6; cursor: auto; }
.kb-doc-title { font-size: 1.9rem; font-weight: 700; margin: 0.3rem 0 0.6rem 0; padding: 0; }
.kb-summary { background: #f4f7fb; border-left: 4px solid #1d4f91; padding: 0.5rem 0.8rem; margin-bottom: 0.8rem; }
dl.kb-metadata { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 0.8rem; margin: 0 !important;
  padding: 0 !important; font-size: 0.9rem; }
dl.kb-metadata dt { color: #6b7080; }
dl.kb-metadata dd { margin: 0; }
/* 上一处 / 下一处 through the search terms of a document; stays in view while reading (document.py). */
[data-testid="stElementContainer"]:has(.kb-passages) { position: sticky; top: 3.75rem; z-index: 30; }
.kb-passages { display: inline-flex; align-items: center; gap: 0.6rem; padding: 0.25rem 0.5rem; background: #fffdf3;
  border: 1px solid #e6d38a; border-radius: 6px; font-size: 0.9rem; box-shadow: 0 2px 6px rgba(0,0,0,.08); }
.kb-passages button { font: inherit; padding: 0.1rem 0.7rem; border: 1px solid #c8ccd4; border-radius: 4px;
  background: #fff; color: #1d4f91; cursor: pointer; }
.kb-passages button:hover, .kb-passages button:focus-visible { border-color: #1d4f91; }
mark.kb-term-current { background: #ffb347; outline: 2px solid #d97a00; }
/* What only a printed document shows (document.py), with no gap left for it on screen. */
@media screen { .kb-print-only, [data-testid="stElementContainer"]:has(.kb-print-only) { display: none; } }
@media print {
  /* A document's columns one after the other: side by side, the printed pages lose their order. */
  [data-testid="stHorizontalBlock"]:has(.kb-doc) { display: block !important; }
  [data-testid="stHorizontalBlock"]:has(.kb-doc) > [data-testid="stColumn"] { width: 100% !important; }
  [data-testid="stElementContainer"]:has(.kb-passages) { display: none !important; }
  .kb-doc h1, .kb-doc h2, .kb-doc h3, .kb-doc h4, .kb-doc h5, .kb-doc h6, .kb-doc-title,
  [data-testid="stElementContainer"]:has([data-testid="stHeading"]) { break-after: avoid; page-break-after: avoid; }
  .kb-doc tr, .kb-print-article, .kb-summary { break-inside: avoid; page-break-inside: avoid; }
  .kb-print-articles { font-size: 10.5pt; line-height: 1.6; }
  .kb-print-article { margin: 0 0 0.6rem 0; }
  .kb-print-article p { margin: 0.2rem 0 0 0; }
  .kb-print-footer { margin-top: 1.2rem; padding-top: 0.3rem; border-top: 1px solid #999; font-size: 9pt; color: #444; }
}
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], .kb-noprint, [class*="st-key-noprint"], [data-testid="stExpander"] summary svg { display: none !important; }
  .main .block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 !important; }
  .kb-doc { font-size: 11pt; line-height: 1.6; }
  .kb-doc a { color: inherit; text-decoration: none; }
  .kb-doc span.kb-cite > .kb-article { display: none !important; }
  .kb-doc .kb-cite { border-bottom: none; color: inherit; }
}
</style>
"""


# Streamlit's file uploader has no Chinese texts of its own: draw ours over its English ones.
UPLOADER_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p {
  font-size: 0; }
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "或把文件拖到此处 · 单个文件不超过 %d MB"; font-size: 0.875rem; }
</style>
"""

# Nor has its page chrome: the Stop button of a long run, the connection status, the
# keyboard-only skip link, the "Press Enter to apply" hint under a text box being typed in (its
# first span; a character count may follow; intranet PCs run Windows, so Ctrl) and the dialog
# shown when the server stops answering (its English asks whether the intranet PC is "connected
# to the internet"). The connection label is 正在连接 while the dotted icon shows, else 连接中断.
# Streamlit's own dialogs are those without app elements (its "Page not found" is translated
# instead, and marked data-kb-zh, by app_pages/chrome_zh.py).
CHROME_CSS = """
<style>
[data-testid="stStatusWidget"] [data-testid="stBaseButton-header"] { font-size: 0; }
[data-testid="stStatusWidget"] [data-testid="stBaseButton-header"]::after { content: "停止"; font-size: 0.875rem; }
[data-testid="stConnectionStatus"] label { font-size: 0; }
[data-testid="stConnectionStatus"] label::after { content: "连接中断"; font-size: 0.875rem; }
[data-testid="stConnectionStatus"]:has(path[d^="M0 3v2"]) label::after { content: "正在连接"; }
[data-testid="stSkipToContent"] { font-size: 0 !important; }
[data-testid="stSkipToContent"]::after { content: "跳到正文"; font-size: 0.875rem; }
[data-testid="InputInstructions"] > span:first-child { font-size: 0; }
[data-testid="InputInstructions"] > span:first-child::after { content: "按回车键确认"; font-size: 0.75rem; }
[data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after { content: "按 Ctrl+Enter 确认"; }
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after { content: "按回车键提交"; }
[data-testid="stForm"] [data-testid="stTextArea"] [data-testid="InputInstructions"] > span:first-child::after {
  content: "按 Ctrl+Enter 提交"; }
.st-key-search_q [data-testid="InputInstructions"] > span:first-child::after { content: "按回车键检索"; }
[data-testid="stForm"] .st-key-similar_text [data-testid="InputInstructions"] > span:first-child::after { content: "按 Ctrl+Enter 检索"; }
section[role="dialog"]:not(:has([data-testid="stVerticalBlock"])):not([data-kb-zh]) h2 { font-size: 0; }
section[role="dialog"]:not(:has([data-testid="stVerticalBlock"])):not([data-kb-zh]) h2::after {
  content: "与服务器的连接已中断"; font-size: 1.5rem; }
section[role="dialog"]:not(:has([data-testid="stVerticalBlock"])):not([data-kb-zh]) h2 + div * { display: none; }
section[role="dialog"]:not(:has([data-testid="stVerticalBlock"])):not([data-kb-zh]) h2 + div::after {
  content: "案例指引库服务暂时没有响应，可能正在重启。服务恢复后页面会自动重新连接；长时间无法恢复时，请联系系统管理员。";
  font-size: 1rem; line-height: 1.6; }
</style>
"""


def inject_css() -> None:
    """Fonts that render Chinese from local files, badges, highlights and the print layout."""
    # The uploader names the size limit; a bigger file is refused in Chinese.
    st.html(CSS + UPLOADER_CSS % (MAX_FILE_BYTES // (1024 * 1024)) + CHROME_CSS)
    from app_pages import chrome_zh  # Streamlit's labels, tooltips and screen-reader texts

    chrome_zh.inject()


def data_path(name: str) -> Path:
    """A file in the data folder (taxonomy, synonyms, learning paths)."""
    return settings().data_dir / name


# -- cached calls into kb ---------------------------------------------------------------------


def index_version(s: Settings | None = None) -> str:
    """Changes whenever the live index does (a rebuild switches folders; a publish adds segments)."""
    s = s or settings()
    gen = current_dir(s.index_dir)
    if gen is None:
        return ""
    try:
        return f"{gen.name}:{gen.stat().st_mtime_ns}"
    except OSError:
        return gen.name


FilterItems = tuple[tuple[str, tuple], ...]


def filter_items(filters: Mapping[str, Sequence]) -> FilterItems:
    """Facet filters as a hashable, ordered tuple (a cache key)."""
    return tuple((k, tuple(v)) for k, v in sorted(filters.items()) if v)


@st.cache_data(max_entries=512, show_spinner=False)
def _search(
    s: Settings,
    version: str,
    q: str,
    filters: FilterItems,
    page: int,
    per_page: int,
    old: bool,
    sort: str,
    literal: bool,
) -> SearchResults:
    return _service(s).search(
        q, dict(filters), page=page, per_page=per_page, include_superseded=old, sort=sort, literal=literal
    )


def search(
    q: str,
    filters: FilterItems = (),
    page: int = 1,
    per_page: int = 10,
    old: bool = False,
    sort: str = "relevance",
    literal: bool = False,
) -> SearchResults:
    """A cached search; raises KBError (QueryError) for a refused query. `literal` searches the
    words as typed (no colloquial mapping, no typo correction)."""
    s = settings()
    return _search(s, index_version(s), q, filters, page, per_page, old, sort, literal)


@st.cache_data(max_entries=8, show_spinner=False)
def _catalog(s: Settings, version: str) -> tuple[dict, ...]:
    keep = (
        "id", "title", "type", "category", "group", "case_type", "kind", "stage", "audience", "laws",
        "charges", "guides", "supersedes", "superseded_by", "status", "year", "issued", "summary", "unit",
        "path", "article_key", "law",
    )  # fmt: skip
    return tuple({k: d.fields.get(k) for k in keep} for d in _service(s).documents() if d["type"] != "law")


def catalog() -> tuple[dict, ...]:
    """Light records of every guide and case (no bodies), cached per index version."""
    s = settings()
    return _catalog(s, index_version(s))


def split(value: str | None) -> tuple[str, ...]:
    """A comma-joined stored keyword field as a tuple."""
    return tuple(v for v in (value or "").split(",") if v)


def document(doc_id: str) -> StoredDocument | None:
    """One stored document (cached by the service's searcher pool, cheap)."""
    svc = service_quiet()
    return svc.document(doc_id) if svc else None


def service_quiet() -> SearchService | None:
    """The search service without showing anything when it is unavailable."""
    s = settings()
    if current_dir(s.index_dir) is None:
        return None
    try:
        return _service(s)
    except KBError:
        return None


@st.cache_data(max_entries=4096, show_spinner=False)
def _article_versions(s: Settings, version: str, key: str) -> tuple[dict, ...]:
    """Every indexed version of one article (current and no longer in force)."""
    try:
        results = _service(s).search(article_label(key), {"type": "law"}, per_page=30, include_superseded=True)
    except KBError:
        return ()
    out = []
    for hit in results.hits:
        stored = _service(s).document(hit.id)
        if stored is not None and stored["article_key"] == key:
            out.append({k: stored.get(k, "") for k in ("id", "status", "law_version", "effective", "body")})
    return tuple(out)


def article(key: str, on: str | None = None) -> ArticleText | None:
    """The article a citation means on date `on` (the citing document's issue date; default today).

    None when the statute library is not indexed or does not hold the article.
    """
    s = settings()
    if current_dir(s.index_dir) is None or _empty(s, index_version(s)):
        return None
    versions = _article_versions(s, index_version(s), key)
    if not versions:
        return None
    current = [v for v in versions if v["status"] == "现行"]
    chosen = None
    if on:
        dated = [v for v in versions if v["effective"] and v["effective"] <= on]
        chosen = max(dated, key=lambda v: v["effective"]) if dated else None
    chosen = chosen or (current[0] if current else versions[0])
    note = ""
    if chosen["status"] != "现行":
        note = f"（{chosen['law_version']} 版，{chosen['status']}；本文印发时有效的文本）"
    elif chosen["law_version"]:
        note = f"（{chosen['law_version']} 版）"
    return ArticleText(key, article_label(key), chosen["body"], doc_url(chosen["id"]), note)


def read_markdown(doc: StoredDocument) -> str | None:
    """The Markdown body of a guide or case, read from the content folder; None if unreadable."""
    rel = doc.get("path")
    if not rel or doc["type"] == "law":
        return None
    base = settings().content_dir
    path = (base / rel).resolve()
    if base not in path.parents:
        return None
    try:
        return split_front_matter(path.read_text(encoding="utf-8")).body
    except (OSError, UnicodeDecodeError):
        return None


def learning_paths() -> tuple[dict[str, list[dict]], list[str]] | str:
    """Tier -> [{id, reason}] and the problems found, or a Chinese message when there is no file."""
    path = data_path(LEARNING_FILE)
    if not path.is_file():
        return "学习路径尚未配置：找不到 data/learning_paths.yaml。请联系法制大队添加后刷新本页。"
    try:
        tiers = load_taxonomy(data_path("taxonomy.yaml")).audiences
    except KBError:
        tiers = ("单位负责人", "法制员", "办案民警")
    loaded = load_learning_paths(path, tiers)
    paths = {tier: [{"id": step.id, "reason": step.reason} for step in steps] for tier, steps in loaded.paths.items()}
    return paths, [str(p) for p in loaded.problems if p.severity == "error"]


# -- small HTML pieces (all text escaped) -----------------------------------------------------


def badge(text: str, kind: str = "") -> str:
    """A small label; `kind` is guide / case / law / superseded."""
    return f'<span class="kb-badge {html.escape(kind)}">{html.escape(text)}</span>'


def badges(doc_type: str, category: str = "", case_type: str = "", year: object = None, status: str = "") -> str:
    """The badge row shown above a result or a document."""
    parts = [badge(type_label(doc_type), doc_type)]
    if case_type:
        parts.append(badge(case_type))
    if category:
        parts.append(badge(category))
    if year:
        parts.append(badge(f"{year} 年"))
    if status and status != "现行":
        parts.append(badge(status, "superseded"))
    return "".join(parts)


# Every ASCII character Markdown (and Streamlit's :icon:, :color[…] and $LaTeX$) gives a meaning
# to, escaped with a backslash, which CommonMark allows before any ASCII punctuation. Escaping
# ! [ ] ( ) < > leaves no image, link or HTML tag (an image's address would be fetched by every
# reader's browser); : / @ and the dot of "www." leave no bare web or mail address to autolink.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()~$:/!<>&|@=])")
_MD_WWW = re.compile(r"(www)\.", re.I)
# A list, heading or quote at a line's start; a backslash before a digit is no escape: "1\\." is.
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+#>])|(\d+)([.)]))", re.M)


def md(text: object) -> str:
    """Escape text for a Markdown context (alerts, captions, labels, headings): shown as typed,
    with no images, links, HTML, styling, LaTeX or icons."""
    escaped = _MD_WWW.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", str(text)))
    return _MD_LINE_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else m.group(3) + "\\" + m.group(4)), escaped
    )


def code(text: object) -> str:
    """Text as one inline code span (shown verbatim): a backtick or a line break in it would end
    the span and let the rest be read as Markdown."""
    return "`" + " ".join(str(text).replace("`", "'").split("\n")) + "`"


def excerpt(text: str, limit: int = 120) -> str:
    """Escaped plain excerpt."""
    return html.escape(plain_excerpt(text, limit))
