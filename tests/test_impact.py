"""kb.statutes.impact: which documents a law change touches, read in the version each citation meant."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kb.content.catalog import load_content_taxonomy
from kb.content.validation import load_content
from kb.settings import REPO_ROOT
from kb.statutes.citations import extract_citations, parse_citation
from kb.statutes.concordance import ConcordanceError, DiffPiece
from kb.statutes.impact import DocumentImpact, affected_documents, citation_note
from kb.statutes.library import StatuteLibrary

LAW = "某某市养犬管理条例"
TODAY = date(2026, 12, 1)

# Two versions of a made-up law: 第一条 unchanged, 第二条 → 第三条 renumbered, 第三条 → 第四条 changed,
# 第四条 deleted, 第五条 changed in place, and 2024 第二条 new.
OLD = """\
# 某某市养犬管理条例

2020年1月1日 某某市人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养犬行为，维护市容环境和社会秩序，制定本条例。

第二条 养犬人应当为犬只办理登记，每年为犬只接种狂犬病疫苗。

第三条 携犬出户应当束犬链，由成年人牵领。

第四条 禁止在居民住宅楼内饲养烈性犬。

第五条 违反本条例第三条规定的，处五十元以上二百元以下罚款。
"""
NEW = """\
# 某某市养犬管理条例

2024年7月1日 某某市人民代表大会常务委员会修订

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养犬行为，维护市容环境和社会秩序，制定本条例。

第二条 市公安机关是本市养犬管理的主管部门，负责养犬登记和监督管理工作。

第三条 养犬人应当为犬只办理登记，每年为犬只接种狂犬病疫苗。

第四条 携犬出户应当束犬链，犬链长度不得超过一点五米，由成年人牵领。

第五条 违反本条例第四条规定的，处二百元以上五百元以下罚款。
"""
ONE_VERSION = """\
# 某某市停车管理办法

2020年2月1日 某某市人民政府公布

<!-- INFO END -->

第一条 为了规范停车，制定本办法。
"""


def write_laws(root: Path) -> Path:
    """The made-up law in two versions and a one-version law, as a statute folder."""
    folder = root / "laws" / "地方性法规"
    folder.mkdir(parents=True)
    (folder / f"{LAW}(2020-01-01).md").write_text(OLD, encoding="utf-8")
    (folder / f"{LAW}(2024-07-01).md").write_text(NEW, encoding="utf-8")
    (folder / "某某市停车管理办法(2020-02-01).md").write_text(ONE_VERSION, encoding="utf-8")
    return root / "laws"


@pytest.fixture
def library(tmp_path) -> StatuteLibrary:
    return StatuteLibrary.load(write_laws(tmp_path))


def documents(settings):
    return load_content(settings.content_dir, load_content_taxonomy(settings), parse_citation).documents


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if text in line)


OLD_GUIDE_BODY = "携犬出户按《某某市养犬管理条例》第三条执行，住宅楼内禁养烈性犬见第四条。\n\n立法目的见《某某市养犬管理条例》第一条。"


def test_a_guide_in_force_citing_the_old_numbering_is_flagged_for_each_changed_article(content, settings, library):
    path = content.guide(
        "G-2023-001", title="养犬管理指引", laws=f"{LAW}第二条", issued="2023-03-01", body=OLD_GUIDE_BODY
    )
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    body = line_of(path, "携犬出户")
    assert (found.doc_id, found.path, found.read_on, found.severity, found.needs_review) == (
        "G-2023-001",
        "guides/G-2023-001.md",
        date(2023, 3, 1),
        "error",
        True,
    )
    assert [(f.lines, f.text, f.change, f.severity, f.reason) for f in found.findings] == [
        (
            (8,),
            "某某市养犬管理条例第二条",
            "仅条号变化",
            "error",
            "现行指引仍按2020年版引用第二条；2024年版已于2024-07-01施行，该条现为第三条（条文未变），应改引第三条",
        ),
        (
            (body,),
            "《某某市养犬管理条例》第三条",
            "内容修改",
            "error",
            "现行指引仍按2020年版引用第三条；2024年版已于2024-07-01施行，该条现为第四条且内容已修改，请核对新条文后改引",
        ),
        (
            (body,),
            "第四条",
            "删除",
            "error",
            "现行指引仍按2020年版引用第四条；2024年版已于2024-07-01施行，该条已删除，请删去或改引现行规定",
        ),
    ]
    renumbered, changed, deleted = found.findings
    assert ([a.id for a in renumbered.old_articles], [a.id for a in renumbered.new_articles]) == (
        [f"{LAW}@2020-01-01#2"],
        [f"{LAW}@2024-07-01#3"],
    )
    assert (deleted.new_articles, deleted.diffs()) == ((), ())
    [(pair, pieces)] = changed.diffs()
    assert (pair.old.article, pair.new.article) == ("3", "4")
    assert pieces == (
        DiffPiece("equal", "携犬出户应当束犬链，"),
        DiffPiece("insert", "犬链长度不得超过一点五米，"),
        DiffPiece("equal", "由成年人牵领。"),
    )


def test_an_article_cited_in_front_matter_and_body_is_one_finding_with_both_lines(content, settings, library):
    path = content.guide("G-2023-002", laws=f"{LAW}第三条", issued="2023-03-01", body=OLD_GUIDE_BODY)
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert [(f.text, f.lines) for f in found.findings] == [
        (f"{LAW}第三条", (8, line_of(path, "携犬出户"))),
        ("第四条", (line_of(path, "携犬出户"),)),
    ]


def test_a_case_decided_under_the_old_version_is_information_naming_the_version_it_applied(content, settings, library):
    content.case(
        "C-2023-001",
        year=2023,
        laws=f"{LAW}第五条",
        law_text="依照《某某市养犬管理条例》第三条、第五条，对张某处一百元罚款。",
    )
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert (found.read_on, found.severity, found.needs_review) == (date(2023, 6, 1), "info", False)
    assert [(f.text, f.change, f.severity, f.reason) for f in found.findings] == [
        (f"{LAW}第五条", "内容修改", "info", "适用2020年版第五条，现行为2024年版第五条（内容修改）"),
        ("《某某市养犬管理条例》第三条", "内容修改", "info", "适用2020年版第三条，现行为2024年版第四条（内容修改）"),
    ]


def test_a_guide_written_after_the_change_is_information_with_its_predecessors(content, settings, library):
    content.guide(
        "G-2025-001",
        laws=f"{LAW}第四条",
        issued="2025-01-10",
        body="主管部门见《某某市养犬管理条例》第二条；登记见第三条；立法目的见第一条。",
    )
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert [(f.text, f.reads_old, f.change, f.severity, f.reason) for f in found.findings] == [
        (f"{LAW}第四条", False, "内容修改", "info", "引用2024年版第四条，即2020年版第三条（内容修改）"),
        ("《某某市养犬管理条例》第二条", False, "新增", "info", "引用2024年版新增的第二条"),
        ("第三条", False, "仅条号变化", "info", "引用2024年版第三条，即2020年版第二条（仅条号变化）"),
    ]


def test_a_document_citing_only_unchanged_articles_or_other_laws_is_not_listed(content, settings, library):
    content.guide("G-2023-003", laws=f"{LAW}第一条", issued="2023-03-01", body="见《某某市养犬管理条例》第一条。")
    content.guide("G-2023-004", issued="2023-03-01")  # 刑事诉讼法 only
    assert affected_documents(documents(settings), library, LAW, today=TODAY) == ()


def test_before_the_new_version_takes_effect_a_guide_in_force_gets_a_warning(content, settings, library):
    content.guide("G-2023-001", laws=f"{LAW}第三条", issued="2023-03-01")
    [found] = affected_documents(documents(settings), library, LAW, today=date(2024, 6, 1))
    assert [(f.severity, f.reason) for f in found.findings] == [
        (
            "warning",
            "2024年版将于2024-07-01施行，届时本文引用的2020年版第三条将为第四条（内容修改）；请在施行前修订本文",
        )
    ]
    assert found.needs_review


def test_a_guide_no_longer_in_force_is_history(content, settings, library):
    content.guide(
        "G-2021-001", laws=f"{LAW}第四条", issued="2021-03-01", status="不再参照", extra="superseded_by: G-2025-001\n"
    )
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert [(f.severity, f.reason) for f in found.findings] == [
        ("info", "按2020年版引用第四条（本文不再参照）；该条在2024年版中已删除")
    ]


def test_a_guide_written_after_the_change_that_names_the_old_edition_compares_on_purpose(content, settings, library):
    body = (
        "原《某某市养犬管理条例》（2020年通过）第三条只要求束犬链，现行《某某市养犬管理条例》第四条还限定了犬链长度。"
    )
    content.guide("G-2025-002", issued="2025-01-10", body=body)
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert [(f.cited.id, f.severity, f.reason) for f in found.findings] == [
        (f"{LAW}@2020-01-01#3", "info", "明确引用2020年版第三条，现行为2024年版第四条（内容修改）"),
        (f"{LAW}@2024-07-01#4", "info", "引用2024年版第四条，即2020年版第三条（内容修改）"),
    ]


def test_documents_come_most_serious_first_then_by_path(content, settings, library):
    content.case("C-2023-001", year=2023, laws=f"{LAW}第三条")
    content.guide("G-2025-001", laws=f"{LAW}第四条", issued="2025-01-10")
    content.guide("G-2023-001", laws=f"{LAW}第三条", issued="2023-03-01")
    found = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert [(d.doc_id, d.severity) for d in found] == [
        ("G-2023-001", "error"),
        ("C-2023-001", "info"),
        ("G-2025-001", "info"),
    ]


def test_the_versions_compared_can_be_named(content, settings, library):
    content.guide("G-2023-001", laws=f"{LAW}第三条", issued="2023-03-01")
    [found] = affected_documents(documents(settings), library, LAW, "2020", "2024-07-01", today=TODAY)
    assert found.findings[0].change == "内容修改"
    with pytest.raises(ConcordanceError, match="没有 2019 版"):
        affected_documents(documents(settings), library, LAW, "2019", today=TODAY)
    with pytest.raises(ConcordanceError) as raised:
        affected_documents(documents(settings), library, LAW, "2024", "2020", today=TODAY)
    assert str(raised.value) == "旧版本应早于新版本：2024-07-01 版晚于 2020-01-01 版；请交换新旧版本"


@pytest.mark.parametrize("law", ["某某市停车管理办法", "不存在的法"])
def test_a_law_without_two_versions_cannot_be_compared(settings, library, law):
    with pytest.raises(ConcordanceError):
        affected_documents([], library, law, today=TODAY)


def test_the_json_shape(content, settings, library):
    content.guide("G-2023-001", title="养犬管理指引", laws=f"{LAW}第三条", issued="2023-03-01")
    [found] = affected_documents(documents(settings), library, LAW, today=TODAY)
    assert isinstance(found, DocumentImpact)
    assert found.to_json() == {
        "id": "G-2023-001",
        "path": "guides/G-2023-001.md",
        "title": "养犬管理指引",
        "type": "guide",
        "status": "现行",
        "issued": "2023-03-01",
        "read_on": "2023-03-01",
        "severity": "error",
        "findings": [
            {
                "citation": f"{LAW}第三条",
                "lines": [8],
                "read_in": "2020-01-01",
                "old": [{"id": f"{LAW}@2020-01-01#3", "article": "3", "label": "第三条", "version": "2020-01-01"}],
                "new": [{"id": f"{LAW}@2024-07-01#4", "article": "4", "label": "第四条", "version": "2024-07-01"}],
                "change": "内容修改",
                "severity": "error",
                "reason": "现行指引仍按2020年版引用第三条；2024年版已于2024-07-01施行，该条现为第四条且内容已修改，请核对新条文后改引",
                "diffs": [
                    {
                        "old": "3",
                        "new": "4",
                        "pieces": [
                            {"kind": "equal", "text": "携犬出户应当束犬链，"},
                            {"kind": "insert", "text": "犬链长度不得超过一点五米，"},
                            {"kind": "equal", "text": "由成年人牵领。"},
                        ],
                    }
                ],
            }
        ],
    }


# -- the note beside a citation ----------------------------------------------------------------


def note(library, text: str, on: date, doc_type: str = "guide", in_force: bool = True):
    return citation_note(library, parse_citation(text), on, doc_type=doc_type, in_force=in_force, today=TODAY)


@pytest.mark.parametrize(
    ("article", "doc_type", "in_force", "text", "target", "severity"),
    [
        ("第三条", "guide", True, "（2020年版条号，现为第四条）", "4", "error"),
        ("第二条", "guide", True, "（2020年版条号，现为第三条）", "3", "error"),
        ("第五条", "guide", True, "（2020年版条文，现行第五条已修改）", "5", "error"),
        ("第四条", "guide", True, "（2020年版条文，现行版本已删除该条）", None, "error"),
        ("第三条", "case", True, "（适用2020年版；现行为第四条）", "4", "info"),
        ("第五条", "case", True, "（适用2020年版；现行第五条已修改）", "5", "info"),
        ("第四条", "case", True, "（适用2020年版；现行版本已删除该条）", None, "info"),
        ("第三条", "guide", False, "（2020年版条号；现行为第四条）", "4", "info"),
    ],
)
def test_a_citation_of_the_old_version_gets_a_note_naming_the_current_article(
    library, article, doc_type, in_force, text, target, severity
):
    found = note(library, LAW + article, date(2023, 3, 1), doc_type, in_force)
    assert (found.text, found.target.article if found.target else None, found.severity) == (text, target, severity)
    if target:
        assert found.target.id == f"{LAW}@2024-07-01#{target}"


def test_no_note_for_an_unchanged_article_the_current_text_or_an_unknown_article(library):
    assert note(library, LAW + "第一条", date(2023, 3, 1)) is None
    assert note(library, LAW + "第三条", date(2025, 1, 1)) is None
    assert note(library, LAW + "第九条", date(2023, 3, 1)) is None
    assert note(library, "某某市停车管理办法第一条", date(2023, 3, 1)) is None


def test_no_note_while_the_old_version_is_still_in_force(library):
    found = citation_note(
        library,
        parse_citation(LAW + "第三条"),
        date(2023, 3, 1),
        doc_type="guide",
        in_force=True,
        today=date(2024, 6, 1),
    )
    assert found is None


# -- the bundled content -----------------------------------------------------------------------

PUBLIC_SECURITY_LAW = "治安管理处罚法"
_NAME = re.compile(r"^(?:中华人民共和国)?治安管理处罚法")


def test_on_the_bundled_content_every_document_citing_the_public_security_law_is_listed(laws_dir):
    from kb.settings import load_settings

    settings = load_settings(content=REPO_ROOT)
    docs = documents(settings)
    # Expected, read independently: a document cites the law when a front-matter laws entry names it,
    # or its body has an article citation whose law is it (the citation parser, not the impact module).
    in_front = {d.id for d in docs if any(_NAME.match(entry) and "第" in entry for entry in d.laws)}
    in_body = {d.id for d in docs if any(c.law == PUBLIC_SECURITY_LAW for c in extract_citations(d.body))}
    expected = in_front | in_body
    library = StatuteLibrary.load(laws_dir)
    found = affected_documents(docs, library, PUBLIC_SECURITY_LAW, today=TODAY)
    assert len(expected) > 30
    assert {d.doc_id for d in found} == expected
    by_id = {d.doc_id: d for d in found}
    # The retired 2012 quick-reference table: 2012 第四十三条 殴打他人 → 2025 第五十一条, 第七十条 赌博 → 第八十二条.
    table = {f.cited.article: f for f in by_id["G-2021-101"].findings}
    assert [a.article for a in table["43"].new_articles] == ["51"]
    assert [a.article for a in table["70"].new_articles] == ["82"]
    assert {f.severity for f in table.values()} == {"info"}
    assert table["43"].reason == "按2012年版引用第四十三条（本文不再参照），现行为2025年版第五十一条（内容修改）"
    assert [d.doc_id for d in found if d.needs_review] == []
