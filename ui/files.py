"""Markdown bodies and learning paths read from disk."""

from __future__ import annotations

from kb.content.documents import split_front_matter
from kb.content.learning import LEARNING_FILE, load_learning_paths
from kb.content.taxonomy import load_taxonomy
from kb.errors import KBError
from kb.search.service import StoredDocument
from ui.services import data_path, settings


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
