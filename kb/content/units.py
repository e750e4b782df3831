"""Units: the 派出所 and 大队 an account belongs to, read and checked from the legal section's data file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.errors import Problem

UNITS_FILE = "units.yaml"
UNITS_REL = "data/units.yaml"
_EXAMPLE = "例如：- 城关派出所"


@dataclass(frozen=True)
class Units:
    """The unit names in file order, and the problems found reading them."""

    names: tuple[str, ...]
    problems: tuple[Problem, ...] = ()


def load_units(path: Path, rel: str = UNITS_REL) -> Units:
    """Read the unit list; a missing file, bad YAML, an entry that is not a name or a duplicate is a problem."""
    if not path.is_file():
        return Units(
            (), (Problem(rel, 1, "", f"找不到单位名单；请在 data/ 下创建 {UNITS_FILE}，每行一项，{_EXAMPLE}"),)
        )
    try:
        # composed, not loaded: every problem names its line
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return Units((), (Problem(rel, (mark.line + 1) if mark else 1, "", f"不是合法的 YAML：{exc}"),))
    if node is None:
        return Units((), (Problem(rel, 1, "", f"单位名单为空；请每行写一项，{_EXAMPLE}"),))
    if not isinstance(node, yaml.SequenceNode):
        line = node.start_mark.line + 1
        return Units((), (Problem(rel, line, "", f"顶层应为单位名称的列表，每行一项，{_EXAMPLE}"),))
    names: list[str] = []
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for item in node.value:
        line = item.start_mark.line + 1
        name = str(item.value).strip() if isinstance(item, yaml.ScalarNode) else ""
        if not name:
            problems.append(Problem(rel, line, "", f"每项须为一个单位名称，{_EXAMPLE}"))
        elif name in first:
            problems.append(Problem(rel, line, "", f"单位“{name}”重复（第 {first[name]} 行已列出）；请删去这一行"))
        else:
            first[name] = line
            names.append(name)
    return Units(tuple(names), tuple(problems))
