"""The qdocgen command line: each command parses its options, calls one function and prints what it returns.

group.py is the group and its global options, options.py what the commands share; the commands by what
they work on: data.py (check, targets, progress, missing, context), forms.py (forms, collect, withdraw),
documents.py (table, notice, render, build), workspace.py (init, import)."""

from qdocgen.cli import data, documents, forms, workspace  # noqa: F401 - each adds its commands to main
from qdocgen.cli.group import main

__all__ = ["main"]
