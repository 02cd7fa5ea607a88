"""Profile photo checks: safe decoding, face counting, AI-generated face detection, PDQ reuse.

`check_photo(path)` runs every check on one local image; `lurewatch.photo.provider` turns the result
into findings during a scan. Photos are only ever read from local files, never fetched.
"""

from __future__ import annotations

from lurewatch.photo.check import PhotoResult, check_photo
from lurewatch.photo.decode import PhotoError, load_photo

__all__ = ["PhotoError", "PhotoResult", "check_photo", "load_photo"]
