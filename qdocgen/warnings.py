"""The one channel for warnings: what a command noticed on its way, said once, at the end.

Anything below the command line that notices something the user should know but that does
not stop the work (a period without figures, a stray file in figures/, a chart left out)
adds a sentence in Chinese to the workspace's `Warnings`. The command line says them all,
in the order they were noticed, after the command's own output, each prefixed 注意：.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

PREFIX = "注意："


class Warnings:
    """Warnings in the order first noticed; the same sentence twice is said once."""

    def __init__(self, items: Iterable[str] = ()):
        self._items: dict[str, None] = {}
        self.extend(items)

    def append(self, text: str) -> None:
        self._items.setdefault(str(text), None)

    def extend(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.append(text)

    def clear(self) -> None:
        self._items.clear()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, text: object) -> bool:
        return text in self._items

    def __getitem__(self, index: int) -> str:
        return list(self._items)[index]

    def lines(self) -> list[str]:
        """Each warning as the user reads it: 注意：…"""
        return [f"{PREFIX}{text}" for text in self._items]
