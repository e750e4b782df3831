"""The editor's form through AppTest: Chinese labels, taxonomy pick lists, the next id, the statute picker, 源码."""

from __future__ import annotations

import re
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from kb.content.catalog import load_content_taxonomy
from kb.content.templates import FIELD_ORDER, draft_template, field_label, template_body
from kb.search.charges import load_charges
from kb.search.index import build_index
from kb.settings import load_settings
from kb.workflow import accounts
from kb.workflow.drafts import create_draft, get_draft, save_draft, submit

try:
    from tests.app_fixtures import make_content, make_laws
    from tests.test_forms import PUBLIC_ORDER_LAW
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from app_fixtures import make_content, make_laws
    from test_forms import PUBLIC_ORDER_LAW

TIMEOUT = 60  # the first run loads jieba's dictionary
PASSWORDS = {"lin": "lin-password", "zhao": "zhao-password"}
YEAR = date.today().year
WIDGETS = ("text_input", "text_area", "selectbox", "multiselect", "date_input", "number_input")


def use(monkeypatch, root, db) -> None:
    """Point the app's settings at the content, index and laws under root and at the database db."""
    monkeypatch.setenv("KB_CONTENT", str(root / "content"))
    monkeypatch.setenv("KB_INDEX", str(root / "index"))
    monkeypatch.setenv("KB_DB", str(db))
    monkeypatch.setenv("KB_LAWS", str(root / "laws"))
    monkeypatch.setenv("KB_SEARCH_LOG", "0")
    monkeypatch.delenv("KB_REQUIRE_LOGIN", raising=False)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """Content and two small laws, indexed once for the module: the tests write drafts, never the index."""
    root = tmp_path_factory.mktemp("editor_form")
    make_content(root)
    laws = make_laws(root)
    (laws / "行政法").mkdir()
    (laws / "行政法" / "治安管理处罚法(2012-10-26).md").write_text(PUBLIC_ORDER_LAW, encoding="utf-8")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use(monkeypatch, root, root / "build.sqlite3")
        build_index(load_settings())
    return root


@pytest.fixture
def env(indexed, tmp_path, monkeypatch):
    """The shared content and index, a fresh database per test; an editor and a reviewer."""
    use(monkeypatch, indexed, tmp_path / "casekb.sqlite3")
    settings = load_settings()
    accounts.add_user(settings, "lin", "编辑", PASSWORDS["lin"])
    accounts.add_user(settings, "zhao", "审核", PASSWORDS["zhao"])
    return settings


def check(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def logged_in(name: str) -> AppTest:
    at = check(AppTest.from_file("../app.py", default_timeout=TIMEOUT).run())
    at.switch_page("app_pages/login.py")
    check(at.run())
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(PASSWORDS[name])
    at.button[0].click()
    check(at.run())
    return at


def editor(name: str = "lin", **params: str) -> AppTest:
    at = logged_in(name)
    at.switch_page("app_pages/editor.py")
    for key, value in params.items():
        at.query_params[key] = value
    return check(at.run())


def new_draft(at: AppTest, kind: str = "guide") -> int:
    """Start a draft from the 新建 tab; its id."""
    at.radio(key="editor_new_type").set_value(kind)
    check(at.run())
    at.button(key="editor_new").click()
    check(at.run())
    return int(at.query_params["draft"])


def field(at: AppTest, draft_id: int, key: str):
    """The form's widget for one front-matter key (or "body")."""
    wanted = f"editor_f_{draft_id}_{key}"
    return next(w for kind in WIDGETS for w in getattr(at, kind) if w.key == wanted)


def form_labels(at: AppTest, draft_id: int) -> dict[str, str]:
    prefix = f"editor_f_{draft_id}_"
    return {w.key[len(prefix) :]: w.label for kind in WIDGETS for w in getattr(at, kind) if w.key.startswith(prefix)}


def source(at: AppTest, draft_id: int) -> AppTest:
    at.radio(key=f"editor_mode_{draft_id}").set_value("源码")
    return check(at.run())


def numbered(at: AppTest) -> str:
    """The 全文（带行号） tab: the Markdown the editor holds."""
    return at.code[0].value


def texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.mark.parametrize("kind", ["guide", "case"])
def test_a_new_draft_opens_in_the_form_with_a_chinese_label_for_every_front_matter_key(env, kind):
    at = editor()
    draft_id = new_draft(at, kind)
    assert at.radio(key=f"editor_mode_{draft_id}").value == "表单"
    labels = form_labels(at, draft_id)
    assert labels == {**{k: field_label(kind, k) for k in FIELD_ORDER[kind]}, "body": "正文（Markdown）"}
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", labels[k]) for k in FIELD_ORDER[kind]), labels
    assert field(at, draft_id, "body").value == template_body(kind)
    assert f"editor_text_{draft_id}" not in [t.key for t in at.text_area]  # 源码 is one click away


def test_pick_lists_come_from_the_taxonomy_and_the_charge_list(env):
    taxonomy = load_content_taxonomy(env)
    at = editor()
    guide = new_draft(at)
    assert field(at, guide, "category").options == list(taxonomy.categories)
    assert field(at, guide, "kind").options == ["办案指引", "执法宝典", "工具箱"]
    assert field(at, guide, "stage").options == list(taxonomy.stages)
    assert field(at, guide, "audience").options == ["单位负责人", "法制员", "办案民警"]
    assert field(at, guide, "status").options == ["现行", "不再参照"]
    # supersedes: the published guides, newest id first, by id and title
    assert field(at, guide, "supersedes").options[:3] == [
        "G-2024-902 醉驾案件办理工具箱",
        "G-2024-901 盗窃案件办理指引",
        "G-2023-910 执法监督要点第10号",
    ]
    assert "G-2020-001 盗窃案件办理指引（2020年版）（不再参照）" in field(at, guide, "supersedes").options
    at.query_params.clear()
    check(at.run())
    case = new_draft(at, "case")
    assert field(at, case, "case_type").options == ["刑事", "行政"]
    assert field(at, case, "charges").options == list(load_charges(env.data_dir / "charges.txt").names())
    assert field(at, case, "guides").options[:2] == ["G-2024-902 醉驾案件办理工具箱", "G-2024-901 盗窃案件办理指引"]
    assert field(at, case, "supersedes").options == [
        "C-2024-902 李某酒后殴打他人治安案",
        "C-2023-901 张某多次盗窃电动车电瓶案",
    ]


def test_new_drafts_are_numbered_after_the_published_documents_and_the_open_drafts(env):
    at = editor()
    assert f"新建的草稿带有全部必填字段的模板，编号为 G-{YEAR}-911（今年的下一个编号），请逐项修改。" in texts(
        at.caption
    )
    first = new_draft(at)
    assert field(at, first, "id").value == f"G-{YEAR}-911"  # after G-2023-901 … G-2023-910 and G-2024-901, 902
    at.query_params.clear()
    check(at.run())
    second = new_draft(at)
    assert field(at, second, "id").value == f"G-{YEAR}-912"  # the first draft holds 911
    at.query_params.clear()
    check(at.run())
    assert field(at, new_draft(at, "case"), "id").value == f"C-{YEAR}-903"
    assert get_draft(env, "lin", first).doc_id == f"G-{YEAR}-911"


GUIDE_FROM_THE_FORM = f"""---
id: G-{YEAR}-911
title: 电动车被盗案件快速处置指引
kind: 工具箱
category: 盗窃
stage: [接报案, 调查取证]
tags: [电动车, 快速处置]
laws: [治安管理处罚法第四十九条, 刑法第二百六十四条]
audience: [办案民警, 法制员]
status: 现行
issued: 2026-11-30
version: 1
supersedes: [G-2024-901]
summary: 接报电动车被盗后三十分钟内调取周边视频。
---

## 适用范围

接报电动车被盗的警情。
"""


def fill_the_form(at: AppTest, draft_id: int) -> None:
    """Write a guide with the form alone: no YAML typed."""
    field(at, draft_id, "title").input("电动车被盗案件快速处置指引")
    field(at, draft_id, "kind").select("工具箱")
    field(at, draft_id, "category").select("盗窃")
    field(at, draft_id, "stage").set_value(["接报案", "调查取证"])
    field(at, draft_id, "tags").set_value(["电动车", "快速处置"])
    field(at, draft_id, "issued").set_value(date(2026, 11, 30))
    field(at, draft_id, "supersedes").set_value(["G-2024-901"])
    field(at, draft_id, "summary").input("接报电动车被盗后三十分钟内调取周边视频。")
    field(at, draft_id, "body").input("## 适用范围\n\n接报电动车被盗的警情。\n")
    check(at.run())
    at.text_input(key=f"editor_lawq_{draft_id}").input("哄抢")
    check(at.run())
    at.button(key=f"editor_lawadd_{draft_id}_0").click()  # 治安管理处罚法第四十九条: 盗窃、诈骗、哄抢…
    check(at.run())
    at.text_input(key=f"editor_lawq_{draft_id}").input("刑法第264条")
    check(at.run())
    at.button(key=f"editor_lawadd_{draft_id}_0").click()
    check(at.run())


def test_the_form_saves_exactly_the_markdown_it_shows(env):
    at = editor()
    draft_id = new_draft(at)
    fill_the_form(at, draft_id)
    assert get_draft(env, "lin", draft_id).text == GUIDE_FROM_THE_FORM
    assert numbered(at) == GUIDE_FROM_THE_FORM.rstrip("\n")  # st.code drops the final line break
    assert "校验通过，可以提交" in texts(at.success)
    saves = get_draft(env, "lin", draft_id).rev
    # 源码 shows the same text, and back in the form every field is as it was
    at = source(at, draft_id)
    assert at.text_area(key=f"editor_text_{draft_id}").value == GUIDE_FROM_THE_FORM
    at.radio(key=f"editor_mode_{draft_id}").set_value("表单")
    check(at.run())
    assert field(at, draft_id, "laws").value == ["治安管理处罚法第四十九条", "刑法第二百六十四条"]
    assert field(at, draft_id, "issued").value == date(2026, 11, 30)
    assert get_draft(env, "lin", draft_id).rev == saves  # switching modes saved nothing


def test_the_statute_picker_finds_articles_by_words_and_by_citation(env):
    at = editor()
    draft_id = new_draft(at)
    at.text_input(key=f"editor_lawq_{draft_id}").input("殴打")
    check(at.run())
    assert at.button(key=f"editor_lawadd_{draft_id}_0").label == "加入 治安管理处罚法第四十三条"
    assert any(
        c.startswith("**治安管理处罚法第四十三条**　殴打他人的，或者故意伤害他人身体的") for c in texts(at.caption)
    )
    at.button(key=f"editor_lawadd_{draft_id}_0").click()
    check(at.run())
    assert field(at, draft_id, "laws").value == ["治安管理处罚法第四十三条"]
    assert at.button(key=f"editor_lawadd_{draft_id}_0").label == "已加入"
    assert "\nlaws: [治安管理处罚法第四十三条]\n" in get_draft(env, "lin", draft_id).text
    at.text_input(key=f"editor_lawq_{draft_id}").input("治安管理处罚法第四十九条")
    check(at.run())
    assert at.button(key=f"editor_lawadd_{draft_id}_0").label == "加入 治安管理处罚法第四十九条"
    at.text_input(key=f"editor_lawq_{draft_id}").input("劳动合同")
    check(at.run())
    assert "法规库中没有找到与“劳动合同”相关的现行法条；也可以在“法律依据”中直接输入法条。" in texts(at.caption)


def test_a_text_edited_in_source_comes_back_into_the_form(env):
    at = editor()
    draft_id = new_draft(at)
    area = source(at, draft_id).text_area(key=f"editor_text_{draft_id}")
    area.input(
        area.value.replace("title: （指引标题）", "title: 源码中改的标题").replace("[受案立案]", "[接报案, 强制措施]")
    )
    check(at.run())
    at.radio(key=f"editor_mode_{draft_id}").set_value("表单")
    check(at.run())
    assert field(at, draft_id, "title").value == "源码中改的标题"
    assert field(at, draft_id, "stage").value == ["接报案", "强制措施"]
    assert "title: 源码中改的标题\n" in get_draft(env, "lin", draft_id).text


def test_a_yaml_error_in_source_keeps_the_text_and_stays_in_source(env):
    at = editor()
    draft_id = new_draft(at)
    area = source(at, draft_id).text_area(key=f"editor_text_{draft_id}")
    broken = area.value.replace("category: 执法规范", "category: [执法规范")
    area.input(broken)
    check(at.run())
    at.radio(key=f"editor_mode_{draft_id}").set_value("表单")
    check(at.run())
    assert at.radio(key=f"editor_mode_{draft_id}").value == "源码"
    assert (
        "表单无法显示此稿，已留在源码模式。第 6 行：front matter 不是合法的 YAML（列表缺少“,”或“\\]”，方括号可能没有闭合）；"
        "请检查冒号后的空格、引号和缩进。改正后再切换到表单；文本已保存，不会丢失。"
    ) in texts(at.error)
    assert at.text_area(key=f"editor_text_{draft_id}").value == broken
    assert get_draft(env, "lin", draft_id).text == broken
    # fixed, it goes into the form
    at.text_area(key=f"editor_text_{draft_id}").input(broken.replace("[执法规范", "证据规范"))
    check(at.run())
    at.radio(key=f"editor_mode_{draft_id}").set_value("表单")
    check(at.run())
    assert field(at, draft_id, "category").value == "证据规范"
    assert not [e for e in texts(at.error) if e.startswith("表单无法显示此稿")]


def test_a_draft_the_form_cannot_show_opens_in_source_saying_why(env):
    text = draft_template("guide", doc_id="G-2026-950").replace("status: 现行\n", "status: 现行\nauthor: 林某\n")
    draft = create_draft(env, "lin", text)
    at = editor(draft=str(draft.id))
    assert at.radio(key=f"editor_mode_{draft.id}").value == "源码"
    assert any(
        e.startswith("表单无法显示此稿，已留在源码模式。第 11 行：表单中没有字段“author”") for e in texts(at.error)
    )
    assert at.text_area(key=f"editor_text_{draft.id}").value == text
    assert get_draft(env, "lin", draft.id).rev == 1


def test_opening_a_draft_in_the_form_saves_nothing_until_a_field_changes(env):
    written = draft_template("guide", doc_id="G-2026-950").replace("stage: [受案立案]", "stage:\n  - 受案立案  # 环节")
    draft = create_draft(env, "lin", written)
    at = editor(draft=str(draft.id))
    assert field(at, draft.id, "stage").value == ["受案立案"]
    assert get_draft(env, "lin", draft.id).rev == 1  # the form would write the list in brackets: not a change
    field(at, draft.id, "title").input("新标题")
    check(at.run())
    saved = get_draft(env, "lin", draft.id)
    assert (saved.rev, "stage: [受案立案]\n" in saved.text) == (2, True)


def test_a_submitted_draft_shows_the_form_read_only(env):
    text = GUIDE_FROM_THE_FORM.replace(f"G-{YEAR}-911", "G-2026-950")
    draft = create_draft(env, "lin", text)
    submit(env, "lin", draft.id)
    at = editor(draft=str(draft.id))
    widgets = [field(at, draft.id, k) for k in (*FIELD_ORDER["guide"], "body")]
    assert all(w.disabled for w in widgets)
    assert at.text_input(key=f"editor_lawq_{draft.id}").disabled


def test_someone_elses_save_reaches_an_unchanged_form_and_a_conflicting_one_is_refused_and_kept(env):
    text = GUIDE_FROM_THE_FORM.replace(f"G-{YEAR}-911", "G-2026-950")
    draft = create_draft(env, "lin", text)
    lin = editor("lin", draft=str(draft.id))
    zhao = editor("zhao", draft=str(draft.id))
    field(lin, draft.id, "title").input("林改的标题")
    check(lin.run())
    check(zhao.run())  # zhao changed nothing: he now sees lin's title
    assert field(zhao, draft.id, "title").value == "林改的标题"
    save_draft(env, "lin", draft.id, text.replace("电动车被盗案件快速处置指引", "又一个标题"), 2)
    field(zhao, draft.id, "summary").input("赵改的要旨。")  # based on lin's second save, which is stale now
    check(zhao.run())
    refused = [e for e in texts(zhao.error) if e.startswith("保存被拒绝")]
    assert refused and "你的文本没有丢失，仍在编辑框中" in refused[0]
    assert field(zhao, draft.id, "summary").value == "赵改的要旨。"
    zhao.button(key=f"editor_fork_{draft.id}").click()
    check(zhao.run())
    copy = get_draft(env, "zhao", int(zhao.query_params["draft"]))
    assert "title: 林改的标题\n" in copy.text and "summary: 赵改的要旨。\n" in copy.text


def test_a_query_search_refuses_is_explained_in_the_statute_picker(env):
    at = editor()
    draft_id = new_draft(at)
    at.text_input(key=f"editor_lawq_{draft_id}").input("*")
    check(at.run())
    assert "通配符“\\*”范围过大；请在 \\* 或 ? 前至少写 1 个字" in texts(at.caption)
    assert not [b for b in at.button if b.key.startswith(f"editor_lawadd_{draft_id}_")]


def test_a_save_that_landed_unnoted_is_no_conflict_with_the_same_session(env):
    """A run stopped by the next click after its save landed: the next save builds on it, no conflict."""
    text = GUIDE_FROM_THE_FORM.replace(f"G-{YEAR}-911", "G-2026-951")
    draft = create_draft(env, "lin", text)
    lin = editor("lin", draft=str(draft.id))
    landed = text.replace("电动车被盗案件快速处置指引", "中途保存的标题")
    rev = lin.session_state[f"editor_rev_{draft.id}"]
    save_draft(env, "lin", draft.id, landed, rev)  # the save of the stopped run …
    lin.session_state[f"editor_pending_{draft.id}"] = landed  # … which it attempted, but never noted
    field(lin, draft.id, "summary").input("之后改的要旨。")
    check(lin.run())
    assert not [e for e in texts(lin.error) if e.startswith("保存被拒绝")]
    saved = get_draft(env, "lin", draft.id)
    assert saved.rev == rev + 2 and "summary: 之后改的要旨。\n" in saved.text


def test_another_text_saved_meanwhile_is_still_a_conflict(env):
    text = GUIDE_FROM_THE_FORM.replace(f"G-{YEAR}-911", "G-2026-952")
    draft = create_draft(env, "lin", text)
    lin = editor("lin", draft=str(draft.id))
    rev = lin.session_state[f"editor_rev_{draft.id}"]
    save_draft(env, "lin", draft.id, text.replace("电动车被盗案件快速处置指引", "另一个标签页的标题"), rev)
    lin.session_state[f"editor_pending_{draft.id}"] = text.replace("电动车被盗案件快速处置指引", "本页中途的标题")
    field(lin, draft.id, "summary").input("之后改的要旨。")
    check(lin.run())
    assert [e for e in texts(lin.error) if e.startswith("保存被拒绝")]
