"""Rendering: Markdown to sanitised HTML with citations and highlights, print CSS, the printed handbook as PDF.

May import every other package of kb; nothing in kb imports it.
"""
