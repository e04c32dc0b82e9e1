"""The ``evidence`` command line."""

from evidence.cli._main import main

__all__ = ["main"]
