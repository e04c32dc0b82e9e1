"""``python -m evidence`` and the ``evidence`` command: a small entry point.

The command line, and the workbook behind it, is imported when :func:`main` runs, not when
this module is: PDF worker processes (started by the forkserver or spawn method) import the
main script again, and must not pay for pandas, matplotlib and Jupyter to read PDFs.
"""

import sys


def main(argv: list[str] | None = None) -> int:
    """Run the ``evidence`` command line; return its exit code."""
    from evidence.cli import main as cli_main  # noqa: PLC0415 - lazy, see the module docstring

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
