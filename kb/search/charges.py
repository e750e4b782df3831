"""The charge vocabulary: 罪名 and 违法行为 names, the articles that define them, fact patterns,
and the charges a text names or signals."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.errors import ContentError, Problem
from kb.search import analysis
from kb.statutes.citations import parse_citation


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


# -- charges in a text ------------------------------------------------------------------------


def charge_variants(charge: str) -> list[str]:
    """Phrases that name a charge in text: 盗窃罪 -> 盗窃; 走私、贩卖、运输、制造毒品罪 -> 贩卖毒品 …

    A compound name lists verbs before a shared object (走私、贩卖…毒品): each verb is joined to
    the object; bare verbs (走私, 生产) are never variants, as they name no charge on their own.
    """
    stem = charge[:-1] if charge.endswith("罪") else charge
    parts = [p for p in stem.split("、") if p]
    if len(parts) <= 1:
        return [stem] if len(stem) >= 2 else []
    out = [stem]
    first_long = next((i for i, p in enumerate(parts) if len(p) > 2), None)
    if first_long is None:  # 窝藏、包庇
        out.extend(parts)
    elif first_long > 0:  # 走私、贩卖、运输、制造毒品: verbs, then verb + object
        obj = parts[first_long][2:]
        out.extend(p + obj for p in parts[:first_long])
        out.append(parts[first_long])
    else:  # 拐卖妇女、儿童: verb + object, then more objects
        out.append(parts[0])
        verb = parts[0][:2]
        out.extend(verb + p for p in parts[1:] if len(p) <= 2)
    return [v for v in dict.fromkeys(out) if len(v) >= 2]


@lru_cache(maxsize=8)
def _matcher(charges: tuple[str, ...]) -> tuple[re.Pattern[str] | None, dict[str, tuple[str, ...]]]:
    table: dict[str, list[str]] = {}
    for charge in charges:
        for variant in charge_variants(analysis.fold(charge)):
            table.setdefault(variant, []).append(charge)
    if not table:
        return None, {}
    # Longest first, so 合同诈骗 wins over the 诈骗 inside it.
    alternatives = sorted(table, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, alternatives))), {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=8)
def _cues(charges: tuple[str, ...], cues: tuple[Cue, ...]) -> tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]:
    """The fact patterns (data/charge_cues.txt) of the charges in the vocabulary, compiled."""
    known = set(charges)
    out = []
    for cue in cues:
        present = tuple(n for n in cue.names if n in known)
        if present:
            out.append((present, re.compile(cue.pattern, re.IGNORECASE)))  # the text is folded to lower case
    return tuple(out)


# A fact denied just before it is named (未发生交通事故, 没有殴打, 不构成盗窃罪) signals nothing.
_NEGATION = re.compile(r"(?:未|没有?|无|不|并非|非)(?:发生|造成|构成|实施|存在|涉嫌|有|系|是|被)?$")


def negated(folded: str, start: int) -> bool:
    """Whether the words just before `start` deny what follows (未发生, 没有, 不构成)."""
    return bool(_NEGATION.search(folded[max(0, start - 4) : start]))


def charge_mentions(text: str, charges: Iterable[str]) -> Counter:
    """How often each charge is named in the text; a name followed by 罪 (犯盗窃罪) counts double,
    a denied one (不构成盗窃罪) not at all."""
    counts: Counter = Counter()
    for folded, m, named in _mentions(text, charges):
        if not negated(folded, m.start()):
            weight = 2 if folded.startswith("罪", m.end()) else 1
            for charge in named:
                counts[charge] += weight
    return counts


def _mentions(text: str, charges: Iterable[str]) -> Iterator[tuple[str, re.Match, tuple[str, ...]]]:
    """Each place the folded text names a charge: (the folded text, the match, the charges it names)."""
    pattern, table = _matcher(tuple(charges))
    if pattern is None:
        return
    folded = analysis.fold(text)
    for m in pattern.finditer(folded):
        yield folded, m, tuple(table[m.group()])


_ALLEGING = re.compile(r"(?:涉嫌|构成|犯有?|以|定性为|认定为)$")


def charges_alleged(text: str, charges: Iterable[str]) -> Counter:
    """Charges the text names as what the case is: 涉嫌盗窃, 构成盗窃罪, 犯盗窃罪, or a specific name
    of four characters or more (容留他人吸毒, 开设赌场). A bare verb in the narrative (被害人被诈骗的
    钱款, 盗窃来的手机) says what happened to someone, often in another's crime, so it does not count;
    nor does a denied name (不构成盗窃罪)."""
    counts: Counter = Counter()
    for folded, m, named in _mentions(text, charges):
        before = folded[max(0, m.start() - 4) : m.start()]
        claimed = folded.startswith("罪", m.end()) or _ALLEGING.search(before) or len(m.group()) >= 4
        if claimed and not negated(folded, m.start()):
            for charge in named:
                counts[charge] += 1
    return counts


def charges_named(text: str, charges: Iterable[str]) -> list[str]:
    """Charges a case name or verdict names (郭某走私、贩卖、运输、制造毒品罪一案), in order of appearance."""
    pattern, table = _matcher(tuple(charges))
    if pattern is None:
        return []
    found: dict[str, None] = {}
    for m in pattern.finditer(analysis.fold(text)):
        for charge in table[m.group()]:
            found[charge] = None
    return list(found)


def charge_cues(text: str, charges: Iterable[str], cues: Sequence[Cue] = ()) -> Counter:
    """Charges whose fact patterns the text shows (酒后驾驶 -> 危险驾驶罪), with counts; a denied
    fact (未发生交通事故) shows none."""
    counts: Counter = Counter()
    folded = analysis.fold(text)
    for names, pattern in _cues(tuple(charges), tuple(cues)):
        n = sum(1 for m in pattern.finditer(folded) if not negated(folded, m.start()))
        if n:
            for name in names:
                counts[name] += n
    return counts


def charge_signals(text: str, charges: Iterable[str], cues: Sequence[Cue] = ()) -> Counter:
    """Charges the text names or whose fact patterns it shows (酒后驾驶 -> 危险驾驶罪), with counts."""
    vocabulary = tuple(charges)
    return charge_mentions(text, vocabulary) + charge_cues(text, vocabulary, cues)


def detect_charges(text: str, charges: Iterable[str], cues: Sequence[Cue] = (), limit: int = 3) -> list[str]:
    """Likely charges (罪名 / 违法行为) from the text alone, strongest first."""
    return [c for c, _ in charge_signals(text, charges, cues).most_common(limit)]


@lru_cache(maxsize=4096)
def _names(charge: str) -> frozenset[str]:
    return frozenset([conduct(charge), *charge_variants(charge)])


def same_offence(a: str, b: str) -> bool:
    """Whether two names are of one conduct, or one is a part of the other's compound name
    (贩卖毒品罪 and 走私、贩卖、运输、制造毒品罪; 盗窃 and 盗窃罪)."""
    return bool(_names(a) & _names(b))


def conduct(charge: str) -> str:
    """The conduct a charge names, the same for a 违法行为 and its 罪名 (盗窃 and 盗窃罪): the
    facts decide between a public-order penalty and a crime, so both kinds of case are alike."""
    return charge.removesuffix("罪")
