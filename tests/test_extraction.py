"""The pieces of markup-independent extraction (issue 12): vocabularies, staff synonyms,
structured data, <time datetime>, one-word labels, and the one HTML-to-text routine."""

from __future__ import annotations

import json

from crawler.labels import find_labels, join_label_lines
from crawler.structured import MAX_AMOUNT, structured_facts
from crawler.text import html_to_text, visible_lines
from crawler.vocabulary import VOCABULARY, label_set, status_word


def test_label_set_widens_a_spiders_labels_and_keeps_its_own_fields() -> None:
    own = {"deadline": ["Deadline for nominations"], "amount": []}
    labels = label_set(own, {"deadline": ["Sidste chance"], "budget": ["Ignored"]})
    assert labels["deadline"][0] == "Deadline for nominations"
    assert "Ansøgningsfrist" in labels["deadline"] and "Closing date" in labels["deadline"]
    assert labels["deadline"][-1] == "Sidste chance"
    assert "Grant size" in labels["amount"]
    assert "budget" not in labels  # the spider reads no budget: no field is invented


def test_a_label_is_filed_under_one_field_only() -> None:
    labels = label_set({"opens": ["Call opens"], "deadline": ["Call opens soon"]})
    flat = [w.casefold() for ws in labels.values() for w in ws]
    assert len(flat) == len(set(flat))


def test_every_layout_of_label_and_value_is_read() -> None:
    labels = label_set({name: [] for name in VOCABULARY})
    pages = {
        "dl": "<dl><dt>Frist for ansøgning</dt><dd>3. marts 2027</dd></dl>",
        "table": "<table><tr><th>Closing date</th><td>3 March 2027</td></tr></table>",
        "heading": "<h3>Ansøgningsfrist</h3><p>3. marts 2027</p>",
        "one line": "<p>Ansøgningsfrist: 3. marts 2027</p>",
        "inline": "<p><strong>Submission deadline</strong> 3 March 2027</p>",
        "time": '<p>Deadline: <time datetime="2027-03-03">3/3</time></p>',
    }
    for name, html in pages.items():
        found = find_labels(f"<html><body><main>{html}</main></body></html>", labels)
        assert found.dates("deadline") == ["2027-03-03"], name


def test_a_one_word_label_needs_a_colon_or_a_number() -> None:
    labels = label_set({"opens": [], "amount": []})
    assert not find_labels(["Funding is given to schools in the region"], labels).has("amount")
    assert find_labels(["Funding: DKK 2 million"], labels).value("amount") == "DKK 2 million"
    assert find_labels(["Opens 1 February 2027"], labels).dates("opens") == ["2027-02-01"]


def test_time_datetime_is_used_only_when_its_text_is_no_date() -> None:
    assert visible_lines('<p><time datetime="2027-03-04T14:00+01:00">4/3 kl. 14</time></p>') == [
        "2027-03-04T14:00+01:00"]
    assert visible_lines('<p><time datetime="2027-03-04">4 March 2027</time></p>') == [
        "4 March 2027"]
    assert visible_lines('<p><time datetime="soon">x</time></p>') == ["x"]


def test_json_ld_and_open_graph_facts() -> None:
    data = {"@context": "https://schema.org", "@graph": [
        {"@type": "Event", "name": "Pulje 2027", "startDate": "2027-01-05",
         "endDate": "2027-03-04T14:00:00+01:00",
         "funding": {"@type": "MonetaryAmount", "minValue": "100000", "maxValue": 3e6,
                     "currency": "dkk"}}]}
    html = (f'<html><head><script type="application/ld+json">{json.dumps(data)}</script>'
            '<meta property="og:description" content="Om puljen"></head><body></body></html>')
    facts = structured_facts(html)
    assert facts.deadlines == ["2027-03-04T14:00:00+01:00"] and facts.opens == "2027-01-05"
    assert (facts.amount.min, facts.amount.max, facts.amount.currency) == (1e5, 3e6, "DKK")
    assert facts.title == "Pulje 2027" and facts.description == "Om puljen"


def test_hostile_structured_data_is_bounded() -> None:
    bad = [{"endDate": "tomorrow", "startDate": "2027-13-45"},
           {"funding": {"value": MAX_AMOUNT * 10, "currency": "DKK"}},
           {"funding": {"minValue": 5, "maxValue": 1}},
           {"funding": {"value": float("nan")}}]
    blocks = "".join(f'<script type="application/ld+json">{json.dumps(b)}</script>' for b in bad)
    blocks += '<script type="application/ld+json">{not json</script>'
    facts = structured_facts(f"<html><head>{blocks}</head><body></body></html>")
    assert not facts and facts.deadlines == [] and facts.amount is None


def test_status_words() -> None:
    assert status_word("Lukket for ansøgninger") == "closed"
    assert status_word("Open for applications") == "open"
    assert status_word("Løbende") == "rolling"
    assert status_word("Under review") is None


def test_html_to_text_is_the_line_reader() -> None:
    html = '<p>First</p><ul><li>a <b>b</b></li></ul><script>x()</script><p>Last</p>'
    assert html_to_text(html) == "\n".join(visible_lines(html)) == "First\na b\nLast"
    html_to_text('<div class="eui-u-mt-l><p>SEDIA\'s broken markup</p></div>')  # no error
    assert html_to_text(None) == "" and html_to_text("") == ""


def test_a_label_alone_on_its_line_is_joined_with_its_value() -> None:
    labels = label_set({"opens": [], "deadline": []})
    lines = ["Call 2027:2", "Opening date", "1 March 2027", "Closing date", "14 April 2027",
             "Deadline: 2 May 2027", "Prose follows"]
    assert join_label_lines(lines, labels) == [
        "Call 2027:2", "Opening date: 1 March 2027", "Closing date: 14 April 2027",
        "Deadline: 2 May 2027", "Prose follows"]
