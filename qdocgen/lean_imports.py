"""openpyxl without numpy: 0.1–0.3 s off every command that reads or writes a workbook.

openpyxl imports numpy when it is installed, only to accept numpy's number types as cell values
(`openpyxl.compat.numbers.NUMERIC_TYPES`). qdocgen never hands it a numpy value, and importing
numpy takes 0.1–0.3 s of a build whose whole target is 1.5 s. So, unless numpy is already loaded,
openpyxl's own number module is imported with numpy hidden for the moment it runs: it then
defines the plain types, as it does where numpy is not installed. numpy stays importable.

This holds for the whole process: a program that imports qdocgen and then gives openpyxl numpy
numbers should convert them (int(), float()) or import openpyxl before qdocgen.

Likewise Pillow (`pillow_on_demand`): openpyxl imports PIL.Image (~20 ms) when its picture module
loads, though only a workbook with pictures uses it. The module is loaded with PIL hidden, and
then given, where Pillow is installed, a stand-in that imports PIL.Image on first use: a template
with pictures reads them as before; a workbook without any never imports Pillow.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys

NUMBERS = "openpyxl.compat.numbers"
PICTURES = "openpyxl.drawing.image"


def openpyxl_without_numpy() -> None:
    if NUMBERS in sys.modules or "numpy" in sys.modules:
        return
    if not any(isinstance(finder, _PlainNumbers) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PlainNumbers())


class _PlainNumbers(importlib.abc.MetaPathFinder):
    """Finds openpyxl's number module as the normal finders do, with a loader hiding numpy."""

    def find_spec(self, name, path=None, target=None):
        if name != NUMBERS:
            return None
        sys.meta_path.remove(self)  # once: the module is then in sys.modules
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _WithoutNumpy(spec.loader)
        return spec


class _WithoutNumpy(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # get_code, get_source, is_package …: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        hidden = "numpy" not in sys.modules
        if hidden:
            sys.modules["numpy"] = None  # `import numpy` raises ImportError
        try:
            self.loader.exec_module(module)
        finally:
            if hidden and "numpy" in sys.modules and sys.modules["numpy"] is None:
                del sys.modules["numpy"]


def pillow_on_demand() -> None:
    if PICTURES in sys.modules or "PIL" in sys.modules:
        return
    if not any(isinstance(finder, _PicturesFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PicturesFinder())


class _PicturesFinder(importlib.abc.MetaPathFinder):
    """Finds openpyxl's picture module as the normal finders do, with a loader hiding Pillow."""

    def find_spec(self, name, path=None, target=None):
        if name != PICTURES:
            return None
        sys.meta_path.remove(self)  # once: the module is then in sys.modules
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _PillowLater(spec.loader)
        return spec


class _PillowLater(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # get_code, get_source, is_package …: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        hidden = "PIL" not in sys.modules
        if hidden:
            sys.modules["PIL"] = None  # `from PIL import Image` raises ImportError: PILImage = False
        try:
            self.loader.exec_module(module)
        finally:
            if hidden and "PIL" in sys.modules and sys.modules["PIL"] is None:
                del sys.modules["PIL"]
        if hidden and module.__dict__.get("PILImage") is False and importlib.util.find_spec("PIL") is not None:
            module.PILImage = _PillowImage()


class _PillowImage:
    """PIL.Image, imported when first asked for anything (openpyxl asks `PILImage.Image`,
    `PILImage.open`); true, as the module is where Pillow is installed."""

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str):
        from PIL import Image

        return getattr(Image, name)
