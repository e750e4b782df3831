"""Small widgets several pages draw the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st


def switch(label: str, choices: Mapping[str, str], key: str, on_change: Callable[[], None]) -> None:
    """One-of-a-few buttons (segmented control) with no label shown: `choices` maps each value to its text."""
    st.segmented_control(
        label,
        list(choices),
        format_func=choices.get,
        key=key,
        on_change=on_change,
        label_visibility="collapsed",
        required=True,
    )
