"""`python -m casekb_cli …`, the same as `python indexer.py …`."""

from casekb_cli import main

main()
