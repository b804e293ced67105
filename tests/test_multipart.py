"""multipart/form-data: the body the SEDIA API needs, and reading it back."""

from __future__ import annotations

import email.parser
import email.policy
import json

import pytest

from crawler.multipart import encode_multipart, parse_multipart

QUERY = {"bool": {"must": [{"term": {"status": "31094502"}}]}}
PARTS: list[tuple[str, str, bytes | str]] = [
    ("query", "application/json", json.dumps(QUERY)),
    ("languages", "application/json", b'["en"]'),
    ("sort", "application/json", '{"field":"identifier","order":"ASC"}'),
]


def test_round_trip() -> None:
    body, content_type = encode_multipart(PARTS, "FondsradarBoundary")
    assert content_type == "multipart/form-data; boundary=FondsradarBoundary"
    assert parse_multipart(body, content_type) == [
        (name, ctype, content.encode() if isinstance(content, str) else content)
        for name, ctype, content in PARTS
    ]


def test_parts_are_file_style_as_sedia_requires() -> None:
    body, _ = encode_multipart(PARTS[:1], "b")
    assert body.startswith(
        b'--b\r\nContent-Disposition: form-data; name="query"; filename="blob"\r\n'
        b"Content-Type: application/json\r\n\r\n"
    )
    assert body.endswith(b"\r\n--b--\r\n")


def test_the_stdlib_mime_parser_reads_our_body() -> None:
    """An independent parser agrees, so servers will too."""
    body, content_type = encode_multipart(PARTS, "x-y.z")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = list(msg.iter_parts())
    assert [p.get_param("name", header="content-disposition") for p in parts] == [
        "query",
        "languages",
        "sort",
    ]
    assert [p.get_filename() for p in parts] == ["blob"] * 3
    assert json.loads(parts[0].get_payload(decode=True)) == QUERY


def test_binary_content_with_newlines_survives() -> None:
    blob = b"\x00\xff\r\n--not-the-boundary\r\n\r\nend"
    body, content_type = encode_multipart([("file", "application/octet-stream", blob)], "B0")
    assert parse_multipart(body, content_type) == [("file", "application/octet-stream", blob)]


def test_browser_body_with_plain_field_and_quoted_boundary() -> None:
    body = (
        b"------WebKitFormBoundaryAbC\r\n"
        b'Content-Disposition: form-data; name="text"\r\n\r\n'
        b"a value\r\n"
        b"------WebKitFormBoundaryAbC\r\n"
        b'Content-Disposition: form-data; name="q"; filename="blob"\r\n'
        b"Content-Type: application/json\r\n\r\n"
        b"{}\r\n"
        b"------WebKitFormBoundaryAbC--\r\n"
    )
    parsed = parse_multipart(body, 'multipart/form-data; boundary="----WebKitFormBoundaryAbC"')
    assert parsed == [("text", "text/plain", b"a value"), ("q", "application/json", b"{}")]


def test_boundary_is_sniffed_when_the_header_lost_it() -> None:
    body, _ = encode_multipart(PARTS, "lost")
    assert [p[0] for p in parse_multipart(body, "multipart/form-data")] == [
        "query",
        "languages",
        "sort",
    ]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        encode_multipart([("q", "application/json", b"--abc inside")], "abc")
    with pytest.raises(ValueError):
        encode_multipart(PARTS, "bad\nboundary")
    with pytest.raises(ValueError):
        parse_multipart(b"not multipart at all", "multipart/form-data; boundary=zz")
    truncated = b"--zz\r\nContent-Type: a/b\r\n\r\nno end"
    with pytest.raises(ValueError):
        parse_multipart(truncated, "multipart/form-data; boundary=zz")
