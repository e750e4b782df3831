"""casekb's command line (`python indexer.py …`): click commands that parse arguments, call kb and print.

`base` holds the group, the Chinese error handling and the shared options; `zh` translates click's own
messages; `content`, `search` and `workflow` hold the commands. Command logic lives in kb/.
"""

from __future__ import annotations

from casekb_cli import (  # noqa: F401  (importing a module registers its commands)
    archive,
    content,
    exams,
    handbook,
    lawchange,
    progress,
    quiz,
    quizdrafts,
    quizstats,
    review,
    search,
    wordimport,
    workflow,
)
from casekb_cli.base import PROG, cli


def main() -> None:
    """Console entry point."""
    cli.main(prog_name=PROG)


__all__ = ["cli", "main"]
