"""The ``evidence`` command: parses arguments and delegates; exit codes are decided here.

Exit codes: 0 all done; 1 done, but some items failed (a broken PDF, a malformed entry);
2 usage or configuration error. Every command that reports has ``--json``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from evidence.config import load_settings
from evidence.errors import EvidenceError

from ._parser import make_parser

__all__ = ["main"]

# Commands that act on a file given on the command line, not on a workbook.
_NO_WORKBOOK = ("passages", "evaluate")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = make_parser().parse_args(argv)
    try:
        settings = None if args.command in _NO_WORKBOOK else load_settings(args.root)
        return int(args.func(args, settings))
    except EvidenceError as exc:
        print(f"evidence {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            f"evidence {args.command}: interrupted; run it again to complete the work",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
