"""qdocgen: official documents from a government action plan and the figures reported against it."""

from qdocgen import dataclass_code
from qdocgen.lean_imports import (
    builtin_styles_on_demand,
    manifest_without_mime_database,
    openpyxl_without_numpy,
    pillow_on_demand,
)

__version__ = "0.1.0"

dataclass_code.install()  # before any of qdocgen's dataclasses is defined
openpyxl_without_numpy()
pillow_on_demand()
builtin_styles_on_demand()
manifest_without_mime_database()
