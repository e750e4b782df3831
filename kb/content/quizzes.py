"""The question bank: quiz files under quizzes/ read into questions, every problem by line, and answers graded."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from kb.content.documents import split_front_matter
from kb.content.fields import ID_PATTERN
from kb.content.taxonomy import Taxonomy
from kb.errors import Problem

QUIZ_FOLDER = "quizzes"
SINGLE, MULTIPLE, TRUE_FALSE, FILL = "单选", "多选", "判断", "填空"
QUESTION_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE, FILL)
TRUE, FALSE = "正确", "错误"
BANK_ID = re.compile(r"^QB-[A-Za-z0-9-]{1,40}$")
QUESTION_ID = re.compile(r"^Q-[A-Za-z0-9-]{1,40}$")
BANK_KEYS = ("id", "title", "version", "category", "stage", "tiers")
# The labels of a question's lines, as the legal section writes them (full-width colon or ASCII).
LABELS = ("题型", "层级", "类别", "环节", "出处", "行为时间", "题干", "答案", "解析")
MULTILINE = ("题干", "解析")
LIST_SEPARATORS = re.compile(r"[、,，\s]+")
SOURCE_SEPARATORS = re.compile(r"[；;]")
ANSWER_ALTERNATIVES = re.compile(r"[|｜]")
BLANK = re.compile(r"_{2,}|（\s*）|\(\s*\)")
_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_FIELD = re.compile(rf"^({'|'.join(LABELS)})\s*[：:]\s*(.*?)\s*$")
_OPTION = re.compile(r"^(?:[-*+]\s+)?([A-Ha-h])\s*[.．、:：]\s*(.*?)\s*$")
_LETTERS = "ABCDEFGH"
_EXAMPLE = "如“## Q-0001”"
NOT_UTF8 = "文件不是 UTF-8 编码；请转换为 UTF-8 后再保存（记事本、WPS：另存为时选 UTF-8）"
UNREADABLE = "无法读取文件；请检查文件权限后重试"


@dataclass(frozen=True)
class Question:
    """One question as published: what is asked, the right answer, and where it comes from."""

    id: str
    type: str  # 单选 / 多选 / 判断 / 填空
    stem: str
    options: tuple[tuple[str, str], ...]  # (letter, text), A first; () for 判断 and 填空
    answer: tuple[str, ...]  # letters; (正确,) or (错误,); per blank, its accepted forms joined by "|"
    explanation: str
    tiers: tuple[str, ...]
    category: str
    stages: tuple[str, ...]
    sources: tuple[str, ...]  # guide and case ids
    citations: tuple[str, ...]  # statute citations as written in 出处
    conduct_date: date | None  # 行为时间: the law in force then applies (default: today)
    bank: str
    path: str
    line: int
    field_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def answer_text(self) -> str:
        """The right answer as shown after answering: B / A、C / 正确 / 七日（每空一项，以“；”分隔）."""
        if self.type == FILL:
            return "；".join(part.split("|")[0] for part in self.answer)
        return "、".join(self.answer)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "stem": self.stem,
            "options": [list(pair) for pair in self.options],
            "answer": list(self.answer),
            "explanation": self.explanation,
            "tiers": list(self.tiers),
            "category": self.category,
            "stages": list(self.stages),
            "sources": list(self.sources),
            "citations": list(self.citations),
            "conduct_date": self.conduct_date.isoformat() if self.conduct_date else None,
            "bank": self.bank,
            "path": self.path,
            "line": self.line,
        }

    @classmethod
    def from_json(cls, data: dict) -> Question:
        """A question as stored by to_json (an exam keeps the questions it was made of)."""
        return cls(
            id=data["id"],
            type=data["type"],
            stem=data["stem"],
            options=tuple((letter, text) for letter, text in data["options"]),
            answer=tuple(data["answer"]),
            explanation=data["explanation"],
            tiers=tuple(data["tiers"]),
            category=data["category"],
            stages=tuple(data["stages"]),
            sources=tuple(data["sources"]),
            citations=tuple(data["citations"]),
            conduct_date=date.fromisoformat(data["conduct_date"]) if data.get("conduct_date") else None,
            bank=data["bank"],
            path=data["path"],
            line=data["line"],
        )


@dataclass(frozen=True)
class QuizBank:
    """One quiz file: its id, title and version, and the questions it holds."""

    id: str
    title: str
    version: int
    path: str
    questions: tuple[Question, ...]
    blocks: tuple[int, ...] = ()  # the line of every "## 题号", those with errors too: where each question ends


@dataclass(frozen=True)
class QuestionBank:
    """Every quiz file read, and every problem found in them (path first, by line)."""

    banks: tuple[QuizBank, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for bank in self.banks for q in bank.questions)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def normalize_fill(text: str) -> str:
    """A fill-in answer as compared: no spaces or punctuation, full-width digits and letters as ASCII, lower case."""
    text = text.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})
    return re.sub(r"[\s\W_]+", "", text).lower()


def grade(question: Question, response: Iterable[str] | str) -> bool:
    """Whether a response is right: the same letters (order aside), the same 正确/错误, or each blank filled
    with one of its accepted forms (spaces, punctuation and full-width forms aside)."""
    given = [response] if isinstance(response, str) else list(response)
    if question.type == FILL:
        if len(given) == 1 and len(question.answer) > 1:
            given = SOURCE_SEPARATORS.split(given[0])
        if len(given) != len(question.answer):
            return False
        return all(
            normalize_fill(g) in {normalize_fill(a) for a in ANSWER_ALTERNATIVES.split(part)}
            for g, part in zip(given, question.answer, strict=True)
        )
    if question.type == TRUE_FALSE:
        return [g.strip() for g in given] == list(question.answer)
    letters = {c.upper() for g in given for c in g if c.strip() and c not in "、,，"}
    return letters == set(question.answer)


# ---------------------------------------------------------------- reading


@dataclass
class _Block:
    """A question as read so far: the raw values of its labelled lines and its options."""

    id: str
    line: int
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    options: list[tuple[str, str, int]] = field(default_factory=list)


def _defaults(front_matter: str | None, rel: str, first_line: int) -> tuple[dict, list[Problem]]:
    """The bank's front matter (id, title, version; category, stage and tiers as defaults), with problems."""
    if front_matter is None:
        return {}, [Problem(rel, 1, "", "缺少开头的 --- 元数据块；第一行写 ---，再写 id: QB-…、title: …，再写 ---")]
    try:
        node = yaml.compose(front_matter, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return {}, [Problem(rel, first_line + (mark.line if mark else 0), "", f"元数据不是合法的 YAML：{exc}")]
    if not isinstance(node, yaml.MappingNode):
        return {}, [Problem(rel, first_line, "", "元数据应为“键: 值”的形式，如 id: QB-DQ")]
    meta: dict = {"_lines": {}}
    problems: list[Problem] = []
    for key_node, value_node in node.value:
        key, line = str(key_node.value), first_line + key_node.start_mark.line
        if key not in BANK_KEYS:
            problems.append(Problem(rel, line, key, f"未知字段“{key}”；可用：{'、'.join(BANK_KEYS)}"))
            continue
        value = yaml.safe_load(yaml.serialize(value_node)) if value_node is not None else None
        meta[key] = value
        meta["_lines"][key] = line
    return meta, problems


def _list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v for v in LIST_SEPARATORS.split(str(value or "")) if v]


def read_quiz(text: str, rel: str) -> tuple[dict, list[_Block], list[Problem]]:
    """Split a quiz file into its front matter and question blocks; problems of the file's shape."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    source = split_front_matter(text)
    meta, problems = _defaults(source.front_matter, rel, source.front_matter_line)
    blocks: list[_Block] = []
    current: _Block | None = None
    open_field = ""  # the multi-line field that unlabelled lines continue
    for number, raw in enumerate(source.body.split("\n"), source.body_line):
        line = raw.strip()
        if not line:
            continue
        if heading := _HEADING.match(line):
            current, open_field = _Block(heading[1], number), ""
            blocks.append(current)
            continue
        if current is None:
            if not _FIELD.match(line):
                continue  # a title or a note above the questions
            problems.append(Problem(rel, number, "", f"这一行在第一道题之前；每道题以“## 题号”开头，{_EXAMPLE}"))
            continue
        if labelled := _FIELD.match(line):
            label, value = labelled[1], labelled[2]
            if label in current.values:
                problems.append(
                    Problem(rel, number, label, f"“{label}”重复（第 {current.lines[label]} 行已写）；每道题只写一次")
                )
                continue
            current.values[label], current.lines[label] = value, number
            open_field = label if label in MULTILINE else ""
            continue
        if (option := _OPTION.match(line)) and open_field != "解析":
            current.options.append((option[1].upper(), option[2], number))
            open_field = ""
            continue
        if open_field:
            joined = current.values[open_field]
            current.values[open_field] = f"{joined}\n{line}" if joined else line
            continue
        problems.append(
            Problem(
                rel,
                number,
                "",
                f"无法识别的行“{line[:20]}”；应为“题型：”“题干：”“答案：”等开头的一行，或选项“A. …”",
            )
        )
    return meta, blocks, problems


def _date(value: str, rel: str, line: int, problems: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(rel, line, "行为时间", f"日期“{value}”无法识别；请写成 2026-03-01 的形式"))
        return None


def _question(
    block: _Block, meta: dict, bank_id: str, rel: str, taxonomy: Taxonomy, known_ids: Collection[str] | None
) -> tuple[Question | None, list[Problem]]:
    """One block checked field by field; every problem of it, and the question when it has no error."""
    problems: list[Problem] = []
    values, lines = block.values, block.lines

    def add(label: str, message: str) -> None:
        problems.append(Problem(rel, lines.get(label, block.line), label, message))

    if not QUESTION_ID.match(block.id):
        problems.append(Problem(rel, block.line, "", f"题号“{block.id}”不合规；写成 Q- 加字母数字，如“Q-0001”"))
    kind = values.get("题型", "")
    if not kind:
        add("题型", f"缺少“题型”；应为 {'、'.join(QUESTION_TYPES)} 之一")
    elif kind not in QUESTION_TYPES:
        add("题型", f"未知题型“{kind}”；可选：{'、'.join(QUESTION_TYPES)}")
    stem = values.get("题干", "").strip()
    if not stem:
        add("题干", "缺少“题干”；写“题干：”和题目内容")
    tiers = _list(values.get("层级")) if "层级" in values else _list(meta.get("tiers"))
    if not tiers:
        add("层级", f"缺少“层级”；可选：{'、'.join(taxonomy.audiences)}（可写多个，用“、”分隔）")
    for tier in tiers:
        if tier not in taxonomy.audiences:
            add("层级", f"未知层级“{tier}”；可选：{'、'.join(taxonomy.audiences)}")
    category = values.get("类别") or str(meta.get("category") or "")
    if not category:
        add("类别", "缺少“类别”；写本题所属的案件类别，或在文件开头写 category")
    elif category not in taxonomy.categories:
        add("类别", f"未知类别“{category}”；可选：{'、'.join(taxonomy.categories)}")
    stages = _list(values.get("环节")) if "环节" in values else _list(meta.get("stage"))
    if not stages:
        add("环节", f"缺少“环节”；可选：{'、'.join(taxonomy.stages)}")
    for stage in stages:
        if stage not in taxonomy.stages:
            add("环节", f"未知办案环节“{stage}”；可选：{'、'.join(taxonomy.stages)}")
    sources, citations = _sources(values.get("出处", ""), add, known_ids)
    conduct = _date(values["行为时间"], rel, lines["行为时间"], problems) if values.get("行为时间") else None
    answer = _answer(kind, values.get("答案", ""), stem, block, add, rel, problems)
    explanation = values.get("解析", "").strip()
    if not explanation:
        add("解析", "缺少“解析”；写明答案的理由，引用法条原文或案例的办案要旨")
    if problems:
        return None, problems
    options = tuple((letter, text) for letter, text, _ in block.options)
    found = Question(
        id=block.id,
        type=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=explanation,
        tiers=tuple(tiers),
        category=category,
        stages=tuple(stages),
        sources=tuple(sources),
        citations=tuple(citations),
        conduct_date=conduct,
        bank=bank_id,
        path=rel,
        line=block.line,
        field_lines=dict(lines),
    )
    return found, []


def _sources(value: str, add, known_ids: Collection[str] | None) -> tuple[list[str], list[str]]:
    # kb.content sits below kb.statutes, so a citation is told from an id here by its shape (第…条) only;
    # kb.statutes.numbering parses and looks it up.
    sources: list[str] = []
    citations: list[str] = []
    items = [item.strip() for item in SOURCE_SEPARATORS.split(value) if item.strip()]
    if not items:
        add(
            "出处",
            "缺少“出处”；写本题考查的指引或案例 id（如 G-2024-005）和/或法条（如 刑法第二百六十四条），多个用“；”分隔",
        )
    for item in items:
        if ID_PATTERN.match(item) and not item.startswith("Q"):
            if known_ids is not None and item not in known_ids:
                add("出处", f"出处“{item}”不存在；请写已发布的指引或案例 id")
            sources.append(item)
        elif re.search(r"第[一二三四五六七八九十百千零〇\d]+条", item):
            citations.append(item)
        else:
            add("出处", f"无法识别的出处“{item}”；应为指引或案例 id（如 G-2024-005）或法条（如 刑法第二百六十四条）")
    return sources, citations


def _answer(kind: str, value: str, stem: str, block: _Block, add, rel: str, problems: list[Problem]) -> tuple[str, ...]:
    """The answer checked against the type and the options."""
    if not value:
        add("答案", "缺少“答案”")
        return ()
    letters = [letter for letter, _, _ in block.options]
    if kind in (SINGLE, MULTIPLE):
        if len(letters) < 2:
            add("答案", f"{kind}题至少要有两个选项，每行一个，如“A. …”“B. …”")
        expected = list(_LETTERS[: len(letters)])
        if letters != expected:
            where = block.options[0][2] if block.options else block.line
            problems.append(
                Problem(
                    rel, where, "选项", f"选项应从 A 起依次排列（{'、'.join(expected)}），实际为 {'、'.join(letters)}"
                )
            )
        texts: dict[str, str] = {}
        for letter, text, line in block.options:
            if not text:
                problems.append(Problem(rel, line, "选项", f"选项 {letter} 没有内容"))
            elif text in texts.values():
                same = next(k for k, v in texts.items() if v == text)
                problems.append(Problem(rel, line, "选项", f"选项 {letter} 与选项 {same} 内容相同"))
            texts[letter] = text
        chosen = [c.upper() for c in re.sub(r"[\s、,，]", "", value)]
        if len(set(chosen)) != len(chosen):
            add("答案", f"答案“{value}”中有重复的选项")
        if kind == SINGLE and len(chosen) != 1:
            add("答案", f"单选题的答案只能是一个选项，实际为“{value}”；多个正确选项请把题型改为多选")
        if kind == MULTIPLE and len(set(chosen)) < 2:
            add("答案", f"多选题的答案至少两个选项（如 A、C），实际为“{value}”；只有一个请把题型改为单选")
        missing = [c for c in chosen if c not in letters]
        if missing:
            add("答案", f"答案“{'、'.join(missing)}”不在选项中；选项为 {'、'.join(letters) or '（无）'}")
        return tuple(sorted(set(chosen)))
    if kind in (TRUE_FALSE, FILL) and block.options:
        problems.append(Problem(rel, block.options[0][2], "选项", f"{kind}题不写选项；请删去选项行"))
    if kind == TRUE_FALSE:
        if value not in (TRUE, FALSE):
            add("答案", f"判断题的答案应为“{TRUE}”或“{FALSE}”，实际为“{value}”")
        return (value,)
    if kind == FILL:
        parts = [p.strip() for p in SOURCE_SEPARATORS.split(value)]
        blanks = len(BLANK.findall(stem))
        if blanks == 0:
            add("题干", "填空题的题干中要有空位，写成“____”（两个以上下划线）")
        elif len(parts) != blanks:
            add("答案", f"题干有 {blanks} 个空，答案有 {len(parts)} 项；每空一项，用“；”分隔，同义写法用“|”分隔")
        if any(not normalize_fill(a) for p in parts for a in ANSWER_ALTERNATIVES.split(p)):
            add("答案", "答案中有空项；每空一项，用“；”分隔，同义写法用“|”分隔，如“七日|7日”")
        return tuple("|".join(a.strip() for a in ANSWER_ALTERNATIVES.split(p)) for p in parts)
    return ()


def parse_quiz(
    text: str, rel: str, taxonomy: Taxonomy, known_ids: Collection[str] | None = None
) -> tuple[QuizBank | None, list[Problem]]:
    """One quiz file's text read into its bank; every problem, path and line first (None when the front
    matter is unusable). `known_ids` are the guide and case ids a source may name (None: not checked)."""
    meta, blocks, problems = read_quiz(text, rel)
    lines = meta.get("_lines", {})
    bank_id = str(meta.get("id") or "").strip()
    title = str(meta.get("title") or "").strip()
    if "_lines" in meta:
        if not bank_id:
            problems.append(Problem(rel, 1, "id", "缺少 id；题库文件写 id: QB- 加字母数字，如 QB-DQ"))
        elif not BANK_ID.match(bank_id):
            problems.append(Problem(rel, lines["id"], "id", f"题库 id“{bank_id}”不合规；写成 QB- 加字母数字，如 QB-DQ"))
        if not title:
            problems.append(Problem(rel, lines.get("title", 1), "title", "缺少 title；写题库名称，如“盗窃案件题库”"))
    version = meta.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Problem(rel, lines.get("version", 1), "version", f"版本号应为正整数，实际为“{version}”"))
        version = 1
    if "_lines" in meta and not blocks:
        problems.append(Problem(rel, 1, "", f"没有题目；每道题以“## 题号”开头，{_EXAMPLE}"))
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for block in blocks:
        if block.id in seen:
            message = f"题号“{block.id}”与第 {seen[block.id]} 行重复；请换一个题号"
            problems.append(Problem(rel, block.line, "", message))
            continue
        seen[block.id] = block.line
        question, found = _question(block, meta, bank_id, rel, taxonomy, known_ids)
        problems += found
        if question is not None:
            questions.append(question)
    if "_lines" not in meta:
        return None, problems
    return QuizBank(bank_id, title, version, rel, tuple(questions), tuple(b.line for b in blocks)), problems


def _stem_key(question: Question) -> str:
    return normalize_fill(question.stem)


def quiz_files(content_dir: Path) -> list[Path]:
    """Every quiz file under quizzes/, sorted."""
    base = content_dir / QUIZ_FOLDER
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*.md") if p.is_file() and not p.name.startswith("."))


def load_questions(
    content_dir: Path,
    taxonomy: Taxonomy,
    known_ids: Collection[str] | None = None,
    replace: dict[str, str] | None = None,
) -> QuestionBank:
    """Read every quiz file; problems include ids and stems repeated across files, and bank ids used twice.

    `replace` maps a path (relative to the content folder) to the text to read instead of the file: a draft
    is checked together with the rest of the bank it will join.
    """
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    for path in quiz_files(content_dir):
        rel = path.relative_to(content_dir).as_posix()
        try:
            texts[rel] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(rel, 1, "", NOT_UTF8))
        except OSError:
            problems.append(Problem(rel, 1, "", UNREADABLE))
    texts.update(replace or {})
    banks: list[QuizBank] = []
    ids: dict[str, Question] = {}
    stems: dict[str, Question] = {}
    bank_ids: dict[str, str] = {}
    for rel in sorted(texts):
        bank, found = parse_quiz(texts[rel], rel, taxonomy, known_ids)
        problems += found
        if bank is None:
            continue
        if bank.id and bank.id in bank_ids:
            problems.append(Problem(rel, 2, "id", f"题库 id“{bank.id}”已被 {bank_ids[bank.id]} 使用；请换一个"))
        bank_ids.setdefault(bank.id, rel)
        kept: list[Question] = []
        for question in bank.questions:
            if (first := ids.get(question.id)) is not None:
                message = f"题号“{question.id}”与 {first.path}:{first.line} 重复；请换一个题号"
                problems.append(Problem(rel, question.line, "", message))
                continue
            if (same := stems.get(_stem_key(question))) is not None and same.type == question.type:
                message = f"题干与 {same.id}（{same.path}:{same.line}）相同；请删除或改写其中一题"
                problems.append(Problem(rel, question.field_lines.get("题干", question.line), "题干", message))
            ids[question.id] = question
            stems.setdefault(_stem_key(question), question)
            kept.append(question)
        banks.append(QuizBank(bank.id, bank.title, bank.version, bank.path, tuple(kept), bank.blocks))
    return QuestionBank(tuple(banks), tuple(problems))
