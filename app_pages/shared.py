"""What every page shares: settings, the cached search service, the startup build, sidebar and CSS."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from kb.documents import TYPE_LABELS
from kb.errors import KBError
from kb.index import build_index, current_dir
from kb.search import SearchService
from kb.settings import Settings, load_settings

_BUILD_LOCK = threading.Lock()

TYPE_ICONS = {"guide": ":material/menu_book:", "case": ":material/gavel:", "law": ":material/balance:"}
STATUS_SUPERSEDED = "不再参照"


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
        st.error(str(exc))
        return None


def require_service() -> SearchService:
    """The search service, or stop the page after explaining why there is none."""
    svc = service()
    if svc is None:
        st.stop()
    return svc


def ensure_index() -> None:
    """Build the index on first start so `streamlit run app.py` works on a fresh checkout."""
    s = settings()
    if current_dir(s.index_dir) is not None:
        return
    with _BUILD_LOCK:
        if current_dir(s.index_dir) is not None:
            return
        box = st.empty()
        failure: KBError | None = None
        with box.container():
            st.info("首次启动：正在根据内容建立检索索引，请稍候……", icon=":material/hourglass_top:")
            bar = st.progress(0.0, text="正在读取内容……")

            def progress(done: int, total: int) -> None:
                bar.progress(done / max(total, 1), text=f"已索引 {done} / {total} 篇")

            try:
                report = build_index(s, progress=progress)
            except KBError as exc:
                failure = exc
        if failure is not None:
            box.empty()
            show_error(failure)
            return
        box.empty()
        _service.clear()
        st.toast(f"索引已建立：{report.added} 篇文档，{report.laws} 条法条", icon=":material/check_circle:")


def show_error(exc: KBError) -> None:
    """Show a core error in Chinese, with every listed problem, never a traceback."""
    problems = getattr(exc, "problems", None)
    if problems:
        lines = "\n".join(f"- `{p}`" for p in problems[:50])
        more = f"\n- ……另有 {len(problems) - 50} 处" if len(problems) > 50 else ""
        st.error(f"{exc}\n\n{lines}{more}")
    else:
        st.error(str(exc))


def sidebar() -> None:
    """The sidebar shown on every page."""
    with st.sidebar:
        st.markdown("### :material/balance: 案例指引库")
        st.caption("办案指引 · 精品案例 · 法条 —— 仅限内网使用")
        s = settings()
        if current_dir(s.index_dir) is None:
            return
        try:
            stats = _stats(s)
        except KBError:
            return
        types = stats["facets"].get("type", {})
        parts = [f"{TYPE_LABELS.get(t, t)} {types.get(t, 0)}" for t in ("guide", "case", "law") if types.get(t)]
        if parts:
            st.caption("收录：" + " · ".join(parts))


@st.cache_data(ttl=60, show_spinner=False)
def _stats(s: Settings) -> dict:
    svc = _service(s)
    stats = svc.stats()
    return {"total": stats["total"], "facets": stats["facets"]}


def page_url(page: str, **params: object) -> str:
    """A relative URL to an app page with query parameters (for links inside HTML)."""
    clean = {k: v for k, v in params.items() if v not in (None, "", [], ())}
    return page + ("?" + urlencode(clean, doseq=True) if clean else "")


def doc_url(doc_id: str, q: str | None = None) -> str:
    """The link to one document, carrying the search terms to highlight."""
    return page_url("doc", id=doc_id, q=q)


def type_label(doc_type: str) -> str:
    """指引 / 案例 / 法条."""
    return TYPE_LABELS.get(doc_type, doc_type)


CSS = """
<style>
html, body, [class*="st-"], .stMarkdown, .stText, button, input, textarea {
  font-family: "Source Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei",
    "PingFang SC", "Hiragino Sans GB", sans-serif;
}
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
.kb-doc { line-height: 1.75; }
.kb-doc table { border-collapse: collapse; margin: 0.6rem 0; }
.kb-doc th, .kb-doc td { border: 1px solid #d5d8de; padding: 4px 8px; vertical-align: top; }
.kb-doc th { background: #f4f5f8; }
.kb-doc details.kb-cite { display: inline; }
.kb-doc details.kb-cite > summary { display: inline; cursor: pointer; color: #1d4f91;
  border-bottom: 1px dashed #1d4f91; list-style: none; }
.kb-doc details.kb-cite > summary::-webkit-details-marker { display: none; }
.kb-doc details.kb-cite[open] > .kb-article { display: block; margin: 0.3rem 0 0.5rem 0; padding: 0.4rem 0.7rem;
  background: #faf6ec; border-left: 3px solid #c9a76b; font-size: 0.92rem; }
.kb-doc a.kb-cite { color: #1d4f91; border-bottom: 1px dashed #1d4f91; text-decoration: none; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stSidebarCollapsedControl"], .kb-noprint, [data-testid="stExpander"] summary svg { display: none !important; }
  .main .block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 !important; }
  .kb-doc { font-size: 11pt; line-height: 1.6; }
  .kb-doc a { color: inherit; text-decoration: none; }
  .kb-doc details.kb-cite > .kb-article { display: block; }
}
</style>
"""


def inject_css() -> None:
    """Fonts that render Chinese from local files, badges, highlights and the print layout."""
    st.html(CSS)


def data_path(name: str) -> Path:
    """A file in the data folder (taxonomy, synonyms, learning paths)."""
    return settings().data_dir / name
