"""`python -m qdocgen …` runs the command line, as the `qdocgen` script does."""

from qdocgen.cli import main

main()
