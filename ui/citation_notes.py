"""The note beside a citation whose article a later version renumbered, changed or deleted (document pages)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import streamlit as st

from kb.content.vocabulary import in_force
from kb.errors import KBError
from kb.rendering.markup import CitationNoteLink
from kb.statutes.citations import Citation
from kb.statutes.concordance import CORRECTIONS_NAME
from kb.statutes.impact import SEVERITY_ERROR, citation_note
from kb.statutes.lawrefbook import EFFECTIVE_FILE
from kb.statutes.library import StatuteLibrary
from ui.services import data_path, settings
from ui.urls import page_url


def _signature(root: Path) -> tuple:
    """Each statute file's name, size and change time, and the effective-date table's: new means reload."""
    files = [*sorted(root.rglob("*.md")), EFFECTIVE_FILE]
    return tuple((str(p), s.st_size, s.st_mtime_ns) for p in files if p.is_file() and (s := p.stat()))


@st.cache_resource(max_entries=2, show_spinner=False)
def _library(root: str, signature: tuple) -> StatuteLibrary:
    # Cached per process: read in tens of milliseconds, and the concordances built on it are cached with it.
    return StatuteLibrary.load(Path(root))


def statute_library() -> StatuteLibrary | None:
    """The statute folder of these settings, read once per change; None when none is configured."""
    root = settings().laws_dir
    if root is None or not root.is_dir():
        return None
    return _library(str(root), _signature(root))


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def note_source(doc: Mapping) -> Callable[[Citation], CitationNoteLink | None] | None:
    """The note for each citation of a stored guide or case, read on its issue date; None without a statute folder."""
    library = statute_library()
    if library is None or doc.get("type") not in ("guide", "case"):
        return None
    on, doc_type, current = _day(doc.get("issued")), doc["type"], in_force(doc.get("status"))
    corrections = data_path(CORRECTIONS_NAME)  # the file `check` validates, as the law page reads it

    def note(cite: Citation) -> CitationNoteLink | None:
        try:
            found = citation_note(library, cite, on, doc_type=doc_type, in_force=current, corrections=corrections)
        except KBError:  # a correction file the legal section is still fixing: no note rather than no page
            return None
        if found is None:
            return None
        href = page_url("law", law=found.target.law, a=found.target.article) if found.target else ""
        return CitationNoteLink(found.text, href, found.severity == SEVERITY_ERROR)

    return note
