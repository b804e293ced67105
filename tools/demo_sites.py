"""Sample traffic of the four HTML sources for ``fondsradar demo``, at their real addresses.

Every body here is one of the sample pages under ``tests/sites/`` (written for Fondsradar,
modelled on docs/sources.md; no real page is copied), served at the URL the crawler asks
for: the default start URLs of ``fondsradar/config.py`` and the watched pages of ``PAGES`` below
(the lead puts those in config.toml). The sample dates are set around 2027-01-11, the demo's
"today".

``tools/make_demo_har.py`` adds ``entries()`` to the archive it writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SITES = Path(__file__).resolve().parents[1] / "tests" / "sites"

NNF = "https://novonordiskfonden.dk"
VILLUM = "https://villumfonden.dk"
VELUX = "https://veluxfonden.dk"
PDJ = "https://www.pdjf.dk"

# URL → sample page (site folder, path in it). Listings first; every page they link to follows.
PAGES_BY_URL: dict[str, tuple[str, str]] = {
    # Novo Nordisk Fonden: the default start URL and the call pages it links to
    f"{NNF}/en/grant/": ("novonordisk", "en/grant/index.html"),
    **{f"{NNF}/{p}/": ("novonordisk", f"{p}/index.html") for p in (
        "en/grant/project-grants-science-education-2027",
        "en/grant/efteruddannelsespulje-2027-28",
        "grant/projektstoette-naturfag-2027",
        "en/prizes/science-teacher-prize-2027",
        "en/grant/informal-learning-2026",
        "en/grant/vocational-stem-2027",
        "en/grant/synergy-two-stage-2027",
    )},
    # VILLUM FONDEN and VELUX FONDEN: both current-calls listings (Villum's has a page 2)
    f"{VILLUM}/en/basic-page/current-calls": ("villum", "en/basic-page/current-calls/index.html"),
    f"{VILLUM}/en/basic-page/current-calls?page=1": (
        "villum", "en/basic-page/current-calls/page-1.html"),
    **{f"{VILLUM}/{p}": ("villum", f"{p}/index.html") for p in (
        "en/group/channel/science-in-schools-2027",
        "da/group/channel/boern-unge-og-science-fritid-2027",
        "en/group/channel/nature-technology-premises",
        "en/group/channel/villum-experiment-2027",
    )},
    f"{VELUX}/en/basic-page/current-calls": ("velux", "en/basic-page/current-calls/index.html"),
    **{f"{VELUX}/{p}": ("velux", f"{p}/index.html") for p in (
        "en/group/channel/core-groups-2027",
        "da/group/channel/aktive-aeldre",
        "da/group/channel/et-sundt-hav-2027",
    )},
    # Poul Due Jensens Fond: news, its articles, and the prize pages the site links to
    f"{PDJ}/nyheder/": ("pdj", "nyheder/index.html"),
    **{f"{PDJ}/{p}/": ("pdj", f"{p}/index.html") for p in (
        "nyhed/ny-pulje-naturfag-midtjylland",
        "nyhed/grundfosprisen-2027-nomineringer",
        "nyhed/partnerskab-naturvidenskabernes-hus",
        "grundfosprisen",
        "en/the-grundfos-prize",
    )},
}

# Watched pages: (config table, URL, programme or name, sample page). Which of these URLs were
# seen in stored public material and which are guesses is said in the lead's report.
PAGES: list[tuple[str, str, str, tuple[str, str]]] = [
    ("interreg",
     "https://interreg-oks.eu/da/larkannaoss/omprogrammet/"
     "vadarinterregoresundkattegatskagerrak.547.html",
     "Interreg Öresund-Kattegat-Skagerrak", ("interreg", "oks/da/om-programmet.html")),
    ("interreg", "https://interreg-oks.eu/da/larkannaoss/kalender.html",
     "Interreg Öresund-Kattegat-Skagerrak",
     ("interreg", "oks/da/kalender/ansogningsrunde-2027-1.html")),
    ("interreg", "https://www.interregnorthsea.eu/previous-calls", "Interreg North Sea",
     ("interreg", "northsea/previous-calls.html")),
    ("interreg", "https://interreg-baltic.eu/gateway/calls/", "Interreg Baltic Sea Region",
     ("interreg", "baltic/news/open-calls-2027.html")),
    ("interreg", "https://interregeurope.eu/next-call-for-projects", "Interreg Europe",
     ("interreg", "europe/call-for-projects.html")),
    ("watch",
     "https://ufm.dk/uddannelse/tilskud-til-udveksling-og-internationale-projekter/erasmusplus/"
     "dagtilbud-grundskole-og-ungdomsuddannelse/samarbejdsprojekter/Samarbejdsprojekter",
     "Erasmus+ skolepartnerskaber (KA210/KA220)",
     ("watch", "erasmusplus/skolepartnerskaber.html")),
]

HTML = "text/html; charset=utf-8"


def _body(site: str, path: str, url: str) -> str:
    """The sample page, its ``{{BASE}}`` placeholders pointing at the real host."""
    base = "/".join(url.split("/", 3)[:3])
    return (SITES / site / path).read_text(encoding="utf-8").replace("{{BASE}}", base)


def _get(url: str) -> dict[str, Any]:
    return {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0}


def entries() -> list[dict[str, Any]]:
    """HAR 1.2 entries: every sample page at its real URL, and an empty robots.txt (404, which
    allows everything) for each host, so a replay with ``obey_robots`` misses nothing."""
    try:  # late: make_demo_har imports this module
        from tools.make_demo_har import entry
    except ImportError:  # run as `python tools/make_demo_har.py`: tools/ is on the path
        from make_demo_har import entry  # type: ignore[no-redef]

    pages = dict(PAGES_BY_URL)
    pages.update({url: sample for _, url, _, sample in PAGES})
    out = [entry(_get(url), _body(site, path, url), HTML) for url, (site, path) in pages.items()]
    hosts = dict.fromkeys("/".join(url.split("/", 3)[:3]) for url in pages)
    out += [entry(_get(f"{host}/robots.txt"), "", "text/plain", status=404) for host in hosts]
    return out


def config_pages() -> dict[str, list[dict[str, str]]]:
    """The ``pages`` of [sources.interreg] and [sources.watch] that the entries serve."""
    out: dict[str, list[dict[str, str]]] = {"interreg": [], "watch": []}
    for table, url, label, _ in PAGES:
        key = "programme" if table == "interreg" else "name"
        out[table].append({"url": url, key: label})
    return out
