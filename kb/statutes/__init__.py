"""Statutes: the statute library (laws and their versions, read from LawRefBook files), law names, numerals, citations.

May import kb.content and the base modules.
"""
