"""Content: documents and their front matter, the taxonomy, templates, validation, learning paths.

May import the base modules (kb.errors, kb.settings, kb.roles) and nothing else of kb.
"""
