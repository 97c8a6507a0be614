"""qdocgen: official documents from a government action plan and the figures reported against it."""

__version__ = "0.1.0"
