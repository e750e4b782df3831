"""Tests for kb.statutes.library: the statute library read from LawRefBook Markdown folders."""

import functools
import re
from datetime import date
from pathlib import Path

import pytest

from kb.content.taxonomy import load_taxonomy
from kb.content.validation import load_content
from kb.errors import StatuteError
from kb.statutes.citations import parse_citation
from kb.statutes.library import (
    StatuteLibrary,
    StatuteProblem,
    check_citations,
    load_effective_table,
    load_law_records,
    normalize_article,
)

PUBLIC_SECURITY = "治安管理处罚法"
THEFT = "最高人民法院、最高人民检察院关于办理盗窃刑事案件适用法律若干问题的解释"
TODAY = date(2026, 11, 28)

# Where SOURCES.md's `arts` column (lines matching ^第…条 without a space before 条) differs from
# what is imported: two source typos "第一百二十八 条…" / "第一百二十四 条…" are real articles, and the
# 修正案's 一、二、… provisions are read as 第一条, 第二条, ….
SOURCES_DIFFERENCES = {
    "诉讼与非诉讼程序法/刑事诉讼法(2018-10-26).md": 1,
    "related/司法解释/最高人民法院关于适用《刑事诉讼法》的解释(2021-01-26).md": 4,
    "related/刑法/刑法修正案（十二）(2023-12-29).md": 8,
}


@functools.cache
def _load(root: Path) -> StatuteLibrary:
    return StatuteLibrary.load(root)


@pytest.fixture
def library(laws_dir) -> StatuteLibrary:
    """The shared statute folder, read once per session."""
    return _load(laws_dir)


def cite(text: str):
    citation = parse_citation(text)
    assert citation is not None, text
    return citation


def test_the_shared_folder_loads_without_problems(laws_dir):
    library = StatuteLibrary.load(laws_dir)
    assert library.problems == ()
    assert len(library.laws()) == 27


def test_article_counts_match_sources_md(library, laws_dir):
    rows = re.findall(
        r"^\| \w+ \| `([^`]+)` \|[^|]*\|[^|]*\|[^|]*\|[^|]*\| (\d+) \|", (laws_dir / "SOURCES.md").read_text(), re.M
    )
    assert len(rows) == 28
    imported = {v.path: len(v.articles) for law in library.laws() for v in library.versions(law)}
    expected = {path: int(arts) + SOURCES_DIFFERENCES.get(path, 0) for path, arts in rows}
    assert imported == expected


def test_public_security_law_has_two_versions_with_dates(library):
    old, new = library.versions(PUBLIC_SECURITY)
    assert (len(old.articles), len(new.articles)) == (119, 144)
    assert (old.version, old.effective, old.expires) == ("2012-10-26", date(2013, 1, 1), date(2026, 1, 1))
    assert (new.version, new.effective, new.expires) == ("2025-06-27", date(2026, 1, 1), None)
    assert new.title == "中华人民共和国治安管理处罚法"
    assert new.path == "行政法/治安管理处罚法(2025-06-27).md"


def test_an_article_carries_its_id_label_chapter_text_and_source_line(library):
    article = library.article(PUBLIC_SECURITY, "58", on=date(2026, 2, 1))
    assert article.id == "治安管理处罚法@2025-06-27#58"
    assert (article.label, article.law, article.effective) == ("第五十八条", PUBLIC_SECURITY, date(2026, 1, 1))
    assert article.chapter == "第三章 违反治安管理的行为和处罚 / 第三节 侵犯人身权利、财产权利的行为和处罚"
    assert article.text.startswith("盗窃、诈骗、哄抢、抢夺或者敲诈勒索的")
    source = Path(library.versions(PUBLIC_SECURITY)[1].path)
    assert source.name == "治安管理处罚法(2025-06-27).md" and article.line == 359


def test_a_zhi_yi_article_is_its_own_article(library):
    dangerous = library.article("刑法", "133-1")
    assert dangerous.id == "刑法@2023-12-29#133-1"
    assert dangerous.label == "第一百三十三条之一"
    assert "醉酒驾驶机动车" in dangerous.text and "交通肇事" not in dangerous.text
    assert dangerous.text.splitlines()[1] == "（一）追逐竞驶，情节恶劣的；"
    assert dangerous.chapter == "第二编 分则 / 第二章 危害公共安全罪"
    assert library.article("刑法", "133").text.startswith("违反交通运输管理法规")


def test_the_consolidated_criminal_law_is_versioned_by_its_latest_amendment(library):
    [criminal_law] = library.versions("中华人民共和国刑法")
    assert (criminal_law.version, criminal_law.effective) == ("2023-12-29", date(2024, 3, 1))
    assert library.article("刑法", "264").chapter == "第二编 分则 / 第五章 侵犯财产罪"


def test_interpretations_keep_their_full_title_preamble_and_declared_effective_date(library):
    [theft] = library.versions(THEFT)
    assert theft.effective == date(2013, 4, 4)  # from "2013年4月4日 施行" in the header
    assert theft.preamble.startswith("为依法惩治盗窃犯罪活动")
    assert library.article(THEFT, "1").chapter == ""


def test_an_old_effective_line_in_the_header_does_not_date_a_later_version(library):
    [rules] = library.versions("公安机关办理行政案件程序规定")
    assert rules.effective == date(2019, 4, 27)


def test_source_quirks_are_read_as_articles_and_headings(library):
    assert library.article("刑事诉讼法", "128").text.startswith("侦查人员对于与犯罪有关的场所")
    assert library.article("刑事诉讼法", "298").chapter == (
        "第五编 特别程序 / 第四章 犯罪嫌疑人、被告人逃匿、死亡案件违法所得的没收程序"
    )
    assert library.article("刑法修正案（十二）", "8").text == "本修正案自2024年3月1日起施行。"
    assert "附件" not in library.article("刑法", "452").chapter


@pytest.mark.parametrize(
    ("on", "version"), [(date(2025, 6, 1), "2012-10-26"), (date(2026, 2, 1), "2025-06-27"), (None, "2025-06-27")]
)
def test_the_version_in_force_depends_on_the_date(library, on, version):
    assert library.in_force(PUBLIC_SECURITY, on).version == version


def test_no_version_is_in_force_before_the_first_but_articles_fall_back_to_it(library):
    assert library.in_force(PUBLIC_SECURITY, date(2010, 1, 1)) is None
    assert library.article(PUBLIC_SECURITY, "43", on=date(2010, 1, 1)).version == "2012-10-26"


@pytest.mark.parametrize(
    ("text", "article_id"),
    [
        ("刑法第264条", "刑法@2023-12-29#264"),
        ("刑法第二百六十四条", "刑法@2023-12-29#264"),
        ("《刑法》264条", "刑法@2023-12-29#264"),
        ("《中华人民共和国刑法》第二百六十四条", "刑法@2023-12-29#264"),
        ("刑法 第二百六十四条", "刑法@2023-12-29#264"),
        ("刑法264", "刑法@2023-12-29#264"),
        ("刑法第一百三十三条之一", "刑法@2023-12-29#133-1"),
        ("刑事诉讼法第八十一条第一款", "刑事诉讼法@2018-10-26#81"),
        ("刑诉法第81条", "刑事诉讼法@2018-10-26#81"),
        ("治安管理处罚法第58条", "治安管理处罚法@2025-06-27#58"),
        ("盗窃解释第三条", f"{THEFT}@2013-04-02#3"),
        ("高法解释第一条", "最高人民法院关于适用刑事诉讼法的解释@2021-01-26#1"),
    ],
)
def test_resolve_every_citation_form(library, text, article_id):
    assert library.resolve(cite(text), on=date(2026, 2, 1)).id == article_id


def test_resolve_uses_the_version_in_force_on_the_citing_date(library):
    assault = cite("治安管理处罚法第四十三条")
    assert "殴打他人" in library.resolve(assault, on=date(2021, 5, 10)).text
    assert "殴打他人" not in library.resolve(assault, on=date(2026, 2, 1)).text


def test_resolve_prefers_the_edition_the_citation_names(library):
    new = cite("治安管理处罚法（2025年修订）第五十一条")
    assert library.resolve(new, on=date(2025, 12, 20)).id == "治安管理处罚法@2025-06-27#51"
    by_effective_date = cite("《治安管理处罚法》（2026年1月1日起施行）第一百四十四条")
    assert library.resolve(by_effective_date, on=date(2025, 12, 20)).version == "2025-06-27"
    assert library.resolve(cite("治安管理处罚法（2012年修正）第四十三条")).version == "2012-10-26"


def test_article_accepts_keys_and_labels(library):
    assert normalize_article("第一百三十三条之一") == "133-1"
    assert normalize_article("58") == "58"
    assert normalize_article("第58条") == "58"
    assert normalize_article("盗窃") is None
    assert library.article("刑法", "第一百三十三条之一").article == "133-1"
    assert library.article("刑法", "264", version="2023-12-29").label == "第二百六十四条"
    assert library.article("刑法", "264", version="1997-03-14") is None


@pytest.mark.parametrize(
    ("text", "on", "message"),
    [
        (
            "刑法第九百条",
            None,
            "引用“刑法第九百条”不存在；刑法共 452 条（第一条至第四百五十二条），最接近的有：第四百五十二条",
        ),
        (
            "刑法第一百三十三条之五",
            None,
            "引用“刑法第一百三十三条之五”不存在；刑法共 452 条（第一条至第四百五十二条），"
            "最接近的有：第一百三十三条之二、第一百三十四条",
        ),
        ("某某法第三条", None, "引用“某某法第三条”不存在；法规库中没有“某某法”"),
        (
            "治安处理处罚法第三条",
            None,
            "引用“治安处理处罚法第三条”不存在；法规库中没有“治安处理处罚法”，相近的有：治安管理处罚法、行政处罚法",
        ),
        (
            "治安管理处罚法第一百二十五条",
            date(2025, 6, 1),
            "引用“治安管理处罚法第一百二十五条”不存在；治安管理处罚法（2012-10-26 版）共 119 条"
            "（第一条至第一百一十九条），最接近的有：第一百一十九条；2025-06-27 版（2026-01-01 施行）中有此条",
        ),
        (
            "程序规定第五十八条",
            None,
            "引用“程序规定第五十八条”不存在；法规库中没有“程序规定”，相近的有：公安机关办理刑事案件程序规定、"
            "公安机关办理行政案件程序规定、道路交通安全违法行为处理程序规定",
        ),
        ("刑法第二百六十四条", None, ""),
    ],
)
def test_suggest_explains_an_unresolved_citation(library, text, on, message):
    assert library.suggest(cite(text), on) == message


def test_changed_since_names_where_the_provision_now_lives(library):
    message = library.changed_since(cite("治安管理处罚法第四十三条"), date(2021, 5, 10), today=TODAY)
    assert message == (
        "治安管理处罚法第四十三条（2012-10-26 版）在现行版本（2025-06-27 版，2026-01-01 施行）中已变动："
        "相应内容现为第五十一条"
    )
    theft = library.changed_since(cite("治安管理处罚法第四十九条"), date(2021, 5, 10), today=TODAY)
    assert theft.endswith("相应内容现为第五十八条、第五十九条")  # 故意损毁公私财物 split off into 59


def test_changed_since_follows_the_concordance_not_the_closest_text(library):
    # The penalty wording alone made 2012 第六十一条 (偷越国境, deleted) look like 2025 第七十九条 (卖淫)
    # and 第五十六条 (旅馆业) like 第六十八条 (房屋出租).
    smuggling = library.changed_since(cite("治安管理处罚法第六十一条"), date(2021, 5, 10), today=TODAY)
    assert smuggling.endswith("中已变动：该条已删除，现行第六十一条为其他内容")
    hotel = library.changed_since(cite("治安管理处罚法第五十六条"), date(2021, 5, 10), today=TODAY)
    assert hotel.endswith("相应内容现为第六十七条")
    noise = library.changed_since(cite("治安管理处罚法第五十八条"), date(2021, 5, 10), today=TODAY)
    assert noise.endswith("相应内容现为第八十八条")
    old, new = library.versions(PUBLIC_SECURITY)
    assert library.best_match(library.article(PUBLIC_SECURITY, "62", version=old.version), new) is None
    assert library.best_match(library.article(PUBLIC_SECURITY, "88", version=new.version), old).article == "58"


def test_changed_since_reports_an_article_edited_in_place(library):
    message = library.changed_since(cite("治安管理处罚法第九条"), date(2021, 5, 10), today=TODAY)
    assert message.endswith("中已变动：条文内容已修改")


def test_changed_since_is_quiet_when_nothing_changed(library):
    assert library.changed_since(cite("治安管理处罚法第五十一条"), date(2026, 2, 1), today=TODAY) is None
    assert library.changed_since(cite("刑法第二百六十四条"), date(2021, 5, 10), today=TODAY) is None
    assert library.changed_since(cite("治安管理处罚法第四十三条"), date(2021, 5, 10), today=date(2025, 6, 1)) is None
    assert library.changed_since(cite("某某法第三条"), date(2021, 5, 10), today=TODAY) is None


def test_status_of_versions(library):
    old = library.article(PUBLIC_SECURITY, "43", version="2012-10-26")
    new = library.article(PUBLIC_SECURITY, "51", version="2025-06-27")
    assert library.status(old, date(2026, 2, 1)) == "已失效"
    assert library.status(old, date(2025, 12, 31)) == "现行"
    assert library.status(new, date(2025, 12, 31)) == "尚未施行"
    assert library.is_current(new, date(2026, 1, 1))
    assert not library.is_current(old, date(2026, 1, 1))


def test_articles_iterates_every_version(library):
    articles = list(library.articles())
    assert len(articles) == sum(len(v.articles) for law in library.laws() for v in library.versions(law))
    assert len({a.id for a in articles}) == len(articles)


def test_a_wrong_effective_date_names_the_entry(tmp_path):
    table = tmp_path / "effective.yaml"
    table.write_text("某某条例:\n  2020-01-01: 明年\n", encoding="utf-8")
    with pytest.raises(StatuteError) as caught:
        load_effective_table(table)
    assert str(caught.value) == f"{table}: 施行日期应写成 YYYY-MM-DD；有误的是：某某条例 2020-01-01: “明年”"


def test_load_effective_table_reads_the_data_file():
    table = load_effective_table()
    assert table[PUBLIC_SECURITY, "2025-06-27"] == date(2026, 1, 1)
    assert table[PUBLIC_SECURITY, "2012-10-26"] == date(2013, 1, 1)


# -- malformed files written to tmp_path --------------------------------------------------------


def write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


GOOD = """\
# 某某市养犬管理条例

2020年1月1日 某某市人民代表大会常务委员会通过

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养犬行为，制定本条例。

第二条 本条例适用于本市。
"""

BROKEN = """\
# 某某市停车管理办法

<!-- INFO END -->

## 第一章 总则

这是一行不属于任何条文的说明。

第一条 为了规范停车，制定本办法。

第二条 机动车应当在停车场停放。

（一）不得占用消防通道；

第二条 重复的条号。

重复条文的第二款。

第三条 本办法自2020年3月1日起施行。
"""


def test_malformed_files_are_reported_and_the_rest_still_imported(tmp_path):
    write(tmp_path, "地方性法规/某某市养犬管理条例(2020-01-01).md", GOOD)
    write(tmp_path, "地方性法规/某某市停车管理办法(2020-02-01).md", BROKEN)
    write(tmp_path, "地方性法规/无标题(2020-01-01).md", "第一条 没有标题的规定。\n\n第二条 第二条。\n")
    write(tmp_path, "地方性法规/空文件(2020-01-01).md", "# 空文件\n\n<!-- INFO END -->\n\n只有说明。\n")
    write(tmp_path, "地方性法规/编码错误(2020-01-01).md", "# 编码错误\n\n第一条 内容。\n".encode("gbk"))
    write(tmp_path, "README.md", "不是法规。\n")
    library = StatuteLibrary.load(tmp_path)
    assert [str(p) for p in library.problems] == [
        "地方性法规/无标题(2020-01-01).md:1: 缺少标题：第一行应为“# 法规全称”；暂按文件名作“无标题”",
        "地方性法规/某某市停车管理办法(2020-02-01).md:7: 这一行不属于任何条文，已跳过：“这是一行不属于任何条文的说明。”；条文应以“第X条 ”开头",
        "地方性法规/某某市停车管理办法(2020-02-01).md:15: 条号重复：第二条已在第 11 行出现；这一条已跳过",
        "地方性法规/空文件(2020-01-01).md:1: 没有找到任何条文；条文应单独成行，以“第X条 ”开头",
        "地方性法规/编码错误(2020-01-01).md:1: 文件不是 UTF-8 编码；请另存为 UTF-8 后重试",
    ]
    assert library.laws() == ["无标题", "某某市停车管理办法", "某某市养犬管理条例"]
    parking = library.versions("某某市停车管理办法")[0]
    assert [a.article for a in parking.articles] == ["1", "2", "3"]
    assert parking.articles[1].text == "机动车应当在停车场停放。\n（一）不得占用消防通道；"
    assert parking.articles[1].line == 11
    assert library.article("无标题", "2").text == "第二条。"
    assert library.article("某某市养犬管理条例", "1").chapter == "第一章 总则"


def test_statute_problem_prints_path_line_message():
    assert str(StatuteProblem("a.md", 3, "问题")) == "a.md:3: 问题"


def test_the_effective_table_overrides_the_file_date(tmp_path):
    write(tmp_path, "laws/某某市养犬管理条例(2020-01-01).md", GOOD)
    table = tmp_path / "effective.yaml"
    table.write_text("某某市养犬管理条例:\n  2020-01-01: 2020-05-01\n", encoding="utf-8")
    [version] = StatuteLibrary.load(tmp_path / "laws", effective_file=table).versions("某某市养犬管理条例")
    assert version.effective == date(2020, 5, 1)
    [default] = StatuteLibrary.load(tmp_path / "laws", effective_file=tmp_path / "none.yaml").versions(
        "某某市养犬管理条例"
    )
    assert default.effective == date(2020, 1, 1)


# -- index records and content checks ----------------------------------------------------------


def test_load_law_records_gives_one_record_per_article(laws_dir):
    records, hashes, problems, counts = load_law_records(laws_dir, today=TODAY)
    assert problems == []
    assert len(records) == sum(n for _, n in counts)
    assert dict(counts)[PUBLIC_SECURITY] == 119 + 144
    by_id = {r["id"]: r for r in records}
    old = by_id["治安管理处罚法@2012-10-26#43"]
    assert (old["status"], old["current_id"], old["article_key"]) == (
        "已失效",
        "治安管理处罚法@2025-06-27#51",
        "治安管理处罚法:43",
    )
    assert old["title"] == "治安管理处罚法第四十三条（2012-10-26 版，已失效）"
    new = by_id["治安管理处罚法@2025-06-27#24"]
    assert (new["status"], new["title"], new["laws"]) == (
        "现行",
        "治安管理处罚法第二十四条",
        "治安管理处罚法:12,治安管理处罚法:23",
    )
    assert set(hashes) == {r["path"] for r in records}
    assert hashes["行政法/治安管理处罚法(2025-06-27).md"].endswith(":现行:2026-01-01:None")


def test_check_citations_reports_missing_and_changed_articles(content, settings, laws_dir):
    content.guide(
        "G-2024-001",
        laws="治安管理处罚法第一百三十条, 某某法第三条",
        issued="2024-03-01",
        body="第一段。\n\n殴打他人的，依照治安管理处罚法第四十三条处罚。",
    )
    content.guide(
        "G-2026-002", laws="治安管理处罚法第五十一条", issued="2026-02-01", body="依照治安管理处罚法第五十一条。"
    )
    documents = load_content(content.root, load_taxonomy(content.root / "data" / "taxonomy.yaml")).documents
    problems = check_citations(settings.with_overrides(laws_dir=laws_dir), documents, today=TODAY)
    assert [(str(p), p.severity) for p in problems] == [
        (
            "guides/G-2024-001.md:8: laws: 引用“治安管理处罚法第一百三十条”不存在；治安管理处罚法（2012-10-26 版）共 119 条"
            "（第一条至第一百一十九条），最接近的有：第一百一十九条；2025-06-27 版（2026-01-01 施行）中有此条",
            "error",
        ),
        ("guides/G-2024-001.md:8: laws: 引用“某某法第三条”不存在；法规库中没有“某某法”", "warning"),
        (
            "guides/G-2024-001.md:18: 治安管理处罚法第四十三条（2012-10-26 版）在现行版本（2025-06-27 版，"
            "2026-01-01 施行）中已变动：相应内容现为第五十一条",
            "warning",
        ),
    ]


def test_check_citations_does_nothing_without_a_statute_folder(settings):
    assert check_citations(settings, []) == []


def test_link_citations_resolves_each_span_at_the_documents_date(laws_dir):
    from kb.statutes.library import StatuteLibrary, link_citations

    library = StatuteLibrary.load(laws_dir)
    text = "依照《中华人民共和国治安管理处罚法》第四十三条，并参照刑法第二百六十四条和刑法第九百条。"
    links = link_citations(library, text, date(2023, 5, 1), today=date(2026, 11, 28))
    assert [text[c.citation.start : c.citation.end] for c in links] == [
        "《中华人民共和国治安管理处罚法》第四十三条",
        "刑法第二百六十四条",
        "刑法第九百条",
    ]
    assert links[0].article_id == "治安管理处罚法@2012-10-26#43"
    assert (links[0].status, links[0].current_id) == ("已失效", "治安管理处罚法@2025-06-27#51")
    assert links[1].status == "现行" and links[1].current_id == ""
    assert links[2].article is None
    later = link_citations(library, text, date(2026, 3, 1), today=date(2026, 11, 28))
    assert later[0].article_id == "治安管理处罚法@2025-06-27#43"


# The bundled cases whose body writes "程序规定第X条" without naming which 程序规定; before issue 17
# their document pages showed "法条库未收录该条文" for each such citation.
SHORT_PROCEDURE_RULES_CASES = (
    "C-2022-115",
    "C-2022-116",
    "C-2022-122",
    "C-2022-127",
    "C-2023-043",
    "C-2023-113",
    "C-2023-118",
    "C-2023-125",
    "C-2023-128",
    "C-2024-114",
    "C-2024-117",
    "C-2024-120",
    "C-2024-123",
    "C-2024-126",
    "C-2025-111",
    "C-2025-121",
    "C-2025-130",
)


def test_every_short_procedure_rules_citation_of_the_bundled_cases_resolves(laws_dir):
    from kb.rendering.markup import render_markdown
    from kb.settings import REPO_ROOT, load_settings
    from kb.statutes.citations import citation_context
    from kb.statutes.library import link_citations
    from kb.workflow.checks import check_content

    checked = check_content(load_settings(content=REPO_ROOT).with_overrides(laws_dir=laws_dir))
    assert [str(p) for p in checked.problems] == []
    docs = {d.id: d for d in checked.documents}
    # "程序规定第" not preceded by 案件 / 处理 (公安机关办理行政案件程序规定, …违法行为处理程序规定)
    short = sorted(d.id for d in docs.values() if re.search(r"(?<![件理])程序规定第", d.body))
    assert short == list(SHORT_PROCEDURE_RULES_CASES)
    library = _load(laws_dir)
    for doc_id in short:
        doc = docs[doc_id]
        links = link_citations(library, doc.body, doc.issued, laws=doc.laws, case_type=doc.case_type)
        assert [link.citation.text for link in links if link.article is None] == [], doc_id
        assert {link.citation.law for link in links if "程序规定" in link.citation.text} == {
            "公安机关办理行政案件程序规定"
        }
        context = citation_context("", laws=doc.laws, case_type=doc.case_type)
        rendered = render_markdown(doc.body, abbreviations=context)
        assert [key for key in rendered.citations if key.startswith("程序规定:")] == [], doc_id


def test_an_unsettled_short_name_is_a_warning_naming_file_and_line(content, settings):
    from kb.workflow.checks import check_document, load_context

    body = "第一段。\n\n依照程序规定第四十条处理。"
    path = content.guide("G-2024-007", body=body, laws="刑事诉讼法第六十七条")
    result = check_document(path.read_bytes(), "guides/G-2024-007.md", load_context(settings))
    line = path.read_text(encoding="utf-8").split("\n").index("依照程序规定第四十条处理。") + 1
    assert [(str(p), p.severity) for p in result.problems] == [
        (
            f"guides/G-2024-007.md:{line}: “程序规定第四十条”中的“程序规定”可能指《公安机关办理刑事案件程序规定》"
            "或《公安机关办理行政案件程序规定》，无法从上下文确定；请写全称，或在 laws 中列出所指的规定",
            "warning",
        )
    ]
    # The same citation in a 行政 case is the 行政 rules: nothing to warn about.
    case = content.case("C-2024-008", case_type="行政", law_text="依照程序规定第四十条处理。")
    assert check_document(case.read_bytes(), "casebook/盗窃/C-2024-008.md", load_context(settings)).problems == ()


def test_table_of_contents_lists_each_heading_where_it_first_applies():
    from kb.statutes.library import TocEntry, table_of_contents

    articles = [
        ("264", "第二编 分则 / 第五章 侵犯财产罪"),
        ("133-1", "第二编 分则 / 第二章 危害公共安全罪"),
        ("1", "第一编 总则 / 第一章 刑法的任务"),
        ("133", "第二编 分则 / 第二章 危害公共安全罪"),
        ("452", "附则"),
    ]
    assert table_of_contents(articles) == [
        TocEntry(1, "第一编 总则"),
        TocEntry(2, "第一章 刑法的任务"),
        TocEntry(0, "第一条", "1"),
        TocEntry(1, "第二编 分则"),
        TocEntry(2, "第二章 危害公共安全罪"),
        TocEntry(0, "第一百三十三条", "133"),
        TocEntry(0, "第一百三十三条之一", "133-1"),
        TocEntry(2, "第五章 侵犯财产罪"),
        TocEntry(0, "第二百六十四条", "264"),
        TocEntry(1, "附则"),
        TocEntry(0, "第四百五十二条", "452"),
    ]
    assert table_of_contents([("3", ""), ("2", "")]) == [TocEntry(0, "第二条", "2"), TocEntry(0, "第三条", "3")]


def test_neighbours_of_an_article_follow_article_order():
    from kb.statutes.library import neighbours

    numbers = ["134", "133-1", "1", "133"]
    assert neighbours(numbers, "133-1") == ("133", "134")
    assert neighbours(numbers, "1") == (None, "133")
    assert neighbours(numbers, "134") == ("133-1", None)
    assert neighbours(numbers, "999") == (None, None)


def test_the_real_criminal_law_has_a_table_of_contents_by_part_and_chapter(library):
    from kb.statutes.library import table_of_contents

    version = library.in_force("刑法", TODAY)
    headings = [e for e in table_of_contents((a.article, a.chapter) for a in version.articles) if e.level]
    assert [e.text for e in headings if e.level == 1][:2] == ["第一编 总则", "第二编 分则"]
    assert sum(1 for e in headings if e.text.startswith("第五章")) >= 1
