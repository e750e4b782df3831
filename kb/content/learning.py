"""Learning paths: ordered reading lists per tier, read and checked from the legal section's data file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.errors import Problem

LEARNING_FILE = "learning_paths.yaml"


@dataclass(frozen=True)
class Step:
    """One document to read, with the reason it is on the path."""

    id: str
    reason: str
    line: int


@dataclass(frozen=True)
class LearningPaths:
    """Tier (单位负责人 / 法制员 / 办案民警) -> ordered steps, and the problems found reading them."""

    paths: dict[str, tuple[Step, ...]]
    problems: tuple[Problem, ...] = ()

    def tiers(self) -> list[str]:
        return list(self.paths)


def load_learning_paths(
    path: Path, tiers: Iterable[str], known_ids: Iterable[str] | None = None, rel: str = "data/learning_paths.yaml"
) -> LearningPaths:
    """Read the learning paths; every unknown tier, bad entry or id that matches no document is a problem."""
    tiers = tuple(tiers)
    if not path.is_file():
        return LearningPaths({}, (Problem(rel, 1, "", "找不到学习路径文件；请在 data/ 下创建 learning_paths.yaml"),))
    problems: list[Problem] = []
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return LearningPaths({}, (Problem(rel, (mark.line + 1) if mark else 1, "", f"不是合法的 YAML：{exc}"),))
    if node is None:
        return LearningPaths({}, (Problem(rel, 1, "", "学习路径文件为空"),))
    if not isinstance(node, yaml.MappingNode):
        return LearningPaths({}, (Problem(rel, 1, "", f"顶层应为层级名称：{'、'.join(tiers)}"),))
    known = set(known_ids) if known_ids is not None else None
    paths: dict[str, tuple[Step, ...]] = {}
    for key_node, value_node in node.value:
        tier = str(key_node.value)
        line = key_node.start_mark.line + 1
        if tier not in tiers:
            problems.append(Problem(rel, line, "", f"未知层级“{tier}”；可选：{'、'.join(tiers)}"))
            continue
        steps: list[Step] = []
        items = value_node.value if isinstance(value_node, yaml.SequenceNode) else []
        for item in items:
            item_line = item.start_mark.line + 1
            data = {str(k.value): str(v.value) for k, v in item.value} if isinstance(item, yaml.MappingNode) else {}
            doc_id, reason = data.get("id", "").strip(), data.get("reason", "").strip()
            if not doc_id:
                problems.append(Problem(rel, item_line, "id", "每项须写 id 和 reason，例如：- id: G-2024-001"))
                continue
            if known is not None and doc_id not in known:
                problems.append(Problem(rel, item_line, "id", f"找不到 id 为“{doc_id}”的文档；请检查 id 是否写错"))
                continue
            if not reason:
                problems.append(Problem(rel, item_line, "reason", f"“{doc_id}”缺少推荐理由", "warning"))
            steps.append(Step(doc_id, reason, item_line))
        paths[tier] = tuple(steps)
    return LearningPaths(paths, tuple(problems))
