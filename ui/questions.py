"""A question's answer widgets, shared by 自测 and 比武: asked under a key prefix, and read back from the session."""

from __future__ import annotations

import streamlit as st

from kb.content.quizzes import FALSE, FILL, MULTIPLE, SINGLE, TRUE, TRUE_FALSE, Question
from ui import markup


def key(prefix: str, question: Question, part: str = "") -> str:
    """The session key of a question's widget (`part`: an option letter or a blank's number)."""
    return f"{prefix}{question.id}" + (f"_{part}" if part else "")


def ask(prefix: str, n: int, question: Question) -> None:
    """The question's stem and the widget(s) to answer it: options, 正确/错误, or one box per blank."""
    st.markdown(f"**{n}．（{question.type}）** {markup.md(question.stem)}")
    label = f"第 {n} 题的答案"
    texts = dict(question.options)
    if question.type == SINGLE:
        st.radio(
            label,
            [letter for letter, _ in question.options],
            index=None,
            format_func=lambda letter: f"{letter}. {markup.md(texts.get(letter, ''))}",
            key=key(prefix, question),
            label_visibility="collapsed",
        )
    elif question.type == MULTIPLE:
        for letter, text in question.options:
            st.checkbox(f"{letter}. {markup.md(text)}", key=key(prefix, question, letter))
    elif question.type == TRUE_FALSE:
        st.radio(
            label, [TRUE, FALSE], index=None, horizontal=True, key=key(prefix, question), label_visibility="collapsed"
        )
    elif question.type == FILL:
        cols = st.columns(min(len(question.answer), 3) or 1)
        for blank in range(len(question.answer)):
            cols[blank % len(cols)].text_input(
                f"第 {blank + 1} 空", max_chars=50, key=key(prefix, question, str(blank))
            )


def read_response(prefix: str, question: Question) -> tuple[str, ...]:
    """What the widgets of one question hold: the letters ticked, the choice, or each blank's text."""
    state = st.session_state
    if question.type == MULTIPLE:
        return tuple(letter for letter, _ in question.options if state.get(key(prefix, question, letter)))
    if question.type == FILL:
        return tuple(state.get(key(prefix, question, str(blank))) or "" for blank in range(len(question.answer)))
    chosen = state.get(key(prefix, question))
    return (chosen,) if chosen else ()
