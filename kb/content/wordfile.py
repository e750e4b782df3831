"""A Word (.docx) file read as Markdown, with the front matter its text suggests."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

import mammoth
import olefile
from markdownify import MarkdownConverter

from kb.content.documents import CASE_SECTIONS, STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE
from kb.content.taxonomy import Taxonomy
from kb.errors import KBError

WORD_SUFFIX = ".docx"
LEGACY_SUFFIXES = (".doc", ".wps")  # Word 97–2003 and WPS's own format: binary, not readable here
SAVE_AS = "请在 Word 或 WPS 中打开它，选择 文件 → 另存为 → Word 文档(*.docx)，再导入另存的 .docx 文件"
KIND_GUIDE, KIND_HANDBOOK, KIND_TOOLBOX = "办案指引", "执法宝典", "工具箱"
TOOLBOX_WORDS = ("工具箱", "清单", "模板", "范本", "流程图", "速查")
GUIDE_AUDIENCE, CASE_AUDIENCE = ("办案民警", "法制员"), ("办案民警",)  # the templates' defaults
MAX_STAGES = 3
# What case write-ups elsewhere call the template's sections (the draft shows the template's name to check)
SECTION_ALIASES = {
    "案情简介": "基本案情",
    "简要案情": "基本案情",
    "侦办过程": "办案过程",
    "法律依据": "法律适用",
    "处理情况": "处理结果",
    "裁判要旨": "办案要旨",
    "典型意义": "指导意义",
}

# Styles the default map of mammoth does not know: the Title style, and the names WPS gives headings.
STYLE_MAP = "\n".join(
    ["p[style-name='Title'] => h1:fresh", "p[style-name='标题'] => h1:fresh"]
    + [f"p[style-name='标题 {n}'] => h{n}:fresh" for n in range(1, 7)]
)
IMAGE_MARK = "（原文此处有图片，未导入）"
MAX_UNPACKED = 50 * 1024 * 1024  # the text parts unpacked (a zip bomb is refused before it is read)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WordFileError(KBError):
    """A file that cannot become a draft: the message names the file and says what to do."""


@dataclass(frozen=True)
class WordText:
    """The Markdown a Word file converts to, and what the conversion left out."""

    markdown: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """A draft proposed from a Word file's text: its type, front-matter values (by key) and body."""

    doc_type: str
    values: dict[str, Any] = field(hash=False)
    body: str


# -- reading -----------------------------------------------------------------------------------


def read_word(filename: str, data: bytes) -> WordText:
    """Convert one .docx file to Markdown; WordFileError (in Chinese, naming the file) when it cannot be."""
    name = PurePath(filename).name
    corrupt = (
        f"“{name}”已损坏或不是有效的 Word 文档，无法读取；请在 Word 或 WPS 中打开它确认能正常显示，"
        "另存为 Word 文档(*.docx) 后再导入"
    )
    empty = f"“{name}”中没有文字（空文档），没有可导入的内容；请确认选对了文件"
    if not data and PurePath(name).suffix.lower() == WORD_SUFFIX:  # Windows' 新建 → Word 文档 makes a 0-byte file
        raise WordFileError(empty)
    _check_package(name, data, corrupt)
    notes: list[str] = []

    def image(img: Any) -> dict[str, str]:  # images are not imported: the text and a note say where they were
        notes.append(f"原文中的图片未导入，正文中以“{IMAGE_MARK}”标出，请另行处理")
        return {}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=STYLE_MAP, convert_image=mammoth.images.img_element(image)
        )
    except Exception:
        # mammoth raises whatever its zip reader, its XML parser or its walk over the parts meets in a
        # broken file (BadZipFile, ExpatError, KeyError, AttributeError …): each means the file is broken,
        # and one broken file must not stop a folder's import
        raise WordFileError(corrupt) from None
    markdown = to_markdown(result.value)
    if not re.sub(r"[\s|\-*#>:]", "", markdown):
        raise WordFileError(empty)
    return WordText(markdown, tuple(dict.fromkeys(notes)))


def _check_package(name: str, data: bytes, corrupt: str) -> None:
    """Refuse what is not a .docx package before it is read: a legacy or encrypted file, a broken zip, a zip bomb."""
    suffix = PurePath(name).suffix.lower()
    if suffix in LEGACY_SUFFIXES:
        label = "WPS 文字文档（.wps）" if suffix == ".wps" else "旧版 Word 文档（.doc）"
        raise WordFileError(f"“{name}”是{label}，只能导入 .docx 格式的 Word 文档；{SAVE_AS}")
    if suffix != WORD_SUFFIX:
        raise WordFileError(f"“{name}”不是 Word 文档（.docx），不能导入；Word 或 WPS 文档请另存为 .docx 后再导入")
    if data.startswith(_OLE_MAGIC):
        if _encrypted(data):
            raise WordFileError(
                f"“{name}”设有打开密码（已加密），无法读取；请用密码打开它，取消加密后保存（Word：文件 → 信息 → "
                "保护文档 → 用密码进行加密，清空密码；WPS：文件 → 文档加密 → 密码加密，清空密码），再导入"
            )
        raise WordFileError(f"“{name}”扩展名是 .docx，实际却是旧版 Word 格式（.doc）；{SAVE_AS}")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WordFileError(corrupt)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(i.file_size for i in package.infolist() if not i.filename.startswith("word/media/"))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise WordFileError(corrupt) from None
    if unpacked > MAX_UNPACKED:
        raise WordFileError(
            f"“{name}”的文字部分解压后超过 {MAX_UNPACKED // 1024 // 1024} MB，不能导入；请拆分为几个文件后分别导入"
        )


def _encrypted(data: bytes) -> bool:
    """Whether an OLE compound file holds an encrypted Office document (password to open)."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo")
    except (OSError, ValueError, EOFError, IndexError):  # a broken compound file: told as an old .doc
        return False


class _Converter(MarkdownConverter):
    """markdownify with GFM tables the renderer reads (header row, escaped pipes) and Markdown footnotes."""

    def convert_td(self, el, text, parent_tags):
        return super().convert_td(el, _cell(text), parent_tags)

    def convert_th(self, el, text, parent_tags):
        return super().convert_th(el, _cell(text), parent_tags)

    def convert_a(self, el, text, parent_tags):
        href = el.get("href") or ""
        if href.startswith("#footnote-ref-"):  # mammoth's link back from a footnote to the text: not content
            return ""
        if href.startswith("#footnote-"):
            return f"[^{href.removeprefix('#footnote-')}]"
        if not href:  # bookmarks (<a id="_Toc…">) carry no text
            return text
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):
        return IMAGE_MARK

    def convert_sup(self, el, text, parent_tags):
        if text.startswith("[^"):
            return text
        return super().convert_sup(el, text, parent_tags)

    def convert_ol(self, el, text, parent_tags):
        items = el.find_all("li", recursive=False)
        if items and all((li.get("id") or "").startswith("footnote-") for li in items):
            notes = []
            for li in items:
                number = li["id"].removeprefix("footnote-")
                li.name = "div"  # its text without the list's "1. "
                notes.append(f"[^{number}]: {self.process_tag(li, parent_tags).strip()}")
            return "\n\n" + "\n".join(notes) + "\n\n"
        return super().convert_ol(el, text, parent_tags)


def _cell(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip().replace("|", r"\|")


def to_markdown(html: str) -> str:
    """mammoth's HTML as Markdown: ATX headings, "-" bullets, pipe tables with the first row as header."""
    text = _Converter(heading_style="ATX", bullets="-", table_infer_header=True, escape_misc=False).convert(html)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# -- proposing the front matter ----------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_NUMBERING = re.compile(
    r"^(?:第[一二三四五六七八九十百]+[部章节分]+|[（(]?[一二三四五六七八九十]+[)）]?[、.．]?|[0-9]+[、.．])\s*"
)
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}
_DATE = re.compile(
    r"(?<![0-9])(?P<y>[12][0-9]{3})\s*(?:年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*日"
    r"|[-./](?P<m2>[0-9]{1,2})[-./](?P<d2>[0-9]{1,2})(?![0-9]))"
    r"|(?P<cy>[〇零○一二三四五六七八九]{4})年(?P<cm>[一二三四五六七八九十]{1,3})月(?P<cd>[一二三四五六七八九十]{1,3})日"
)
_YEAR_MONTH = re.compile(r"(?<![0-9])([12][0-9]{3})\s*年\s*(?:1[0-2]|0?[1-9])\s*月")
_ISSUE_WORDS = ("印发", "发布", "施行", "制定", "下发")
_ISSUE_LINE = re.compile(  # a line that is a date and an issue word: 2025年3月1日印发 / 印发日期：2025年3月1日
    rf"(?:(?:印发|发布|下发|成文)(?:日期|时间)?\s*[:：]?\s*)?(?:{_DATE.pattern})\s*(?:印发|发布|下发)?"
)
_UNIT = re.compile(r"[\u4e00-\u9fff]{0,12}?公安(?:局|分局)[\u4e00-\u9fff]{0,12}?(?:派出所|大队|中队|支队)")
_BEFORE_UNIT = re.compile(r"^.*[在于由被向到的和与及经](?=.*公安)")  # 张某在某县公安局…: the unit starts after 在


def _cn_number(text: str) -> int:
    """一 … 三十一 as an integer (month and day numbers)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def _dates(text: str) -> list[tuple[int, date]]:
    """Every valid date written in the text (2024年3月5日, 2024-03-05, 二〇二四年三月五日) with its offset."""
    found = []
    for m in _DATE.finditer(text):
        if m["cy"]:
            parts = (int("".join(str(_CN_DIGITS[c]) for c in m["cy"])), _cn_number(m["cm"]), _cn_number(m["cd"]))
        else:
            parts = (int(m["y"]), int(m["m"] or m["m2"] or 0), int(m["d"] or m["d2"] or 0))
        try:
            found.append((m.start(), date(*parts)))
        except ValueError:
            continue
    return found


def issued_date(text: str) -> date | None:
    """The 印发日期 a text names: a date standing alone on its line (the 落款), else one beside 印发/施行/…."""
    alone = [d for line in text.split("\n") for _, d in _dates(line) if _DATE.fullmatch(line.strip(" *\t"))]
    if alone:
        return alone[-1]
    # A date the issue word touches (2025年3月1日印发, 印发日期：…) is the document's own, even when the text
    # names a law's 修订/施行 dates first; the last is the 落款.
    signed = [d for line in text.split("\n") for _, d in _dates(line) if _ISSUE_LINE.fullmatch(line.strip(" *\t"))]
    if signed:
        return signed[-1]
    for start, found in _dates(text):
        if any(w in text[max(0, start - 20) : start + 30] for w in _ISSUE_WORDS):
            return found
    return None


def _unit(text: str) -> str:
    """The first police unit the text names (某县公安局城关派出所), without the words before it."""
    m = _UNIT.search(text)
    return _BEFORE_UNIT.sub("", m.group(0)) if m else ""


def _section_name(title: str) -> str:
    """A heading's text without its numbering (一、 （二） 3. 第一部分), its 【】 and its closing colon."""
    name = _NUMBERING.sub("", title.strip().strip("*").strip()).rstrip("：:").strip()
    name = name.removeprefix("【").removesuffix("】").strip()
    return SECTION_ALIASES.get(name, name)


# A section named at the start of its first paragraph: **基本案情：**2023年… / 【基本案情】2023年…
_RUN_IN = re.compile(r"^(?:\*\*)?(?P<head>[^*\n]{2,16}?(?:】|[：:]))(?:\*\*)?(?P<rest>\S.*)$")


def _title_and_body(markdown: str) -> tuple[str, str]:
    """The first heading as the title (else a short first line), and the body without it."""
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if m := _HEADING.match(line):
            return m.group(2).strip("* "), "\n".join(lines[:i] + lines[i + 1 :])
    for i, line in enumerate(lines):
        plain = line.strip().strip("*").strip()
        if plain:
            if len(plain) <= 50 and not re.search(r"[。；;：:]$", plain):
                return plain, "\n".join(lines[:i] + lines[i + 1 :])
            break
    return "", markdown


def _sections(body: str, known: tuple[str, ...]) -> tuple[str, list[str]]:
    """Headings shifted so the highest is a level-2 heading, and the template's sections written as
    `## 基本案情` wherever a heading, or a line of its own, names one (一、基本案情 / **基本案情：**)."""
    lines = body.strip("\n").split("\n")
    levels = [len(m.group(1)) for line in lines if (m := _HEADING.match(line))]
    shift = 2 - min(levels, default=2)
    found: list[str] = []
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        text = m.group(2) if m else line
        name = _section_name(text)
        run_in = None if m or not known else _RUN_IN.match(line.strip())
        if name in known and (m or len(line.strip()) <= len(name) + 8):
            lines[i] = f"## {name}"
            found.append(name)
        elif run_in and _section_name(run_in["head"]) in known:
            lines[i] = f"## {_section_name(run_in['head'])}\n\n{run_in['rest']}"
            found.append(_section_name(run_in["head"]))
        elif m:
            lines[i] = "#" * max(2, min(6, len(m.group(1)) + shift)) + " " + m.group(2)
    return "\n".join(lines).strip("\n") + "\n", found


_BOLD_HEADING = re.compile(
    r"^\*\*(?P<text>(?:(?P<top>第[一二三四五六七八九十百]+[部章节分]+|[一二三四五六七八九十]+、)"
    r"|[（(][一二三四五六七八九十]+[)）])[^*。；;！？]{1,30})\*\*$"
)


def _bold_headings(body: str) -> str:
    """Headings of a file that uses no heading styles (公文 style: bold lines 一、… and （一）…) as Markdown
    headings: 一、 and 第一章 as level 2, （一） as level 3. A file with heading styles is kept as it is."""
    lines = body.split("\n")
    if any(_HEADING.match(line) for line in lines):
        return body
    for i, line in enumerate(lines):
        if m := _BOLD_HEADING.match(line.strip()):
            lines[i] = ("## " if m["top"] else "### ") + m["text"].strip()
    return "\n".join(lines)


def _section_text(body: str, name: str) -> str:
    """The first paragraph under `## name`."""
    m = re.search(rf"^## {re.escape(name)}\n+((?:(?!#).+\n?)+)", body, flags=re.MULTILINE)
    return " ".join(m.group(1).split()) if m else ""


def _sentences(text: str, most: int = 3) -> str:
    return "".join(re.findall(r"[^。！？!?]+[。！？!?]?", text)[:most]).strip().replace("**", "")


def _count(text: str, names: tuple[str, ...]) -> Counter:
    """How often each name occurs, a longer name's occurrences not counted again for a shorter one (治安盗窃 / 盗窃)."""
    counts: Counter = Counter()
    for name in sorted(names, key=len, reverse=True):
        counts[name] = text.count(name)
        text = text.replace(name, "\0")
    return counts


def guess_category(title: str, text: str, taxonomy: Taxonomy) -> str:
    """The category the title names, else the one the text names most often; "" when none is named."""
    in_title = [c for c, n in _count(title, taxonomy.categories).items() if n]
    if in_title:
        return max(in_title, key=len)
    counts = _count(text, taxonomy.categories)
    best = max(taxonomy.categories, key=lambda c: counts[c], default="")
    return best if counts[best] else ""


def guess_kind(title: str, text: str) -> str:
    """执法宝典 / 工具箱 when the title (or, for 执法宝典, the text) says so; else 办案指引."""
    if KIND_HANDBOOK in title or KIND_HANDBOOK in text[:500]:
        return KIND_HANDBOOK
    if any(w in title for w in TOOLBOX_WORDS):
        return KIND_TOOLBOX
    return KIND_GUIDE


def propose(word: WordText, taxonomy: Taxonomy, doc_type: str | None = None) -> Proposal:
    """Front matter proposed from the text (all but the id and the laws, which need the workflow and the
    statutes); `doc_type` None: a case when the headings name at least three of the case sections."""
    title, body = _title_and_body(word.markdown)
    body = _bold_headings(body)
    case_body, case_found = _sections(body, CASE_SECTIONS)
    if doc_type is None:
        doc_type = TYPE_CASE if len(set(case_found)) >= 3 else TYPE_GUIDE
    # A case must have the six sections under their exact names; a guide keeps its own headings.
    body = case_body if doc_type == TYPE_CASE else _sections(body, ())[0]
    text = f"{title}\n{body}"
    category = guess_category(title, text, taxonomy)
    stage_counts = _count(text, taxonomy.stages)
    stages = [s for s, n in stage_counts.most_common(MAX_STAGES) if n]
    issued = issued_date(text)
    values: dict[str, Any] = {
        "title": title,
        "category": category,
        "stage": [s for s in taxonomy.stages if s in stages],
        "status": STATUS_CURRENT,
        "issued": issued,
        "version": 1,
    }
    if doc_type == TYPE_CASE:
        group = taxonomy.group_of(category)
        # anonymised cases write 2023年10月某日: a year and month count as well as a full date
        years = [d.year for _, d in _dates(body)] + [int(y) for y in _YEAR_MONTH.findall(body)]
        values |= {
            "case_type": group if group in ("刑事", "行政") else "",
            "year": max(years) if years else None,
            "unit": _unit(body),
            "audience": list(CASE_AUDIENCE),
            "summary": _sentences(_section_text(body, "办案要旨")),
        }
    else:
        values |= {"kind": guess_kind(title, text), "audience": list(GUIDE_AUDIENCE), "summary": ""}
    return Proposal(doc_type, values, body)
