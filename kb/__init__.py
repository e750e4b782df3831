"""casekb: a searchable case-guidance knowledge base (案例指引库)."""

__version__ = "0.1.0"
