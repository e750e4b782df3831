"""Statute citation parsing and normalisation (刑法第二百六十四条 ↔ 刑法:264)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

__all__ = [
    "ALIASES",
    "SHORT_NAMES",
    "Citation",
    "article_label",
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

# Alias -> canonical short name. Identity entries mark names as "known": a known name is
# recognised even when it is short (刑法, 宪法) or glued to the words before it (违反刑法第…).
ALIASES: dict[str, str] = {
    "刑法": "刑法",
    "刑事诉讼法": "刑事诉讼法",
    "刑诉法": "刑事诉讼法",
    "治安管理处罚法": "治安管理处罚法",
    "治安处罚法": "治安管理处罚法",
    "治安法": "治安管理处罚法",
    "行政处罚法": "行政处罚法",
    "行政强制法": "行政强制法",
    "行政诉讼法": "行政诉讼法",
    "行政复议法": "行政复议法",
    "道路交通安全法": "道路交通安全法",
    "道交法": "道路交通安全法",
    "道路交通安全法实施条例": "道路交通安全法实施条例",
    "道交法实施条例": "道路交通安全法实施条例",
    "道路交通安全违法行为处理程序规定": "道路交通安全违法行为处理程序规定",
    "反电信网络诈骗法": "反电信网络诈骗法",
    "反电诈法": "反电信网络诈骗法",
    "禁毒法": "禁毒法",
    "公安机关办理刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "办理刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "公安机关刑事案件程序规定": "公安机关办理刑事案件程序规定",
    "公安机关办理行政案件程序规定": "公安机关办理行政案件程序规定",
    "办理行政案件程序规定": "公安机关办理行政案件程序规定",
    "行政案件程序规定": "公安机关办理行政案件程序规定",
    "公安机关行政案件程序规定": "公安机关办理行政案件程序规定",
    # Officers' own short forms (issue 17).
    "刑事程序规定": "公安机关办理刑事案件程序规定",
    "行政程序规定": "公安机关办理行政案件程序规定",
    "刑案程序规定": "公安机关办理刑事案件程序规定",
    "行政案件办理程序规定": "公安机关办理行政案件程序规定",
    "刑诉法解释": "最高人民法院关于适用刑事诉讼法的解释",
    "高法解释": "最高人民法院关于适用刑事诉讼法的解释",
    # Short names of the judicial interpretations in the statute library, as case write-ups use them.
    "盗窃解释": "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释",
    "诈骗解释": "最高人民法院、最高人民检察院关于办理诈骗刑事案件具体应用法律若干问题的解释",
    "抢夺解释": "最高人民法院、最高人民检察院关于办理抢夺刑事案件适用法律若干问题的解释",
    "抢劫解释": "最高人民法院关于审理抢劫案件具体应用法律若干问题的解释",
    "敲诈勒索解释": "最高人民法院、最高人民检察院关于办理敲诈勒索刑事案件适用法律若干问题的解释",
    "寻衅滋事解释": "最高人民法院、最高人民检察院关于办理寻衅滋事刑事案件适用法律若干问题的解释",
    "个人信息解释": "最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释",
    "侵犯公民个人信息解释": "最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释",
    "掩饰隐瞒解释": "最高人民法院、最高人民检察院关于办理掩饰、隐瞒犯罪所得、犯罪所得收益刑事案件适用法律若干问题的解释",
    "帮信解释": "最高人民法院、最高人民检察院关于办理非法利用信息网络、帮助信息网络犯罪活动等刑事案件适用法律若干问题的解释",
    "赌博解释": "最高人民法院、最高人民检察院关于办理赌博刑事案件具体应用法律若干问题的解释",
    "两高赌博解释": "最高人民法院、最高人民检察院关于办理赌博刑事案件具体应用法律若干问题的解释",
    "两高盗窃解释": "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释",
    "两高诈骗解释": "最高人民法院、最高人民检察院关于办理诈骗刑事案件具体应用法律若干问题的解释",
    "两高帮信解释": "最高人民法院、最高人民检察院关于办理非法利用信息网络、帮助信息网络犯罪活动等刑事案件适用法律若干问题的解释",
    "两高袭警解释": "最高人民法院、最高人民检察院关于办理袭警刑事案件适用法律若干问题的解释",
    "袭警解释": "最高人民法院、最高人民检察院关于办理袭警刑事案件适用法律若干问题的解释",
    "交通肇事解释": "最高人民法院关于审理交通肇事刑事案件具体应用法律若干问题的解释",
    "毒品解释": "最高人民法院关于审理毒品犯罪案件适用法律若干问题的解释",
    "毒品犯罪解释": "最高人民法院关于审理毒品犯罪案件适用法律若干问题的解释",
    "宪法": "宪法",
    "民法典": "民法典",
    "人民警察法": "人民警察法",
    "监察法": "监察法",
    "民事诉讼法": "民事诉讼法",
    "国家赔偿法": "国家赔偿法",
    "网络安全法": "网络安全法",
    "个人信息保护法": "个人信息保护法",
    "未成年人保护法": "未成年人保护法",
    "预防未成年人犯罪法": "预防未成年人犯罪法",
    "出境入境管理法": "出境入境管理法",
    "居民身份证法": "居民身份证法",
    "枪支管理法": "枪支管理法",
    "反有组织犯罪法": "反有组织犯罪法",
    "反恐怖主义法": "反恐怖主义法",
}

_CRIMINAL_RULES = "公安机关办理刑事案件程序规定"
_ADMIN_RULES = "公安机关办理行政案件程序规定"
# Short names that mean different laws in different documents: short name -> case type -> law.
# 程序规定 alone is how officers write either of the Ministry's two procedure rules. What the
# document itself names settles it (citation_context); failing that, the case's nature does:
# a criminal case is investigated under the 刑事 rules and a 治安 (行政) case under the 行政
# rules, so that is the one an officer writing up such a case means by the short name.
SHORT_NAMES: dict[str, dict[str, str]] = {
    "程序规定": {"刑事": _CRIMINAL_RULES, "行政": _ADMIN_RULES},
}

# Endings that make an unbracketed run of characters a law name.
LAW_SUFFIXES = ("法典", "法", "规定", "条例", "解释", "办法", "意见", "规则", "细则")
# A name that is only one of these ("《解释》") means something only as a defined abbreviation.
_GENERIC = frozenset(LAW_SUFFIXES) | {"法律", "决定", "通知"}
# "本法第五条" refers to the document it is written in (default_law), never to another law.
_SELF = frozenset("本" + s for s in LAW_SUFFIXES)
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
_PRC = "中华人民共和国"

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
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
_TRAILING_VERSION_RE = re.compile(r"[（(][^（）()]*(?:\d|年|修正|修订|号)[^（）()]*[）)]$")
_SPACE_RE = re.compile(r"\s+")
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


def cn_to_int(s: str) -> int:
    """Read a Chinese (二百六十四, 一〇九) or ASCII/full-width (264, ２６４) numeral."""
    s = s.strip().translate(_FULLWIDTH)
    if s.isascii() and s.isdigit():
        return int(s)
    if not s or any(c not in _DIGITS and c not in _UNITS and c != "万" for c in s):
        raise ValueError(f"不是数字：“{s}”")
    if len(s) > 1 and all(c in _DIGITS for c in s):  # positional form such as 一〇九
        return int("".join(str(_DIGITS[c]) for c in s))
    total = section = digit = 0
    for c in s:
        if c in _DIGITS:
            digit = _DIGITS[c]
        elif c == "万":
            total += (section + digit) * 10000
            section = digit = 0
        else:
            section += (digit or 1) * _UNITS[c]
            digit = 0
    return total + section + digit


def _below_10000(n: int) -> str:
    out, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append("零一二三四五六七八九"[d] + unit)
    return "".join(out)


def int_to_cn(n: int) -> str:
    """Write a non-negative integer in Chinese as statutes number articles (10 -> 十, 110 -> 一百一十)."""
    if n < 0:
        raise ValueError(f"不能为负数：{n}")
    if n == 0:
        return "零"
    high, low = divmod(n, 10000)
    if high:
        text = int_to_cn(high) + "万"
        if low:
            text += ("零" if low < 1000 else "") + _below_10000(low)
        return text
    text = _below_10000(low)
    return text[1:] if text.startswith("一十") else text


def canonical_law_name(name: str) -> str:
    """Normalise a law name: drop 《》, 中华人民共和国, spaces and a trailing version note; apply ALIASES."""
    name = _SPACE_RE.sub("", name).replace("(", "（").replace(")", "）")
    for ch in "《》〈〉":
        name = name.replace(ch, "")
    name = name.replace(_PRC, "")
    name = _TRAILING_VERSION_RE.sub("", name)
    return ALIASES.get(name, name)


def article_label(key: str) -> str:
    """Write an article key out in Chinese: "刑法:133-1" -> "刑法第一百三十三条之一"."""
    law, _, article = key.rpartition(":")
    number, _, sub = article.partition("-")
    return f"{law}第{int_to_cn(int(number))}条" + (f"之{int_to_cn(int(sub))}" if sub else "")


def articles_label(keys: Iterable[str], limit: int | None = None) -> str:
    """Write several article keys out, each law named once, in order of first appearance:
    ["刑法:312", "解释:2", "解释:3"] -> "刑法第三百一十二条；解释第二条、第三条". Beyond `limit`
    articles the list ends with "等"."""
    keys = list(dict.fromkeys(keys))
    shown = keys[:limit] if limit is not None else keys
    by_law: dict[str, list[str]] = {}
    for key in shown:
        law, _, _ = key.rpartition(":")
        try:
            article = article_label(key)[len(law) :]
        except ValueError:  # not an article key: shown as it is
            by_law.setdefault(key, [])
            continue
        by_law.setdefault(law, []).append(article)
    text = "；".join(law + "、".join(articles) for law, articles in by_law.items())
    return text + ("等" if len(shown) < len(keys) else "")


def edition(note: str | None) -> str | None:
    """The edition a note such as "2025年6月27日修订" names: "2025-06-27", or "2025" for a bare year."""
    m = _YEAR_RE.search(note or "")
    if not m:
        return None
    year, month, day = (part.translate(_FULLWIDTH) if part else None for part in m.groups())
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
    masked = segment.replace(_PRC, "\0" * len(_PRC))  # 共和国 contains 和
    cut = 0
    for m in stop_re.finditer(masked):
        cut = m.end()
    prc = segment.rfind(_PRC)
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
            if run[:offset].endswith(_PRC):
                offset -= len(_PRC)
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
    mentions = [
        (m.start(), law, edition(m["note"]))
        for m in _BRACKET_RE.finditer(text)
        if (law := canonical_law_name(m["b"])) in ALIASES.values()
    ]
    mentions.reverse()
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
        while more := _MORE_PARA_RE.match(text, pos):
            para_start = more.start() + more.group(0).index("第")
            para = cn_to_int(more["para"])
            found.append(Citation(law, article, para, para_start, more.end(), text[para_start : more.end()], version))
            pos = more.end()
        last_law, last_end, last_version, floor = law, pos, version, pos
    return found


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
