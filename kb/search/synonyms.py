"""The synonym and abbreviation table (醉驾 ↔ 醉酒驾驶 ↔ 危险驾驶) used to expand queries."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kb.errors import ContentError, Problem


@dataclass(frozen=True)
class Synonyms:
    """Groups of interchangeable terms; each term belongs to at most one group."""

    groups: tuple[tuple[str, ...], ...]

    def terms(self) -> list[str]:
        """Every term in the table."""
        return [t for group in self.groups for t in group]

    def expand(self, term: str) -> tuple[str, ...]:
        """Return the other terms of the term's group (empty when it has none)."""
        return self._others.get(term, ())

    @cached_property
    def _others(self) -> dict[str, tuple[str, ...]]:
        """Each term mapped to the rest of its group, built on first use and kept on the table itself."""
        # cached_property writes to the instance __dict__, which a frozen dataclass allows; the cache
        # lives and dies with its table, so no other table can ever read it.
        return {term: tuple(t for t in group if t != term) for group in self.groups for term in group}


def parse_synonyms(text: str, path: str = "data/synonyms.txt") -> Synonyms:
    """Parse the table: one group a line, terms separated by spaces, # comments."""
    from kb.search.analysis import fold

    groups: list[tuple[str, ...]] = []
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        terms = tuple(dict.fromkeys(fold(t) for t in line.split()))
        if len(terms) < 2:
            problems.append(Problem(path, lineno, "", f"同义词组“{line}”只有一个词；每行至少写两个词，用空格分隔"))
            continue
        for term in terms:
            if term in seen:
                problems.append(
                    Problem(path, lineno, "", f"“{term}”已出现在第 {seen[term]} 行；一个词只能属于一个同义词组")
                )
            seen[term] = lineno
        groups.append(terms)
    if problems:
        raise ContentError(problems)
    return Synonyms(tuple(groups))


def load_synonyms(path: Path) -> Synonyms:
    """Read the synonym table; a missing file means no synonyms."""
    if not path.is_file():
        return Synonyms(())
    return parse_synonyms(
        path.read_text(encoding="utf-8"), path.name if path.parent.name != "data" else "data/" + path.name
    )
