"""Pause points: named places where a run can be held on purpose, to test crash safety.

A test sets EGS_PAUSE_AT to a stage name (generate, load, metrics, publish) and
EGS_PAUSE_MARKER to a file path; when the run reaches that stage it writes the marker
and sleeps, so the test can kill the process at a known point. Unset (always, outside
those tests), a pause point does nothing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STAGES = ("generate", "load", "metrics", "publish")


def pause_point(stage: str) -> None:
    if os.environ.get("EGS_PAUSE_AT") != stage:
        return
    marker = os.environ.get("EGS_PAUSE_MARKER")
    if marker:
        Path(marker).write_text(f"{stage} {os.getpid()}\n")
    time.sleep(float(os.environ.get("EGS_PAUSE_SECONDS", "600")))
