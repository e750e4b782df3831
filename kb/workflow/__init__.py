"""Workflow: the workflow database, accounts and sessions, drafts, checks, versions, publish, audit, search log.

May import kb.search, kb.statutes, kb.content and the base modules.
"""
