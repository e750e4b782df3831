"""Statute citation parsing and normalisation (刑法第二百六十四条 ↔ 刑法:264).

Law names live in kb.statutes.names, numerals and article labels in kb.statutes.numerals; both are
re-exported here, where most callers look for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from kb.statutes.names import ALIASES, LAW_SUFFIXES, PRC, SHORT_NAMES, canonical_law_name
from kb.statutes.numerals import FULLWIDTH_DIGITS, article_label, articles_label, cn_to_int, int_to_cn

__all__ = [
    "ALIASES",
    "SHORT_NAMES",
    "Citation",
    "article_label",
    "articles_label",
    "canonical_law_name",
    "citation_context",
    "cn_to_int",
    "edition",
    "expand_short_names",
    "extract_citations",
    "find_abbreviations",
    "int_to_cn",
    "unsettled_short_names",
    "parse_citation",
]

# A name that is only one of these ("《解释》") means something only as a defined abbreviation.
_GENERIC = frozenset(LAW_SUFFIXES) | {"法律", "决定", "通知"}
_DETERMINERS = ("本", "该", "此", "这", "上述", "前述", "上列", "下列", "其", "有关", "相关", "同")
# Words that end like a law name but name none.
_NOT_LAWS = frozenset(
    [
        "现行法",
        "新法",
        "旧法",
        "原法",
        "上位法",
        "下位法",
        "特别法",
        "一般法",
        "实体法",
        "程序法",
        "部门法",
        "现行规定",
        "国家规定",
        "法律规定",
        "有关规定",
    ]
)

_CN = "零〇一二两三四五六七八九十百千万"

_SP = r"[ \t\u3000]*"
_NUM = rf"(?:[0-9０-９]+|[{_CN}]+)"
# One article reference: 第X条[之Y][第Z款][第（W）项], or bare digits (刑法264条 / 刑法264).
_ARTICLE_RE = re.compile(
    rf"(?:第{_SP}(?P<art>{_NUM}){_SP}条(?!件)"
    rf"|(?<![0-9０-９.．])(?P<dart>[0-9０-９]{{1,4}})(?![0-9０-９])(?:{_SP}(?P<dtiao>条)(?!件))?)"
    rf"(?:{_SP}之{_SP}(?P<sub>{_NUM}))?"
    rf"(?:{_SP}第{_SP}(?P<para>{_NUM}){_SP}款)?"
    rf"(?:{_SP}第{_SP}[（(]?{_SP}{_NUM}{_SP}[）)]?{_SP}项)?"
)
_MORE_PARA_RE = re.compile(
    rf"{_SP}(?:、|，|,|和|及|或者|或)?{_SP}第{_SP}(?P<para>{_NUM}){_SP}款"
    rf"(?:{_SP}第{_SP}[（(]?{_SP}{_NUM}{_SP}[）)]?{_SP}项)?"
)
# Name candidates are read backwards from the article: reversed text, anchored at its start.
# An edition note may stand between name and article: 《治安管理处罚法》（2025年6月27日修订）第九条.
_REV_NAME_RE = re.compile(
    r"[ \t\u3000]*(?:[）)](?P<note>[^（）()\n]{0,60}?年[0-9０-９]{4}[^（）()\n]{0,60}?)[（(][ \t\u3000]*)?"
    r"(?:》(?P<b>[^《》\n]{1,120})《|(?P<n>[\u4e00-\u9fff、]{1,120}))"
)
_YEAR_RE = re.compile(r"([0-9０-９]{4})\s*年(?:\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日)?")
_WHOLE_RE = re.compile(
    rf"\s*(?P<name>.+?){_SP}(?:第{_SP})?(?P<art>{_NUM}){_SP}(?:条)?"
    rf"(?:{_SP}之{_SP}(?P<sub>{_NUM}))?(?:{_SP}第{_SP}(?P<para>{_NUM}){_SP}款)?"
    rf"(?:{_SP}第{_SP}[（(]?{_SP}{_NUM}{_SP}[）)]?{_SP}项)?\s*"
)
_ABBR_RE = re.compile(
    r"(?:《(?P<full>[^《》\n]{1,120})》|(?P<run>[\u4e00-\u9fff、]{2,120}?))[ \t\u3000]*"
    r"[（(][ \t\u3000]*(?:以下|下文)?[ \t\u3000]*(?:简称|下称|称)[为：:]?[ \t\u3000]*"
    r"(?:《(?P<a1>[^《》\n]{1,30})》|“(?P<a2>[^”\n]{1,30})”|\"(?P<a3>[^\"\n]{1,30})\""
    r"|(?P<a4>[^）)\n，,；;“”《》\"]{1,30}))[ \t\u3000]*[）)]"
)
# What every _ABBR_RE match contains; _ABBR_RE's lazy run alternative tries every Chinese
# character as a start, so texts without this (most) skip it: 0.5 ms a document.
_ABBR_ANCHOR_RE = re.compile(r"[（(][ \t\u3000]*(?:以下|下文)?[ \t\u3000]*(?:简称|下称|称)")
_BRACKET_RE = re.compile(r"《(?P<b>[^《》\n]{1,120})》(?:[ \t\u3000]*[（(](?P<note>[^（）()\n]{1,120})[）)])?")
_NAME_NOTE_RE = re.compile(r"[ \t\u3000]*[（(]([^（）()]*[0-9０-９]{4}\s*年[^（）()]*)[）)][ \t\u3000]*$")
_SENTENCE_END_RE = re.compile(r"[。！？!?\n]")
_STOP_RE = re.compile(
    "依照|根据|按照|违反|依据|适用|参照|对照|援引|引用|触犯|符合|属于|构成|以及|或者|按|的|了|和|及|与|或|、|即|是|在"
)
_ISSUER_STOP_RE = re.compile(
    "依照|根据|按照|违反|依据|参照|对照|援引|引用|触犯|符合|属于|以及|或者|按|的|了|和|及|与|或"
)
_KNOWN_MAX = max(map(len, ALIASES))
_NO_NAME, _REJECT, _SELF_REF = "", "\0reject", "\0self"


@dataclass(frozen=True)
class Citation:
    """One statute article cited in a text."""

    law: str
    article: str
    paragraph: int | None
    start: int
    end: int
    text: str
    version: str | None = None  # edition named in the text: "2025" or "2025-06-27" from （2025年6月27日修订）

    @property
    def key(self) -> str:
        """The article's index key, e.g. "刑法:133-1" (paragraph not included)."""
        return f"{self.law}:{self.article}"

    @property
    def label(self) -> str:
        """The citation written out, e.g. "刑法第一百三十三条之一第一款"."""
        para = f"第{int_to_cn(self.paragraph)}款" if self.paragraph else ""
        return article_label(self.key) + para


def edition(note: str | None) -> str | None:
    """The edition a note such as "2025年6月27日修订" names: "2025-06-27", or "2025" for a bare year."""
    m = _YEAR_RE.search(note or "")
    if not m:
        return None
    year, month, day = (part.translate(FULLWIDTH_DIGITS) if part else None for part in m.groups())
    return f"{year}-{int(month):02d}-{int(day):02d}" if month and day else year


def _article_number(art: str, sub: str | None) -> str:
    number = str(cn_to_int(art))
    return f"{number}-{cn_to_int(sub)}" if sub else number


def parse_citation(s: str) -> Citation | None:
    """Parse a string that is exactly one citation ("刑法第264条", "《刑法》264条"); None if it is not."""
    m = _WHOLE_RE.fullmatch(s)
    if not m:
        return None
    name, start = m["name"], m.start("name")
    version = None
    if note := _NAME_NOTE_RE.search(name):
        version, name = edition(note[1]), name[: note.start()]
    if name.startswith("《") and name.endswith("》"):
        law = canonical_law_name(name[1:-1])
    elif re.fullmatch(r"[\u4e00-\u9fff、]+", name):
        law, offset = _name_in_run(name, {})
        law, start = (law or canonical_law_name(name)), start + offset * bool(law)
    else:
        law = canonical_law_name(name)
    # 条 may stand inside a name (…实施条例) but a name never ends with it.
    if len(law) < 2 or law in _GENERIC or any(c in law for c in "《》第\0") or law.endswith("条"):
        return None
    end = len(s.rstrip())
    para = cn_to_int(m["para"]) if m["para"] else None
    return Citation(law, _article_number(m["art"], m["sub"]), para, start, end, s[start:end], version)


def _cut_after_last(segment: str, stop_re: re.Pattern[str]) -> int:
    masked = segment.replace(PRC, "\0" * len(PRC))  # 共和国 contains 和
    cut = 0
    for m in stop_re.finditer(masked):
        cut = m.end()
    prc = segment.rfind(PRC)
    return max(cut, prc) if prc >= 0 else cut


def _name_in_run(run: str, abbreviations: Mapping[str, str]) -> tuple[str, int]:
    """Find the law name a run of text ends with: (law or a marker, offset of the name in run)."""
    about = run.rfind("关于")
    if about >= 0 and run.endswith(LAW_SUFFIXES):  # a full title: 最高人民法院关于…的解释
        offset = _cut_after_last(run[:about], _ISSUER_STOP_RE)
        while run[offset] == "、":
            offset += 1
        return canonical_law_name(run[offset:]), offset
    longest = max(_KNOWN_MAX, max(map(len, abbreviations), default=0))
    for size in range(min(len(run), longest), 0, -1):
        tail = run[-size:]
        # An abbreviation (解释) must stand alone, not end a longer title (…问题的解释).
        if tail in abbreviations and _cut_after_last(run[:-size], _STOP_RE) == len(run) - size:
            return abbreviations[tail], len(run) - size
        if size >= 2 and tail in ALIASES:
            offset = len(run) - size
            if run[:offset].endswith(PRC):
                offset -= len(PRC)
            return ALIASES[tail], offset
    if not run.endswith(LAW_SUFFIXES):
        return _NO_NAME, len(run)
    offset = _cut_after_last(run, _STOP_RE)
    if run.startswith("年", offset):  # "2019年帮信解释": the year is not part of the name
        offset += 1
    name = run[offset:]
    suffix = next(s for s in LAW_SUFFIXES if name.endswith(s))
    stem = name[: -len(suffix)]
    if stem.endswith("本"):  # 本法, 具有本解释: the text refers to itself
        return _SELF_REF, len(run) - len(suffix) - 1
    if name.startswith(_DETERMINERS) or stem.endswith(_DETERMINERS) or len(stem) < 2 or name in _NOT_LAWS:
        return _REJECT, offset
    return canonical_law_name(name), offset


def _abbreviation_defs(text: str) -> Iterator[tuple[int, str, str]]:
    if "称" not in text or not _ABBR_ANCHOR_RE.search(text):
        return
    for m in _ABBR_RE.finditer(text):
        abbr = canonical_law_name(m["a1"] or m["a2"] or m["a3"] or m["a4"] or "")
        if m["full"]:
            full = canonical_law_name(m["full"])
        else:
            full, _ = _name_in_run(m["run"], {})
            if full in (_NO_NAME, _REJECT, _SELF_REF):
                continue
        if abbr and full and abbr != full:
            yield m.end(), abbr, full


def _short_name_mentions(text: str) -> Iterator[tuple[int, str, str]]:
    """(end, short name, law) for each full name in `text` a short name may stand for: after
    "公安机关办理行政案件程序规定", a bare "程序规定" means that one."""
    for short, meanings in SHORT_NAMES.items():
        laws = set(meanings.values())
        names = sorted((a for a, law in ALIASES.items() if law in laws and a != short), key=len, reverse=True)
        if not any(name in text for name in names):
            continue
        for m in re.finditer("|".join(map(re.escape, names)), text):
            yield m.end(), short, ALIASES[m[0]]


def _definitions(text: str) -> list[tuple[int, str, str]]:
    """Explicit abbreviations and short-name mentions, in order of position."""
    return sorted([*_abbreviation_defs(text), *_short_name_mentions(text)], key=lambda d: d[0])


def find_abbreviations(text: str) -> dict[str, str]:
    """Abbreviations a text defines, e.g. "（以下简称《解释》）" -> {"解释": "<full title>"}; a short
    name (程序规定) means the first of its laws the text names."""
    found: dict[str, str] = {}
    for _, short, law in _short_name_mentions(text):
        found.setdefault(short, law)
    return found | {abbr: full for _, abbr, full in _abbreviation_defs(text)}


def citation_context(text: str, *, laws: Iterable[str] = (), case_type: str | None = None) -> dict[str, str]:
    """The abbreviations a document's citations are read with: its own definitions and mentions,
    then the laws its front matter cites, then its case type (刑事 / 行政) for SHORT_NAMES."""
    found: dict[str, str] = {}
    laws = list(laws)  # citations (刑法第264条), article keys (刑法:264) or law names
    cited = {c.law for law in laws if (c := parse_citation(law)) is not None}
    cited |= {canonical_law_name(law.rpartition(":")[0] or law) for law in laws}
    for short, meanings in SHORT_NAMES.items():
        named = [law for law in meanings.values() if law in cited]
        if len(named) == 1:
            found[short] = named[0]
        elif case_type in meanings and (not named or meanings[case_type] in named):
            found[short] = meanings[case_type]
    return found | find_abbreviations(text)


def unsettled_short_names(text: str, abbreviations: Mapping[str, str]) -> list[tuple[int, str]]:
    """(offset, cited text) of each citation whose law is a SHORT_NAMES name nothing settled."""
    return [(c.start, c.text) for c in extract_citations(text, abbreviations=abbreviations) if c.law in SHORT_NAMES]


def extract_citations(
    text: str,
    *,
    abbreviations: Mapping[str, str] | None = None,
    default_law: str | None = None,
) -> list[Citation]:
    """Find every statute citation in free text, in order of appearance."""
    abbrevs = {canonical_law_name(k): canonical_law_name(v) for k, v in (abbreviations or {}).items()}
    pending = _definitions(text)
    pending.reverse()
    default = canonical_law_name(default_law) if default_law else None
    mentions = _bracketed_mentions(text)
    found: list[Citation] = []
    last_law, last_end, last_version = None, -1, None
    pos = floor = 0
    while m := _ARTICLE_RE.search(text, pos):
        start, pos = m.start(), m.end()
        while pending and pending[-1][0] <= start:
            _, abbr, full = pending.pop()
            abbrevs[abbr] = full
        while mentions and mentions[-1][0] < start:
            last_end, last_law, last_version = mentions.pop()
        law, name_start, version, name_m = _law_before(text, start, floor, abbrevs)
        if m["dart"] is not None and (law in (_NO_NAME, _REJECT, _SELF_REF) or not _digits_ok(m, law, name_m, text)):
            pos = m.start() + len(m["dart"])
            continue
        if law == _SELF_REF:
            law = default or _REJECT
        if law == _REJECT:
            continue
        if law == _NO_NAME:
            name_start = start
            same_sentence = last_law and not _SENTENCE_END_RE.search(text, last_end, start)
            law, version = (last_law, last_version) if same_sentence else (default, None)
            if not law:
                continue
        article = _article_number(m["art"] or m["dart"], m["sub"])
        para = cn_to_int(m["para"]) if m["para"] else None
        found.append(Citation(law, article, para, name_start, pos, text[name_start:pos], version))
        pos = _more_paragraphs(text, pos, found)
        last_law, last_end, last_version, floor = law, pos, version, pos
    return found


def _bracketed_mentions(text: str) -> list[tuple[int, str, str | None]]:
    """(start, law, edition) of each known law named in 《》, last first: an article after it without
    a name of its own, in the same sentence, belongs to it."""
    mentions = [
        (m.start(), law, edition(m["note"]))
        for m in _BRACKET_RE.finditer(text)
        if (law := canonical_law_name(m["b"])) in ALIASES.values()
    ]
    mentions.reverse()
    return mentions


def _law_before(
    text: str, start: int, floor: int, abbrevs: Mapping[str, str]
) -> tuple[str, int, str | None, re.Match[str] | None]:
    """The law named right before an article reference at `start` (read backwards, not past `floor`):
    (the law or a marker, where its name starts, the edition its note names, the name's match)."""
    reverse = text[max(floor, start - 120) : start][::-1]
    name_m = _REV_NAME_RE.match(reverse)
    law, name_start = _NO_NAME, start
    version = edition(name_m["note"][::-1]) if name_m and name_m["note"] else None
    if name_m and name_m["b"] is not None:
        law = canonical_law_name(name_m["b"][::-1])
        law = abbrevs.get(law, law)
        if law in _GENERIC:
            law = _REJECT
        name_start = start - name_m.end()
    elif name_m:
        run = name_m["n"][::-1]
        law, offset = _name_in_run(run, abbrevs)
        name_start = start - name_m.end() + offset
    return law, name_start, version, name_m


def _more_paragraphs(text: str, pos: int, found: list[Citation]) -> int:
    """Add the further paragraphs that follow the citation last found (第一款、第二款); return where they end."""
    cite = found[-1]
    while more := _MORE_PARA_RE.match(text, pos):
        para_start = more.start() + more.group(0).index("第")
        para = cn_to_int(more["para"])
        text_of = text[para_start : more.end()]
        found.append(Citation(cite.law, cite.article, para, para_start, more.end(), text_of, cite.version))
        pos = more.end()
    return pos


def expand_short_names(citations: Iterable[Citation], laws: Iterable[str]) -> list[Citation]:
    """Give a citation of a short name (程序规定) the one law among `laws` (say, the front matter's) ending with it."""
    names = {canonical_law_name(law) for law in laws}
    out = []
    for cite in citations:
        if cite.law not in names:
            longer = [name for name in names if name.endswith(cite.law)]
            if len(longer) == 1:
                cite = replace(cite, law=longer[0])
        out.append(cite)
    return out


def _digits_ok(m: re.Match[str], law: str, name_m: re.Match[str] | None, text: str) -> bool:
    """Bare digits count as an article only right after a law name; without 条 only after a known one."""
    if name_m is None or name_m.end() == 0:
        return False
    if m["dtiao"] or m["sub"] or m["para"]:
        return True
    after = text[m.end() : m.end() + 1]
    known = name_m["b"] is not None or law in ALIASES.values()
    return known and (not after or not (after.isalnum() or after in ".．-—%％"))
