"""TAXII 2.1: push a bundle to a collection and pull a collection's objects, with taxii2-client.

A feed carries at most one TLP level (`max_tlp`, default AMBER): pushing anything marked above it is
refused before any network call, so RED and AMBER+STRICT only go to a collection explicitly configured
for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from taxii2client.v21 import Collection, as_pages

from lurewatch.sharing import tlp

MEDIA_TYPE = "application/taxii+json;version=2.1"
MAX_PULL_OBJECTS = 1_000_000  # a collection bigger than this is refused (bounded memory on a hostile feed)


@dataclass(slots=True)
class Feed:
    url: str  # the API root, e.g. https://taxii.example.org/api1/
    collection: str  # collection id
    user: str | None = None
    password: str | None = None
    max_tlp: str = "amber"
    verify: bool = True

    @property
    def name(self) -> str:
        return f"TAXII collection {self.collection} at {self.url}"

    def client(self) -> Collection:
        url = f"{self.url.rstrip('/')}/collections/{self.collection}/"
        return Collection(url, user=self.user, password=self.password, verify=self.verify)


def bundle_tlp(objects: list[dict[str, Any]], default: str = "clear") -> str:
    """The strictest TLP marked on any object of a bundle (markings defined in it or known ids)."""
    markings = {
        str(o.get("id")): lv
        for o in objects
        if o.get("type") == "marking-definition" and (lv := tlp.level_of_marking(o))
    }
    levels = [tlp.level_of_refs(o.get("object_marking_refs"), markings, default) for o in objects]
    return max(levels, key=tlp.rank) if levels else default


def push(feed: Feed, objects: list[dict[str, Any]], chunk: int = 500) -> int:
    """Add the objects to the collection (in envelopes of `chunk`); returns how many were accepted."""
    tlp.require_allowed(bundle_tlp(objects), feed.max_tlp, feed.name)
    col = feed.client()
    done = 0
    for i in range(0, len(objects), chunk):
        status = col.add_objects(
            {"objects": objects[i : i + chunk]}, wait_for_completion=True, poll_interval=0.2
        )
        done += int(getattr(status, "success_count", 0) or 0)
    return done


def pull(feed: Feed, added_after: str | None = None, per_request: int = 100) -> Iterator[dict[str, Any]]:
    """Every object of the collection, page by page."""
    col = feed.client()
    kwargs: dict[str, Any] = {"added_after": added_after} if added_after else {}
    n = 0
    for envelope in as_pages(col.get_objects, per_request=per_request, **kwargs):
        for obj in envelope.get("objects", []) or []:
            n += 1
            if n > MAX_PULL_OBJECTS:
                raise ValueError(f"{feed.name} has more than {MAX_PULL_OBJECTS} objects: use --added-after")
            yield obj
