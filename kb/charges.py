"""The charge vocabulary: 罪名 and 违法行为 names, the articles that define them, and fact patterns."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from kb.citations import parse_citation
from kb.errors import ContentError, Problem


@dataclass(frozen=True)
class Charge:
    """One 罪名 or 违法行为 and the article keys (刑法:264) that define it."""

    name: str
    laws: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChargeTable:
    """Every charge the legal section listed, in file order."""

    charges: tuple[Charge, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.charges)

    def articles(self, name: str) -> tuple[str, ...]:
        """Article keys that define a charge."""
        for charge in self.charges:
            if charge.name == name:
                return charge.laws
        return ()

    def charges_for(self, key: str) -> tuple[str, ...]:
        """Charges an article defines (刑法:264 -> 盗窃罪)."""
        return tuple(c.name for c in self.charges if key in c.laws)


def parse_charges(text: str, rel: str = "data/charges.txt") -> ChargeTable:
    """Parse `罪名 [法条]` lines; # starts a comment."""
    charges: list[Charge] = []
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, rest = line.partition(" ")
        keys: list[str] = []
        for cite_text in rest.split():
            cite = parse_citation(cite_text)
            if cite is None:
                problems.append(
                    Problem(rel, lineno, "", f"无法识别的法条引用“{cite_text}”；请写成“刑法第二百六十四条”的形式")
                )
            else:
                keys.append(cite.key)
        charges.append(Charge(name, tuple(keys)))
    if problems:
        raise ContentError(problems)
    return ChargeTable(tuple(charges))


def load_charges(path: Path) -> ChargeTable:
    """Read data/charges.txt; a missing file means no charges."""
    if not path.is_file():
        return ChargeTable()
    return parse_charges(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Cue:
    """Fact patterns (regular expressions) that point to charges when the facts name none:
    酒后驾驶 -> 危险驾驶罪. `pattern` joins a group's lines as alternatives."""

    names: tuple[str, ...]
    pattern: str


def parse_cues(
    text: str, rel: str = "data/charge_cues.txt", known: Collection[str] = ()
) -> tuple[tuple[Cue, ...], list[Problem]]:
    """Parse `罪名/违法行为 特征` lines, grouping the lines of the same names; # starts a comment.

    Returns the good lines' cues and a problem for every bad line (with `known`, the charges.txt
    names, other names are problems too). A bad line only loses its own pattern: `check`
    reports the problems, the app and the build carry on without them.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 1)  # any space: ASCII, a tab or the full-width U+3000
        names_text, pattern = parts if len(parts) == 2 else (line, "")
        pattern = pattern.strip()
        names = tuple(n for n in names_text.split("/") if n)
        if not pattern:
            problems.append(
                Problem(rel, lineno, "", f"“{names_text}”后缺少事实特征；每行写“罪名 特征”，中间用空格隔开")
            )
            continue
        found = len(problems)
        try:
            re.compile(pattern)
        except re.error as exc:
            where = f"第 {exc.pos + 1} 个字符附近有误" if exc.pos is not None else "写法有误"
            problems.append(
                Problem(
                    rel,
                    lineno,
                    "",
                    f"事实特征“{pattern}”不是有效的正则表达式（{where}）；请检查括号是否成对、“|”两侧是否都有内容",
                )
            )
        for name in names:
            if known and name not in known:
                problems.append(
                    Problem(rel, lineno, "", f"未知的罪名或违法行为“{name}”；名称须与 data/charges.txt 中的写法一致")
                )
        if len(problems) > found:
            continue
        groups.setdefault(names, []).append(pattern)
    cues = tuple(Cue(names, "|".join(f"(?:{p})" for p in patterns)) for names, patterns in groups.items())
    return cues, problems


def load_cues(path: Path, known: Collection[str] = ()) -> tuple[tuple[Cue, ...], list[Problem]]:
    """Read data/charge_cues.txt (see parse_cues); a missing file means no fact patterns."""
    if not path.is_file():
        return (), []
    return parse_cues(path.read_text(encoding="utf-8"), known=known)
