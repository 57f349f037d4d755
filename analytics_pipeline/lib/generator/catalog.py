"""The sample catalog: creators, their courses of lessons, standalone videos, provider ids.

Lessons carry their `position` in the course (published_at is random, so the order comes from
position), and most courses have one `hard` lesson, a struggle lecture: fewer completions and more
rewinds than its neighbours (see views.simulate_view).
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime, time, timedelta, timezone

VIDEO_COLUMNS = (
    "video_id", "title", "duration_s", "course_id", "creator_id", "is_preview", "provider",
    "provider_video_id", "published_at", "position",
)
COURSE_COLUMNS = ("course_id", "title", "creator_id")
CREATOR_COLUMNS = ("creator_id", "name")

FIRST_NAMES = ("Ana", "Ben", "Chloé", "Dev", "Elena", "Farid", "Grace", "Hiro", "Inés", "Jonas", "Kemi",
               "Lars", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tomás", "Uma", "Wen")
LAST_NAMES = ("Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Haddad", "Ito",
              "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka")
SUBJECTS = ("Python", "SQL", "Watercolour", "Guitar", "Photography", "Excel", "Spanish", "Yoga",
            "Data Visualisation", "Machine Learning", "Baking", "UX Design", "Public Speaking", "Rust",
            "Bookkeeping", "Video Editing", "Calligraphy", "Negotiation", "Statistics", "Drawing")
COURSE_FORMS = ("{s} for Beginners", "{s}: From Zero to Confident", "Advanced {s}", "{s} in 30 Days",
                "The Complete {s} Course", "Practical {s}, Step by Step")
LESSON_FORMS = ("Welcome and course overview", "Setting up", "Core ideas", "Your first project",
                "Common mistakes", "Going further", "Hands-on exercise", "Tips, tricks and shortcuts",
                "Case study", "Questions, answered", "Putting it all together", "Wrap-up and next steps")
STANDALONE_FORMS = ("{s} in 5 minutes", "Why {s} matters", "{s}: live Q&A", "{s} tips, part {n}",
                    "Behind the scenes: {s}", "{s}, explained", "Trailer: {s}", "{s} myths, debunked")
PROVIDERS = (("bunny", 45), ("cloudflare", 25), ("youtube", 15), ("self", 15))


@dataclass(frozen=True)
class Video:
    video_id: str
    title: str
    duration_s: float
    course_id: str | None
    creator_id: str
    is_preview: bool
    provider: str
    provider_video_id: str | None
    published_at: str
    popularity: float
    position: int | None = None  # the lesson's order in its course
    hard: bool = False           # a struggle lecture

    # Planted for the retention insights (key moments), from the id so the catalog's draws stay
    # as they were: a passage many viewers go back to, and a point where many leave, in videos
    # of 90 s or more (the leave point before the last 10 %).
    @cached_property
    def rewatch_at_s(self) -> float | None:
        return self.duration_s * (0.4 + 0.3 * _id_share(self.video_id, "rewatch")) if self.duration_s >= 90 else None

    @cached_property
    def leave_at_s(self) -> float | None:
        return self.duration_s * (0.15 + 0.2 * _id_share(self.video_id, "leave")) if self.duration_s >= 90 else None


def _id_share(video_id: str, salt: str) -> float:
    """A fixed number in [0, 1) for this video and purpose."""
    return int(hashlib.sha256(f"{salt}:{video_id}".encode()).hexdigest()[:8], 16) / 2**32


@dataclass(frozen=True)
class Catalog:
    creators: list[tuple[str, str]]        # (creator_id, name)
    courses: list[tuple[str, str, str]]    # (course_id, title, creator_id)
    videos: list[Video]

    def lessons_of(self, course_id: str) -> list[Video]:
        return [v for v in self.videos if v.course_id == course_id]


def _video_length_s(rng: random.Random) -> float:
    """30 s .. 2 h, most between 3 and 20 minutes."""
    bucket = rng.random()
    if bucket < 0.08:
        seconds = rng.uniform(30, 180)
    elif bucket < 0.80:
        seconds = rng.triangular(180, 1200, 420)
    elif bucket < 0.95:
        seconds = rng.uniform(1200, 3600)
    else:
        seconds = rng.uniform(3600, 7200)
    return float(round(seconds))


def _provider_video_id(rng: random.Random, provider: str) -> str | None:
    if provider == "bunny":  # Bunny Stream guid
        h = f"{rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.getrandbits(2)]}{h[17:20]}-{h[20:]}"
    if provider == "cloudflare":  # Cloudflare Stream uid
        return f"{rng.getrandbits(128):032x}"
    if provider == "youtube":
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(rng.choice(alphabet) for _ in range(11))
    return None


def _timestamp(day: date, rng: random.Random) -> str:
    moment = datetime.combine(day, time(), tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(86400))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_catalog(seed: int, published_before: date) -> Catalog:
    """Same seed => same ids, titles and lengths; publish dates fall in the 2 years before `published_before`."""
    rng = random.Random(f"catalog:{seed}")
    dates = random.Random(f"catalog-dates:{seed}:{published_before.isoformat()}")
    creators, courses, videos = [], [], []
    for c in range(rng.randint(12, 16)):
        creator_id = f"cr_{rng.getrandbits(32):08x}"
        creators.append((creator_id, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"))
        home_provider = rng.choices([p for p, _ in PROVIDERS], [w for _, w in PROVIDERS])[0]
        fame = rng.paretovariate(1.5)

        def add_video(title: str, course_id: str | None, is_preview: bool, weight: float,
                      position: int | None = None, hard: bool = False) -> None:
            provider = home_provider if rng.random() < 0.85 else rng.choice([p for p, _ in PROVIDERS])
            videos.append(Video(
                video_id=f"v_{rng.getrandbits(48):012x}", title=title, duration_s=_video_length_s(rng),
                course_id=course_id, creator_id=creator_id, is_preview=is_preview, provider=provider,
                provider_video_id=_provider_video_id(rng, provider),
                published_at=_timestamp(published_before - timedelta(days=dates.randint(1, 730)), dates),
                popularity=weight * fame * rng.lognormvariate(0, 0.6), position=position, hard=hard,
            ))

        for _ in range(rng.randint(1, 4)):
            subject = rng.choice(SUBJECTS)
            course_id = f"co_{rng.getrandbits(32):08x}"
            courses.append((course_id, rng.choice(COURSE_FORMS).format(s=subject), creator_id))
            lessons = rng.randint(4, 16)
            first_is_preview = rng.random() < 0.7
            # its own generator, so the ids and lengths stay those of the same seed without it
            hard_lesson = random.Random(f"catalog-hard:{seed}:{course_id}").randrange(2, lessons)
            for n in range(lessons):
                form = LESSON_FORMS[n] if n < len(LESSON_FORMS) else f"Lesson {n + 1}"
                # later lessons get fewer viewers: learners drop out along a course
                add_video(f"{n + 1:02d}. {form}", course_id, n == 0 and first_is_preview, 1.0 / (1 + 0.35 * n),
                          position=n + 1, hard=n == hard_lesson)
        for n in range(rng.randint(2, 10)):
            form = rng.choice(STANDALONE_FORMS)
            add_video(form.format(s=rng.choice(SUBJECTS), n=n + 1), None, form.startswith("Trailer"), 0.8)
    return Catalog(creators, courses, videos)


def _csv_bytes(header: tuple[str, ...], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _duration_text(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else str(seconds)


def catalog_files(catalog: Catalog) -> dict[str, bytes]:
    """File name under `landing/catalog/` -> CSV content (header row, UTF-8)."""
    videos = (
        (v.video_id, v.title, _duration_text(v.duration_s), v.course_id or "", v.creator_id,
         "true" if v.is_preview else "false", v.provider, v.provider_video_id or "", v.published_at,
         "" if v.position is None else str(v.position))
        for v in catalog.videos
    )
    return {
        "videos.csv": _csv_bytes(VIDEO_COLUMNS, videos),
        "courses.csv": _csv_bytes(COURSE_COLUMNS, catalog.courses),
        "creators.csv": _csv_bytes(CREATOR_COLUMNS, catalog.creators),
    }
