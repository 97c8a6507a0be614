"""`python -m qdocgen.cli …` runs the command line too, as it did when the command line was one module."""

from qdocgen.cli import main

main()
