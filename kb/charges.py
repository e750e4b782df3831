"""The charge vocabulary: 罪名 and 违法行为 names, each optionally linked to the article that defines it."""

from __future__ import annotations

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
