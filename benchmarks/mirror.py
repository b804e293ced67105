"""A generated mirror of all five sources on 127.0.0.1, for benchmarks/bench_crawl.py.

``Mirror(n, today=..., latency_ms=...)`` generates ``n`` calls in total, modelled on the sample
pages under tests/sites/ (and, for the EU search API, on the shape of the SEDIA fixture pages
in tests/fixtures/erasmus; every record here is generated, none is copied):

- erasmus: SEDIA records (~10 KB each, like the real ones) answered to the spider's multipart
  POST, per status (open / forthcoming) in pages of ``pageSize``;
- villum_velux: two "current calls" listings (Drupal pager: ``?page=k``, ``rel="next"``) and
  a call page per call, in three sidebar designs (English dl, "Label: value" list, Danish table);
- novonordisk: a grant listing (WordPress paging ``/page/k/``, ``<link rel="next">``) and a
  call page per call,
  in three label designs (English, Danish dl under /grant/, Danish table under /en/);
- interreg and watch: a few programme / round pages; pdj: the news listing, a few articles and
  the Grundfos Prize page.

Every site runs on its own port (one ``ThreadingHTTPServer`` each) and answers every request
after a fixed ``latency_ms`` (``time.sleep``), counting requests, 304s and bytes sent. Pages
carry ``ETag`` and ``Last-Modified`` and are answered ``304`` to ``If-None-Match`` /
``If-Modified-Since``; ``Cache-Control`` is ``max-age=0`` by default, so Scrapy's RFC 2616
cache revalidates every page (see ``cache_control``). The SEDIA API answers its POSTs without
validators, as a search API does. ``/robots.txt`` is 404 everywhere.

Listing pages hold ``max(per_page, ceil(calls / MAX_PAGES))`` entries, MAX_PAGES being the
spider's own cap on listing pages, so every call is reachable at any ``n``.
"""

# ruff: noqa: E501  (the page templates keep their lines as HTML has them)

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.multipart import parse_multipart
from crawler.spiders import novonordisk as nnf_spider
from crawler.spiders import villum_velux as vv_spider

SEDIA_PATH = "/search-api/prod/rest/search"
ERASMUS = "43353764"
OPEN_ID, FORTHCOMING_ID = "31094502", "31094501"
FIXED = {"pdj": 7, "interreg": 4, "watch": 2}  # items of the small sources, whatever n is

MONTHS_EN = ["", "January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
MONTHS_DA = ["", "januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
             "september", "oktober", "november", "december"]
MONTHS_PDJ = ["", "Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.",
              "Nov.", "Dec."]

TOPICS_EN = ["Science in schools", "Girls in technology", "Teachers' professional development in "
             "mathematics", "Makerspaces for pupils", "Vocational STEM partnerships",
             "Green skills in upper secondary education", "Programming for all",
             "Science clubs for children", "Role models from industry", "Computational thinking "
             "in primary school", "Outdoor science and nature", "Engineering for young people"]
TOPICS_DA = ["Naturfag i grundskolen", "Piger og teknologi", "Efteruddannelse af lærere i "
             "matematik", "Skaberværksteder for elever", "Erhvervsuddannelser og STEM",
             "Teknologiforståelse i udskolingen", "Science i fritiden", "Grøn omstilling i "
             "gymnasiet", "Rollemodeller fra virksomheder", "Programmering for alle"]
PROSE_EN = [
    "The foundation supports projects that give children and young people better science "
    "teaching, and that show careers in science and technology, also for girls.",
    "Teachers in primary and lower secondary schools can apply for professional development "
    "in mathematics, technology and programming.",
    "Projects should involve pupils and teachers and describe how the results will be shared "
    "with other schools.",
    "We give priority to projects in vocational education that work with local companies and "
    "role models.",
    "Applicants can be schools, municipalities, universities and other non-profit "
    "organisations in Denmark.",
    "The call supports makerspaces, design and creative learning environments where pupils "
    "build prototypes.",
    "Sustainability and the green transition should be part of the teaching, for example "
    "energy, water and climate.",
    "The programme wants more young people to choose an education in engineering and "
    "natural science.",
]
PROSE_DA = [
    "Fonden støtter projekter, der styrker undervisningen i naturfag og teknologi i "
    "grundskolen og på ungdomsuddannelserne.",
    "Vi ser gerne projekter, der også når pigerne, og som bruger rollemodeller fra "
    "virksomheder.",
    "Ansøgningen skal indeholde en projektbeskrivelse og et budget, og det skal fremgå, hvordan "
    "eleverne får gavn af projektet.",
    "Lærere og pædagoger kan søge om efteruddannelse i programmering og teknologiforståelse.",
    "Projekterne skal være forankret på skolerne og have et samarbejde med lokale "
    "erhvervsskoler.",
    "Der er ikke krav om medfinansiering, men det er en fordel.",
    "Vi lægger vægt på, at børn og unge får lyst til at vælge en uddannelse inden for "
    "naturvidenskab og teknik.",
]


def en_date(d: date) -> str:
    return f"{d.day} {MONTHS_EN[d.month]} {d.year}"


def da_date(d: date) -> str:
    return f"{d.day}. {MONTHS_DA[d.month]} {d.year}"


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


# ------------------------------------------------------------------------------- the split
def split(n: int) -> dict[str, int]:
    """How many calls each source gets: a fixed few for the page watches and PDJ, the rest
    ~42% Erasmus+, ~32% Villum/Velux, ~26% Novo Nordisk Fonden."""
    rest = max(n - sum(FIXED.values()), 3)
    erasmus = round(rest * 0.42)
    villum_velux = round(rest * 0.32)
    return {"erasmus": erasmus, "villum_velux": villum_velux,
            "novonordisk": rest - erasmus - villum_velux, **FIXED}


# ----------------------------------------------------------------------------- pages/sites
@dataclass
class Page:
    body: bytes
    ctype: str = "text/html; charset=utf-8"
    etag: str = ""
    last_modified: str = ""

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


@dataclass
class Site:
    """One host of the mirror: its pages (by path and query) or a POST handler, its counters."""

    name: str
    pages: dict[str, Page] = field(default_factory=dict)
    post: Callable[[str, dict[str, str], bytes], tuple[int, bytes, str]] | None = None
    base: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    missing: list[str] = field(default_factory=list)  # paths answered 404 (robots.txt aside)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, **values: int) -> None:
        with self.lock:
            self.counts.update(values)

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)


class _CountingWriter:
    """The handler's socket writer, counting the bytes that go out."""

    def __init__(self, raw: Any, site: Site):
        self.raw, self.site = raw, site

    def write(self, data: bytes) -> int:
        self.site.count(bytes=len(data))
        return self.raw.write(data)

    def __getattr__(self, name: str) -> Any:  # flush, close, closed ...
        return getattr(self.raw, name)


def _handler(site: Site, mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers and Scrapy do
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            self.wfile = _CountingWriter(self.wfile, site)  # type: ignore[assignment]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            site.count(requests=1, get=1)
            mirror.wait()
            parts = urlsplit(self.path)
            key = parts.path + (f"?{parts.query}" if parts.query else "")
            page = site.pages.get(key)
            if page is None:
                site.count(**{"404": 1})
                if parts.path != "/robots.txt" and len(site.missing) < 100:
                    site.missing.append(self.path)
                self._send(404, b"not found", "text/plain", {})
                return
            headers = {"ETag": page.etag, "Last-Modified": page.last_modified}
            if mirror.cache_control:
                headers["Cache-Control"] = mirror.cache_control
            if self._not_modified(page):
                site.count(not_modified=1)
                self._send(304, b"", "", headers)
                return
            site.count(ok=1)
            self._send(200, page.body, page.ctype, headers)

        def do_POST(self) -> None:  # noqa: N802
            site.count(requests=1, post=1)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            mirror.wait()
            if site.post is None:
                self._send(405, b"", "text/plain", {})
                return
            status, answer, ctype = site.post(self.path, dict(self.headers), body)
            site.count(ok=1) if status == 200 else site.count(**{str(status): 1})
            self._send(status, answer, ctype, {})

        def _not_modified(self, page: Page) -> bool:
            tags = self.headers.get("If-None-Match")
            if tags is not None:
                return any(t.strip() in (page.etag, "*") for t in tags.split(","))
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return (email.utils.parsedate_to_datetime(since)
                            >= email.utils.parsedate_to_datetime(page.last_modified))
                except (TypeError, ValueError):
                    return False
            return False

        def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            # Head and body in one write, with Nagle off, as real servers do: two small writes
            # on a keep-alive connection wait ~40 ms for the client's delayed ACK.
            self._headers_buffer.append(b"\r\n" + body)
            self.flush_headers()

    return Handler


# ------------------------------------------------------------------------------ the mirror
class Mirror:
    """All sites of one generated world; ``start()`` serves them, ``close()`` stops them."""

    def __init__(self, n: int, *, today: date, latency_ms: float = 0.0, seed: int = 7,
                 per_page: int = 20, cache_control: str | None = "max-age=0",
                 last_modified_days: int = 30):
        self.n, self.today, self.latency = n, today, latency_ms / 1000
        self.cache_control = cache_control
        self.rng = random.Random(seed)
        self.per_page = per_page
        self.split = split(n)
        self.last_modified = http_date(time.time() - last_modified_days * 86400)
        self.sites: dict[str, Site] = {}
        self.servers: list[ThreadingHTTPServer] = []
        self.listing_sizes: dict[str, int] = {}
        self.urls: dict[str, Any] = {}
        self._build()

    # ---------------------------------------------------------------------- serving
    def wait(self) -> None:
        if self.latency > 0:
            time.sleep(self.latency)

    def start(self) -> Mirror:
        for site in self.sites.values():
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site, self))
            server.daemon_threads = True
            site.base = f"http://127.0.0.1:{server.server_address[1]}"
            threading.Thread(target=server.serve_forever, daemon=True,
                             name=f"mirror-{site.name}").start()
            self.servers.append(server)
        return self

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> Mirror:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def snapshot(self) -> dict[str, dict[str, int]]:
        return {name: site.snapshot() for name, site in self.sites.items()}

    def page_count(self) -> dict[str, int]:
        return {name: len(site.pages) for name, site in self.sites.items()}

    # ----------------------------------------------------------------------- config
    def sources_toml(self) -> str:
        """The [sources.*] tables of a config.toml pointing every source at this mirror."""
        b = {name: site.base for name, site in self.sites.items()}
        interreg = ",\n  ".join(
            f'{{ url = "{b["interreg"]}{path}", programme = "{prog}" }}'
            for path, prog in self.urls["interreg"])
        watch = ",\n  ".join(
            f'{{ url = "{b["watch"]}{path}", name = "{name}", funder = "{funder}" }}'
            for path, name, funder in self.urls["watch"])
        return f"""
[sources.erasmus]
search_url = "{b['sedia']}{SEDIA_PATH}"
programmes = ["{ERASMUS}"]
page_size = 100

[sources.novonordisk]
start_urls = ["{b['novonordisk']}/en/grant/"]

[sources.villum_velux]
start_urls = ["{b['villum']}/en/basic-page/current-calls",
              "{b['velux']}/en/basic-page/current-calls"]

[sources.pdj]
start_urls = ["{b['pdj']}/nyheder/"]

[sources.interreg]
pages = [
  {interreg},
]

[sources.watch]
pages = [
  {watch},
]
"""

    # ---------------------------------------------------------------------- building
    def _site(self, name: str) -> Site:
        site = self.sites[name] = Site(name)
        return site

    def _add(self, site: Site, path: str, html: str, ctype: str = "text/html; charset=utf-8"
             ) -> None:
        page = Page(html.encode("utf-8"), ctype)
        page.last_modified = self.last_modified
        site.pages[path] = page

    def _build(self) -> None:
        self._build_sedia(self.split["erasmus"])
        vv = self.split["villum_velux"]
        villum = round(vv * 0.6)
        self._build_vv("villum", "VILLUM FONDEN", villum)
        self._build_vv("velux", "VELUX FONDEN", vv - villum)
        self._build_nnf(self.split["novonordisk"])
        self._build_pdj()
        self._build_interreg()
        self._build_watch()

    def _dates(self, forthcoming: bool) -> tuple[date, date]:
        """(opens, deadline), the deadline after today; opening after today when forthcoming."""
        rng = self.rng
        opens = self.today + timedelta(days=rng.randint(5, 60) if forthcoming
                                       else -rng.randint(1, 90))
        deadline = max(opens, self.today) + timedelta(days=rng.randint(20, 240))
        return opens, deadline

    def _prose(self, danish: bool, k: int = 3) -> list[str]:
        return self.rng.sample(PROSE_DA if danish else PROSE_EN, k)

    # SEDIA ---------------------------------------------------------------------------
    def _build_sedia(self, count: int) -> None:
        site = self._site("sedia")
        records: dict[str, list[dict[str, Any]]] = {OPEN_ID: [], FORTHCOMING_ID: []}
        year = self.today.year
        for i in range(count):
            forthcoming = i % 4 == 3
            status = FORTHCOMING_ID if forthcoming else OPEN_ID
            ident = f"ERASMUS-EDU-{year}-BENCH-{i:05d}"
            records[status].append(self._sedia_record(ident, status, forthcoming))
        for status in records:
            records[status].sort(key=lambda r: r["metadata"]["identifier"][0])
        cache: dict[tuple[str, int, int], bytes] = {}

        def answer(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
            url = urlsplit(path)
            if url.path != SEDIA_PATH:
                return 404, b'{"type":"throwable"}', "application/json"
            try:
                parts = {n: json.loads(c) for n, _, c in parse_multipart(
                    body, headers.get("Content-Type", ""))}
                must = parts["query"]["bool"]["must"]
                status = next(m["term"]["status"] for m in must if "term" in m)
                query = parse_qs(url.query)
                number = int(query["pageNumber"][0])
                size = int(query["pageSize"][0])
            except (KeyError, ValueError, StopIteration, TypeError):
                return 500, b'{"type":"throwable"}', "application/json"
            key = (status, number, size)
            if key not in cache:
                results = records.get(status, [])
                chunk = results[(number - 1) * size:number * size]
                cache[key] = json.dumps({
                    "apiVersion": "2.146", "terms": "***", "responseTime": 142,
                    "totalResults": len(results), "pageNumber": number, "pageSize": size,
                    "sort": "identifier", "groupByField": None, "queryLanguage":
                    {"language": "en", "probability": 0}, "spellingSuggestion": None,
                    "bestBets": [], "results": chunk, "warnings": []}).encode("utf-8")
            return 200, cache[key], "application/json"

        site.post = answer
        self.urls["sedia_records"] = {k: len(v) for k, v in records.items()}

    def _sedia_record(self, ident: str, status: str, forthcoming: bool) -> dict[str, Any]:
        rng = self.rng
        opens, deadline = self._dates(forthcoming)
        topic = rng.choice(TOPICS_EN)
        title = f"{topic} – partnerships {ident[-5:]}"
        prose = " ".join(f"<p>{escape(s)}</p>" for s in self._prose(False, 4))
        description = (f'<span class="topicdescriptionkind">Scope:</span><p><strong>'
                       f'{escape(title.upper())}</strong></p>{prose}'
                       f'<span class="topicdescriptionkind">Expected Impact:</span>{prose}')
        conditions = ('<div class="eui-u-mt-l"><h4>Conditions</h4>'
                      + "".join(f"<h4>{k}. Condition</h4><p>{escape(s)} Described in the "
                                f"Erasmus+ Programme Guide.</p>" for k, s in enumerate(
                                    self._prose(False, 6) * 3, 1)) + "</div>")
        budget = rng.choice([400_000, 1_000_000, 2_500_000, 68_000_000])
        low, high = rng.choice([(0, 0), (60_000, 400_000), (250_000, 1_000_000)])
        ms = lambda d: str(int(time.mktime(d.timetuple())) * 1000)  # noqa: E731
        action = f"{ident} - ERASMUS-LS ERASMUS Lump Sum Grants"
        meta = {
            "identifier": [ident], "callIdentifier": [ident.rsplit("-", 1)[0]],
            "title": [title], "callTitle": [title], "type": ["1"], "status": [status],
            "sortStatus": ["1" if status == OPEN_ID else "2"],
            "frameworkProgramme": [ERASMUS], "programmePeriod": ["2021 - 2027"],
            "startDate": [f"{opens.isoformat()}T00:00:00.000+0000"],
            "deadlineDate": [f"{deadline.isoformat()}T17:00:00.000+0200"],
            "deadlineModel": ["single-stage"], "language": ["en"],
            "descriptionByte": [description], "topicConditions": [conditions],
            "supportInfo": ["<p>For help related to this call, please contact the functional "
                            "mailbox: eacea-eplus@ec.europa.eu</p>" * 6],
            "destinationDetails": [prose * 2],
            "keywords": [ident, "Education", "Vocational training", "STEM", rng.choice(
                ["Girls", "Teachers", "Digital skills", "Sustainability", "Languages"])],
            "tags": ["Skills", "VET", "School education"],
            "typesOfAction": ["ERASMUS Lump Sum Grants"],
            "crossCuttingPriorities": ["DigitalAgenda"],
            "url": [f"https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/"
                    f"opportunities/topic-details/{ident}"],
            "actions": [json.dumps([{
                "types": [{"typeOfAction": "ERASMUS-LS ERASMUS Lump Sum Grants"}],
                "status": {"id": int(status)}, "plannedOpeningDate": opens.isoformat(),
                "submissionProcedure": {"abbreviation": "single-stage"},
                "deadlineDates": [deadline.isoformat()]}])],
            "budgetOverview": [json.dumps({"budgetYearsColumns": [str(deadline.year)],
                                           "budgetTopicActionMap": {"1": [{
                                               "action": action, "expectedGrants": 4,
                                               "minContribution": low, "maxContribution": high,
                                               "budgetYearMap": {str(deadline.year): str(budget)},
                                               "plannedOpeningDate": opens.isoformat(),
                                               "deadlineModel": "single-stage",
                                               "deadlineDates": [deadline.isoformat()]}]}})],
            "links": [json.dumps([{"callIdentifier": ident, "url": "https://ec.europa.eu/"
                                   f"research/participants/submission/{ident}",
                                   "startDate": ms(opens), "endDate": ms(deadline)}])],
            "latestInfos": [json.dumps([{"lastChangeDate": f"{opens.isoformat()}T00:01:00.320",
                                         "content": f"The submission session is now available "
                                                    f"for: {ident}"}])],
        }
        return {"apiVersion": "2.146", "reference": f"{ident}TOPICSen",
                "url": meta["url"][0], "title": None, "contentType": "text/plain",
                "language": "en", "databaseLabel": "SEDIA", "database": "SEDIA",
                "summary": title, "content": title, "metadata": meta}

    # Villum / Velux ------------------------------------------------------------------
    def _build_vv(self, name: str, funder: str, count: int) -> None:
        site = self._site(name)
        calls = [self._vv_call(site, funder, i) for i in range(count)]
        size = max(self.per_page, math.ceil(count / vv_spider.MAX_PAGES))
        self.listing_sizes[name] = size
        pages = [calls[k:k + size] for k in range(0, len(calls), size)] or [[]]
        for k, chunk in enumerate(pages):
            path = "/en/basic-page/current-calls" + (f"?page={k}" if k else "")
            pager = (f'<nav class="pager"><ul><li class="pager__item"><a href="?page={k + 1}" '
                     f'rel="next" title="Go to next page">Next ›</a></li></ul></nav>'
                     if k + 1 < len(pages) else "")
            if name == "villum":
                entries = "\n".join(
                    f'<article class="teaser"><h2><a href="{c["path"]}">{escape(c["title"])}'
                    f'</a></h2><p>Deadline {en_date(c["deadline"])}</p></article>'
                    for c in chunk)
                entries = f'<div class="view-content">\n{entries}\n</div>'
            else:
                entries = "\n".join(f'<li><a href="{c["path"]}">{escape(c["title"])}</a></li>'
                                    for c in chunk)
                entries = f'<ul class="calls">\n{entries}\n</ul>'
            self._add(site, path, f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Current calls | {funder}</title>
<meta property="og:site_name" content="{funder}"></head>
<body>
<div class="cookie-banner"><p>{funder} uses cookies.</p></div>
<header><nav><a href="/en">Home</a> <a href="/en/group/grantsubarea/science-and-leisure">Science
and leisure</a></nav></header>
<main>
  <h1>Current calls</h1>
  {entries}
  {pager}
</main>
<footer><p>{funder} · Tobaksvejen 10 · Søborg</p></footer>
</body>
</html>""")

    def _vv_call(self, site: Site, funder: str, i: int) -> dict[str, Any]:
        rng = self.rng
        variant = i % 3
        danish = variant == 2
        forthcoming = rng.random() < 0.15
        opens, deadline = self._dates(forthcoming)
        topic = rng.choice(TOPICS_DA if danish else TOPICS_EN)
        title = f"{topic} {deadline.year} – {'nr.' if danish else 'no.'} {i + 1}"
        slug = f"{'call' if not danish else 'opslag'}-{i + 1:05d}"
        path = f"/{'da' if danish else 'en'}/group/channel/{slug}"
        budget = rng.choice([10, 15, 25, 30, 40])
        prose = "\n".join(f"<p>{escape(s)}</p>" for s in self._prose(danish))
        if variant == 0:
            status = "Upcoming" if forthcoming else "Open"
            facts = f"""<div class="layout"><div class="content">
      <h1>{escape(title)}</h1>
      {prose}
    </div>
    <aside class="sidebar"><dl>
      <dt>Status</dt><dd>{status}</dd>
      <dt>Full budget of the call</dt><dd>DKK {budget}m</dd>
      <dt>Application amount range</dt><dd>DKK 500,000 - DKK {budget / 5:.1f}m</dd>
      <dt>Application<br>- Open for submissions</dt><dd><div class="date">{en_date(opens)}</div></dd>
      <dt>Application<br>- Deadline for submissions</dt><dd><div class="date">{en_date(deadline)}</div><div class="time">14:00</div></dd>
    </dl><a class="button" href="/apply">Apply</a></aside></div>"""
        elif variant == 1:
            status = "Upcoming" if forthcoming else "Open"
            facts = f"""<h1>{escape(title)}</h1>
  <ul class="sidebar">
    <li>Status: {status}</li>
    <li>Full budget of the call: DKK {budget}m</li>
    <li>Application – Open for submissions: <time datetime="{opens.isoformat()}"></time></li>
    <li>Application – Deadline for submissions: {en_date(deadline)} 13:00</li>
  </ul>
  {prose}"""
        else:
            status = "Kommende" if forthcoming else "Åben"
            facts = f"""<h1>{escape(title)}</h1>
  {prose}
  <table class="call-facts">
    <tr><th>Status</th><td>{status}</td></tr>
    <tr><th>Opslagets samlede budget</th><td>{budget} mio. kr.</td></tr>
    <tr><th>Ansøgningsbeløb</th><td>op til 500.000 kr.</td></tr>
    <tr><th>Åben for ansøgninger</th><td>{da_date(opens)}</td></tr>
    <tr><th>Ansøgningsfrist</th><td>{da_date(deadline)} kl. 12.00</td></tr>
  </table>"""
        self._add(site, path, f"""<!DOCTYPE html>
<html lang="{'da' if danish else 'en'}">
<head><meta charset="utf-8"><title>{escape(title)} | {funder}</title></head>
<body>
<header><nav><a href="/en">Home</a> <a href="/en/basic-page/current-calls">Current calls</a></nav></header>
<main>
  {facts}
</main>
<footer><p>{funder}</p></footer>
</body>
</html>""")
        return {"path": path, "title": title, "deadline": deadline}

    # Novo Nordisk Fonden -------------------------------------------------------------
    def _build_nnf(self, count: int) -> None:
        site = self._site("novonordisk")
        calls = [self._nnf_call(site, i) for i in range(count)]
        size = max(self.per_page, math.ceil(count / nnf_spider.MAX_PAGES))
        self.listing_sizes["novonordisk"] = size
        pages = [calls[k:k + size] for k in range(0, len(calls), size)] or [[]]
        for k, chunk in enumerate(pages, 1):
            # WordPress pages an archive as /page/k/ (a ?page=k listing would cost one
            # request past its last page: the spider then bumps the page parameter).
            path = "/en/grant/" + (f"page/{k}/" if k > 1 else "")
            more = k < len(pages)
            link = f'<link rel="next" href="/en/grant/page/{k + 1}/">' if more else ""
            pager = (f'<nav class="pagination"><a class="next" href="/en/grant/page/{k + 1}/" '
                     f'rel="next">Next</a></nav>' if more else "")
            entries = "\n".join(
                f'<li class="nnf-grant-list__item single-grant"><a href="{c["path"]}">'
                f'{escape(c["title"])}</a><span>{c["status"]}</span></li>' for c in chunk)
            self._add(site, path, f"""<!DOCTYPE html>
<html lang="en-US">
<head>
  <meta charset="utf-8">
  <title>Apply for grants | Novo Nordisk Fonden</title>
  <link rel="https://api.w.org/" href="/wp-json/">
  {link}
</head>
<body>
<div class="cookie-consent" id="coi-banner"><p>This website uses cookies.</p><button>OK</button></div>
<header class="site-header">
  <nav><a href="/en/">Home</a> <a href="/en/grant/">Apply for grants</a> <a href="/en/news/">News</a></nav>
</header>
<main>
  <h1>Apply for grants</h1>
  <ul class="nnf-grant-list">
{entries}
  </ul>
  {pager}
</main>
<footer><p>Novo Nordisk Fonden · Tuborg Havnevej 19</p><a href="/en/privacy/">Privacy</a></footer>
</body>
</html>""")

    def _nnf_call(self, site: Site, i: int) -> dict[str, Any]:
        rng = self.rng
        variant = i % 3
        danish = variant != 0
        forthcoming = rng.random() < 0.15
        opens, deadline = self._dates(forthcoming)
        topic = rng.choice(TOPICS_DA if danish else TOPICS_EN)
        title = f"{topic} {deadline.year} – {'nr.' if danish else 'no.'} {i + 1}"
        slug = f"grant-{i + 1:05d}"
        prose = "\n    ".join(f"<p>{escape(s)}</p>" for s in self._prose(danish))
        low, high = rng.choice([(100_000, 3_000_000), (250_000, 6_000_000), (50_000, 500_000)])
        if variant == 0:
            path = f"/en/grant/{slug}/"
            body = f"""<article>
    <h1>{escape(title)}</h1>
    <div class="grant-facts">
      <p><strong>Call opens:</strong> {en_date(opens)}</p>
      <p><strong>Call closes:</strong> {en_date(deadline)} 2:00pm (CET)</p>
      <p><strong>Announcement of results:</strong> {MONTHS_EN[(deadline.month % 12) + 1]} {deadline.year}</p>
      <p><a href="/en/guidelines.pdf">Application guidelines</a> <a href="/apply/">Send application</a></p>
    </div>
    <h2>About the grants</h2>
    <p><strong>Amount:</strong> Up to DKK {high // 1_000_000 or 1} Million per grant</p>
    <p><strong>Committee:</strong> Committee on Science Education</p>
    <h2>Areas of support</h2>
    {prose}
  </article>"""
        elif variant == 1:
            path = f"/grant/{slug}/"
            amount = f"DKK {low:,}-{high:,}".replace(",", ".")  # Danish thousands separators
            body = f"""<h1>{escape(title)}</h1>
  <dl class="facts">
    <dt>Kald åbner</dt><dd>{en_date(opens)}</dd>
    <dt>Kald lukker</dt><dd>{en_date(deadline)} <span class="time">2:00pm</span> (Copenhagen time)</dd>
    <dt>Tidspunkt for afgørelse</dt><dd>{MONTHS_EN[(deadline.month % 12) + 1]} {deadline.year}</dd>
  </dl>
  <h2>Om bevillingen</h2>
  <dl>
    <dt>Beløb</dt><dd>{amount}</dd>
    <dt>Komite</dt><dd>Komite for Naturvidenskabelig Uddannelse</dd>
  </dl>
  {prose}"""
        else:
            path = f"/en/grant/{slug}/"
            body = f"""<article>
    <h1>{escape(title)}</h1>
    <table class="grant-dates">
      <tr><th>Ansøgningsrunde åbner</th><td>{en_date(opens)}</td></tr>
      <tr><th>Ansøgningsrunde lukker</th><td>{en_date(deadline)} 2:00pm (CET)</td></tr>
      <tr><th>Svar til ansøger</th><td>{MONTHS_DA[(deadline.month % 12) + 1].capitalize()} {deadline.year}</td></tr>
    </table>
    <h2>Om puljen</h2>
    {prose}
  </article>"""
        self._add(site, path, f"""<!DOCTYPE html>
<html lang="{'da-DK' if variant == 1 else 'en-US'}">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} | Novo Nordisk Fonden</title>
  <link rel="canonical" href="{path}">
</head>
<body>
<div id="CybotCookiebotDialog"><p>We use cookies to improve the site.</p></div>
<header class="site-header"><nav><a href="/en/">Home</a> <a href="/en/grant/">Apply for grants</a></nav></header>
<main>
  {body}
</main>
<footer><p>© Novo Nordisk Fonden</p></footer>
</body>
</html>""")
        return {"path": path, "title": title,
                "status": "Upcoming" if forthcoming else "Open"}

    # Poul Due Jensens Fond -----------------------------------------------------------
    def _build_pdj(self) -> None:
        site = self._site("pdj")
        articles = []
        for k in range(FIXED["pdj"] - 2):  # the listing and the prize are items too
            day = self.today - timedelta(days=7 * k + 2)
            slug = f"nyhed-{k + 1}-naturfag"
            title = ["Ny indsats for naturfag i Midtjylland", "Grundfosprisen: universiteterne "
                     "kan nu indstille kandidater", "Nyt partnerskab om teknologiforståelse",
                     "Flere piger skal vælge teknik", "Fonden støtter skaberværksteder"][k % 5]
            articles.append((day, f"/nyhed/{slug}/", f"{title} ({k + 1})"))
            prose = "\n    ".join(f"<p>{escape(s)}</p>" for s in self._prose(True))
            self._add(site, f"/nyhed/{slug}/", f"""<!DOCTYPE html>
<html lang="da">
<head><meta charset="utf-8"><title>{escape(title)} - Poul Due Jensens Fond</title></head>
<body>
<header class="site-header"><nav><a href="/">Forside</a> <a href="/nyheder/">Nyheder</a></nav></header>
<main>
  <article>
    <p class="date">{day.day}. {MONTHS_PDJ[day.month]} {day.year}</p>
    <h1>{escape(title)} ({k + 1})</h1>
    {prose}
    <p>Fonden opsøger som udgangspunkt selv partnere, og der er ikke et åbent ansøgningsopslag.</p>
  </article>
</main>
<footer><p>Poul Due Jensens Fond</p></footer>
</body>
</html>""")
        items = "\n    ".join(
            f'<li><span class="date">{d.day}. {MONTHS_PDJ[d.month]} {d.year}</span> '
            f'<a href="{p}">{escape(t)}</a></li>' for d, p, t in articles)
        self._add(site, "/nyheder/", f"""<!DOCTYPE html>
<html lang="da">
<head><meta charset="utf-8"><title>Nyheder - Poul Due Jensens Fond</title></head>
<body>
<div class="cookie-consent"><p>Vi bruger cookies</p></div>
<header class="site-header">
  <nav><a href="/">Forside</a> <a href="/grundfosprisen/">Grundfosprisen</a> <a href="/nyheder/">Nyheder</a></nav>
</header>
<main>
  <h1>Nyheder</h1>
  <ul class="news-list">
    {items}
  </ul>
</main>
<footer class="site-footer"><p>Poul Due Jensens Fond · Bjerringbro</p></footer>
</body>
</html>""")
        may = date(self.today.year + (self.today >= date(self.today.year, 5, 1)), 5, 1)
        self._add(site, "/grundfosprisen/", f"""<!DOCTYPE html>
<html lang="da">
<head><meta charset="utf-8"><title>Grundfosprisen - Poul Due Jensens Fond</title></head>
<body>
<header class="site-header"><nav><a href="/">Forside</a> <a href="/nyheder/">Nyheder</a></nav></header>
<main>
  <h1>Grundfosprisen</h1>
  <p>Danske universiteter inviteres igen i {may.year} til at indstille morgendagens
  forskerstjerner til Grundfosprisen.</p>
  <p>Prisen består af en skulptur og en kontant betaling på 1 mio. kr, hvoraf 250.000 kr. går
  direkte til prismodtageren, mens de resterende 750.000 kr. går til videre forskning.</p>
  <p>Nomineringen skal bestå af en motivation og et kort CV, som sendes til prisudvalget senest
  {da_date(may)}.</p>
</main>
<footer><p>Poul Due Jensens Fond</p></footer>
</body>
</html>""")

    # Interreg and watched pages ------------------------------------------------------
    def _build_interreg(self) -> None:
        site = self._site("interreg")
        t = self.today
        y = t.year
        opens, closes = t - timedelta(days=3), t + timedelta(days=35)
        pages = [
            ("/oks/da/kalender/ansogningsrunde-1.html", "Interreg Öresund-Kattegat-Skagerrak",
             f"Ansøgningsrunde {y}:1", f"""<p class="period">Fra den {opens.day}. {MONTHS_DA[opens.month]} til den {da_date(closes)}</p>
  <p>I denne ansøgningsrunde kan der søges om støtte til hovedprojekter inden for grøn omstilling,
  transport og mobilitet samt et grænseløst arbejdsmarked.</p>
  <p>Danske og svenske partnere kan få op til 60 procent af omkostningerne dækket.</p>""", "da"),
            ("/northsea/calls/call-7.html", "Interreg North Sea", "Apply in Call 7",
             f"""<p><strong>Call 7 is open!</strong></p>
  <ul><li>Opening date: {en_date(t - timedelta(days=40))}</li>
  <li>Closing date: {en_date(t + timedelta(days=53))} at 17.00 CET</li></ul>
  <p>Any organisation located in the programme area can apply for small-scale or regular projects.</p>""",
             "en"),
            ("/baltic/news/open-calls.html", "Interreg Baltic Sea Region",
             "New funding: open calls for project applications",
             f"""<p>Starting on {en_date(t - timedelta(days=3))}, we open calls for small and core projects.</p>
  <p>Step 1: the deadline for submitting the Project Idea Form is {en_date(t + timedelta(days=29))}.</p>
  <p>Step 2: the full application must be submitted not later than {en_date(t + timedelta(days=99))}.</p>""",
             "en"),
            ("/europe/call-for-projects.html", "Interreg Europe", "Call for projects",
             """<p>All our funds have been committed.</p>
  <p>We are not planning any more open calls during the 2021-2027 programme.</p>
  <p>The third call was open between 20 March 2024 and 7 June 2024 at 12:00 p.m (midday) CEST.</p>""",
             "en"),
        ]
        self.urls["interreg"] = []
        for path, programme, title, body, lang in pages[:FIXED["interreg"]]:
            self.urls["interreg"].append((path, programme))
            self._add(site, path, f"""<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{escape(title)} | {programme}</title></head>
<body>
<div id="cookie-consent" class="cookie-banner"><p>Cookies</p><button>OK</button></div>
<header class="site-header"><nav><a href="/">Home</a></nav></header>
<main>
  <h1>{escape(title)}</h1>
  {body}
</main>
<footer class="site-footer"><p>{programme}</p></footer>
</body>
</html>""")

    def _build_watch(self) -> None:
        site = self._site("watch")
        t = self.today
        self.urls["watch"] = []
        for k in range(FIXED["watch"]):
            path = f"/erasmusplus/side-{k + 1}.html"
            name = ["Erasmus+ skolepartnerskaber (KA210/KA220)", "Erasmus+ ungdom"][k % 2]
            self.urls["watch"].append((path, name, "Uddannelses- og Forskningsstyrelsen"))
            self._add(site, path, f"""<!DOCTYPE html>
<html lang="da">
<head><meta charset="utf-8"><title>{name} | Erasmus+ Danmark</title></head>
<body>
<div class="cookie-banner"><p>Vi bruger cookies.</p></div>
<header class="site-header"><nav><a href="/">Forside</a></nav></header>
<main>
  <h1>{name}</h1>
  <p>Skoler kan samarbejde med skoler i andre lande om fx naturfag, sprog og teknologi.</p>
  <h2>Ansøgningsrunde {t.year}</h2>
  <p>Ansøgningsfrist for små partnerskaber (KA210): {da_date(t + timedelta(days=53))} kl. 12.00.</p>
  <p>Samarbejdspartnerskaber (KA220) har samme frist.</p>
</main>
<footer><p>Uddannelses- og Forskningsstyrelsen</p></footer>
</body>
</html>""")
