"""Search: analysis (the jieba adapter), the index, the query language, the fast scorer, the service, 类案.

May import kb.statutes, kb.content and the base modules. Whoosh stays inside this package.
"""
