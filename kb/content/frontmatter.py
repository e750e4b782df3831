"""Front matter: the one bounded YAML reader; in raw draft text, read it leniently (for the preview too),
set keys in place, guess the type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from kb.content.documents import STATUS_CURRENT, TYPE_CASE, TYPE_GUIDE, SourceText, split_front_matter
from kb.errors import KBError, PublishError

# The longest bundled front matter is about 700 characters; real ones never come near this.
MAX_FRONT_MATTER_CHARS = 10_000
# A front matter is a mapping of texts, dates, numbers and lists: two levels. Deeper nesting is a
# mistake, and costly: libyaml's scanner slows down with every open level, and its loader nests
# calls (50,000 levels take seconds to scan; 100,000 crash the process).
MAX_FRONT_MATTER_DEPTH = 5
ALIAS_MESSAGE = "front matter 中不能使用 YAML 锚点和别名（& 与 *）；请直接写出取值"
TAG_MESSAGE = "front matter 中不能使用 YAML 标签（! 与 !!）；请直接写出取值"
DEPTH_MESSAGE = "front matter 嵌套层次过深；字段的值只能是文本、日期、数字或列表"
SURROGATE_MESSAGE = "front matter 中有无法编码的字符（孤立的代理字符）；请删除后重新输入"

_LINE_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:")


class FrontMatterRefused(KBError):
    """Front matter not read at all: too long, anchors or aliases, tags, or nested too deep."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line  # counted from 0, within the front matter


class FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader, where a value that looks like a date or a number but is none (2024-02-30,
    0x_, an integer of 5,000 digits) stays text, for validation to report, instead of raising
    ValueError from deep inside PyYAML."""


def _or_text(construct):
    def construct_or_text(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            return loader.construct_scalar(node)

    return construct_or_text


for _tag, _construct in (
    ("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_timestamp),
    ("tag:yaml.org,2002:int", SafeConstructor.construct_yaml_int),
    ("tag:yaml.org,2002:float", SafeConstructor.construct_yaml_float),
):
    FrontMatterLoader.add_constructor(_tag, _or_text(_construct))


def load_front_matter(source: str) -> Any:
    """Load front-matter YAML in time and memory bounded by its length; FrontMatterRefused otherwise.

    Anchors and aliases are refused outright (front matter never needs them, and a few hundred
    bytes of nested aliases expand to gigabytes once the value is printed or compared), as are
    tags, nesting deeper than MAX_FRONT_MATTER_DEPTH and text longer than MAX_FRONT_MATTER_CHARS.
    PyYAML has no setting for any of these, so the events are checked before anything is built.
    Syntax errors raise yaml.YAMLError as usual.
    """
    if len(source) > MAX_FRONT_MATTER_CHARS:
        raise FrontMatterRefused(
            0,
            f"front matter 过长（{len(source)} 个字符，上限 {MAX_FRONT_MATTER_CHARS} 个）；"
            "front matter 只写字段，正文写在结束的“---”行之后",
        )
    if not source.isascii():
        try:
            source.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise FrontMatterRefused(source.count("\n", 0, exc.start), SURROGATE_MESSAGE) from None
    depth = 0
    for event in yaml.parse(source, Loader=FrontMatterLoader):
        line = event.start_mark.line
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise FrontMatterRefused(line, ALIAS_MESSAGE)
        if getattr(event, "tag", None):
            raise FrontMatterRefused(line, TAG_MESSAGE)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_FRONT_MATTER_DEPTH:
                raise FrontMatterRefused(line, DEPTH_MESSAGE)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return yaml.load(source, Loader=FrontMatterLoader)


# PyYAML's reasons for a syntax error, in Chinese (the first pattern found in the reason wins);
# PyYAML has no translations, and its English must not reach the author.
_YAML_PROBLEMS = (
    ("expected ',' or ']'", "列表缺少“,”或“]”，方括号可能没有闭合"),
    ("expected ',' or '}'", "缺少“,”或“}”，花括号可能没有闭合"),
    ("mapping values are not allowed", "一行中出现了第二个“: ”；值里含有冒号时，请给整个值加引号"),
    ("unexpected end of stream", "内容意外结束，引号或括号可能没有闭合"),
    ("cannot start any token", "有不能出现在此处的字符：缩进请用空格而不是制表符，以 @、`、% 开头的值请加引号"),
    ("expected '-' indicator", "列表项的缩进不一致；每一项都以“- ”开头并对齐"),
    ("could not find expected ':'", "缺少冒号；每个字段写成“键: 值”"),
    ("unknown escape character", "双引号中有无法识别的反斜杠转义；请改用单引号，或删去反斜杠"),
    ("unhashable key", "键不能是列表或映射"),
    ("characters are not allowed", "含有不允许的控制字符；请删除"),
    ("expected <block end>", "缩进不一致；同一层的字段应从同一列开始"),
    ("did not find expected key", "缩进不一致，找不到应有的“键: 值”"),
    ("found a tab", "含有制表符；缩进请用空格"),
)


def yaml_problem(exc: yaml.YAMLError, source: str) -> tuple[int, str]:
    """Where in `source` PyYAML's syntax error is (its line, counted from 0) and why, in Chinese."""
    reason = getattr(exc, "problem", None) or str(exc)
    what = next((chinese for english, chinese in _YAML_PROBLEMS if english in reason), "语法错误")
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return mark.line, what
    position = getattr(exc, "position", None)  # a ReaderError (a control character) has an offset only
    return (source.count("\n", 0, position) if isinstance(position, int) else 0), what


YAML_MESSAGE = "front matter 不是合法的 YAML（{what}）；请检查冒号后的空格、引号和缩进"
MAPPING_MESSAGE = "front matter 应为“键: 值”形式的 YAML 映射"


class UnreadableFrontMatter(KBError):
    """Front matter refused or not YAML; `line` counts from 1 in the whole text."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def read_front_matter(source: SourceText) -> Any:
    """The loaded YAML of a split text's front matter (which must be there); UnreadableFrontMatter, with
    the line and the reason in Chinese, when it is refused or is not YAML."""
    front_matter = source.front_matter or ""
    try:
        return load_front_matter(front_matter)
    except FrontMatterRefused as exc:
        raise UnreadableFrontMatter(source.front_matter_line + exc.line, str(exc)) from None
    except yaml.YAMLError as exc:
        line, what = yaml_problem(exc, front_matter)
        raise UnreadableFrontMatter(source.front_matter_line + line, YAML_MESSAGE.format(what=what)) from None


def key_lines(front_matter: str, first_line: int) -> list[tuple[str, int]]:
    """Each top-level key with its line, in file order and repeats included; [] when the YAML is broken."""
    try:
        node = yaml.compose(front_matter, Loader=FrontMatterLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), first_line + k.start_mark.line) for k, _ in node.value]


@cache
def _plain_lines(keys: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(map(re.escape, keys))
    return re.compile(rf"^({alternatives})[ \t]*:(.*)$", re.M)  # no \s: it would cross lines


def plain_fields(front_matter: str, keys: tuple[str, ...]) -> dict[str, str]:
    """The `key: value` lines of `keys`, quotes dropped, read without YAML: five times faster than the YAML
    (the catalog reads every file at every check) and still there when the YAML is broken or refused."""
    return {k: v.strip().strip("'\"") for k, v in _plain_lines(keys).findall(front_matter)}


def line_key(line: str) -> str | None:
    """The key a front-matter line starts with, read without YAML (so also in broken front matter)."""
    m = _LINE_KEY.match(line)
    return m.group(1) if m else None


def read_meta_leniently(text: str) -> dict:
    """Front matter as a dict; when the YAML is broken or refused, the simple `key: value` lines still found."""
    source = split_front_matter(text.replace("\r\n", "\n"))
    if source.front_matter is None:
        return {}
    try:
        meta = load_front_matter(source.front_matter)
    except (yaml.YAMLError, FrontMatterRefused):
        # still place the file where it belongs, so the problems name the right path
        return plain_fields(source.front_matter, ("id", "title", "category"))
    return meta if isinstance(meta, dict) else {}


def set_front_matter(text: str, updates: dict[str, object]) -> str:
    """Set scalar front-matter keys, keeping every other line as the author wrote it."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise PublishError("缺少 front matter；文件须以“---”行开始")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise PublishError("front matter 没有结束的“---”行")
    for key, value in updates.items():
        new_line = f"{key}: {value}"
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        at = next((i for i in range(1, end) if pattern.match(lines[i])), None)
        if at is None:
            lines.insert(end, new_line)
            end += 1
            continue
        stop = at + 1
        while stop < end and lines[stop][:1] in (" ", "\t", "-"):  # a block list or folded value
            stop += 1
        lines[at:stop] = [new_line]
        end -= stop - at - 1
    return "\n".join(lines)


def guess_type(text: str, default: str = TYPE_GUIDE) -> str:
    """指引 or 案例 from the front matter's keys (case_type / kind), else `default`."""
    meta = read_meta_leniently(text)
    if "case_type" in meta or "charges" in meta:
        return TYPE_CASE
    if "kind" in meta:
        return TYPE_GUIDE
    return default


@dataclass(frozen=True)
class DraftView:
    """What a preview needs from a draft's text: the front matter fields shown above the body, and the body."""

    doc_type: str
    id: str
    title: str
    summary: str
    category: str
    case_type: str
    year: str
    status: str
    body: str
    supersedes: tuple[str, ...] = ()


def draft_view(text: str, doc_type: str = TYPE_GUIDE) -> DraftView:
    """Split a draft for the live preview, tolerating broken front matter (the body is still shown)."""
    text = text.replace("\r\n", "\n")
    meta = read_meta_leniently(text)
    body = split_front_matter(text).body

    def get(key: str) -> str:
        value = meta.get(key)
        return "" if value is None or isinstance(value, (list, dict)) else str(value).strip()

    return DraftView(
        guess_type(text, doc_type),
        get("id"),
        get("title"),
        get("summary"),
        get("category"),
        get("case_type"),
        get("year"),
        get("status") or STATUS_CURRENT,
        body,
        tuple(str(v) for v in meta.get("supersedes") or () if v) if isinstance(meta.get("supersedes"), list) else (),
    )
