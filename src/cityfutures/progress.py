"""Progress over named steps: one bar whose label names the step under way (the CLI's `why` and `charts`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm.auto import tqdm


@contextmanager
def named_steps(total: int, *, unit: str, desc: str, show: bool = True,
                first: str | None = None) -> Iterator[Callable[[str], None]]:
    """A progress bar over ``total`` steps; yields ``step(name)``, called as each step starts (the one before
    it is then done). The bar is completed and closed on leaving; nothing is drawn when ``show`` is false.
    ``first``: a note shown beside the first step's name (e.g. that it compiles something once)."""
    bar = tqdm(total=total, unit=unit, desc=desc, leave=False) if show else None
    started: list[str] = []

    def step(name: str) -> None:
        if bar is not None:
            if started:
                bar.update(1)
            bar.set_postfix_str(f"{name}, {first}" if first and not started else name)
            started.append(name)

    try:
        yield step
    finally:
        if bar is not None:
            bar.update(total - bar.n)
            bar.close()
