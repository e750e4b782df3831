"""The correction file of the 新旧条文对照 (data/law_concordance.yaml): read and validated, every problem collected."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.errors import Problem
from kb.settings import REPO_ROOT
from kb.statutes.lawrefbook import LawShelf, LawVersion, normalize_article, number_label

CORRECTIONS_NAME = "law_concordance.yaml"
# align_versions' default; the CLI, the app and `check` use the one in the settings' data folder.
CORRECTIONS_FILE = REPO_ROOT / "data" / CORRECTIONS_NAME
CORRECTIONS_SHOWN = f"data/{CORRECTIONS_NAME}"
DELETED_WORD = "删除"  # on the new side: the old article has no successor
ADDED_WORD = "新增"  # on the old side: the new article has no predecessor


@dataclass(frozen=True)
class Correction:
    """One entry of the correction file: these old articles pair with these new ones (either side may be empty)."""

    law: str
    old_version: str
    new_version: str
    old: tuple[str, ...]  # article numbers; () for 新增
    new: tuple[str, ...]  # () for 删除
    note: str
    line: int


_ENTRY = re.compile(r"(.+?)\s*(?:->|→)\s*(.+)")
_SPLIT = re.compile(r"\s*[、,，]\s*")
ENTRY_FORM = "每项写成“- 旧条号 -> 新条号: 说明”，例如“- 61 -> 删除: 2025 年修订删去此条”；一条分为数条写“49 -> 58、59”"


def read_corrections(
    path: Path, library: LawShelf, rel: str = CORRECTIONS_SHOWN
) -> tuple[list[Correction], list[Problem]]:
    """Read the correction file: the valid entries, and every problem found (path first, with the fix).

    A missing file holds no corrections. Each entry pins the pairing of the articles it names; an
    article may appear in one entry only (per law and pair of versions).
    """
    if not path.is_file():
        return [], []
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return [], [
            Problem(
                rel,
                line,
                "",
                f"不是合法的 YAML（{getattr(exc, 'problem', None) or exc}）；请对照文件开头的格式说明改正",
            )
        ]
    if root is None:
        return [], []
    reader = _CorrectionReader(library, rel)
    if not isinstance(root, yaml.MappingNode):
        reader.problem(root, "顶层应为“法规名称:”，其下是“旧版本 -> 新版本:”和对照项；请对照文件开头的格式说明改正")
    else:
        for law_node, versions_node in root.value:
            reader.law(law_node, versions_node)
    return reader.entries, reader.problems


class _CorrectionReader:
    """Walks the correction file's YAML nodes, collecting entries and problems."""

    def __init__(self, library: LawShelf, rel: str):
        self.library, self.rel = library, rel
        self.entries: list[Correction] = []
        self.problems: list[Problem] = []
        self.seen: dict[tuple[str, str, str, str, str], int] = {}

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.rel, node.start_mark.line + 1, "", message))

    def law(self, law_node: yaml.Node, versions_node: yaml.Node) -> None:
        name = str(law_node.value).strip() if isinstance(law_node, yaml.ScalarNode) else ""
        versions = self.library.versions(name) if name else []
        if not versions:
            close = difflib.get_close_matches(name, self.library.laws(), 3, 0.3)
            hint = f"相近的有：{'、'.join(close)}" if close else "请写法规库中的法规简称，如“治安管理处罚法”"
            self.problem(law_node, f"法规库中没有“{name}”；{hint}")
            return
        if not isinstance(versions_node, yaml.MappingNode):
            self.problem(versions_node, f"“{name}”下应为“旧版本 -> 新版本:”，例如“{_pair_example(versions)}:”")
            return
        for pair_node, entries_node in versions_node.value:
            self.version_pair(versions, pair_node, entries_node)

    def version_pair(self, versions: list[LawVersion], pair_node: yaml.Node, entries_node: yaml.Node) -> None:
        law = versions[0].law
        m = _ENTRY.fullmatch(str(pair_node.value).strip()) if isinstance(pair_node, yaml.ScalarNode) else None
        if m is None:
            self.problem(pair_node, f"版本应写成“旧版本 -> 新版本”，例如“{_pair_example(versions)}”")
            return
        found = []
        for wanted in (m[1].strip(), m[2].strip()):
            match = [v for v in versions if v.version.startswith(wanted)]
            if len(match) != 1:
                listed = "、".join(v.version for v in versions)
                self.problem(pair_node, f"{law}没有 {wanted} 版；可选：{listed}")
            else:
                found.append(match[0])
        if len(found) < 2:
            return
        old, new = found
        if not isinstance(entries_node, yaml.SequenceNode):
            self.problem(entries_node, f"“{pair_node.value}”下应为对照项的列表；{ENTRY_FORM}")
            return
        for item in entries_node.value:
            self.entry(law, old, new, item)

    def entry(self, law: str, old: LawVersion, new: LawVersion, item: yaml.Node) -> None:
        if (
            isinstance(item, yaml.MappingNode)
            and len(item.value) == 1
            and isinstance(item.value[0][0], yaml.ScalarNode)
        ):
            key_node, note_node = item.value[0]
            text, note = str(key_node.value).strip(), note_node.value if isinstance(note_node, yaml.ScalarNode) else ""
        elif isinstance(item, yaml.ScalarNode):
            text, note = str(item.value).strip(), ""
        else:
            self.problem(item, f"无法识别的对照项；{ENTRY_FORM}")
            return
        m = _ENTRY.fullmatch(text)
        if m is None:
            self.problem(item, f"无法识别的对照项“{text}”；{ENTRY_FORM}")
            return
        sides = [
            self.articles(item, old, m[1].strip(), ADDED_WORD),
            self.articles(item, new, m[2].strip(), DELETED_WORD),
        ]
        if any(side is None for side in sides):
            return
        olds, news = sides
        if not olds and not news:
            self.problem(item, f"“{text}”两边都没有条号；{ENTRY_FORM}")
            return
        if not str(note).strip():
            self.problem(
                item, f"“{text}”缺少说明；请在冒号后写明自动对照为什么有误，例如“- {text}: 2025 年修订将此条拆分”"
            )
            return
        line = item.start_mark.line + 1
        twice = False
        for version, numbers in ((old, olds), (new, news)):
            for number in numbers:
                key = (law, old.version, new.version, version.version, number)
                if key in self.seen:
                    twice = True
                    self.problem(
                        item,
                        f"{version.version} 版{number_label(number)}已在第 {self.seen[key]} 行列出；每条只能列一次，"
                        "一条分为数条请写在同一项中，例如“49 -> 58、59”",
                    )
                else:
                    self.seen[key] = line
        if not twice:
            self.entries.append(Correction(law, old.version, new.version, olds, news, str(note).strip(), line))

    def articles(self, item: yaml.Node, version: LawVersion, side: str, word: str) -> tuple[str, ...] | None:
        """The article numbers of one side ("43", "58、59", "第四十三条"); () for 新增 / 删除; None on a problem."""
        if side in (DELETED_WORD, ADDED_WORD):
            if side != word:
                where = "旧条号" if word == DELETED_WORD else "新条号"
                self.problem(item, f"“{side}”应写在{where}一侧：旧条号写“新增”表示新版新增，新条号写“删除”表示旧版删去")
                return None
            return ()
        numbers = []
        known = {a.article for a in version.articles}
        for part in _SPLIT.split(side):
            number = normalize_article(part)
            if number is None:
                self.problem(item, f"无法识别的条号“{part}”；条号写成 43、133-1 或 第四十三条")
                return None
            if number not in known:
                main = [a for a in version.articles if "-" not in a.article]
                self.problem(
                    item,
                    f"{version.law} {version.version} 版没有{number_label(number)}；该版共 {len(main)} 条"
                    f"（{main[0].label}至{main[-1].label}），请核对条号",
                )
                return None
            numbers.append(number)
        return tuple(numbers)


def _pair_example(versions: list[LawVersion]) -> str:
    return (
        f"{versions[-2].version} -> {versions[-1].version}" if len(versions) > 1 else f"{versions[0].version} -> 新版本"
    )


def check_corrections(library: LawShelf, path: Path = CORRECTIONS_FILE, rel: str = CORRECTIONS_SHOWN) -> list[Problem]:
    """Every problem of the correction file, for `indexer.py check`."""
    return read_corrections(path, library, rel)[1]


__all__ = [
    "CORRECTIONS_FILE",
    "CORRECTIONS_NAME",
    "CORRECTIONS_SHOWN",
    "Correction",
    "check_corrections",
    "read_corrections",
]
