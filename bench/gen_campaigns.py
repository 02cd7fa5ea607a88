"""Generate N approaches across M organisations with planted campaigns and realistic noise (JSONL, streaming).

Every line is an approach in the core contract plus the linking extension keys (owner_org, owner_sector,
sender_employer, sender_photo_sha256/pdq/quality) and the truth, which linking never reads:
"_truth_actor" (who is really behind it: a hostile campaign "C..", a recruiting agency "A..", an independent
or in-house recruiter "R..", a one-off contact "O..") and "_truth_hostile".

Planted campaigns: several personas per campaign, 1-3 templates with realistic variation (greeting and
name, synonyms, dropped sentences, amounts, sign-off), shared photos (PDQ/SHA-256 of real pixels from
../shared/data/faces with re-encoding, resizing, cropping and brightness variants), shared pivots (phone,
WhatsApp, Telegram, WeChat, e-mail, a fake consultancy domain), a fake employer written several ways,
bursts of approaches against a few organisations. The detector is simulated: 85% of hostile approaches and
5% of legitimate ones are flagged (level medium/high).

Noise: recruiting agencies (shared agency templates, agency domain, switchboard), independent and in-house
recruiters writing personalised messages, LinkedIn's default InMail text used by many unrelated recruiters,
"blog" templates copied by unrelated recruiters, one-off contacts.

    python bench/gen_campaigns.py 100000 /tmp/lw/100k.jsonl [--orgs M] [--seed S]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

FACES = Path(__file__).resolve().parents[2] / "shared" / "data" / "faces"
CACHE = Path("/tmp/lurewatch-bench/faces_pdq.json")
T0 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
SPAN = 730 * 86400
DAY = 86400

FIRST = ("alex sam jo chris robin taylor morgan jamie casey jordan riley avery quinn charlie dana kim lee "
         "pat drew eli max nina omar ana ivan mei raj sofia tom lena yusuf chen maria david sarah").split()
LAST = ("smith jones brown taylor wilson evans thomas roberts walker wright green hall wood clarke "
        "khan patel wang li garcia martin muller rossi silva novak kowalski olsen berg").split()
SECTORS = "defence aerospace energy government academia telecoms finance pharma semiconductors nuclear".split()
ORG_A = "Northern Southern Atlas Blue Apex Summit Crown Harbor Silver Orion Vector Delta Polar Granite".split()
ORG_B = "Systems Dynamics Analytics Energy Labs Networks Aerospace Research Devices Technologies Works".split()
FIRM_A = ("Global Strategic Pacific Horizon Meridian Insight Bridge Continental Pinnacle Nexus Keystone "
          "Evergreen Lighthouse Compass Sterling Capstone Frontier Beacon").split()
FIRM_B = "Insight Advisory Consulting Research Partners Analysis Intelligence Associates Solutions".split()
LEGAL = ["Ltd", "Limited", "LLC", "Inc.", "", "Group", "Pte Ltd"]
TOPICS = ["supply chains", "satellite communications", "grid resilience", "export policy", "semiconductor "
          "roadmaps", "defence procurement", "battery chemistry", "5G infrastructure", "regulatory trends",
          "quantum sensing", "naval systems", "drug pipelines", "cyber policy"]
ROLES = ("Senior Engineer|Programme Manager|Principal Scientist|Security Architect|Policy Analyst|Data "
         "Scientist|Systems Engineer|Product Lead|Research Fellow|Technical Director").split("|")

HOSTILE_SLOTS = [
    ["I came across your profile while looking for experts in {topic}.",
     "Your work at {org} on {topic} really stood out to me.",
     "I am reaching out because your background in {topic} is exactly what our client values.",
     "A colleague recommended your name as a leading voice on {topic}.",
     "I have followed your career for a while and your insight on {topic} is impressive.",
     "We are building a small network of senior specialists in {topic}."],
    ["I work with {firm}, a consultancy that connects experienced professionals with international clients.",
     "{firm} advises government and corporate clients on strategic questions.",
     "Our firm, {firm}, supports decision makers who need independent expert views.",
     "At {firm} we commission short research pieces from practitioners like you.",
     "I represent {firm}, a boutique think tank with clients in several regions."],
    ["Our client would pay {amount} for a short report of five to ten pages on {topic}.",
     "The work is flexible, remote and paid at {amount} per paper.",
     "We offer {amount} for each brief analysis, with more projects to follow.",
     "Compensation is generous, {amount} for a few hours of your time.",
     "You would be paid {amount} for an initial overview, nothing confidential of course."],
    ["We can also cover travel for a fully paid visit to meet the client in person.",
     "There may be an invitation to an expert workshop abroad, all expenses covered.",
     "Later we would like to invite you to a closed roundtable, travel and hotel included.",
     "If it goes well there is a long term advisory role with regular payments."],
    ["It is easier to continue this conversation on WhatsApp or another private channel.",
     "LinkedIn messages are slow, so let us move to a more direct app.",
     "Please share a personal email so we can send the details privately.",
     "For discretion we prefer to talk outside LinkedIn."],
    ["Would you be interested in hearing more?", "Let me know if this sounds interesting.",
     "I look forward to your reply.", "Could we have a short call this week?"],
]
SYNONYMS = {"short": "brief", "paid": "compensated", "report": "paper", "client": "partner",
            "experienced": "seasoned", "interested": "keen", "short call": "quick call", "work": "assignment",
            "generous": "attractive", "impressive": "remarkable", "private": "personal", "slow": "unreliable",
            "really": "truly", "exactly": "precisely", "invitation": "invite", "visit": "trip"}
LEGIT_SLOTS = [
    ["I am recruiting for a {role} position at {client} in {city}.",
     "We have an exciting {role} vacancy with {client}, based in {city}.",
     "My client {client} is hiring a {role} to join their {city} team.",
     "I'm working on a {role} search for {client} near {city}.",
     "There is a new {role} opening at {client} ({city}) that matches your profile.",
     "{client} asked me to find an outstanding {role} for their growing team in {city}.",
     "I support {client} with their hiring and they need a {role} in {city}."],
    ["The team builds {product} and is expanding this year.", "They focus on {product} for major customers.",
     "It is a permanent role with hybrid working and a strong salary band.",
     "The package includes a bonus, pension and flexible hours.",
     "You would lead a group of {n} engineers working on {product}.",
     "They value experience with {skill} and {skill2}.", "Experience with {skill} would be a real advantage.",
     "The hiring manager liked your background in {skill}.",
     "The interview process is two stages and usually takes three weeks.",
     "Relocation support is available if needed.", "The salary range is {amount} depending on experience."],
    ["Would you be open to a conversation?", "Are you considering a move at the moment?",
     "Happy to send over the full job description.", "Let me know a good time for a call.",
     "If it is not for you, I would appreciate any referrals.", "Feel free to reply here or call me."],
]
PRODUCTS = ("flight software,radar systems,battery packs,payment platforms,clinical data systems,network "
            "equipment,chip design tools,wind turbines,cloud security,trading systems").split(",")
SKILLS = "Python,C++,Rust,Kubernetes,FPGA,MATLAB,SQL,Java,embedded Linux,machine learning,VHDL,Go".split(",")
CITIES = "London,Manchester,Bristol,Leeds,Cambridge,Edinburgh,Munich,Paris,Amsterdam,Dublin,Remote".split(",")
BLOG_TEMPLATES = [
    "I hope this message finds you well. I have been following your career and your recent work caught my "
    "attention. I am building a team of talented people and believe your skills would be a great addition. "
    "The role offers growth, autonomy and a competitive package. Would you be open to a short call next week "
    "to explore whether this could be a fit for you?",
    "I help top engineers find roles where they can do the best work of their careers. Based on your profile "
    "I think you could be an excellent match for a few confidential opportunities I am working on right now. "
    "All of them are with well funded companies and offer flexible working. Shall we arrange a call?",
    "Your profile stood out to me as one of the strongest in your field. I am partnering with a number of "
    "innovative companies that are looking for someone with your combination of skills and experience. "
    "I would love to learn about your goals and see whether any of these roles might interest you.",
]
STOCK_INMAIL = ("I came across your profile and thought you might be a great fit for a role I'm working on. "
                "Would you be open to a quick chat about it? I'd love to tell you more about the opportunity.")
ONE_OFF = ["Nice to connect with you, I enjoyed your talk last month.", "Thanks for accepting my invitation.",
           "Great to meet you at the conference yesterday, let us stay in touch.",
           "Congratulations on the new role!", "Hello, I saw we share several connections, happy to connect."]


ADJ = ("discreet trusted independent senior rigorous practical confidential international experienced "
       "focused agile reliable specialist thoughtful ambitious respected modern established").split()
NOUN = ("insight expertise analysis judgement perspective research networks clients projects quality "
        "relationships discretion partnerships knowledge outcomes strategy delivery integrity").split()
VERB = "values delivers builds supports rewards combines connects protects prioritises develops".split()


def house_sentence(rng: random.Random) -> str:
    """A sentence of a firm's own house style, so that two firms' templates differ like in real life."""
    return (f"Our {rng.choice(ADJ)} {rng.choice(['team', 'network', 'practice', 'office', 'group'])} "
            f"{rng.choice(VERB)} {rng.choice(ADJ)} {rng.choice(NOUN)} and {rng.choice(ADJ)} {rng.choice(NOUN)}.")


def coined(rng: random.Random) -> str:
    """A made-up brand word ("Varneth"), so that two fake firms rarely share a name (as in real life)."""
    return "".join(rng.choice(part) for part in (["V", "K", "Tr", "M", "Al", "Or", "Z", "Br", "S", "Th"],
                                                   ["a", "e", "i", "o", "ae", "ou"],
                                                   ["r", "l", "n", "x", "st", "v", "nd"],
                                                   ["eth", "ion", "ara", "ex", "is", "um", "ova", "ant"]))


def valid_phone(rng: random.Random) -> str:
    # UK mobile 07xxx numbers outside the 07700 900xxx drama range are valid for phonenumbers
    return f"+44 7{rng.randint(400, 999)} {rng.randint(100000, 999999)}"


def face_pool() -> list[list[tuple[str, str, int]]]:
    """Per face: [(sha256, pdq hex, quality)] for the original and 4 pixel variants. Cached in /tmp."""
    if CACHE.exists():
        return json.loads(CACHE.read_text())
    if not FACES.is_dir():
        return []
    import numpy as np
    import pdqhash
    from PIL import Image, ImageEnhance

    def enc(im: Image.Image, fmt: str = "JPEG", **kw: int) -> tuple[str, str, int]:
        buf = io.BytesIO()
        im.save(buf, fmt, **kw)
        data = buf.getvalue()
        rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        bits, q = pdqhash.compute(rgb)
        return hashlib.sha256(data).hexdigest(), f"{int(''.join(map(str, bits)), 2):064x}", int(q)

    pool = []
    files = sorted((FACES / "stylegan3").glob("*")) + sorted((FACES / "real").glob("*"))
    for f in files:
        data = f.read_bytes()
        im = Image.open(io.BytesIO(data)).convert("RGB")
        bits, q = pdqhash.compute(np.asarray(im))
        w, h = im.size
        base = (hashlib.sha256(data).hexdigest(), f"{int(''.join(map(str, bits)), 2):064x}", int(q))
        pool.append([
            base,
            enc(im, quality=70),
            enc(im.resize((int(w * 0.75), int(h * 0.75))), quality=90),
            enc(im.crop((int(w * 0.04), int(h * 0.04), int(w * 0.96), int(h * 0.96))), quality=90),
            enc(ImageEnhance.Brightness(im).enhance(1.12), quality=90),
        ])
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(pool))
    return pool


def synthetic_photo(rng: random.Random, base: int | None = None, flips: int = 0) -> tuple[str, str, int]:
    """A photo we have no pixels for: a random PDQ (or `base` with a few bits flipped) and a random SHA-256."""
    value = rng.getrandbits(256) if base is None else base
    for _ in range(flips):
        value ^= 1 << rng.randrange(256)
    return f"{rng.getrandbits(256):064x}", f"{value:064x}", rng.randint(60, 100)


class Gen:
    def __init__(self, n: int, m: int, seed: int, faces: bool = True) -> None:
        self.n, self.rng = n, random.Random(seed)
        rng = self.rng
        self.orgs = [(f"{rng.choice(ORG_A)} {rng.choice(ORG_B)} {i}", rng.choice(SECTORS)) for i in range(m)]
        self.n_owners = max(20, n // 6)
        self.owner_org = [rng.randrange(m) for _ in range(self.n_owners)]
        self.by_sector: dict[str, list[int]] = {}
        for i, o in enumerate(self.owner_org):
            self.by_sector.setdefault(self.orgs[o][1], []).append(i)
        self.faces = face_pool() if faces else []
        self.face_next = 0
        self.serial = 0

    def person(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        self.serial += 1
        name = f"{first.title()} {last.title()}"
        return name, f"https://www.linkedin.com/in/{first}-{last}-{self.serial:x}{self.rng.getrandbits(16):04x}"

    def owner(self, i: int) -> tuple[str, str, str, str]:
        o = self.owner_org[i]
        return f"https://linkedin.com/in/owner-{i}", FIRST[i % len(FIRST)].title(), *self.orgs[o]

    def record(self, *, actor: str, hostile: bool, sender: tuple[str, str] | None, owner_i: int, t: int,
               text: str, employer: str | None, photo: tuple[str, str, int] | None, flagged: bool) -> bytes:
        rng = self.rng
        owner_url, owner_first, org, sector = self.owner(owner_i)
        name, url = sender if sender else (f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}", None)
        if sender and rng.random() < 0.3:  # the same URL written differently (normalisation must fold it)
            url = url.replace("https://www.", "http://uk.") + "/?trk=public_profile"
        text = text.replace("{owner}", owner_first)
        msgs = [{"from": name, "inbound": True, "sent_at": iso(t), "subject": "", "text": text, "attachments": []}]
        if rng.random() < 0.3:
            msgs.append({"from": f"{owner_first} Owner", "inbound": False, "sent_at": iso(t + 3600 * 5),
                         "subject": "", "text": "Thanks, tell me more.", "attachments": []})
        aid = "ap-" + hashlib.sha256(f"{self.serial}:{owner_i}:{t}:{rng.random()}".encode()).hexdigest()[:20]
        self.serial += 1
        level = ("high" if rng.random() < 0.6 else "medium") if flagged else "low"
        d = {
            "approach_id": aid, "source": "linkedin-message" if url else "email",
            "conversation_id": f"conv-{aid[3:15]}", "sender_name": name, "sender_profile_url": url,
            "owner_profile_url": owner_url, "first_contact": iso(t),
            "score": rng.randint(55, 95) if flagged else rng.randint(0, 25), "level": level,
            "findings": [], "advice": [], "messages": msgs,
            "owner_org": org, "owner_sector": sector,
            "_truth_actor": actor, "_truth_hostile": hostile,
        }
        if employer:
            d["sender_employer"] = employer
        if photo:
            d["sender_photo_sha256"], d["sender_photo_pdq"], d["sender_photo_quality"] = photo
        return orjson.dumps(d) + b"\n"

    # ---- hostile campaigns -------------------------------------------------------------------------
    def campaign(self, cid: int, size: int):  # noqa: ANN201 - generator of JSONL lines
        rng = self.rng
        firm = f"{rng.choice(FIRM_A)} {coined(rng)} {rng.choice(FIRM_B)}"
        domain = firm.lower().replace(" ", "-") + rng.choice([".com", ".co.uk", ".org", ".net"])
        topic = rng.choice(TOPICS).strip()
        templates = []
        for _ in range(rng.randint(1, 3)):
            sentences = [rng.choice(slot) for slot in HOSTILE_SLOTS]
            sentences.insert(2, house_sentence(rng))
            sentences.insert(rng.randint(1, 5), house_sentence(rng))
            templates.append(sentences)
        pivots = []
        for _ in range(rng.randint(1, 2)):
            kind = rng.choice(["whatsapp", "telegram", "wechat", "email", "phone", "site"])
            if kind == "whatsapp":
                pivots.append(f"My WhatsApp is {valid_phone(rng)}.")
            elif kind == "phone":
                pivots.append(f"You can call me on {valid_phone(rng)}.")
            elif kind == "telegram":
                pivots.append(f"Find me on Telegram: t.me/{firm.split()[0].lower()}_{rng.getrandbits(20):x}")
            elif kind == "wechat":
                pivots.append(f"WeChat: {firm.split()[1].lower()}{rng.randint(100, 9999)}")
            elif kind == "email":
                pivots.append(f"Write to {rng.choice(FIRST)}.{rng.getrandbits(16):x}@{domain}")
            else:
                pivots.append(f"More about us: https://www.{domain}/about")
        n_personas = max(2, min(25, round(size / rng.uniform(3, 8))))
        personas = [self.person() for _ in range(n_personas)]
        if self.face_next < len(self.faces):
            shared = self.faces[self.face_next]
            self.face_next += 1
        else:
            base = rng.getrandbits(256)
            shared = [synthetic_photo(rng, base, rng.randint(0, 12)) for _ in range(5)]
        photos, employers = [], []
        for _ in personas:
            photos.append(rng.choice(shared) if rng.random() < 0.4 else synthetic_photo(rng))
            employers.append(f"{firm} {rng.choice(LEGAL)}".strip() if rng.random() < 0.6 else
                             f"{rng.choice(FIRM_A)} {rng.choice(ADJ).title()} {rng.choice(ORG_B)}")
        sector = rng.choice(SECTORS)
        focus = self.by_sector.get(sector) or list(range(self.n_owners))
        start = T0 + rng.randrange(SPAN - 200 * DAY)
        bursts = [start + k * rng.randint(7, 21) * DAY for k in range(max(1, size // rng.randint(4, 12)))]
        for _ in range(size):
            p = rng.randrange(n_personas)
            owner_i = rng.choice(focus) if rng.random() < 0.8 else rng.randrange(self.n_owners)
            t = rng.choice(bursts) + rng.randint(-36 * 3600, 36 * 3600)
            text = self.hostile_text(rng.choice(templates), firm, topic, personas[p][0], pivots)
            yield self.record(actor=f"C{cid}", hostile=True, sender=personas[p], owner_i=owner_i, t=t, text=text,
                              employer=employers[p], photo=photos[p], flagged=rng.random() < 0.85)

    def hostile_text(self, sentences: list[str], firm: str, topic: str, name: str, pivots: list[str]) -> str:
        rng = self.rng
        keep = [s for s in sentences if rng.random() > 0.12] or sentences[:3]
        amount = f"{rng.choice(['$', 'USD ', '£', 'EUR '])}{rng.choice([500, 800, 1000, 1500, 2000, 3000])}"
        body = " ".join(keep).format(topic=topic, org="{org}", firm=firm, amount=amount)
        words = body.split(" ")
        for i, w in enumerate(words):
            if w.lower() in SYNONYMS and rng.random() < 0.2:
                words[i] = SYNONYMS[w.lower()]
        body = " ".join(words).replace("{org}", "your company")
        if rng.random() < 0.35:
            body += " " + rng.choice(pivots)
        greet = rng.choice(["Hi {owner},", "Hello {owner},", "Dear {owner},", "Good morning {owner},", "Hi,"])
        sign = rng.choice([f"Best regards,\n{name}", f"Kind regards,\n{name}\n{firm}", f"Thanks,\n{name}", name])
        return f"{greet}\n\n{body}\n\n{sign}"

    # ---- legitimate noise ----------------------------------------------------------------------------
    def legit_text(self, client: str) -> str:
        rng = self.rng
        parts = [rng.choice(LEGIT_SLOTS[0])] + rng.sample(LEGIT_SLOTS[1], rng.randint(2, 4)) + \
            [rng.choice(LEGIT_SLOTS[2])]
        s1, s2 = rng.sample(SKILLS, 2)
        return " ".join(parts).format(role=rng.choice(ROLES), client=client, city=rng.choice(CITIES),
                                      product=rng.choice(PRODUCTS), n=rng.randint(4, 15), skill=s1, skill2=s2,
                                      amount=f"£{rng.randint(50, 90)}k-£{rng.randint(91, 140)}k")

    def recruiter(self, actor: str, n_msgs: int, employer: str, agency: dict | None):  # noqa: ANN201
        rng = self.rng
        sender = self.person() if rng.random() > 0.02 else None
        photo = synthetic_photo(rng) if rng.random() < 0.8 else None
        style = rng.random()
        blog = rng.randrange(len(BLOG_TEMPLATES))
        email = f"{sender[0].split()[0].lower() if sender else 'jobs'}.{rng.getrandbits(12):x}@"
        for _ in range(n_msgs):
            t = T0 + rng.randrange(SPAN)
            client = rng.choice(self.orgs)[0] if rng.random() < 0.7 else employer
            if agency and rng.random() < 0.6:
                body = rng.choice(agency["templates"]).format(role=rng.choice(ROLES), city=rng.choice(CITIES))
            elif style < 0.35:
                body = STOCK_INMAIL
            elif style < 0.45:
                body = BLOG_TEMPLATES[blog]
            else:
                body = self.legit_text(client)
            sign = sender[0] if sender else "The hiring team"
            if agency:
                sign += f"\n{agency['name']}"
                if rng.random() < 0.5:
                    sign += f"\n{email}{agency['domain']}"
                if rng.random() < 0.3:
                    sign += f"\n{agency['phone']}"
            yield self.record(actor=actor, hostile=False, sender=sender, owner_i=rng.randrange(self.n_owners),
                              t=t, text=f"Hi {{owner}},\n\n{body}\n\nBest,\n{sign}", employer=employer,
                              photo=photo, flagged=rng.random() < 0.05)

    def agency(self, aid: int):  # noqa: ANN201
        rng = self.rng
        name = (f"{rng.choice(FIRM_A)} {rng.choice(ADJ).title()} {rng.choice(FIRM_B)} "
                f"{rng.choice(['Talent', 'Recruitment', 'Search'])}")
        agency = {
            "name": name, "domain": name.lower().replace(" ", "") + f"{aid}.com", "phone": valid_phone(rng),
            "templates": [
                " ".join(rng.sample(LEGIT_SLOTS[1], 4)).replace("{product}", rng.choice(PRODUCTS))
                .replace("{skill}", rng.choice(SKILLS)).replace("{skill2}", rng.choice(SKILLS))
                .replace("{n}", "8").replace("{amount}", "a competitive salary")
                + f" {house_sentence(rng)} {house_sentence(rng)}"
                + f" I am a consultant at {name} and we are hiring a {{role}} in {{city}}." for _ in range(2)
            ],
        }
        for _ in range(rng.randint(2, 15)):
            yield from self.recruiter(f"A{aid}", max(1, int(rng.expovariate(1 / 8))), f"{name} Ltd", agency)

    def generate(self, out) -> int:  # noqa: ANN001
        rng, n = self.rng, self.n
        hostile_n = int(n * 0.12)
        written = 0
        cid = 0
        while written < hostile_n:
            size = max(4, min(400, int(rng.lognormvariate(math.log(40), 0.8))))
            for line in self.campaign(cid, size):
                out.write(line)
                written += 1
            cid += 1
        k = 0
        while written < n:
            kind = rng.random()
            if kind < 0.25:
                gen = self.agency(k)
            elif kind < 0.85:
                gen = self.recruiter(f"R{k}", max(1, int(rng.expovariate(1 / 8))),
                                     rng.choice([self.orgs[rng.randrange(len(self.orgs))][0], "Self-employed",
                                                 f"{rng.choice(FIRM_A)} {rng.choice(ADJ).title()} {rng.choice(ORG_B)}"]),
                                     None)
            else:
                gen = (self.record(actor=f"O{k}", hostile=False, sender=self.person(),
                                   owner_i=rng.randrange(self.n_owners), t=T0 + rng.randrange(SPAN),
                                   text=f"Hi {{owner}}, {rng.choice(ONE_OFF)}", employer=None, photo=None,
                                   flagged=rng.random() < 0.05) for _ in range(1))
            for line in gen:
                if written >= n:
                    break
                out.write(line)
                written += 1
            k += 1
        return written


def write(n: int, out: Path, orgs: int | None = None, seed: int = 7, faces: bool = True) -> int:
    """Write n generated approaches to `out` (JSONL); returns how many were written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb", buffering=1 << 20) as fh:
        return Gen(n, orgs or max(20, n // 200), seed, faces).generate(fh)


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--orgs", type=int, default=None, help="organisations (default n/200, at least 20)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-faces", action="store_true", help="synthetic photo hashes only (no ../shared pixels)")
    a = ap.parse_args()
    started = time.perf_counter()
    written = write(a.n, a.out, a.orgs, a.seed, not a.no_faces)
    print(f"wrote {written} approaches to {a.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
