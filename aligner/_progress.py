"""Which stage a long alignment is in, on stderr: a run of 200,000 sentences takes minutes after embedding."""

from __future__ import annotations

import sys

__all__ = ["Stages"]


class Stages:
    """A one-line display of the current stage and the time spent, or nothing when `enabled` is false.

    The embedding has its own bar (`EmbeddingStore`); this line names the
    stages around it (the band search, the pair guard, each round of the
    path search), whose number is not known in advance.
    """

    def __init__(self, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=None, desc="aligning", unit="stage", leave=False, file=sys.stderr,
                             bar_format="{desc} [{elapsed}, stage {n}]")

    def stage(self, name: str) -> None:
        """Say that `name` begins."""
        if self._bar is not None:
            self._bar.n += 1
            self._bar.set_description_str(f"aligning: {name}")  # shown now: a stage may last minutes

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
