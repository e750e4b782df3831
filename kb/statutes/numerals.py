"""Chinese numerals and article labels as statutes write them (二百六十四 ↔ 264, 刑法:133-1 ↔ 刑法第一百三十三条之一)."""

from __future__ import annotations

from collections.abc import Iterable

_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def cn_to_int(s: str) -> int:
    """Read a Chinese (二百六十四, 一〇九) or ASCII/full-width (264, ２６４) numeral."""
    s = s.strip().translate(FULLWIDTH_DIGITS)
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


__all__ = ["FULLWIDTH_DIGITS", "article_label", "articles_label", "cn_to_int", "int_to_cn"]
