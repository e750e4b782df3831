"""Statutes: the statute library (laws and their versions, read from the statute folder) and citations.

May import kb.content and the base modules.
"""
