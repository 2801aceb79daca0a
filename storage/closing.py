"""One context-manager shape for the storage objects that own a resource (engine, open file)."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """``with Thing(...) as thing:`` calls ``thing.close()`` on the way out, error or not."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
