"""Word files read as Markdown: headings, lists, tables, bold and footnotes kept; the front matter proposed
from the text; a legacy, encrypted, broken or empty file refused with its own Chinese message."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import date

import docx
import pytest

from kb.content.documents import TYPE_CASE, TYPE_GUIDE
from kb.content.taxonomy import load_taxonomy
from kb.content.wordfile import MAX_UNPACKED, WordFileError, WordText, issued_date, propose, read_word
from kb.settings import REPO_ROOT

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CASE_SECTIONS = {
    "一、基本案情": "2023年5月，张某在某县公安局城关派出所辖区内多次盗窃电动车电瓶。",
    "二、办案过程": "民警调取监控，锁定张某。",
    "三、法律适用": "张某二年内盗窃三次以上，依照《中华人民共和国刑法》第二百六十四条，构成盗窃罪。",
    "四、处理结果": "2023年9月12日，张某被判处有期徒刑六个月。",
    "五、办案要旨": "二年内盗窃三次以上的，构成多次盗窃。不以数额较大为要件。",
    "六、指导意义": "对同类案件有参考价值。",
}


def word(*blocks: tuple) -> bytes:
    """A .docx made of blocks: ("h", level, text), ("p", text), ("b", before, bold, after),
    ("ol" or "ul", [items]), ("t", [[cell, …], …]) — the first table row is its header."""
    document = docx.Document()
    for kind, *args in blocks:
        if kind == "h":
            document.add_heading(args[1], args[0])
        elif kind == "p":
            document.add_paragraph(args[0])
        elif kind == "b":
            paragraph = document.add_paragraph(args[0])
            paragraph.add_run(args[1]).bold = True
            paragraph.add_run(args[2])
        elif kind in ("ol", "ul"):
            for item in args[0]:
                document.add_paragraph(item, style="List Number" if kind == "ol" else "List Bullet")
        elif kind == "t":
            table = document.add_table(rows=len(args[0]), cols=len(args[0][0]))
            for r, row in enumerate(args[0]):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png() -> bytes:
    """A one-pixel PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def case_file(title: str = "张某多次盗窃电动车电瓶案") -> bytes:
    """A case as a bureau writes it: a title, the six sections under numbered headings, a 落款 date."""
    blocks: list[tuple] = [("h", 1, title)]
    for heading, text in CASE_SECTIONS.items():
        blocks += [("h", 2, heading), ("p", text)]
    return word(*blocks, ("p", "2023年10月8日"))


def with_footnote(data: bytes, marker: str, note: str) -> bytes:
    """`data` with a footnote reference where `marker` ends a run; python-docx writes no footnotes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    notes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {W}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f'</w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>{note}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    edits = {
        "word/document.xml": (
            f"{marker}</w:t></w:r>",
            f'{marker}</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>',
        ),
        "word/_rels/document.xml.rels": (
            "</Relationships>",
            '<Relationship Id="rIdNotes" Target="footnotes.xml" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/footnotes"/></Relationships>',
        ),
        "[Content_Types].xml": (
            "</Types>",
            '<Override PartName="/word/footnotes.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            text = source.read(item.filename)
            if item.filename in edits:
                old, new = edits[item.filename]
                assert old.encode() in text
                text = text.replace(old.encode(), new.encode(), 1)
            target.writestr(item, text)
        target.writestr("word/footnotes.xml", notes)
    return out.getvalue()


def replaced(data: bytes, member: str, content: bytes) -> bytes:
    """`data` with one part of the package replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == member else source.read(item.filename))
    return out.getvalue()


def only(member: str, content: bytes) -> bytes:
    """A zip holding one file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr(member, content)
    return out.getvalue()


def encrypted(data: bytes, password: str = "secret") -> bytes:
    """`data` protected with a password to open, as Word does it (an encrypted OLE package)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(REPO_ROOT / "data" / "taxonomy.yaml")


# -- what comes through ------------------------------------------------------------------------


def test_headings_lists_a_table_bold_and_a_footnote_come_through_as_markdown():
    data = word(
        ("h", 1, "盗窃案件办案指引"),
        ("h", 2, "一、办理步骤"),
        ("ol", ["接报后受案", "调取监控"]),
        ("h", 3, "注意事项"),
        ("ul", ["固定证据", "告知权利"]),
        ("b", "价格认定", "必须", "在立案前完成。"),
        ("t", [["事项", "时限"], ["受案", "24小时|当日"]]),
        ("p", "依照刑法第二百六十四条认定。"),
    )
    markdown = read_word("指引.docx", with_footnote(data, "认定。", "参见最高人民法院相关司法解释。")).markdown
    assert markdown == (
        "# 盗窃案件办案指引\n\n"
        "## 一、办理步骤\n\n"
        "1. 接报后受案\n2. 调取监控\n\n"
        "### 注意事项\n\n"
        "- 固定证据\n- 告知权利\n\n"
        "价格认定**必须**在立案前完成。\n\n"
        "| 事项 | 时限 |\n| --- | --- |\n| 受案 | 24小时\\|当日 |\n\n"
        "依照刑法第二百六十四条认定。[^1]\n\n"
        "[^1]: 参见最高人民法院相关司法解释。\n"
    )


def test_the_renderer_shows_the_imported_table_and_footnote():
    from kb.rendering.markup import render_markdown

    data = with_footnote(word(("t", [["事项", "时限"], ["受案", "当日"]]), ("p", "见注释。")), "见注释。", "注释正文")
    html = render_markdown(read_word("表格.docx", data).markdown, citations=False).html
    assert "<thead>\n<tr>\n<th>事项</th>\n<th>时限</th>" in html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<li id="fn:1">\n<p>注释正文' in html


def test_a_case_gets_its_six_sections_and_front_matter_proposed_from_the_text(taxonomy):
    proposal = propose(read_word("案例.docx", case_file()), taxonomy)
    assert proposal.doc_type == TYPE_CASE
    assert proposal.values == {
        "title": "张某多次盗窃电动车电瓶案",
        "category": "盗窃",
        "stage": [],
        "status": "现行",
        "issued": date(2023, 10, 8),
        "version": 1,
        "case_type": "刑事",
        "year": 2023,
        "unit": "某县公安局城关派出所",
        "audience": ["办案民警"],
        "summary": "二年内盗窃三次以上的，构成多次盗窃。不以数额较大为要件。",
    }
    sections = [line for line in proposal.body.split("\n") if line.startswith("#")]
    assert sections == ["## 基本案情", "## 办案过程", "## 法律适用", "## 处理结果", "## 办案要旨", "## 指导意义"]
    assert "## 基本案情\n\n2023年5月，张某在某县公安局城关派出所辖区内多次盗窃电动车电瓶。\n" in proposal.body


def test_case_sections_written_as_bold_lines_are_recognised(taxonomy):
    blocks: list[tuple] = [("h", 1, "李某殴打他人案")]
    for heading, text in CASE_SECTIONS.items():
        blocks += [("b", "", heading + "：", ""), ("p", text)]
    proposal = propose(read_word("案例.docx", word(*blocks)), taxonomy)
    assert proposal.doc_type == TYPE_CASE
    assert [line for line in proposal.body.split("\n") if line.startswith("#")] == [
        "## 基本案情",
        "## 办案过程",
        "## 法律适用",
        "## 处理结果",
        "## 办案要旨",
        "## 指导意义",
    ]


def test_case_sections_named_at_the_start_of_their_paragraph_are_recognised(taxonomy):
    blocks: list[tuple] = [("h", 1, "李某殴打他人案")]
    for n, (heading, text) in enumerate(CASE_SECTIONS.items()):
        name = heading.split("、")[1]
        blocks.append(("b", "", f"{name}：", text) if n % 2 else ("p", f"【{name}】{text}"))
    proposal = propose(read_word("案例.docx", word(*blocks)), taxonomy)
    assert proposal.doc_type == TYPE_CASE
    assert [line for line in proposal.body.split("\n") if line.startswith("#")] == [
        "## 基本案情",
        "## 办案过程",
        "## 法律适用",
        "## 处理结果",
        "## 办案要旨",
        "## 指导意义",
    ]
    assert "## 办案过程\n\n" + CASE_SECTIONS["二、办案过程"] + "\n" in proposal.body


def test_sections_under_other_usual_names_get_the_template_names(taxonomy):
    blocks: list[tuple] = [("h", 1, "李某入户盗窃案")]
    for heading in ("一、简要案情", "二、办案过程", "三、争议焦点", "四、处理情况", "五、法律依据", "六、典型意义"):
        blocks += [("h", 2, heading), ("p", "……")]
    proposal = propose(read_word("案例.docx", word(*blocks)), taxonomy)
    assert [line for line in proposal.body.split("\n") if line.startswith("#")] == [
        "## 基本案情",
        "## 办案过程",
        "## 三、争议焦点",
        "## 处理结果",
        "## 法律适用",
        "## 指导意义",
    ]


def test_a_case_that_names_only_a_year_and_month_gets_its_year(taxonomy):
    blocks: list[tuple] = [("h", 1, "王某盗窃电瓶案")]
    for heading in CASE_SECTIONS:
        blocks += [("h", 2, heading), ("p", "2023年10月某日19时许，王某盗窃电瓶。")]
    assert propose(read_word("案例.docx", word(*blocks)), taxonomy).values["year"] == 2023


def test_a_guide_keeps_its_headings_one_level_below_the_title_and_gets_its_kind(taxonomy):
    data = word(
        ("h", 1, "执法宝典：醉酒驾驶案件办理"),
        ("h", 1, "一、受案立案"),
        ("p", "危险驾驶案件一律受案立案。本宝典自2024年3月5日起施行。"),
        ("h", 2, "（一）调查取证"),
        ("p", "及时抽血。"),
    )
    proposal = propose(read_word("宝典.docx", data), taxonomy)
    assert proposal.doc_type == TYPE_GUIDE
    assert (
        proposal.body
        == "## 一、受案立案\n\n危险驾驶案件一律受案立案。本宝典自2024年3月5日起施行。\n\n### （一）调查取证\n\n及时抽血。\n"
    )
    assert {k: proposal.values[k] for k in ("title", "kind", "category", "stage", "issued", "summary")} == {
        "title": "执法宝典：醉酒驾驶案件办理",
        "kind": "执法宝典",
        "category": "危险驾驶",
        "stage": ["受案立案", "调查取证"],
        "issued": date(2024, 3, 5),
        "summary": "",
    }


def test_a_file_without_heading_styles_gets_its_bold_numbered_lines_as_headings(taxonomy):
    data = word(
        ("b", "", "关于办理醉酒驾驶案件的执法指引", ""),
        ("b", "", "一、现场处置", ""),
        ("b", "", "（一）呼气测试", ""),
        ("p", "应当立即进行呼气酒精测试。"),
        ("b", "", "注意：", "全程录像。"),
    )
    proposal = propose(read_word("指引.docx", data), taxonomy)
    assert proposal.values["title"] == "关于办理醉酒驾驶案件的执法指引"
    assert (
        proposal.body == "## 一、现场处置\n\n### （一）呼气测试\n\n应当立即进行呼气酒精测试。\n\n**注意：**全程录像。\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("某县公安局\n二〇二四年三月五日\n", date(2024, 3, 5)),
        ("本规定于2023-11-20印发。", date(2023, 11, 20)),
        ("2023年5月1日案发，2023年6月2日报案。", None),  # dates of events, not of issue
        ("本规定自2025年2月30日起施行。", None),  # no such day
        # the 落款 wins over a law's dates named first beside 施行
        ("依据2025年6月27日修订、自2026年1月1日起施行的治安管理处罚法。\n2025年12月1日印发\n", date(2025, 12, 1)),
        ("依据2025年6月27日修订、自2026年1月1日起施行的治安管理处罚法。\n印发日期：2025年12月1日\n", date(2025, 12, 1)),
    ],
)
def test_the_issue_date_is_the_signed_date_or_one_beside_印发(text, expected):
    assert issued_date(text) == expected


# -- what is refused ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "旧指引.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
            "“旧指引.doc”是旧版 Word 文档（.doc），只能导入 .docx 格式的 Word 文档；请在 Word 或 WPS 中打开它，"
            "选择 文件 → 另存为 → Word 文档(*.docx)，再导入另存的 .docx 文件",
        ),
        (
            "规范.wps",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
            "“规范.wps”是WPS 文字文档（.wps），只能导入 .docx 格式的 Word 文档；请在 Word 或 WPS 中打开它，"
            "选择 文件 → 另存为 → Word 文档(*.docx)，再导入另存的 .docx 文件",
        ),
        (
            "改了扩展名.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
            "“改了扩展名.docx”扩展名是 .docx，实际却是旧版 Word 格式（.doc）；请在 Word 或 WPS 中打开它，"
            "选择 文件 → 另存为 → Word 文档(*.docx)，再导入另存的 .docx 文件",
        ),
        (
            "扫描件.pdf",
            b"%PDF-1.7",
            "“扫描件.pdf”不是 Word 文档（.docx），不能导入；Word 或 WPS 文档请另存为 .docx 后再导入",
        ),
        (
            "损坏.docx",
            b"PK\x03\x04 cut off",
            "“损坏.docx”已损坏或不是有效的 Word 文档，无法读取；请在 Word 或 WPS 中打开它确认能正常显示，"
            "另存为 Word 文档(*.docx) 后再导入",
        ),
        (
            "空白.docx",
            word(),
            "“空白.docx”中没有文字（空文档），没有可导入的内容；请确认选对了文件",
        ),
        (  # Windows' 新建 → Microsoft Word 文档 makes a file of 0 bytes
            "新建文档.docx",
            b"",
            "“新建文档.docx”中没有文字（空文档），没有可导入的内容；请确认选对了文件",
        ),
    ],
)
def test_a_file_that_cannot_be_read_gets_its_own_message(name, data, message):
    with pytest.raises(WordFileError) as refused:
        read_word(name, data)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "broken",
    [
        lambda data: replaced(data, "word/document.xml", b"<w:document><w:body><w:p>"),  # bad XML
        lambda data: replaced(data, "word/document.xml", b""),
        lambda data: data[: len(data) // 2],  # cut off in the middle
        lambda data: only("a.txt", b"x"),  # a zip without the main document part
    ],
)
def test_a_broken_package_is_told_as_corrupted(broken):
    with pytest.raises(WordFileError) as refused:
        read_word("损坏.docx", broken(word(("p", "正文"))))
    assert str(refused.value).startswith("“损坏.docx”已损坏或不是有效的 Word 文档，无法读取")


def test_a_password_protected_file_is_told_as_encrypted():
    with pytest.raises(WordFileError) as refused:
        read_word("机密.docx", encrypted(word(("p", "正文"))))
    assert str(refused.value) == (
        "“机密.docx”设有打开密码（已加密），无法读取；请用密码打开它，取消加密后保存（Word：文件 → 信息 → "
        "保护文档 → 用密码进行加密，清空密码；WPS：文件 → 文档加密 → 密码加密，清空密码），再导入"
    )


def test_an_image_is_marked_where_it_was_and_noted():
    document = docx.Document()
    document.add_paragraph("见下图：")
    document.add_picture(io.BytesIO(png()))
    out = io.BytesIO()
    document.save(out)
    assert read_word("图示.docx", out.getvalue()) == WordText(
        "见下图：\n\n（原文此处有图片，未导入）\n",
        ("原文中的图片未导入，正文中以“（原文此处有图片，未导入）”标出，请另行处理",),
    )


def test_a_file_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_read():
    bomb = replaced(word(("p", "正文")), "word/document.xml", b"<" + bytes(MAX_UNPACKED))
    with pytest.raises(WordFileError) as refused:
        read_word("巨大.docx", bomb)
    assert str(refused.value) == "“巨大.docx”的文字部分解压后超过 50 MB，不能导入；请拆分为几个文件后分别导入"


def test_a_file_with_only_empty_table_cells_is_empty():
    with pytest.raises(WordFileError, match="空文档"):
        read_word("空表.docx", word(("t", [["", ""], ["", ""]])))
