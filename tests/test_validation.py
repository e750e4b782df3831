"""Validation collects every problem, one line each, path first, with the fix."""

from __future__ import annotations

from conftest import guide_text

from kb.content.textchecks import external_images, is_external_url
from kb.content.validation import MAX_FILE_BYTES, load_content, read_document
from kb.search.index import load_resources
from kb.statutes.citations import parse_citation


def problems(settings):
    taxonomy = load_resources(settings).taxonomy
    return [str(p) for p in load_content(settings.content_dir, taxonomy, parse_citation).problems]


def test_valid_documents_have_no_problems(content, settings):
    content.guide("G-1")
    content.case("C-1")
    assert problems(settings) == []


def test_unknown_category_lists_the_choices(content, settings):
    content.guide("G-1", category="盗抢")
    (line,) = problems(settings)
    assert line.startswith("guides/G-1.md:4: category: 未知类别“盗抢”；可选：盗窃、诈骗、电信网络诈骗、")
    assert line.endswith("涉案财物、执法监督")


def test_unknown_stage_and_audience_list_the_choices(content, settings):
    content.guide("G-1", stage="侦查")
    content.write(
        "guides/G-2.md",
        content.root.joinpath("guides/G-1.md")
        .read_text(encoding="utf-8")
        .replace("id: G-1", "id: G-2")
        .replace("stage: [侦查]", "stage: [接报案]")
        .replace("[办案民警, 法制员]", "[所长]"),
    )
    assert problems(settings) == [
        "guides/G-1.md:6: stage: 未知办案环节“侦查”；可选：接报案、受案立案、调查取证、强制措施、审核审批、处罚执行、涉案财物、执法监督",
        "guides/G-2.md:9: audience: 未知适用层级“所长”；可选：单位负责人、法制员、办案民警",
    ]


def test_every_problem_is_collected_not_just_the_first(content, settings):
    content.guide("G-1", category="盗抢", stage="侦查", status="作废")
    assert len(problems(settings)) == 3


def test_missing_required_field_says_how_to_add_it(content, settings):
    path = content.guide("G-1")
    text = path.read_text(encoding="utf-8").replace("summary: 规范取保候审的适用。\n", "")
    path.write_text(text, encoding="utf-8")
    assert problems(settings) == ["guides/G-1.md:2: summary: 缺少必填字段；请添加，例如 summary: 一至三句话的要旨"]


def test_unknown_field_is_reported_with_the_allowed_ones(content, settings):
    content.guide("G-1", extra="catgory: 盗窃\n")
    (line,) = problems(settings)
    assert line.startswith("guides/G-1.md:14: catgory: 未知字段“catgory”；可用字段：id、title、category、")


def test_wrongly_typed_fields(content, settings):
    content.guide("G-1", issued="去年", extra="version: 一\n")
    path = content.root / "guides/G-1.md"
    path.write_text(path.read_text(encoding="utf-8").replace("version: 1\n", "", 1), encoding="utf-8")
    assert problems(settings) == [
        "guides/G-1.md:11: issued: 应为日期（YYYY-MM-DD），实际为文本“去年”；例如 issued: 2024-03-01",
        "guides/G-1.md:13: version: 应为整数，实际为文本“一”；例如 version: 1",
    ]


def test_bad_yaml_reports_the_parsers_line(content, settings):
    content.write("guides/G-1.md", "---\nid: G-1\ntitle: [未闭合\ncategory: 盗窃\n---\n正文\n")
    (line,) = problems(settings)
    assert line.startswith("guides/G-1.md:4: front matter 不是合法的 YAML（")
    assert line.endswith("）；请检查冒号后的空格、引号和缩进")


def test_missing_front_matter(content, settings):
    content.write("guides/G-1.md", "# 标题\n正文\n")
    assert problems(settings) == [
        "guides/G-1.md:1: 缺少 front matter；文件须以“---”行开始，写完 YAML 字段后再以“---”行结束"
    ]


def test_gbk_file_is_named_with_the_conversion(content, settings):
    path = content.guide("G-1")
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    assert problems(settings) == [
        "guides/G-1.md:3: 文件不是 UTF-8 编码（看起来是 GBK/GB18030）；请转换为 UTF-8 后再保存，例如：iconv -f GBK -t UTF-8 原文件 > 新文件"
    ]


def test_bom_is_reported(content, settings):
    path = content.guide("G-1")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert problems(settings) == ["guides/G-1.md:1: 文件以 BOM（字节顺序标记）开头；请在编辑器中另存为“UTF-8 无 BOM”"]


def test_duplicate_id_names_both_files(content, settings):
    content.guide("G-1")
    content.write("guides/other.md", (content.root / "guides/G-1.md").read_text(encoding="utf-8"))
    assert problems(settings) == [
        "guides/other.md:2: id: 重复的 id“G-1”，与 guides/G-1.md:2 相同；每篇文档的 id 必须唯一"
    ]


def test_invalid_id(content, settings):
    content.guide("G 1")
    assert problems(settings) == ["guides/G 1.md:2: id: id“G 1”不合法；只能使用英文字母、数字和连字符，例如 G-2024-001"]


def test_missing_case_sections(content, settings):
    path = content.case("C-1")
    path.write_text(path.read_text(encoding="utf-8").replace("## 办案要旨", "## 要旨"), encoding="utf-8")
    (line,) = problems(settings)
    assert line == (
        "casebook/盗窃/C-1.md:18: 缺少案例章节“## 办案要旨”；案例正文须包含："
        "## 基本案情、## 办案过程、## 法律适用、## 处理结果、## 办案要旨、## 指导意义"
    )


def test_supersedes_pointing_nowhere(content, settings):
    content.guide("G-2", extra="supersedes: [G-9]\n")
    assert problems(settings) == ["guides/G-2.md:14: supersedes: 找不到 id 为“G-9”的文档；请检查 id 是否写错"]


def test_file_over_the_size_limit(content, settings):
    content.guide("G-1", body="很长的正文。" * (MAX_FILE_BYTES // 10))
    assert problems(settings) == [
        f"guides/G-1.md:1: 文件过大（按 UTF-8 编码 {(content.root / 'guides/G-1.md').stat().st_size / 1024:.0f} KB，上限 1024 KB）；请拆分为多篇文档"
    ]


def test_empty_body(content, settings):
    content.guide("G-1", body="")
    assert problems(settings) == ["guides/G-1.md:15: 正文为空；请在 front matter 之后写正文"]


def test_too_many_tags(content, settings):
    content.guide("G-1", tags="一, 二, 三, 四, 五, 六, 七, 八")
    assert problems(settings) == ["guides/G-1.md:7: tags: 关键词最多 7 个，实际 8 个；请删减"]


def test_unrecognised_citation(content, settings):
    content.guide("G-1", laws="刑法264")
    content.guide("G-2", laws="随便写的")
    assert problems(settings) == [
        "guides/G-2.md:8: laws: 无法识别的法条引用“随便写的”；请写成“法律名称第X条”，例如 刑法第二百六十四条"
    ]


def test_superseded_without_successor_is_a_warning(content, settings):
    content.guide("G-1", status="不再参照")
    taxonomy = load_resources(settings).taxonomy
    result = load_content(settings.content_dir, taxonomy)
    assert result.errors == []
    assert [str(p) for p in result.warnings] == [
        "guides/G-1.md:10: superseded_by: 状态为“不再参照”时须填写 superseded_by（替代它的新文档 id）"
    ]
    assert [d.id for d in result.documents] == ["G-1"]


def test_scripts_frames_and_event_handlers_are_flagged(content, settings):
    content.guide(
        "G-1", body='正文\n<script>alert(1)</script>\n<img src=x onerror="alert(1)">\n[点我](javascript:alert(1))'
    )
    taxonomy = load_resources(settings).taxonomy
    result = load_content(settings.content_dir, taxonomy)
    assert [str(p) for p in result.warnings] == [
        "guides/G-1.md:17: 含有不允许的 HTML“<script>”；文档中不能嵌入脚本、框架或事件代码，请删除",
        "guides/G-1.md:18: 含有不允许的 HTML“<img src=x onerror=”；文档中不能嵌入脚本、框架或事件代码，请删除",
        "guides/G-1.md:19: 含有不允许的 HTML“javascript:”；文档中不能嵌入脚本、框架或事件代码，请删除",
    ]
    # On disk it is a warning (the renderer strips it and the rest keeps serving); publishing refuses it.
    assert result.errors == []


def test_external_image_links_are_warned_about_with_their_line(content, settings):
    content.guide(
        "G-1",
        body=(
            "现场照片：![照片](http://203.0.113.9/a.png)\n\n"
            "本地图片：![现场图](images/a.png)，内嵌：![点](data:image/png;base64,AAAA)\n\n"
            "<img alt='x' SRC=\"https://e.example/b.png\">\n\n"
            "![示意][r]\n\n[r]: //cdn.example/c.png"
        ),
    )
    fix = "；内网无法访问，请改用本地图片或删除"
    assert problems(settings) == [
        f"guides/G-1.md:16: 外部图片链接“http://203.0.113.9/a.png”{fix}",
        f"guides/G-1.md:20: 外部图片链接“https://e.example/b.png”{fix}",
        f"guides/G-1.md:22: 外部图片链接“//cdn.example/c.png”{fix}",
    ]
    taxonomy = load_resources(settings).taxonomy
    assert [p.severity for p in load_content(settings.content_dir, taxonomy).problems] == ["warning"] * 3
    assert len(load_content(settings.content_dir, taxonomy).documents) == 1  # still published and indexed


def test_looking_for_external_images_is_linear_in_the_text():
    for text in ("![" * 200_000, "<img " * 100_000, "![x]" * 100_000 + "\n[y]: http://e/", "![a](" * 100_000):
        assert external_images(text, "guides/G-1.md") == []


def test_what_counts_as_an_address_on_another_machine():
    external = [
        "http://e.example/a.png",
        "HTTPS://e",
        "//e/a.png",
        "\\\\host\\a.png",
        " http://e",
        "ftp://e",
        "file:///c",
    ]
    local = ["a.png", "images/a.png", "/static/a.png", "./a:b.png", "data:image/png;base64,AAAA", ""]
    assert [u for u in external if not is_external_url(u)] == []
    assert [u for u in local if is_external_url(u)] == []


def test_anchors_and_aliases_in_a_content_file_are_one_problem_line(content, settings):
    lines = ["l0: &l0 [哈哈, 哈哈, 哈哈]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}]" for i in range(1, 30)]
    path = content.guide("G-1", extra="\n".join(lines) + "\nsummary: *l29\n")
    path.write_text(path.read_text(encoding="utf-8").replace("summary: 规范取保候审的适用。\n", ""), "utf-8")
    # one line, not the expansion: printing the summary would take 3^30 strings
    assert problems(settings) == ["guides/G-1.md:13: front matter 中不能使用 YAML 锚点和别名（& 与 *）；请直接写出取值"]


def test_an_overlong_front_matter_is_one_problem_line(content, settings):
    content.guide("G-1", extra="# 注释\n" * 3000)
    assert problems(settings) == [
        "guides/G-1.md:2: front matter 过长（15178 个字符，上限 10000 个）；front matter 只写字段，正文写在结束的“---”行之后"
    ]


def test_an_impossible_date_is_a_problem_not_a_crash(content, settings):
    content.guide("G-1", issued="2024-02-30")
    content.guide("G-2", issued="2026-13-45")
    content.guide("G-3", extra="review_by: 2025-2-29\n")
    assert problems(settings) == [
        "guides/G-1.md:11: issued: 日期“2024-02-30”不存在：2024 年 2 月只有 29 天；请改正，例如 issued: 2024-02-29",
        "guides/G-2.md:11: issued: 日期“2026-13-45”不存在：没有 13 月（月份为 1 至 12）；请改正，例如 issued: 2024-03-01",
        "guides/G-3.md:14: review_by: 日期“2025-2-29”不存在：2025 年 2 月只有 28 天；请改正，例如 review_by: 2025-02-28",
    ]


def test_a_front_matter_key_written_twice_is_reported_at_the_second(content, settings):
    content.guide("G-1", extra="issued: 2024-05-01\n")
    assert problems(settings) == [
        "guides/G-1.md:14: issued: 字段重复：第 11 行已有 issued；请删去其中一行（否则以后写的为准）"
    ]


def test_a_yaml_syntax_error_is_explained_in_chinese(content, settings):
    content.write("guides/G-1.md", "---\nid: G-1\ntitle: 标题: 副标题\n---\n正文\n")
    assert problems(settings) == [
        "guides/G-1.md:3: front matter 不是合法的 YAML（一行中出现了第二个“: ”；值里含有冒号时，请给整个值加引号）；"
        "请检查冒号后的空格、引号和缩进"
    ]


def test_an_overlong_id_is_a_problem_line_and_a_draft_with_it_can_be_checked(content, settings):
    from kb.workflow.drafts import check_text

    long_id = "G-" + "1" * 300
    content.write("guides/G-1.md", guide_text(long_id))
    message = "id: id 过长（302 个字符，上限 64 个）；id 也是文件名，请写成 G-2024-001 这样的编号"
    assert problems(settings) == [f"guides/G-1.md:2: {message}"]
    # the editor's check wrote the draft to a file named after the id: OSError, File name too long
    assert [str(p) for p in check_text(settings, guide_text(long_id))] == [f"guides/草稿.md:2: {message}"]


def test_a_body_full_of_brackets_angle_brackets_or_blank_lines_is_checked_in_linear_time(content, settings):
    taxonomy = load_resources(settings).taxonomy
    for body in ("[" * 150_000, "[a](" * 40_000, "<" * 150_000, "< a" * 50_000, "\n" * 150_000, " " * 150_000 + "x"):
        path = content.guide("G-1", body=body)
        doc, found = read_document(path, "guides/G-1.md", taxonomy)
        empty = [] if body.strip() else ["guides/G-1.md:15: 正文为空；请在 front matter 之后写正文"]
        assert (doc is None, [str(p) for p in found]) == (bool(empty), empty), body[:5]
