"""One call in two languages is one call: where and how translations are merged
(crawler/translations.py, applied by the store pipeline to each source's crawl)."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.translations import merge_translations, shared_word, translations


def rec(key: str, title: str, language: str, **over: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": f"pdj:{key}", "source": "pdj", "title": title, "language": language,
        "url": f"https://pdjf.dk/{key}/", "status": "open", "deadlines": ["2027-05-01"],
        "amount_min": None, "amount_max": None, "currency": None, "opens": None,
        "description": f"{title} …", "programme": "", "extra": {},
    }
    record.update(over)
    return record


DA = rec("grundfosprisen", "Grundfosprisen", "da")
EN = rec("en/the-grundfos-prize", "The Grundfos Prize", "en", amount_max=1_000_000,
         currency="DKK", deadlines=["2027-05-01T23:59:00+02:00"])


@pytest.mark.parametrize("first, second", [(DA, EN), (EN, DA)])
def test_the_danish_version_is_kept_whatever_the_order(first: dict, second: dict) -> None:
    other = rec("nyhed/x", "Ny pulje til naturfag", "da", deadlines=["2027-05-01"])
    merged = {r["id"]: r for r in merge_translations([first, other, second])}
    assert set(merged) == {"pdj:grundfosprisen", "pdj:nyhed/x"}
    prize, news = merged["pdj:grundfosprisen"], merged["pdj:nyhed/x"]
    assert prize["title"] == "Grundfosprisen"
    assert prize["amount_max"] == 1_000_000 and prize["currency"] == "DKK"  # filled from EN
    assert prize["extra"]["translations"] == [
        {"language": "en", "title": "The Grundfos Prize",
         "url": "https://pdjf.dk/en/the-grundfos-prize/", "id": "pdj:en/the-grundfos-prize"}]
    assert news["title"] == "Ny pulje til naturfag"  # same deadline, but another call


def test_alternate_language_links_are_enough() -> None:
    da = rec("a", "Naturfagsprisen", "da", deadlines=[],
             extra={"alternates": ["https://pdjf.dk/en/science-prize"]})
    en = rec("en/science-prize", "Science award", "en", deadlines=[])
    assert translations(da, en) and translations(en, da)
    assert len(merge_translations([en, da])) == 1


@pytest.mark.parametrize("over, why", [
    ({"language": "da"}, "same language"),
    ({"language": ""}, "language unknown"),
    ({"deadlines": ["2027-06-01"]}, "another deadline"),
    ({"deadlines": []}, "no deadline to compare"),
    ({"amount_max": 500_000}, "another amount"),
    ({"title": "The Science Teacher Prize"}, "no shared distinctive word"),
    ({"status": "watch"}, "a watched page"),
])
def test_not_translations(over: dict, why: str) -> None:
    da = dict(DA, amount_max=1_000_000)
    assert not translations(da, dict(EN, **over)), why


@pytest.mark.parametrize("a, b, same", [
    ("Grundfosprisen", "The Grundfos Prize", True),
    ("Naturvidenskabelig uddannelse 2027", "Natural science education 2027", False),
    ("Prisen 2027", "The Prize 2027", False),  # only common words and a year
])
def test_shared_word(a: str, b: str, same: bool) -> None:
    assert shared_word(a, b) is same
