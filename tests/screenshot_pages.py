"""LinkedIn-like pages written here and rendered in Debian chromium, for the screenshot intake's tests and bench.

Two layouts, as the real site draws them: a messaging thread (a header with the sender's photo, name, degree
and headline; date separators; one block per message with the writer's name, the time and the text; on
desktop a conversation list at the left) and a profile page (banner, photo, name and degree, headline,
location, connections, About, Experience). Light and dark themes; desktop (1280 px) and phone (390 px)
widths. `render()` returns the PNG and where the sender's photo was drawn (device pixels), so a test can
check that the crop lands on it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OWNER_NAME = "Sam Carter"
# Fictional names for cases whose sender has no profile (the sets' "Sender").
NAMES = ["Daniel Mercer", "Anna Kowalczyk", "Li Wei Chen", "Mariam Haddad", "Tomasz Nowak", "Grace Okafor",
         "Julien Moreau", "Sofia Lindgren", "Rahul Mehta", "Claire Dubois", "Viktor Petrov", "Hannah Becker"]


@dataclass(slots=True)
class Thread:
    sender: str
    headline: str
    degree: str  # "1st", "2nd", "3rd+"
    messages: list[tuple[bool, str]]  # (inbound, text)
    first: date = date(2025, 2, 11)
    owner: str = OWNER_NAME
    location: str = "London, England, United Kingdom"
    connections: str = "500+ connections"
    about: str = ""
    positions: list[tuple[str, str, str]] = field(default_factory=list)  # (title, company, dates)


def thread_from_case(case: dict[str, Any]) -> Thread:
    """A blind-set case (tests/data/blind*/approaches.yaml) as the thread a screenshot would show."""
    basics = (case.get("profile") or {}).get("basics") or {}
    digest = int(hashlib.sha256(str(case["id"]).encode()).hexdigest(), 16)
    name = str(basics.get("name") or NAMES[digest % len(NAMES)])
    headline = str(basics.get("label") or "Consultant")
    msgs = [(False, str(m["owner"])) if isinstance(m, dict) else (True, str(m)) for m in case["messages"]]
    first = date.fromisoformat(str(case.get("first_contact", "2025-02-11"))[:10])
    meta = (case.get("profile") or {}).get("meta") or {}
    conns = meta.get("connections")
    work = (case.get("profile") or {}).get("work") or []
    positions = [(str(w.get("position") or ""), str(w.get("name") or ""),
                  f"{w.get('startDate') or ''} - {w.get('endDate') or 'Present'}") for w in work[:3]]
    return Thread(sender=name, headline=headline, degree=("2nd", "3rd+", "1st")[digest % 3], messages=msgs,
                  first=first, connections=(f"{conns} connections" if isinstance(conns, int) and conns < 500
                                            else "500+ connections"),
                  about=str(basics.get("summary") or ""), positions=positions)


def face_png(seed: int = 1, size: int = 200) -> bytes:
    """A small drawn face (skin, hair, eyes, mouth on a coloured ground) for the sender's photo."""
    from PIL import Image, ImageDraw

    grounds = [(70, 110, 160), (150, 90, 60), (60, 130, 90), (120, 70, 130)]
    im = Image.new("RGB", (size, size), grounds[seed % len(grounds)])
    d = ImageDraw.Draw(im)
    s = size / 200
    d.ellipse([40 * s, 20 * s, 160 * s, 120 * s], fill=(60, 40, 30))  # hair
    d.ellipse([50 * s, 40 * s, 150 * s, 170 * s], fill=(225, 185, 150))  # face
    d.rectangle([35 * s, 170 * s, 165 * s, 200 * s], fill=(40, 50, 70))  # shoulders
    for x in (80, 120):
        d.ellipse([(x - 8) * s, 90 * s, (x + 8) * s, 102 * s], fill=(40, 30, 30))
    d.arc([75 * s, 115 * s, 125 * s, 150 * s], 20, 160, fill=(150, 60, 60), width=max(1, int(4 * s)))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


CSS = """
* { box-sizing: border-box; margin: 0; padding: 0; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 14px; line-height: 1.45; }
#root { background: var(--page); color: var(--text); min-height: 100vh; overflow: hidden; }
.light { --page: #f4f2ee; --card: #ffffff; --text: #191919; --muted: #666666; --line: #e0dfdc; --link: #0a66c2; }
.dark  { --page: #000000; --card: #1b1f23; --text: #e9e9e9; --muted: #a8a8a8; --line: #38434f; --link: #71b7fb; }
.top { height: 52px; background: var(--card); border-bottom: 1px solid var(--line); }
.wrap { display: flex; margin: 16px auto; width: 1130px; gap: 0; }
.list { width: 330px; background: var(--card); border: 1px solid var(--line); }
.list .item { padding: 12px; border-bottom: 1px solid var(--line); display: flex; gap: 8px; }
.list .dot { width: 48px; height: 48px; border-radius: 50%; background: var(--line); flex: none; }
.list .who { font-weight: 600; } .list .snip { color: var(--muted); font-size: 13px; }
.thread { flex: 1; background: var(--card); border: 1px solid var(--line); }
.head { display: flex; align-items: center; gap: 12px; padding: 12px 16px; border-bottom: 1px solid var(--line); }
.head img { width: 56px; height: 56px; border-radius: 50%; }
.head .name { font-weight: 600; font-size: 16px; } .deg { color: var(--muted); font-weight: 400; }
.head .hl { color: var(--muted); font-size: 13px; }
.day { text-align: center; color: var(--muted); font-size: 12px; margin: 14px 0 6px; letter-spacing: .5px; }
.msg { display: flex; gap: 10px; padding: 8px 16px; }
.msg img, .msg .me { width: 32px; height: 32px; border-radius: 50%; flex: none; }
.msg .me { background: #7a8a99; }
.msg .meta b { font-weight: 600; } .msg .meta span { color: var(--muted); font-size: 12px; margin-left: 6px; }
.msg p { margin-top: 2px; white-space: pre-wrap; }
.phone .wrap { width: auto; margin: 0; display: block; }
.phone .list { display: none; } .phone .thread { border: none; }
.phone .top { height: 44px; }
.phone .head { padding: 10px 12px; } .phone .head img { width: 44px; height: 44px; }
.phone .back { font-size: 22px; color: var(--muted); }
.phone .msg { padding: 8px 12px; }
.prof { width: 800px; margin: 16px auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px;
        padding-bottom: 12px; }
.phone .prof { width: auto; margin: 0; border-radius: 0; }
.banner { height: 200px; background: linear-gradient(90deg, #8fa9c2, #b7c6a6); border-radius: 8px 8px 0 0; }
.phone .banner { height: 100px; }
.pp { margin: -110px 0 0 24px; width: 160px; height: 160px; border-radius: 50%; border: 4px solid var(--card); }
.phone .pp { margin: -50px 0 0 16px; width: 96px; height: 96px; }
.pbody { padding: 8px 24px; } .phone .pbody { padding: 8px 16px; }
.pname { font-size: 24px; font-weight: 600; } .phone .pname { font-size: 20px; }
.pname .deg { font-size: 16px; }
.phl { font-size: 16px; margin-top: 2px; } .ploc, .pconn { color: var(--muted); margin-top: 6px; }
.pconn { color: var(--link); font-weight: 600; }
.btns { margin-top: 10px; } .btn { display: inline-block; border-radius: 16px; padding: 4px 14px; margin-right: 6px;
        border: 1px solid var(--link); color: var(--link); font-weight: 600; }
.sec { border-top: 1px solid var(--line); margin-top: 14px; padding: 12px 24px 0; }
.phone .sec { padding: 12px 16px 0; }
.sec h2 { font-size: 20px; font-weight: 600; margin-bottom: 6px; }
.pos { margin-bottom: 10px; } .pos .t { font-weight: 600; } .pos .d { color: var(--muted); }
"""


def _e(s: str) -> str:
    return html.escape(s, quote=True)


def _clock(i: int) -> str:
    h, m = 9 + (i * 3) % 9, (7 + i * 17) % 60
    return f"{(h - 1) % 12 + 1}:{m:02d} {'AM' if h < 12 else 'PM'}"


def thread_html(t: Thread, photo: bytes, *, dark: bool, phone: bool) -> str:
    src = "data:image/png;base64," + base64.b64encode(photo).decode()
    parts = [f'<div class="{"dark" if dark else "light"} {"phone" if phone else "desk"}" id="root">',
             '<div class="top"></div><div class="wrap">']
    if not phone:
        parts.append('<div class="list">')
        for who, snip in ((t.sender, t.messages[-1][1][:40]), ("Priya Natarajan", "Thanks, see you on Monday"),
                          ("Oliver Grant", "Sponsored: grow your network")):
            parts.append(f'<div class="item"><div class="dot"></div><div><div class="who">{_e(who)}</div>'
                         f'<div class="snip">{_e(snip)}</div></div></div>')
        parts.append("</div>")
    parts.append('<div class="thread"><div class="head">')
    if phone:
        parts.append('<span class="back">&#8249;</span>')
    parts.append(f'<img id="avatar" src="{src}" alt=""><div><div class="name">{_e(t.sender)} '
                 f'<span class="deg">&middot; {_e(t.degree)}</span></div><div class="hl">{_e(t.headline)}</div>'
                 "</div></div>")
    day = None
    for i, (inbound, text) in enumerate(t.messages):
        d = t.first + timedelta(days=i)
        if d != day:
            day = d
            parts.append(f'<div class="day">{d:%b} {d.day}, {d.year}</div>')
        who = t.sender if inbound else t.owner
        pic = f'<img src="{src}" alt="">' if inbound else '<div class="me"></div>'
        parts.append(f'<div class="msg">{pic}<div><div class="meta"><b>{_e(who)}</b><span>{_clock(i)}</span>'
                     f'</div><p>{_e(text)}</p></div></div>')
    parts.append("</div></div></div>")
    return _page("".join(parts))


def profile_html(t: Thread, photo: bytes, *, dark: bool, phone: bool) -> str:
    src = "data:image/png;base64," + base64.b64encode(photo).decode()
    parts = [f'<div class="{"dark" if dark else "light"} {"phone" if phone else "desk"}" id="root">',
             '<div class="top"></div><div class="prof"><div class="banner"></div>',
             f'<img id="avatar" class="pp" src="{src}" alt="">',
             f'<div class="pbody"><div class="pname">{_e(t.sender)} <span class="deg">&middot; {_e(t.degree)}'
             f'</span></div><div class="phl">{_e(t.headline)}</div><div class="ploc">{_e(t.location)}</div>'
             f'<div class="pconn">{_e(t.connections)}</div><div class="btns"><span class="btn">Message</span>'
             '<span class="btn">Follow</span><span class="btn">More</span></div></div>']
    if t.about:
        parts.append(f'<div class="sec"><h2>About</h2><p>{_e(t.about)}</p></div>')
    if t.positions:
        parts.append('<div class="sec"><h2>Experience</h2>')
        for title, company, dates in t.positions:
            parts.append(f'<div class="pos"><div class="t">{_e(title)}</div><div>{_e(company)}</div>'
                         f'<div class="d">{_e(dates)}</div></div>')
        parts.append("</div>")
    parts.append("</div></div>")
    return _page("".join(parts))


def _page(body: str) -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'><style>{CSS}</style></head><body>{body}</body></html>"


@dataclass(slots=True)
class Shot:
    png: bytes
    avatar: tuple[int, int, int, int]  # x0, y0, x1, y1 of the sender's photo in the image's pixels


class Renderer:
    """One headless chromium for many pages (start it with `browser()`)."""

    def __init__(self, page_factory: Any) -> None:
        self._new_page = page_factory

    def render(self, page_html: str, *, phone: bool, scale: float = 1.0) -> Shot:
        width = 390 if phone else 1280
        page = self._new_page(viewport={"width": width, "height": 800}, device_scale_factor=scale)
        try:
            page.set_content(page_html, wait_until="load")
            box = page.eval_on_selector("#avatar", "e => { const r = e.getBoundingClientRect(); "
                                        "return [r.left, r.top + window.scrollY, r.right, r.bottom + window.scrollY]; }")
            png = page.screenshot(full_page=True, type="png")
        finally:
            page.close()
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        return Shot(png, (x0, y0, x1, y1))


@contextmanager
def browser() -> Iterator[Renderer]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield Renderer(b.new_page)
        finally:
            b.close()


def available() -> str | None:
    """Why the pages cannot be rendered here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return "Debian chromium is not installed"
    return None


def recompress(png: bytes, *, quality: int = 70, scale: float = 1.0, fmt: str = "JPEG") -> bytes:
    """The screenshot as it often arrives: scaled and recompressed (JPEG or WebP)."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("RGB")
    if scale != 1.0:
        im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, fmt, quality=quality)
    return buf.getvalue()
