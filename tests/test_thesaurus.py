"""The colloquial-to-legal thesaurus and the query words: parsing, every problem's message, check."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner

from indexer import cli
from kb.errors import Problem
from kb.search.synonyms import parse_synonyms
from kb.search.thesaurus import (
    QueryWords,
    Thesaurus,
    check_search_words,
    conflicts,
    law_target,
    load_query_words,
    load_thesaurus,
    parse_query_words,
    parse_thesaurus,
    synonym_overlaps,
    unused_targets,
)
from kb.settings import REPO_ROOT, load_settings

T = "data/colloquial.txt"
Q = "data/query_words.txt"
ARROW_HINT = "每行写“口语词 → 法律用语”，箭头也可写作 ->，多个词用空格分隔"
INTENT_HINT = "每行写“触发词 → 导向词”，箭头也可写作 ->，多个词用空格分隔"


def thesaurus(text: str) -> Thesaurus:
    parsed, problems = parse_thesaurus(text)
    assert problems == []
    return parsed


def query_words(text: str) -> QueryWords:
    parsed, problems = parse_query_words(text)
    assert problems == []
    return parsed


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) + ("（警告）" if p.severity == "warning" else "") for p in problems]


# -- the thesaurus -----------------------------------------------------------------------------


def test_a_colloquial_word_leads_to_its_legal_terms_and_never_back():
    th = thesaurus("偷 偷东西 → 盗窃\n打人 动手 -> 殴打他人 故意伤害\n")
    assert th.lookup("偷") == ("盗窃",)
    assert th.lookup("动手") == ("殴打他人", "故意伤害")
    assert th.lookup("盗窃") == ()
    assert th.lookup("抢") == ()
    assert th.words() == ["偷", "偷东西", "打人", "动手"]
    assert th.targets() == ["盗窃", "殴打他人", "故意伤害"]
    assert th.entries == (
        ("偷", ("盗窃",)),
        ("偷东西", ("盗窃",)),
        ("打人", ("殴打他人", "故意伤害")),
        ("动手", ("殴打他人", "故意伤害")),
    )


def test_comments_section_headings_and_blank_lines_are_skipped():
    th = thesaurus("# 一、盗窃\n\n偷 → 盗窃  # 单字动词\n   \n# 二、强制措施\n拘 → 拘留\n")
    assert th.words() == ["偷", "拘"]
    assert th.line_of("拘") == 6


def test_words_are_folded_to_lowercase_half_width():
    th = thesaurus("ＫＴＶ　歌厅 －＞ 娱乐场所\n")
    assert th.words() == ["ktv", "歌厅"]
    assert th.lookup("KTV") == th.lookup("ｋｔｖ") == ("娱乐场所",)


def test_a_line_without_an_arrow_is_an_error_and_left_out():
    th, problems = parse_thesaurus("偷 盗窃\n拘 → 拘留\n")
    assert messages(problems) == [f"{T}:1: “偷 盗窃”没有箭头；{ARROW_HINT}"]
    assert th.words() == ["拘"]


def test_a_line_with_two_arrows_is_an_error():
    _, problems = parse_thesaurus("小偷 → 偷 → 盗窃\n")
    assert messages(problems) == [f"{T}:1: “小偷 → 偷 → 盗窃”有 2 个箭头；{ARROW_HINT}"]


def test_nothing_before_or_after_the_arrow_is_an_error():
    th, problems = parse_thesaurus("→ 盗窃\n偷 偷东西 →\n")
    assert messages(problems) == [
        f"{T}:1: 箭头前没有口语词；{ARROW_HINT}",
        f"{T}:2: 箭头后没有法律用语；在箭头后写出“偷 偷东西”对应的法律用语",
    ]
    assert th.entries == ()


def test_a_colloquial_word_on_a_second_line_names_the_first():
    th, problems = parse_thesaurus("偷 → 盗窃\n抢 → 抢劫 抢夺\n偷 顺手牵羊 → 扒窃\n")
    assert messages(problems) == [f"{T}:3: “偷”已出现在第 1 行；一个口语词只能写在一行"]
    assert th.lookup("偷") == ("盗窃",)  # the first line wins; the rest of the bad line is kept
    assert th.lookup("顺手牵羊") == ("扒窃",)


def test_a_word_that_maps_to_itself_warns_and_keeps_its_other_targets():
    th, problems = parse_thesaurus("顶包 → 顶包 包庇\n挪车 → 挪车\n")
    assert messages(problems) == [
        f"{T}:1: “顶包”指向它自己；从箭头后删去“顶包”（警告）",
        f"{T}:2: “挪车”指向它自己；从箭头后删去“挪车”（警告）",
    ]
    assert th.entries == (("顶包", ("包庇",)),)


def test_punctuation_between_words_is_an_error():
    th, problems = parse_thesaurus("偷、偷东西 → 盗窃\n拘 → 拘留，羁押\n")
    assert messages(problems) == [
        f"{T}:1: “偷、偷东西”中有标点“、”；词语之间只用空格分隔",
        f"{T}:2: “拘留,羁押”中有标点“,”；词语之间只用空格分隔",
    ]
    assert th.entries == ()


def test_a_colloquial_word_written_as_a_target_warns():
    _, problems = parse_thesaurus("小偷 → 偷\n偷 → 盗窃\n")
    assert messages(problems) == [f"{T}:1: “偷”是第 2 行的口语词，不能写在箭头后；箭头后只写法律用语（警告）"]


def test_every_bad_line_is_reported_and_the_good_lines_kept():
    th, problems = parse_thesaurus("偷 盗窃\n抢 → 抢劫\n→ 拘留\n抢 → 抢夺\n骗 → 诈骗\n")
    assert [p.line for p in problems] == [1, 3, 4]
    assert all(p.severity == "error" for p in problems)
    assert th.words() == ["抢", "骗"]


def test_a_missing_file_is_an_empty_thesaurus(tmp_path):
    assert load_thesaurus(tmp_path / "colloquial.txt") == (Thesaurus(), [])
    assert load_query_words(tmp_path / "query_words.txt") == (QueryWords(), [])


def test_problems_name_the_file_as_check_prints_it(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "colloquial.txt"
    path.write_text("偷\n", encoding="utf-8")
    _, problems = load_thesaurus(path)
    assert messages(problems) == [f"{T}:1: “偷”没有箭头；{ARROW_HINT}"]


# -- the query words ---------------------------------------------------------------------------


WORDS = """\
# 检索用语表
[虚词]
怎么 能不能 吗
几百块  # 笼统的数额
[意图]
拘几天 关几天 → 拘留 日以下
罚多少 -> 罚款 元以下
"""


def test_fillers_and_intents_are_read_by_section():
    qw = query_words(WORDS)
    assert qw.fillers == frozenset({"怎么", "能不能", "吗", "几百块"})
    assert qw.is_filler("能不能") and not qw.is_filler("拘几天")
    assert qw.intent_of("关几天") == ("拘留", "日以下")
    assert qw.intent_of("罚多少") == ("罚款", "元以下")
    assert qw.intent_of("怎么") == () and qw.intent_of("盗窃") == ()
    assert qw.words() == ["怎么", "能不能", "吗", "几百块", "拘几天", "关几天", "罚多少"]
    assert qw.line_of("罚多少") == 7


def test_query_words_are_folded_and_headings_may_use_chinese_brackets():
    qw = query_words("【虚词】\nＯＫ\n［意图］\n判几年 → 有期徒刑\n")
    assert qw.is_filler("ok") and qw.is_filler("ＯＫ")
    assert qw.intent_of("判几年") == ("有期徒刑",)


def test_a_line_before_any_section_is_an_error():
    qw, problems = parse_query_words("怎么 能不能\n[虚词]\n吗\n")
    assert messages(problems) == [f"{Q}:1: “怎么 能不能”写在了分节标题之前；先写一行 [虚词]、[意图]"]
    assert qw.fillers == frozenset({"吗"})


def test_an_unknown_section_lists_the_valid_ones_and_its_lines_are_left_out():
    qw, problems = parse_query_words("[虚字]\n怎么\n[虚词]\n吗\n")
    assert messages(problems) == [f"{Q}:1: 未知分节“[虚字]”；可选：[虚词]、[意图]"]
    assert qw.fillers == frozenset({"吗"})


def test_an_arrow_among_the_fillers_is_an_error():
    _, problems = parse_query_words("[虚词]\n几天 → 拘留\n")
    assert messages(problems) == [f"{Q}:2: [虚词] 中不能有箭头；带导向词的检索意图写到 [意图] 分节下"]


def test_an_intent_line_without_an_arrow_is_an_error():
    _, problems = parse_query_words("[意图]\n几天 拘几天\n罚多少 → 罚款 → 元以下\n")
    assert messages(problems) == [
        f"{Q}:2: “几天 拘几天”没有箭头；[意图] 下{INTENT_HINT}，不导向的词写到 [虚词] 下",
        f"{Q}:3: “罚多少 → 罚款 → 元以下”有 2 个箭头；{INTENT_HINT}",
    ]


def test_an_intent_line_with_nothing_before_or_after_the_arrow_is_an_error():
    qw, problems = parse_query_words("[意图]\n→ 拘留\n几天 →\n")
    assert messages(problems) == [
        f"{Q}:2: 箭头前没有触发词；{INTENT_HINT}",
        f"{Q}:3: 箭头后没有导向词；在箭头后写出目标法条中的词语，如“拘留 日以下”",
    ]
    assert qw.intents == ()


def test_a_query_word_in_two_places_names_the_first():
    qw, problems = parse_query_words("[虚词]\n怎么 几天\n[意图]\n几天 拘几天 → 拘留\n[虚词]\n怎么\n")
    assert messages(problems) == [
        f"{Q}:4: “几天”已出现在第 2 行；一个词只能写在一处（虚词或一行意图）",
        f"{Q}:6: “怎么”已出现在第 2 行；一个词只能写在一处（虚词或一行意图）",
    ]
    assert qw.is_filler("几天") and qw.intent_of("拘几天") == ("拘留",)


def test_punctuation_in_a_query_word_line_is_an_error():
    _, problems = parse_query_words("[虚词]\n怎么、能不能\n")
    assert messages(problems) == [f"{Q}:2: “怎么、能不能”中有标点“、”；词语之间只用空格分隔"]


# -- across files ------------------------------------------------------------------------------


def test_a_filler_that_is_a_legal_term_of_the_thesaurus_is_an_error():
    th = thesaurus("罚 → 处罚 罚款\n")
    qw = query_words("[虚词]\n怎么 处罚\n")
    assert messages(conflicts(th, qw)) == [
        f"{Q}:2: 虚词“处罚”是 {T} 第 1 行的法律用语，删去它会丢失检索内容；从 [虚词] 中删去"
    ]


def test_a_query_word_that_is_also_a_colloquial_word_is_an_error():
    th = thesaurus("偷 → 盗窃\n关几天 → 拘留\n")
    qw = query_words("[虚词]\n偷\n[意图]\n关几天 → 拘留 日以下\n")
    assert messages(conflicts(th, qw)) == [
        f"{Q}:2: 虚词“偷”也是 {T} 第 1 行的口语词；一个词只能写在一处，从其中一个文件删去",
        f"{Q}:4: 意图词“关几天”也是 {T} 第 2 行的口语词；一个词只能写在一处，从其中一个文件删去",
    ]


def test_a_pair_the_synonym_table_already_links_warns():
    synonyms = parse_synonyms("刑拘 刑事拘留\n")
    th = thesaurus("拘 → 拘留\n刑拘 → 刑事拘留 拘留证\n")
    assert messages(synonym_overlaps(th, synonyms)) == [
        f"{T}:2: “刑拘”和“刑事拘留”已是同义词表 data/synonyms.txt 中的同组词，检索时已互相扩展；"
        "从这一行删去“刑事拘留”（警告）"
    ]


def test_a_legal_term_no_text_contains_warns_at_its_first_line():
    th = thesaurus("偷 → 盗窃\n小偷 → 盗窃 犯罪嫌疑人\n拘 → 拘押\n")
    texts = ["张某盗窃电动车电瓶。", "对犯罪嫌疑人依法刑事拘留。"]
    assert messages(unused_targets(th, texts)) == [
        f"{T}:3: 法律用语“拘押”在任何文档和法条中都没有出现；检查写法，或删去这一项（警告）"
    ]
    assert messages(unused_targets(th, texts, statutes=False)) == [
        f"{T}:3: 法律用语“拘押”在任何文档中都没有出现（未指定法规库，没有查法条）；"
        "检查写法，或用 --laws 指定法规库后再查（警告）"
    ]


def test_legal_terms_are_found_as_folded_substrings():
    th = thesaurus("验dna → dna 生物样本\n")
    assert unused_targets(th, ["提取ＤＮＡ等生物样本"]) == []


# -- python indexer.py check -------------------------------------------------------------------


@pytest.fixture
def check(content, settings, monkeypatch):
    """Run `python indexer.py check` over the fixture content (no statute folder unless given)."""
    monkeypatch.delenv("KB_LAWS", raising=False)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(
            cli, ["check", "--content", str(settings.content_dir), *args], prog_name="python indexer.py"
        )

    return invoke


def test_check_fails_on_a_bad_thesaurus_line(content, check):
    content.guide("G-1")
    content.write("data/colloquial.txt", "# 强制措施\n保出来 → 取保候审\n保人 保证人\n")
    result = check()
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{T}:3: “保人 保证人”没有箭头；{ARROW_HINT}",
        "共 1 处错误，涉及 1 个文件",
    ]


def test_check_fails_on_a_bad_query_words_line_and_a_conflict(content, check):
    content.guide("G-1")
    content.write("data/colloquial.txt", "保出来 → 取保候审\n")
    content.write("data/query_words.txt", "[虚词]\n怎么 取保候审\n[意图]\n多久\n")
    result = check()
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{Q}:4: “多久”没有箭头；[意图] 下{INTENT_HINT}，不导向的词写到 [虚词] 下",
        f"{Q}:2: 虚词“取保候审”是 {T} 第 1 行的法律用语，删去它会丢失检索内容；从 [虚词] 中删去",
        "共 2 处错误，涉及 1 个文件",
    ]


def test_check_warns_about_a_legal_term_no_document_uses(content, check):
    content.guide("G-1")
    content.write("data/colloquial.txt", "保出来 → 取保候审 保释\n")
    result = check()
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{T}:1: 法律用语“保释”在任何文档中都没有出现（未指定法规库，没有查法条）；"
        "检查写法，或用 --laws 指定法规库后再查（警告）",
        "检查通过：1 篇文档（指引 1 篇，案例 0 篇）；1 条警告",
    ]


def test_check_finds_legal_terms_in_the_statutes_when_a_folder_is_given(content, check, laws_dir):
    content.guide("G-1")
    content.write("data/colloquial.txt", "关人 → 非法拘禁\n保出来 → 取保候审 保释\n")
    result = check("--laws", str(laws_dir))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{T}:2: 法律用语“保释”在任何文档和法条中都没有出现；检查写法，或删去这一项（警告）",
        "检查通过：1 篇文档（指引 1 篇，案例 0 篇）；1 条警告",
    ]


# -- the bundled data files --------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    """The repository's own data files and documents."""
    from kb.content.taxonomy import load_taxonomy
    from kb.content.validation import load_content
    from kb.search.synonyms import load_synonyms

    data = REPO_ROOT / "data"
    th, th_problems = load_thesaurus(data / "colloquial.txt")
    qw, qw_problems = load_query_words(data / "query_words.txt")
    documents = load_content(REPO_ROOT, load_taxonomy(data / "taxonomy.yaml")).documents
    return th, qw, [*th_problems, *qw_problems], load_synonyms(data / "synonyms.txt"), documents


def test_the_bundled_files_parse_without_problems_or_conflicts(bundled):
    th, qw, problems, synonyms, _ = bundled
    assert messages(problems) == []
    assert messages(conflicts(th, qw)) == []
    assert messages(synonym_overlaps(th, synonyms)) == []
    assert len(th.words()) >= 400
    assert qw.fillers and qw.intents


def test_every_bundled_legal_term_is_used_by_a_document_or_statute(bundled, laws_dir):
    *_, synonyms, documents = bundled
    settings = replace(load_settings(content=REPO_ROOT), laws_dir=laws_dir)
    assert messages(check_search_words(settings, documents, synonyms)) == []


def test_every_bundled_steer_word_is_used_by_a_document_or_statute(bundled, laws_dir):
    from kb.statutes.library import StatuteLibrary

    _, qw, _, _, documents = bundled
    texts = [f"{d.title}\n{d.summary}\n{d.body}" for d in documents]
    texts.extend(a.text for a in StatuteLibrary.load(laws_dir).articles())
    steer = Thesaurus(tuple(qw.intents), tuple((w, qw.line_of(w)) for w, _ in qw.intents))
    assert messages(unused_targets(steer, texts, Q)) == []


def test_a_law_target_names_a_law_of_the_statute_folder():
    th = thesaurus("治安 → 《治安管理处罚法》\n治安法规 → 《治安处罚法》\n交规 → 《交通规则》\n")
    laws = ["刑法", "治安管理处罚法", "道路交通安全法"]
    assert messages(unused_targets(th, ["正文里没有法规名称"], laws=laws)) == [
        f"{T}:2: 法规“《治安处罚法》”不在法规库中；相近的有：治安管理处罚法（警告）",
        f"{T}:3: 法规“《交通规则》”不在法规库中；《》中写法规库中的法规简称，如“刑法”（警告）",
    ]
    # Without a statute folder a law cannot be checked: no warning either way.
    assert unused_targets(th, [], statutes=False) == []


def test_law_target_reads_the_book_title_marks():
    assert law_target("《治安管理处罚法》") == "治安管理处罚法"
    assert law_target("治安管理处罚法") == ""
    assert law_target("《》") == ""


def test_notion_target_reads_one_pair_of_brackets():
    from kb.search.thesaurus import notion_target

    assert notion_target("【不再追诉】") == "不再追诉"
    assert notion_target("不再追诉") == ""
    assert notion_target("【】") == ""
    assert notion_target("【不再【追诉】") == ""


def test_brackets_anywhere_but_around_a_whole_steer_word_are_an_error():
    qw, problems = parse_query_words("[意图]\n还能立案吗 → 【不再追诉 时效\n【还能】 → 时效\n还能罚吗 → 【不再处罚】\n")
    hint = "【】只用在箭头后，整个导向词写在一对【】中，如“【不再追诉】”"
    assert messages(problems) == [
        f"{Q}:2: “【不再追诉”中的【】用法不对；{hint}",
        f"{Q}:3: “【还能】”中的【】用法不对；{hint}",
    ]
    assert qw.intents == (("还能罚吗", ("【不再处罚】",)),)


def test_a_notion_no_text_says_warns_like_a_steer_word():
    qw = query_words("[意图]\n还能立案吗 → 【不再追诉】 时效\n还能罚吗 → 【不再处罚】\n")
    steer = Thesaurus(tuple(qw.intents), tuple((w, qw.line_of(w)) for w, _ in qw.intents))
    texts = ["犯罪经过下列期限不再追诉：……时效"]
    assert messages(unused_targets(steer, texts, Q)) == [
        f"{Q}:3: 法律用语“【不再处罚】”在任何文档和法条中都没有出现；检查写法，或删去这一项（警告）"
    ]
