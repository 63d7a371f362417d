"""Realistic generated mail for tests and benchmarks: intros and everyday noise, several clients."""
import random
import unicodedata
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

FIRST = ["Alice", "Bob", "Carol", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
         "Kemi", "Lars", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara"]
LAST = ["Jensen", "Okafor", "Müller", "Dupont", "García", "de Vries", "Rossi", "Tanaka", "Novak",
        "Silva", "Brown", "Kowalski", "Nguyen", "Haddad", "Larsen", "Moreau"]
TRADES = ["bookkeeper", "kitchen refinisher", "real-estate agent", "injury lawyer", "dentist",
          "web designer", "chiropractor", "photographer", "accountant", "architect"]
INTRO_LINES = {
    "en": "{a}, meet {b}. {b} is the {trade} I told you about. {a} is looking for help with "
          "a project this spring — I think you two should talk. I'll let you take it from here.",
    "de": "Hallo {a}, hallo {b}, ich möchte euch einander vorstellen. {b} ist die beste {trade} "
          "die ich kenne, und {a} sucht genau das. Meldet euch gern direkt.",
    "fr": "Bonjour {a}, je vous présente {b}, {trade} de grand talent. {a} cherche justement "
          "quelqu'un. Je vous laisse échanger.",
    "es": "Hola {a}, te presento a {b}, un {trade} excelente. {a} busca ayuda con un proyecto. "
          "Os dejo en contacto.",
    "nl": "Hoi {a} en {b}, graag stel ik jullie aan elkaar voor. {b} is een goede {trade} en "
          "{a} zoekt precies dat.",
}
NOISE_LINES = [
    "Quick question about the invoice from last month — did the payment come through?",
    "Are we still on for Thursday? I booked the usual table at noon.",
    "Attached are the minutes from Tuesday's chapter meeting. Let me know of any corrections.",
    "Thanks for the coffee yesterday, it was great catching up about the spring season.",
]
EPOCH = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def person(rng: random.Random, n: int) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = unicodedata.normalize("NFKD", last.lower().replace(" ", "")).encode("ascii", "ignore")
    return f"{first} {last}", f"{first.lower()}.{n}@{domain.decode()}-co.example"


def _filler(rng: random.Random, paragraphs: int) -> str:
    words = ("schedule season budget client project referral partner coffee proposal invoice "
             "quote renovation estimate meeting follow-up quarter network growth").split()
    return "\n\n".join(
        " ".join(rng.choice(words) for _ in range(rng.randint(30, 60))).capitalize() + "."
        for _ in range(paragraphs)
    )


def intro(i: int, rng: random.Random | None = None, lang: str = "en", client: str = "gmail",
          tracking: str = "intros@example.com", introducer=None, a=None, b=None,
          when: datetime | None = None) -> bytes:
    rng = rng or random.Random(i)
    introducer = introducer or person(rng, i * 3)
    a = a or person(rng, i * 3 + 1)
    while b is None or b[0] in (a[0], introducer[0]) or a[0] == introducer[0]:
        b = person(rng, i * 3 + 2)  # namesakes would read as one person's two addresses
        a = a if a[0] != introducer[0] else person(rng, i * 3 + 1)
    first = lambda p: (p[0] or p[1]).split()[0]
    text = INTRO_LINES[lang].format(a=first(a), b=first(b), trade=rng.choice(TRADES))
    body = f"{text}\n\n{_filler(rng, 3)}\n\nBest,\n{first(introducer)}\n"
    subject = f"Intro: {first(a)} <> {first(b)}"
    return message(i, introducer, [a, b], [("", tracking)], subject, body, client, when)


def noise(i: int, rng: random.Random | None = None, client: str = "gmail",
          tracking: str = "intros@example.com") -> bytes:
    rng = rng or random.Random(i)
    sender, other = person(rng, i * 3), person(rng, i * 3 + 1)
    body = f"Hi {other[0].split()[0]},\n\n{rng.choice(NOISE_LINES)}\n\n{_filler(rng, 4)}\n\n{sender[0]}\n"
    return message(i, sender, [other], [("", tracking)], f"Re: {rng.choice(TRADES)} question", body,
                   client, None, in_reply_to=f"<prev{i}.{client}@mail.{client}.example>")


def message(i: int, sender, to, cc, subject: str, body: str, client: str,
            when: datetime | None, in_reply_to: str = "") -> bytes:
    when = when or EPOCH + timedelta(minutes=i)
    boundary = f"000000000000{i:08x}"
    html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    headers = [
        ("From", _addr(sender)), ("To", ", ".join(_addr(p) for p in to)),
        ("Cc", ", ".join(_addr(p) for p in cc)), ("Subject", subject),
        ("Date", format_datetime(when)), ("Message-ID", f"<gen{i}.{client}@mail.{client}.example>"),
        ("In-Reply-To", in_reply_to), ("References", in_reply_to), ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    if client == "outlook":
        headers += [("Thread-Index", "AQHZ" + "x" * 20), ("X-MS-Has-Attach", "")]
    elif client == "apple":
        headers += [("X-Mailer", "Apple Mail (2.3774.600.62)")]
    head = "".join(f"{k}: {v}\r\n" for k, v in headers if v)
    parts = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n<html><body>{html}</body></html>\r\n--{boundary}--\r\n"
    )
    return (head + "\r\n" + parts).encode("utf-8")


def _addr(p: tuple[str, str]) -> str:
    name, email = p
    if not name:
        return email
    if any(ord(c) > 127 for c in name):
        from email.header import Header

        return f"{Header(name, 'utf-8').encode()} <{email}>"
    return f'"{name}" <{email}>'


def stream(n: int, seed: int = 7, intro_share: float = 0.2):
    """n realistic messages, intro_share of them intros, clients and languages varied."""
    rng = random.Random(seed)
    clients, langs = ("gmail", "outlook", "apple"), tuple(INTRO_LINES)
    for i in range(n):
        client = clients[i % 3]
        if rng.random() < intro_share:
            yield intro(i, rng, rng.choice(langs), client)
        else:
            yield noise(i, rng, client)
