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

And openpyxl's built-in named styles (`builtin_styles_on_demand`): openpyxl.styles.builtins parses
some fifty XML snippets into NamedStyle objects when imported (~20 ms), for `cell.style = "Good"`
(setting a built-in style by name), which qdocgen never does. The module is made, when imported,
without running it: its `styles` is a mapping that runs the real module the first time it is
asked anything, and any other name is the real module's.

And the system's MIME database (`manifest_without_mime_database`): openpyxl's manifest module makes
a `mimetypes.MimeTypes()` when imported, whose first making runs `mimetypes.init()` (~6 ms: reading
/etc/mime.types and the like into the module's global database). The instance never uses that
database: its maps are built from mimetypes' built-in defaults alone (plus openpyxl's add_type
calls). So the module runs with mimetypes taken for initialised, and mimetypes is left as it was
(initialised, from the system's files, by the first caller that asks the module itself).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from contextlib import contextmanager

NUMBERS = "openpyxl.compat.numbers"
PICTURES = "openpyxl.drawing.image"
BUILTIN_STYLES = "openpyxl.styles.builtins"
MANIFEST = "openpyxl.packaging.manifest"


def openpyxl_without_numpy() -> None:
    _load_with(NUMBERS, _WithoutNumpy, unless=("numpy",))


def pillow_on_demand() -> None:
    _load_with(PICTURES, _PillowLater, unless=("PIL",))


def builtin_styles_on_demand() -> None:
    _load_with(BUILTIN_STYLES, _StylesLater)


def manifest_without_mime_database() -> None:
    _load_with(MANIFEST, _WithoutMimeDatabase)


def _load_with(name: str, loader: type, unless: tuple[str, ...] = ()) -> None:
    """Have module `name`, when first imported, run by `loader` around its own loader (unless it,
    or one of `unless`, is loaded already)."""
    if name in sys.modules or any(other in sys.modules for other in unless):
        return
    if not any(isinstance(finder, _Finder) and finder.name == name for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder(name, loader))


class _Finder(importlib.abc.MetaPathFinder):
    """Finds one module as the normal finders do, and wraps its loader."""

    def __init__(self, name: str, loader: type):
        self.name, self.loader = name, loader

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)  # once: the module is then in sys.modules
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = self.loader(spec.loader)
        return spec


class _Around(importlib.abc.Loader):
    """A module's own loader, its exec_module wrapped by a subclass."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):  # get_code, get_source, is_package …: the real loader's
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)


@contextmanager
def _hidden(package: str):
    """`import package` raises ImportError inside (unless it is loaded already); yields whether it was hidden."""
    hidden = package not in sys.modules
    if hidden:
        sys.modules[package] = None
    try:
        yield hidden
    finally:
        if hidden and package in sys.modules and sys.modules[package] is None:
            del sys.modules[package]


class _WithoutNumpy(_Around):
    def exec_module(self, module):
        with _hidden("numpy"):
            self.loader.exec_module(module)


class _WithoutMimeDatabase(_Around):
    def exec_module(self, module):
        import mimetypes

        skipped = not mimetypes.inited
        if skipped:
            mimetypes.inited = True  # (what MimeTypes.__init__ reads to call init())
        try:
            self.loader.exec_module(module)
        finally:
            if skipped and mimetypes._db is None:  # nobody initialised it meanwhile: as it was
                mimetypes.inited = False


class _PillowLater(_Around):
    def exec_module(self, module):
        with _hidden("PIL") as hidden:  # `from PIL import Image` raises ImportError: PILImage = False
            self.loader.exec_module(module)
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


class _StylesLater(_Around):
    def exec_module(self, module):
        real = {}

        def load() -> dict:
            if not real:
                import types

                done = types.ModuleType(module.__name__)
                done.__dict__.update(
                    {k: module.__dict__[k] for k in ("__file__", "__spec__", "__loader__", "__package__")}
                )
                exec(self.loader.get_code(module.__name__), done.__dict__)  # noqa: S102 - openpyxl's own module
                real.update(vars(done))
                module.qdocgen_ran = True
            return real

        module.qdocgen_ran = False  # (whether the module's code has run: for the tests)

        module.styles = _BuiltinStyles(lambda: load()["styles"])
        # The names the module's code can set: the import system asks a module for `__path__` on
        # every `from … import styles`, and answering that must not run the module.
        names = set(self.loader.get_code(module.__name__).co_names)

        def __getattr__(name: str):  # noqa: N807 - a module's own attribute look-up (PEP 562)
            if name in names:
                found = load()
                if name in found:
                    return found[name]
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        module.__getattr__ = __getattr__


class _BuiltinStyles(dict):
    """openpyxl's dict of built-in named styles, made the first time it is asked anything."""

    def __init__(self, make):
        super().__init__()
        self._make = make

    def _real(self) -> dict:
        if self._make is not None:
            made, self._make = self._make(), None
            dict.update(self, made)
        return self

    def __contains__(self, key):
        return dict.__contains__(self._real(), key)

    def __getitem__(self, key):
        return dict.__getitem__(self._real(), key)

    def __iter__(self):
        return dict.__iter__(self._real())

    def __len__(self):
        return dict.__len__(self._real())

    def __repr__(self):
        return dict.__repr__(self._real())

    def __eq__(self, other):
        return dict.__eq__(self._real(), other)

    __hash__ = None

    def get(self, key, default=None):
        return dict.get(self._real(), key, default)

    def keys(self):
        return dict.keys(self._real())

    def values(self):
        return dict.values(self._real())

    def items(self):
        return dict.items(self._real())

    def copy(self):
        return dict(self._real())
