"""自测 (?by=path|cat|mistakes&tier=…&cat=…): ten questions from a learning path, a case category or the 错题本,
feedback with the explanation and the sources; for a logged-in officer, 我的成绩 and the 错题本."""

from __future__ import annotations

import streamlit as st

from kb.errors import KBError
from kb.workflow import accounts, logins, selftests
from ui import files, markup, messages, selftest, services, urls

SCOPES = {"path": "学习路径", "cat": "案件类别", "mistakes": "错题本"}
TIERS = ("办案民警", "法制员", "单位负责人")  # as on 学习路径


def practise() -> None:
    """练习错题: the 错题本 as the scope, a new quiz drawn."""
    urls.set_url_params(by="mistakes")
    selftest.again()


def tiers(s) -> list[str]:
    try:
        found = accounts.tier_choices(s)
    except KBError:
        found = TIERS
    return [t for t in TIERS if t in found] + [t for t in found if t not in TIERS]


def path_ids(tier: str) -> set[str]:
    """The documents on the tier's learning path (none when there is no learning paths file)."""
    loaded = files.learning_paths()
    return set() if isinstance(loaded, str) else {item["id"] for item in loaded[0].get(tier, [])}


def choose(s, user, questions) -> tuple[str, str, tuple, str]:
    """The scope chosen and a draw of its questions: (scope key, source, questions, what to say when none)."""
    scopes = [k for k in SCOPES if k != "mistakes" or user is not None]
    by = urls.url_param("by", "path", scopes)
    st.segmented_control(
        "自测范围", scopes, format_func=SCOPES.get, required=True, **urls.bind("selftest_by", "by", by, "path")
    )
    if by == "path":
        choices = tiers(s)
        own = user.tier if user is not None and user.tier in choices else choices[0]
        tier = urls.url_param("tier", own, choices)
        st.selectbox("层级", choices, **urls.bind("selftest_tier", "tier", tier, own))
        drawn = selftests.draw_questions(questions, tier=tier, doc_ids=path_ids(tier))
        empty = f"“{markup.md(tier)}”层级的题库中还没有题目；可改选案件类别。"
        return f"path:{tier}", selftests.path_source(tier), drawn, empty
    if by == "cat":
        categories = list(dict.fromkeys(q.category for q in questions))
        category = urls.url_param("cat", categories[0], categories)
        st.selectbox("案件类别", categories, **urls.bind("selftest_cat", "cat", category, categories[0]))
        drawn = selftests.draw_questions(questions, category=category)
        return f"cat:{category}", selftests.category_source(category), drawn, ""
    with messages.or_stop():
        notebook = selftests.mistakes(s, user, questions)
    drawn = selftests.draw_questions(notebook.questions)
    return "mistakes", selftests.MISTAKES, drawn, "错题本是空的：自测中答错的题会自动加入错题本。"


def quiz(s, user, questions) -> None:
    """The quiz of the chosen scope (drawn once, kept until 再测一组), or its feedback once handed in."""
    scope, source, drawn, empty = choose(s, user, questions)
    current = selftest.current(scope)
    if current is None:
        if not drawn:
            st.info(empty, icon=":material/quiz:")
            return
        current = selftest.start(scope, source, drawn)
    if current["error"]:
        st.error(markup.md(current["error"]))
    if current["result"] is None:
        if len(current["questions"]) < selftests.QUIZ_SIZE:
            st.caption(f"本范围共 {len(current['questions'])} 道题，全部抽出。")
        selftest.form(s, user, current)
        st.button("换一组题", key="selftest_again", icon=":material/refresh:", on_click=selftest.again)
    else:
        selftest.feedback(current["result"], user)
        st.button("再测一组", key="selftest_again", icon=":material/refresh:", on_click=selftest.again)


def main() -> None:
    st.title("自测")
    s = services.settings()
    user = logins.current_user(st.session_state, s)
    if user is None:
        st.info(f"{selftest.SAVE_NOTE}。未登录也可以自测，成绩只在本页显示。", icon=":material/login:")
    with messages.or_stop():
        questions = selftest.usable()
    pool, held = selftest.drawable(s, questions)
    if held:
        st.caption(f"正在进行的比武所用的 {held} 道题暂不出现在自测中，比武截止后恢复。")
    if pool:
        quiz(s, user, pool)
    elif questions:
        st.info("题库中可用的题目都在正在进行的比武中，比武截止后即可自测。", icon=":material/quiz:")
    else:
        st.info("题库中还没有可用的题目。法制大队在“题库”页编写并发布题目后即可自测。", icon=":material/quiz:")
    if user is not None:
        st.divider()
        with messages.or_stop():
            attempts = selftests.history(s, user)
            notebook = selftests.mistakes(s, user, questions)
        selftest.render_history(attempts)
        selftest.render_notebook(notebook, practise)


main()
