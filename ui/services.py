"""Settings for this run and the cached search service with the cached calls into it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import streamlit as st

from kb.errors import KBError
from kb.search.index import current_dir
from kb.search.service import SearchResults, SearchService, StoredDocument
from kb.settings import Settings, load_settings
from ui.markup import md


def settings() -> Settings:
    """Settings for this run (cheap; read again each run so tests can point at other folders)."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def search_service(s: Settings) -> SearchService:
    """The search service for these settings, opened once per process (clear() after a publish)."""
    return SearchService(s)


def service() -> SearchService | None:
    """The shared search service, or None (with the error shown) when the index cannot be opened."""
    s = settings()
    if current_dir(s.index_dir) is None:
        st.warning("索引尚未建立。请在命令行运行 `python indexer.py build`，或修正内容错误后刷新页面。")
        return None
    try:
        return search_service(s)
    except KBError as exc:
        st.error(md(exc))
        return None


def require_service() -> SearchService:
    """The search service, or stop the page after explaining why there is none."""
    svc = service()
    if svc is None:
        st.stop()
    return svc


@st.cache_data(max_entries=8, show_spinner=False)
def _stats(s: Settings, version: str) -> dict:
    if empty_index(s, version):
        return {"total": 0, "facets": {}}
    stats = search_service(s).stats()
    return {"total": stats["total"], "facets": stats["facets"]}


def stats() -> dict:
    """Corpus counts ({total, facets}), cached per index version."""
    s = settings()
    return _stats(s, index_version(s))


COUNTED_TYPES = ("guide", "case", "law")


@st.cache_data(max_entries=8, show_spinner=False)
def _corpus_counts(s: Settings, version: str) -> dict[str, dict[str, int]]:
    if empty_index(s, version):
        return {}
    svc = search_service(s)
    # The same searches the search page's facets run: one count everywhere.
    return {
        t: dict(svc.search("", {"type": [t]}, per_page=1, include_superseded=True).facets.get("status", {}))
        for t in COUNTED_TYPES
    }


def corpus_counts() -> dict[str, dict[str, int]]:
    """Documents by type and status ({"law": {"现行": 2954, "已失效": 119}}), cached per index version."""
    s = settings()
    return _corpus_counts(s, index_version(s))


@st.cache_data(max_entries=8, show_spinner=False)
def empty_index(s: Settings, version: str) -> bool:
    """True when index version `version` holds no documents (cached per version)."""
    return not search_service(s).documents(limit=1)


def index_is_empty() -> bool:
    """True when the index exists but holds no documents (searching it would fail)."""
    s = settings()
    return current_dir(s.index_dir) is not None and empty_index(s, index_version(s))


EMPTY_MESSAGE = (
    "索引中还没有任何文档。请把办案指引放入 guides/、精品案例放入 casebook/<类别>/，然后运行 python indexer.py build。"
)


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
    return search_service(s).search(
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
def _indexed_documents(s: Settings, version: str) -> tuple[dict, ...]:
    keep = (
        "id", "title", "type", "category", "group", "case_type", "kind", "stage", "audience", "laws",
        "charges", "guides", "supersedes", "superseded_by", "status", "year", "issued", "summary", "unit",
        "path", "article_key", "law",
    )  # fmt: skip
    return tuple({k: d.fields.get(k) for k in keep} for d in search_service(s).documents() if d["type"] != "law")


def indexed_documents() -> tuple[dict, ...]:
    """Light records of every guide and case in the index (no bodies), cached per index version."""
    s = settings()
    return _indexed_documents(s, index_version(s))


def indexed_documents_or_stop(doc_type: str, empty: str) -> list[dict]:
    """The indexed records of one type for a list page; with none, the page says `empty` and stops
    (as it does when there is no index)."""
    require_service()
    records = [d for d in indexed_documents() if d["type"] == doc_type]
    if not records:
        st.info(empty, icon=":material/inbox:")
        st.stop()
    return records


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
        return search_service(s)
    except KBError:
        return None
