"""Screenshot intake: a LinkedIn message or profile on the user's screen, read by OCR into an Approach.

`check_screenshots` is what `lurewatch check --screenshot` and the server's report form and API run:
bounded decoding and OCR (screenshot.ocr), the layout (screenshot.layout), the sender's photo cropped
(screenshot.intake), then the same pipeline as every other input. docs/screenshots.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from lurewatch.screenshot.intake import MAX_SCREENSHOT_BYTES, MAX_SCREENSHOTS, Intake, ScreenshotError, read_screenshots
from lurewatch.screenshot.ocr import OcrUnavailable

if TYPE_CHECKING:
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

__all__ = ["MAX_SCREENSHOTS", "MAX_SCREENSHOT_BYTES", "Intake", "OcrUnavailable", "ScreenshotError",
           "check_screenshots", "read_screenshots"]


def check_screenshots(items: list[tuple[str, bytes]], ctx: ScanContext | None = None,
                      analyser: Analyser | None = None) -> Intake:
    """Read the screenshots (label, bytes) of one thread and score the approach they show.

    The sender's photo is cropped to a temporary folder that lives while the photo checks run. `analyser`
    (a pipeline.Analyser) may be given to reuse a loaded one; else one is built from `ctx`."""
    from lurewatch.pipeline import Analyser  # noqa: F811 (the run-time import of the TYPE_CHECKING name)

    an = analyser if analyser is not None else Analyser(ctx)
    with tempfile.TemporaryDirectory(prefix="lurewatch-shot-") as tmp:
        intake = read_screenshots(items, Path(tmp))
        an.analyse_one(intake.approach)
        if intake.approach.profile is not None:
            intake.approach.profile.photo = None  # the crop is gone with the folder
    return intake
