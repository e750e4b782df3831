"""casekb command line, the owner's entry point: `python indexer.py check | build | search | …` (see casekb_cli/)."""

from __future__ import annotations

from casekb_cli import cli, main

__all__ = ["cli", "main"]

if __name__ == "__main__":
    main()
