"""Running a benchmark's clients in threads: `in_threads(count, target)` calls
`target(n)` for n in 0..count-1, each in its own thread, and re-raises the first error."""

from __future__ import annotations

import threading
from collections.abc import Callable


def in_threads(count: int, target: Callable[[int], object]) -> None:
    errors: list[BaseException] = []

    def guarded(n: int) -> None:
        try:
            target(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
