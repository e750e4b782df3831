"""Categories, stages, audiences and kinds, read from the legal section's data file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.errors import ContentError, Problem


@dataclass(frozen=True)
class Taxonomy:
    """The controlled vocabularies documents are checked against."""

    groups: dict[str, tuple[str, ...]]  # 刑事 / 行政 / 综合 -> categories
    stages: tuple[str, ...]
    audiences: tuple[str, ...]
    kinds: tuple[str, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c for cats in self.groups.values() for c in cats)

    def group_of(self, category: str) -> str | None:
        """Return the group (刑事 / 行政 / 综合) a category belongs to."""
        for group, cats in self.groups.items():
            if category in cats:
                return group
        return None


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and check data/taxonomy.yaml."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContentError([Problem(str(path), 1, "", f"无法读取分类体系：{exc}")]) from exc
    problems = []
    groups = raw.get("categories")
    if not isinstance(groups, dict) or not groups:
        problems.append(Problem(str(path), 1, "categories", "缺少类别分组（刑事 / 行政 / 综合）"))
        groups = {}
    lists = {}
    for key in ("stages", "audiences", "kinds"):
        value = raw.get(key)
        if not isinstance(value, list) or not value:
            problems.append(Problem(str(path), 1, key, "应为非空列表"))
            value = []
        lists[key] = tuple(str(v) for v in value)
    seen: dict[str, str] = {}
    for group, cats in groups.items():
        for cat in cats or []:
            if cat in seen:
                problems.append(Problem(str(path), 1, "categories", f"类别“{cat}”同时出现在“{seen[cat]}”和“{group}”中"))
            seen[cat] = group
    if problems:
        raise ContentError(problems)
    return Taxonomy(
        groups={str(g): tuple(str(c) for c in cats or []) for g, cats in groups.items()},
        stages=lists["stages"],
        audiences=lists["audiences"],
        kinds=lists["kinds"],
    )
