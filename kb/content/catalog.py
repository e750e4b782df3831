"""Where documents live: the published files under guides/ and casebook/ by id, and where a new one goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.content.documents import TYPE_CASE, iter_content_files, split_front_matter
from kb.content.fields import ID_PATTERN
from kb.content.frontmatter import plain_fields
from kb.content.taxonomy import Taxonomy, load_taxonomy
from kb.settings import Settings


@dataclass(frozen=True)
class Published:
    """A document as it currently is in guides/ or casebook/."""

    id: str
    path: str
    text: str
    version: int
    status: str
    title: str


def _scan(path: Path, rel: str) -> Published | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    source = split_front_matter(text)
    if source.front_matter is None:
        return None
    found = plain_fields(source.front_matter, ("id", "version", "status", "title"))
    if not found.get("id"):
        return None
    version = int(found["version"]) if found.get("version", "").isdigit() else 0
    return Published(found["id"], rel, text, version, found.get("status", ""), found.get("title", ""))


def published_documents(settings: Settings) -> dict[str, Published]:
    """Every file under guides/ and casebook/, by id (read from the files, the source of truth)."""
    out: dict[str, Published] = {}
    for path in iter_content_files(settings.content_dir):
        found = _scan(path, path.relative_to(settings.content_dir).as_posix())
        if found is not None:
            out.setdefault(found.id, found)
    return out


def find_published(settings: Settings, doc_id: str) -> Published | None:
    """The current file of a document, or None."""
    return published_documents(settings).get(doc_id)


def load_content_taxonomy(settings: Settings) -> Taxonomy:
    """The categories, stages and audiences the content is validated against."""
    return load_taxonomy(settings.data_dir / "taxonomy.yaml")


def choose_path(doc_type: str, meta: dict, taxonomy: Taxonomy, fallback: str) -> str:
    """Where a document with this front matter is written, relative to the content folder.

    `fallback` stands in for a missing or malformed id; a case with an unknown category goes to 未分类.
    """
    doc_id = str(meta.get("id") or "").strip()
    if not ID_PATTERN.match(doc_id):
        doc_id = fallback
    if doc_type == TYPE_CASE:
        category = str(meta.get("category") or "").strip()
        folder = category if category in taxonomy.categories else "未分类"
        return f"casebook/{folder}/{doc_id}.md"
    return f"guides/{doc_id}.md"
