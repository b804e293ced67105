"""Write ``fondsradar/demo/demo.har``: the sample traffic ``fondsradar demo`` replays.

Every response here is written by us, modelled on the shapes of the real ones described in
docs/sources.md (no real page or fixture is copied). The demo runs "as if today were"
DEMO_TODAY, so the sample deadlines stay meaningful whenever someone tries it.

The four HTML sources' pages come from ``tools/demo_sites.py`` (the sample pages of the tests).

Run: ``python -m tools.make_demo_har`` (then commit the HAR).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from crawler.multipart import encode_multipart
from tools import demo_sites

OUT = Path(__file__).resolve().parents[1] / "fondsradar" / "demo" / "demo.har"
SOURCES = OUT.with_name("sources.json")
SEARCH = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"
PORTAL = ("https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
          "topic-details/")
ERASMUS = "43353764"

# (identifier, title, status id, opens, deadlines, budget EUR, description HTML, tags)
TOPICS: list[dict[str, Any]] = [
    {"id": "ERASMUS-EDU-2027-PEX-COVE", "title": "Centres of Vocational Excellence",
     "status": "31094502", "opens": "2026-11-20", "deadlines": ["2027-09-02"],
     "budget": 60_000_000, "min": 0, "max": 4_000_000,
     "html": "<p>Networks of <strong>vocational education and training</strong> providers and "
             "companies that raise <em>technical skills</em> for regional industries such as "
             "renewable energy, water technology and advanced manufacturing.</p><p>Centres "
             "bring schools and employers together, offer apprenticeships and upskilling of "
             "teachers and trainers.</p>",
     "tags": ["VET", "Skills", "Vocational Training", "Industry"]},
    {"id": "ERASMUS-EDU-2027-PCOOP-ENGO", "title": "Partnerships for Innovation: STEM and "
     "digital skills in schools", "status": "31094502", "opens": "2026-12-01",
     "deadlines": ["2027-03-12"], "budget": 24_000_000, "min": 0, "max": 400_000,
     "html": "<p>Projects that make <b>science, technology, engineering and mathematics</b> "
             "attractive to pupils, with a focus on <b>girls</b> and on programming and "
             "computational thinking from primary school to upper secondary.</p>"
             "<p>Teachers' professional development is eligible.</p>",
     "tags": ["STEM", "Digital skills", "Gender equality", "School education"]},
    {"id": "ERASMUS-EDU-2027-TEACH-ACA", "title": "Erasmus+ Teacher Academies",
     "status": "31094501", "opens": "2027-02-15", "deadlines": ["2027-06-10"],
     "budget": 27_000_000, "min": 0, "max": 1_500_000,
     "html": "<p>European partnerships of teacher education providers for the initial "
             "education and <b>continuing professional development</b> of teachers, "
             "including in sustainability and digital teaching.</p>",
     "tags": ["Teachers", "Professional development", "Sustainability"]},
    {"id": "ERASMUS-YOUTH-2027-ENTRE-LAB", "title": "Youth entrepreneurship labs for the "
     "green transition", "status": "31094502", "opens": "2026-11-05",
     "deadlines": ["2027-01-28", "2027-10-07"], "budget": 8_000_000, "min": 60_000,
     "max": 400_000,
     "html": "<p>Two cut-offs. Learning labs where young people develop <b>entrepreneurial</b> "
             "and creative skills by designing solutions for <b>climate</b> and circular "
             "economy challenges with local companies.</p>",
     "tags": ["Entrepreneurship", "Green transition", "Creativity", "Youth"]},
    {"id": "ERASMUS-EDU-2027-LANG-TECH", "title": "Languages for technicians: mobility of VET "
     "learners", "status": "31094502", "opens": "2026-10-15",
     "deadlines": ["2027-02-25"], "budget": 5_000_000, "min": 0, "max": 250_000,
     "html": "<p>Mobility and exchange of vocational learners and staff that combine "
             "<b>foreign language</b> learning with technical training abroad.</p>",
     "tags": ["Foreign languages", "Mobility", "VET"]},
    {"id": "ERASMUS-JMO-2027-CHAIR", "title": "Jean Monnet Chairs", "status": "31094502",
     "opens": "2026-11-10", "deadlines": ["2027-02-10"], "budget": 9_000_000, "min": 0,
     "max": 50_000,
     "html": "<p>Teaching posts in EU studies for university professors, with research and "
             "publications on European integration.</p>",
     "tags": ["EU studies", "Higher education", "Research"]},
    # Stale status: flagged open, but the only deadline passed long ago (quirk 1).
    {"id": "ERASMUS-SPORT-2025-SCP", "title": "Small-scale partnerships in sport",
     "status": "31094502", "opens": "2024-11-28", "deadlines": ["2025-03-05"],
     "budget": 0, "min": 0, "max": 0, "html": "", "tags": ["Sport"], "legacy": True},
]


def metadata(t: dict[str, Any], legacy: bool = False) -> dict[str, list[str]]:
    """A SEDIA result's metadata: every value an array of strings, JSON inside some."""
    hour = "17:00:00" if legacy else "00:00:00"
    meta: dict[str, list[str]] = {
        "identifier": [t["id"]], "callIdentifier": [t["id"]], "title": [t["title"]],
        "frameworkProgramme": [ERASMUS], "status": [t["status"]], "type": ["1"],
        "language": ["en"], "programmePeriod": ["2021 - 2027"],
        "startDate": [f"{t['opens']}T00:00:00.000+0000"],
        "deadlineDate": [f"{d}T{hour}.000+0000" for d in t["deadlines"]],
        "deadlineModel": ["multiple cut-off" if len(t["deadlines"]) > 1 else "single-stage"],
        "typesOfAction": ["ERASMUS Lump Sum Grants"],
    }
    if legacy:
        url = f"https://ec.europa.eu/info/funding-tenders/opportunities/data/topicDetails/{t['id']}.json"
        meta.update({"url": [url], "esST_URL": [url], "keywords": [json.dumps(t["tags"])]})
        return meta
    action = f"{t['id']} - ERASMUS-LS ERASMUS Lump Sum Grants"
    meta.update({
        "url": [PORTAL + t["id"]], "esST_URL": [PORTAL + t["id"]],
        "keywords": [t["id"], *t["tags"]], "tags": t["tags"],
        "descriptionByte": [t["html"]],
        "actions": [json.dumps([{"status": {"id": int(t["status"])},
                                 "plannedOpeningDate": t["opens"],
                                 "deadlineDates": t["deadlines"]}])],
        "budgetOverview": [json.dumps({"budgetYearsColumns": ["2027"], "budgetTopicActionMap": {
            "1": [{"action": action, "minContribution": t["min"], "maxContribution": t["max"],
                   "budgetYearMap": {"2027": str(t["budget"])}, "deadlineDates": t["deadlines"]}]
        }})],
        "links": [json.dumps([{"url": "https://ec.europa.eu/research/participants/submission",
                               "startDate": "1796169600000", "endDate": "1819929600000"}])],
        "latestInfos": [json.dumps([{"lastChangeDate": "2026-12-01T09:30:00.000",
                                     "content": "The submission session is now available."}])],
    })
    return meta


def result(t: dict[str, Any], legacy: bool = False) -> dict[str, Any]:
    ref = f"{t['id']}{'LEGACY' if legacy else 'TOPICSen'}"
    return {"reference": ref, "url": (metadata(t, legacy)["url"][0]), "language": "en",
            "summary": t["title"], "metadata": metadata(t, legacy)}


def sedia_page(results: list[dict[str, Any]], page: int) -> str:
    return json.dumps({"apiVersion": "demo", "totalResults": len(results), "pageNumber": page,
                       "pageSize": 100, "sort": "identifier", "results": results})


def sedia_request(status_id: str, page: int) -> dict[str, Any]:
    query = {"bool": {"must": [{"terms": {"type": ["1", "2", "8"]}},
                               {"term": {"status": status_id}},
                               {"terms": {"frameworkProgramme": [ERASMUS]}}]}}
    body, ctype = encode_multipart([
        ("query", "application/json", json.dumps(query)),
        ("languages", "application/json", json.dumps(["en"])),
        ("sort", "application/json", json.dumps({"field": "identifier", "order": "ASC"})),
    ], "DemoBoundary")
    params = {"apiKey": "SEDIA", "text": "***", "pageSize": 100, "pageNumber": page}
    return {"method": "POST", "url": f"{SEARCH}?{urlencode(params)}", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": ctype}], "queryString": [],
            "cookies": [], "headersSize": -1, "bodySize": len(body),
            "postData": {"mimeType": ctype, "text": body.decode()}}


def entry(request: dict[str, Any], body: str, mime: str = "application/json",
          status: int = 200) -> dict[str, Any]:
    return {"startedDateTime": "2027-01-11T05:30:00.000Z", "time": 1, "request": request,
            "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": "Content-Type", "value": mime}], "cookies": [],
                         "content": {"size": len(body), "mimeType": mime, "text": body},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
            "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}


def erasmus_entries() -> list[dict[str, Any]]:
    open_results = [result(t) for t in TOPICS if t["status"] == "31094502" and not t.get("legacy")]
    # The same topic in its legacy generation too (quirk 3), and a stale legacy one (quirk 1).
    open_results += [result(TOPICS[0], legacy=True)] + [result(t, legacy=True)
                                                         for t in TOPICS if t.get("legacy")]
    soon = [result(t) for t in TOPICS if t["status"] == "31094501"]
    return [entry(sedia_request("31094502", 1), sedia_page(open_results, 1)),
            entry(sedia_request("31094501", 1), sedia_page(soon, 1))]


def main() -> None:
    har = {"log": {"version": "1.2", "creator": {"name": "fondsradar demo", "version": "1"},
                   "comment": "Sample traffic written for `fondsradar demo`; not real responses.",
                   "entries": erasmus_entries() + demo_sites.entries()}}
    OUT.write_text(json.dumps(har, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    # The watched pages the archive answers for: the demo crawls these, whatever config.toml
    # lists, so a page staff add never breaks the demo.
    SOURCES.write_text(json.dumps(demo_sites.config_pages(), indent=1, ensure_ascii=False)
                       + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(har['log']['entries'])} entries)")


if __name__ == "__main__":
    main()
