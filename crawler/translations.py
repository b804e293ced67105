"""One call, two languages: "Grundfosprisen" and "The Grundfos Prize" are the same prize.

Funders publish a call on a Danish page and an English one; each page is a record with its own
URL and so its own id, and the digest would list the prize twice. They are merged here, within
one source's crawl, before the store pipeline writes the crawl (so the store, the digest and
every command see one call). The store's ids stay what they were: the kept record's.

Two records of one crawl are translations of each other when
- their languages differ (both known), neither is a watched page;
- they name each other as alternate-language versions (``extra["alternates"]``), or
- they have the same deadlines (as Copenhagen days, at least one), their amounts do not
  disagree (equal, or given on one page only), and their titles share a distinctive word
  (``grundfos`` in "Grundfosprisen" and "The Grundfos Prize") — a pair of different calls
  with the same deadlines and amounts from one funder would also have to share a word of five
  letters or more that is not a common funding word.

The Danish record is kept (Den Midtjyske Teknologipagt reads Danish); a field it lacks is taken
from the other, whose language, title and URL are kept in ``extra["translations"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from records.clock import is_iso, local_date

PREFERRED = "da"
# Funding words too common to say two titles name the same thing.
COMMON = frozenset("""
call calls grant grants prize prizes award awards programme program project projects fund
funding foundation fonden fondet pulje puljen puljer opslag prisen priser legat legater
support stotte støtte research forskning education uddannelse skole school schools
""".split())
FILLABLE = ("opens", "amount_min", "amount_max", "currency", "budget_total", "description",
            "programme")


def merge_translations(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The records with each translation folded into its Danish (or first) version."""
    out = [dict(r) for r in records]
    merged: set[int] = set()
    for i, a in enumerate(out):
        if i in merged:
            continue
        for j in range(i + 1, len(out)):
            if j in merged or not translations(a, out[j]):
                continue
            keep, drop = (a, out[j]) if _rank(a) <= _rank(out[j]) else (out[j], a)
            _fold(keep, drop)
            if keep is a:
                merged.add(j)
            else:
                out[i] = a = keep
                merged.add(j)
    return [r for k, r in enumerate(out) if k not in merged]


def translations(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether ``a`` and ``b`` are one call in two languages (the rules above)."""
    la, lb = a.get("language"), b.get("language")
    if not la or not lb or la == lb or "watch" in (a.get("status"), b.get("status")):
        return False
    if _names(a, b) or _names(b, a):
        return True
    days_a, days_b = _days(a.get("deadlines")), _days(b.get("deadlines"))
    if not days_a or days_a != days_b:
        return False
    for key in ("amount_max", "amount_min"):
        x, y = a.get(key), b.get(key)
        if x is not None and y is not None and x != y:
            return False
    return shared_word(str(a.get("title") or ""), str(b.get("title") or ""))


def shared_word(a: str, b: str) -> bool:
    """A distinctive word of one title inside a word of the other ("grundfos" in
    "grundfosprisen"): Danish writes compounds as one word, English as two."""
    wa, wb = _words(a), _words(b)
    return any(x in y for x in wa for y in _tokens(b)) or any(y in x for y in wb
                                                             for x in _tokens(a))


def _tokens(title: str) -> list[str]:
    return re.findall(r"\w+", title.casefold())


def _words(title: str) -> list[str]:
    return [t for t in _tokens(title) if len(t) >= 5 and not t.isdigit() and t not in COMMON]


def _days(deadlines: Any) -> frozenset[Any]:
    if not isinstance(deadlines, list | tuple):
        return frozenset()
    return frozenset(local_date(d) for d in deadlines if isinstance(d, str) and is_iso(d))


def _names(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    extra = a.get("extra")
    alternates = extra.get("alternates") if isinstance(extra, Mapping) else None
    if not isinstance(alternates, list | tuple):
        return False
    url = _canonical(str(b.get("url") or ""))
    return bool(url) and url in {_canonical(str(u)) for u in alternates}


def _canonical(url: str) -> str:
    return url.strip().split("#", 1)[0].rstrip("/").lower()


def _rank(record: Mapping[str, Any]) -> int:
    return 0 if record.get("language") == PREFERRED else 1


def _fold(keep: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key in FILLABLE:
        if keep.get(key) in (None, "", []) and other.get(key) not in (None, "", []):
            keep[key] = other[key]
    extra = dict(keep.get("extra") or {})
    extra["translations"] = [*extra.get("translations", []),
                             {"language": other.get("language"), "title": other.get("title"),
                              "url": other.get("url"), "id": other.get("id")}]
    keep["extra"] = extra
