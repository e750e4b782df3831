"""Checks on a document's raw text: HTML that could run in a reader's browser, images on other machines,
control characters."""

from __future__ import annotations

import re

from kb.errors import Problem

# HTML that could run in a reader's browser. The renderer strips it too; refusing it here
# tells the author at once instead of silently publishing a document that lost its markup.
UNSAFE_HTML_MESSAGE = "含有不允许的 HTML"
# Tokens of that HTML: a forbidden tag, a javascript: address, an event handler, and the brackets
# that tell whether a handler is inside a tag. unsafe_html walks them once and finds what the
# pattern <[^>]*\son[a-z]+\s*= found, which read the rest of the text again from every "<" with
# no ">" after it (quadratic: 8 s for 40 KB of "<").
_UNSAFE_TAGS = "script|iframe|object|embed|style|form|input|link|meta|base|svg"
_HTML_TOKENS = re.compile(
    rf"<\s*({_UNSAFE_TAGS})\b"
    r"|javascript\s*:"
    r"|(\son[a-z]+\s*=)"
    rf"|<+(?!\s*(?:{_UNSAFE_TAGS})\b)"  # a run of "<" is one token: only its first can start a tag here
    r"|>+",
    re.I,
)


def unsafe_html(text: str, rel: str, severity: str = "warning") -> list[Problem]:
    """Problems for HTML that could run in a reader's browser (scripts, frames, event handlers).

    A warning in files on disk (the renderer strips such markup, and the rest of the content
    keeps serving); publishing escalates it to an error.
    """
    problems = []
    line, counted = 1, 0
    for start, what in _unsafe_html(text):
        line += text.count("\n", counted, start)  # counted on from the last one: linear
        counted = start
        problems.append(
            Problem(rel, line, "", f"含有不允许的 HTML“{what}”；文档中不能嵌入脚本、框架或事件代码，请删除", severity)
        )
    return problems


def _unsafe_html(text: str) -> list[tuple[int, str]]:
    """(offset, what) of each forbidden tag, javascript: address, and tag with event handlers: from
    its "<" to its last handler before the next ">" (reported once, what it spans not again)."""
    tokens = list(_HTML_TOKENS.finditer(text))
    last_handler: list[int | None] = [None] * len(tokens)  # in the same tag, at or after each token
    last = None
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i].group(0)[0] == ">":
            last = None
        elif tokens[i].group(2) and last is None:
            last = i
        last_handler[i] = last
    found: list[tuple[int, str]] = []
    skip_to = -1
    for i, m in enumerate(tokens):
        token = m.group(0)
        if i <= skip_to or token[0] == ">" or m.group(2):
            continue
        if m.group(1):
            found.append((m.start(), f"<{m.group(1).lower()}>"))
        elif token[0] == "<":
            end = last_handler[i]
            if end is not None:
                found.append((m.start(), text[m.start() : tokens[end].end()].strip()[:20]))
                skip_to = end
        else:
            found.append((m.start(), token.strip()[:20]))
    return found


# Characters no text file has: C0 controls other than tab and line breaks, DEL, and lone surrogates
# (which cannot be saved as UTF-8). They come from binary files uploaded as text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def control_characters(text: str, rel: str) -> list[Problem]:
    """One error for control characters or lone surrogates in a text, at the first one's line."""
    found = _CONTROL.search(text)
    if found is None:
        return []
    count = len(_CONTROL.findall(text))
    char = found.group(0)
    line = text.count("\n", 0, found.start()) + 1
    if "\ud800" <= char <= "\udfff":
        what = "无法编码的字符（孤立的代理字符）"
    else:
        what = f"控制字符 U+{ord(char):04X}"
    return [
        Problem(
            rel,
            line,
            "",
            f"含有{what}（共 {count} 处，第一处在本行）；这通常来自二进制文件或编码错误，请删除这些字符，或重新上传纯文本文件",
        )
    ]


# A scheme (http:, ftp:, file: …) or a host (//host, \\host) makes an address another machine's;
# browsers drop tabs and line breaks inside an address and leading controls and spaces first.
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_URL_IGNORED = re.compile(r"[\t\n\r]")
# Images in Markdown (inline, or by reference to a definition) and in HTML; bounded repeats
# keep a line full of "![" linear to scan.
_MD_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\(\s{0,20}<?([^\s)>]{1,2000})")
_MD_IMAGE_REF = re.compile(r"!\[([^\[\]\n]{0,500})\](?:\[([^\[\]\n]{0,500})\])?")
_MD_DEFINITION = re.compile(r"^ {0,3}\[([^\[\]\n]{1,500})\]:[ \t]{0,20}<?([^\s>]{1,2000})", re.M)
_HTML_TAG = re.compile(r"<img\b[^<>]*", re.I)  # up to the next < or >: each character read once
_HTML_SRC = re.compile(r"\ssrc\s*=\s*[\"']?([^\"'\s>]+)", re.I)
EXTERNAL_IMAGE_MESSAGE = "外部图片链接"


def is_external_url(url: str) -> bool:
    """True for an address a browser would fetch from another machine (data: is not one)."""
    url = _URL_IGNORED.sub("", url).lstrip("".join(map(chr, range(0x21))))
    if url.startswith(("//", "\\\\", "/\\", "\\/")):
        return True
    return bool(_URL_SCHEME.match(url)) and not url.lower().startswith("data:")


def external_images(text: str, rel: str) -> list[Problem]:
    """Warnings for images whose address is on another machine: the intranet cannot reach it, and
    fetching it would tell that machine who reads the document (the app shows no such image)."""
    if "![" not in text and "<img" not in text.lower():
        return []
    found: list[tuple[int, str]] = [(m.start(), m.group(1)) for m in _MD_IMAGE.finditer(text)]
    for tag in _HTML_TAG.finditer(text):
        src = _HTML_SRC.search(tag.group(0))
        if src:
            found.append((tag.start(), src.group(1)))
    targets = {label.strip().lower(): url for label, url in _MD_DEFINITION.findall(text)}
    if targets:
        for m in _MD_IMAGE_REF.finditer(text):
            if text.startswith("(", m.end()) and m.group(2) is None:
                continue  # an inline image, found above
            url = targets.get((m.group(2) or m.group(1)).strip().lower())
            if url is not None:
                found.append((m.start(), url))
    problems = []
    line, counted = 1, 0
    for start, url in sorted(found):
        if is_external_url(url):
            line += text.count("\n", counted, start)  # counted on from the last one: linear
            counted = start
            shown = url if len(url) <= 80 else url[:80] + "…"
            problems.append(
                Problem(
                    rel,
                    line,
                    "",
                    f"{EXTERNAL_IMAGE_MESSAGE}“{shown}”；内网无法访问，请改用本地图片或删除",
                    "warning",
                )
            )
    return problems
