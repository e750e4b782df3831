"""The editor's form over a draft's Markdown: text ↔ field values, the next free id, the statute picker's search."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ContentTree, make_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.content.templates import FIELD_ORDER, PLACEHOLDERS, SECTIONS, TEMPLATES, draft_template
from kb.search.index import build_index
from kb.search.service import SearchService
from kb.settings import REPO_ROOT
from kb.workflow.drafts import create_draft, discard_draft
from kb.workflow.forms import DraftForm, FormError, find_articles, form_fields, next_id, read_form, write_form

try:
    from tests.app_fixtures import make_laws
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_laws

GUIDE = """\
---
id: G-2026-104
title: 盗窃电动车案件快速处置指引
kind: 办案指引
category: 盗窃
stage: [调查取证, 强制措施]
tags: [电动车, 快速处置]
laws: [刑法第二百六十四条]
audience: [办案民警]
status: 现行
issued: 2026-06-01
version: 1
supersedes: [G-2024-902]
summary: 接报电动车被盗后三十分钟内完成视频追踪部署。
---

## 快速处置

接报后三十分钟内调取周边视频。
"""


def test_a_guide_reads_into_the_values_the_form_shows():
    form = read_form(GUIDE, "guide")
    assert dict(form.values) == {
        "id": "G-2026-104",
        "title": "盗窃电动车案件快速处置指引",
        "kind": "办案指引",
        "category": "盗窃",
        "stage": ["调查取证", "强制措施"],
        "tags": ["电动车", "快速处置"],
        "laws": ["刑法第二百六十四条"],
        "audience": ["办案民警"],
        "status": "现行",
        "superseded_by": "",
        "issued": date(2026, 6, 1),
        "version": 1,
        "supersedes": ["G-2024-902"],
        "review_by": None,
        "summary": "接报电动车被盗后三十分钟内完成视频追踪部署。",
    }
    assert form.body == "## 快速处置\n\n接报后三十分钟内调取周边视频。\n"
    assert write_form(form) == GUIDE


def test_every_field_has_a_chinese_label_in_file_order():
    assert [(f.key, f.label) for f in form_fields("case")] == [
        ("id", "编号"),
        ("title", "标题"),
        ("category", "类别"),
        ("case_type", "案件性质"),
        ("charges", "罪名或违法行为"),
        ("year", "办结年份"),
        ("unit", "承办单位"),
        ("tags", "关键词"),
        ("laws", "法律依据"),
        ("audience", "适用层级"),
        ("stage", "办案环节"),
        ("guides", "适用的指引"),
        ("status", "状态"),
        ("superseded_by", "替代本文的新文档"),
        ("issued", "印发日期"),
        ("version", "版本号"),
        ("supersedes", "本文替代的旧文档"),
        ("review_by", "复核日期"),
        ("summary", "办案要旨"),
    ]
    assert [f.label for f in form_fields("guide")][:3] == ["编号", "标题", "指引种类"]


def test_the_form_writes_keys_in_file_order_and_optional_ones_only_with_a_value():
    values = dict(read_form(GUIDE, "guide").values)
    values.update(supersedes=[], review_by=date(2027, 6, 30), tags=[], title="标题: 含冒号", summary="")
    text = write_form(DraftForm("guide", values, "正文。\n"))
    assert text == (
        "---\nid: G-2026-104\ntitle: '标题: 含冒号'\nkind: 办案指引\ncategory: 盗窃\nstage: [调查取证, 强制措施]\n"
        "tags: []\nlaws: [刑法第二百六十四条]\naudience: [办案民警]\nstatus: 现行\nissued: 2026-06-01\nversion: 1\n"
        "review_by: 2027-06-30\nsummary:\n---\n\n正文。\n"
    )


def test_texts_that_look_like_other_types_are_quoted_and_read_back_as_typed():
    values = dict(read_form(GUIDE, "guide").values)
    values.update(title="2026-01-01", summary="yes", tags=["a, b", "[c]", "100"])
    form = DraftForm("guide", values, "")
    text = write_form(form)
    assert "title: '2026-01-01'\n" in text and "summary: 'yes'\n" in text and "tags: ['a, b', '[c]', '100']\n" in text
    assert read_form(text, "guide") == form


def test_every_bundled_document_reads_into_the_form_and_writes_back_byte_for_byte():
    files = sorted((REPO_ROOT / "guides").glob("*.md")) + sorted((REPO_ROOT / "casebook").rglob("*.md"))
    assert len(files) > 80
    for path in files:
        text = path.read_text(encoding="utf-8")
        doc_type = "guide" if path.parent.name == "guides" else "case"
        assert write_form(read_form(text, doc_type)) == text, path


@pytest.mark.parametrize("doc_type", ["guide", "case"])
def test_the_templates_are_what_the_form_writes(doc_type):
    text = draft_template(doc_type, date(2026, 12, 7), f"{'G' if doc_type == 'guide' else 'C'}-2026-104")
    form = read_form(text, doc_type)
    assert write_form(form) == text
    assert form.body == "\n".join(f"## {s}\n" for s in SECTIONS[doc_type])  # the sections, empty
    assert form.values["issued"] == date(2026, 12, 7)
    assert form.values["title"] in PLACEHOLDERS["title"] and form.values["summary"] in PLACEHOLDERS["summary"]
    assert list(read_form(text, doc_type).values) == list(FIELD_ORDER[doc_type])


def test_a_template_without_an_id_keeps_the_old_placeholder_id():
    assert "id: G-2025-001\n" in draft_template("guide")
    assert "id: C-2025-001\n" in draft_template("case")
    assert set(TEMPLATES) == {"guide", "case"}


# -- what the form cannot show: the text stays in 源码 ------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("正文而已\n", "第 1 行：缺少 front matter；全文须以“---”行开始，写完字段后再以“---”行结束"),
        (
            GUIDE.replace("category: 盗窃", "category: [盗窃"),
            "第 6 行：front matter 不是合法的 YAML（列表缺少“,”或“]”，方括号可能没有闭合）；请检查冒号后的空格、引号和缩进",
        ),
        (
            GUIDE.replace("issued: 2026-06-01", "issued: 2026-13-45"),
            "第 11 行：issued（印发日期）“2026-13-45”不是有效的日期；请写成 YYYY-MM-DD，例如 2024-03-01",
        ),
        (
            GUIDE.replace("version: 1", "version: 第一版"),
            "第 12 行：version（版本号）“第一版”不是整数；例如 version: 1",
        ),
        (
            GUIDE.replace("status: 现行", "status: 现行\nauthor: 林某"),
            "第 11 行：表单中没有字段“author”；可用字段：id、title、kind、category、stage、tags、laws、audience、"
            "status、superseded_by、issued、version、supersedes、review_by、summary。请在源码中删除或改正",
        ),
        (
            GUIDE.replace("title: 盗窃电动车案件快速处置指引", "title: [盗窃, 电动车]"),
            "第 3 行：title（标题）应为一段文本，实际为列表；请在源码中改正",
        ),
        (
            GUIDE.replace("tags: [电动车, 快速处置]", "tags: [电动车, yes]"),
            "第 7 行：tags（关键词）中有 YAML 读作是/否的值（yes、no、true、false 等）；请在源码中给它加上引号",
        ),
        (
            GUIDE.replace("kind: 办案指引", "kind: 办案指引\ntitle: 另一个标题"),
            "第 5 行：字段“title”写了两次（另见第 3 行）；请在源码中删去其中一行",
        ),
        (
            GUIDE.replace("category: 盗窃", "category: &a 盗窃"),
            "第 5 行：front matter 中不能使用 YAML 锚点和别名（& 与 *）；请直接写出取值",
        ),
    ],
    ids=[
        "no-front-matter",
        "yaml",
        "impossible-date",
        "not-an-integer",
        "unknown-key",
        "list-for-text",
        "yes",
        "twice",
        "anchor",
    ],
)
def test_a_text_the_form_cannot_hold_is_refused_with_the_line_and_the_fix(text, message):
    with pytest.raises(FormError) as err:
        read_form(text, "guide")
    assert str(err.value) == message


def test_values_outside_the_taxonomy_are_kept_for_validation_to_report():
    form = read_form(GUIDE.replace("category: 盗窃", "category: 盗抢").replace("[办案民警]", "[局长]"), "guide")
    assert (form.values["category"], form.values["audience"]) == ("盗抢", ["局长"])
    assert "category: 盗抢\n" in write_form(form)


# -- form → text → form is the identity --------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
_LINES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x85\u2028\u2029"), max_size=60)
_LIST = st.lists(_TEXT.filter(bool), max_size=4)
_DATE = st.dates(min_value=date(1949, 10, 1), max_value=date(2099, 12, 31))


@st.composite
def forms(draw, doc_type: str) -> DraftForm:
    values = {}
    for f in form_fields(doc_type):
        kind = f.rule.kind
        if kind == "str":
            values[f.key] = draw(_LINES if f.key == "summary" else _TEXT)
        elif kind == "list":
            values[f.key] = draw(_LIST)
        elif kind == "date":
            values[f.key] = draw(st.none() | _DATE)
        else:
            values[f.key] = draw(st.none() | st.integers(0, 10**6))
    return DraftForm(doc_type, values, draw(_LINES))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["guide", "case"]).flatmap(forms))
def test_form_to_text_to_form_is_the_identity(form):
    assert read_form(write_form(form), form.doc_type) == form


# -- the next free id --------------------------------------------------------------------------


def test_a_new_draft_gets_the_serial_after_every_published_document_and_open_draft(kb, content):
    today = date(2026, 3, 1)
    assert next_id(kb, "lin", "guide", today) == "G-2026-001"  # the fixture's G-1 and G-2 are not numbered ids
    content.guide("G-2024-016")
    content.guide("G-2025-017")
    content.case("C-2025-130")
    assert next_id(kb, "lin", "guide", today) == "G-2026-018"
    assert next_id(kb, "lin", "case", today) == "C-2026-131"
    create_draft(kb, "wang", draft_template("guide", today, "G-2026-018"))
    assert next_id(kb, "lin", "guide", today) == "G-2026-019"
    gone = create_draft(kb, "lin", draft_template("guide", today, "G-2026-019"))
    discard_draft(kb, "lin", gone.id)
    assert next_id(kb, "lin", "guide", today) == "G-2026-019"  # a discarded draft frees its id
    assert next_id(kb, "lin", "guide", date(2027, 1, 2)) == "G-2027-019"


# -- the statute picker's search ---------------------------------------------------------------

PUBLIC_ORDER_LAW = """# 中华人民共和国治安管理处罚法

2012年10月26日 第十一届全国人民代表大会常务委员会第二十九次会议修正

<!-- INFO END -->

## 第三章 违反治安管理的行为和处罚

第四十三条 殴打他人的，或者故意伤害他人身体的，处五日以上十日以下拘留，并处二百元以上五百元以下罚款。

第四十九条 盗窃、诈骗、哄抢、抢夺、敲诈勒索或者故意损毁公私财物的，处五日以上十日以下拘留。
"""


@pytest.fixture(scope="module")
def statutes_index(tmp_path_factory):
    """An index of the fixture content and two small laws (刑法 264, 266; 治安管理处罚法 43, 49), built
    once for the module: the picker's tests only read."""
    root = tmp_path_factory.mktemp("statutes")
    content = ContentTree(root / "content")
    laws = make_laws(root)
    (laws / "行政法").mkdir()
    (laws / "行政法" / "治安管理处罚法(2012-10-26).md").write_text(PUBLIC_ORDER_LAW, encoding="utf-8")
    s = make_settings(content.root, root, laws_dir=laws)
    content.guide("G-1")
    build_index(s)
    return s


@pytest.fixture
def statutes(statutes_index) -> SearchService:
    """A fresh service over the shared statute index."""
    service = SearchService(statutes_index)
    yield service
    service.close()


def test_words_find_the_articles_that_use_them(statutes):
    found = find_articles(statutes, "殴打")
    assert found[0].citation == "治安管理处罚法第四十三条"
    assert found[0].text.startswith("殴打他人的，或者故意伤害他人身体的")
    assert all(not c.citation.startswith("刑法第二百六十六条") for c in found)


def test_a_citation_finds_its_article_first(statutes):
    assert find_articles(statutes, "刑法第二百六十六条")[0].citation == "刑法第二百六十六条"
    assert find_articles(statutes, "刑法第266条")[0].citation == "刑法第二百六十六条"


def test_an_empty_query_finds_nothing(statutes):
    assert find_articles(statutes, "  ") == ()


def test_articles_are_listed_once(statutes):
    citations = [c.citation for c in find_articles(statutes, "拘留")]
    assert len(citations) == len(set(citations)) > 0
