"""multipart/form-data bodies, built and read back.

Scrapy has no multipart helper, and the EU SEDIA search API (docs/sources.md §1) only accepts its
``query``, ``languages`` and ``sort`` parameters as *file-style* parts with
``Content-Type: application/json``; plain form fields get HTTP 500. The spider therefore builds
the body here, with a boundary it chooses, so requests are deterministic and can be recorded and
replayed. ``parse_multipart`` is the inverse; the HAR replay uses it to compare bodies part by
part, whatever boundary was used.
"""

from __future__ import annotations

import email.message
import email.utils
import re

CRLF = b"\r\n"

# RFC 2046 §5.1.1: 1-70 characters from a restricted set, not ending in a space.
_BOUNDARY_RE = re.compile(r"^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$")


def _header_param(header: str, value: str, param: str) -> str | None:
    """A parameter of a MIME header value, unquoted (the stdlib knows the quoting rules)."""
    msg = email.message.Message()
    msg[header] = value
    raw = msg.get_param(param, header=header)
    if raw is None:
        return None
    return email.utils.collapse_rfc2231_value(raw)


def _quote_name(name: str) -> str:
    """Escape a field name the way browsers do (WHATWG HTML), so it cannot break the header."""
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def encode_multipart(parts: list[tuple[str, str, bytes | str]], boundary: str) -> tuple[bytes, str]:
    """Build a multipart/form-data body of file-style parts.

    ``parts`` are ``(name, content_type, content)``; ``str`` content is encoded as UTF-8. Every
    part gets ``filename="blob"`` because SEDIA rejects plain form fields. Returns the body and
    the value for the request's ``Content-Type`` header.
    """
    if not _BOUNDARY_RE.match(boundary):
        raise ValueError(f"invalid multipart boundary: {boundary!r}")
    delimiter = b"--" + boundary.encode("ascii")
    chunks: list[bytes] = []
    for name, content_type, content in parts:
        data = content.encode("utf-8") if isinstance(content, str) else content
        if delimiter in data:
            raise ValueError(f"the boundary {boundary!r} occurs in the content of part {name!r}")
        chunks += [
            delimiter,
            CRLF,
            f'Content-Disposition: form-data; name="{_quote_name(name)}"; filename="blob"'.encode(),
            CRLF,
            f"Content-Type: {content_type}".encode(),
            CRLF,
            CRLF,
            data,
            CRLF,
        ]
    chunks += [delimiter, b"--", CRLF]
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _sniff_boundary(body: bytes) -> str | None:
    """The boundary from the body's first delimiter line, for archives that lost the header."""
    first_line = body.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    if first_line.startswith(b"--") and len(first_line) > 2:
        return first_line[2:].decode("latin-1").rstrip()
    return None


def parse_multipart(body: bytes, content_type: str) -> list[tuple[str, str, bytes]]:
    """Split a multipart/form-data body into ``(name, content_type, content)`` parts.

    The boundary comes from the ``Content-Type`` header value; when it has none (browser HARs
    sometimes keep only the bare MIME type), the body's first delimiter line gives it. Content is
    returned byte for byte. A part without a Content-Type is ``text/plain`` (RFC 7578 §4.4).
    Raises ``ValueError`` when the body is not multipart with that boundary.
    """
    boundary = _header_param("content-type", content_type, "boundary") or _sniff_boundary(body)
    if not boundary:
        raise ValueError("no multipart boundary in the Content-Type header or the body")
    delimiter = b"--" + boundary.encode("latin-1")
    newline = CRLF if delimiter + CRLF in body or CRLF + delimiter in body else b"\n"
    separator = newline + delimiter

    if body.startswith(delimiter):
        pos = len(delimiter)
    else:
        start = body.find(separator)
        if start < 0:
            raise ValueError(f"boundary {boundary!r} not found in the body")
        pos = start + len(separator)

    parts: list[tuple[str, str, bytes]] = []
    while True:
        if body.startswith(b"--", pos):  # close delimiter
            return parts
        line_end = body.find(newline, pos)  # skip transport padding after the delimiter
        if line_end < 0:
            raise ValueError("truncated multipart body")
        part_start = line_end + len(newline)
        part_end = body.find(separator, part_start)
        if part_end < 0:
            raise ValueError("multipart body has no closing delimiter")
        parts.append(_parse_part(body[part_start:part_end], newline))
        pos = part_end + len(separator)


def _parse_part(raw: bytes, newline: bytes) -> tuple[str, str, bytes]:
    """One part: its header block, a blank line, then the content."""
    if raw.startswith(newline):  # no headers at all
        head, content = b"", raw[len(newline) :]
    else:
        head, sep, content = raw.partition(newline + newline)
        if not sep:
            raise ValueError("multipart part without a blank line after its headers")
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split(newline.decode()):
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    name = _header_param(
        "content-disposition", headers.get("content-disposition", "form-data"), "name"
    )
    return name or "", headers.get("content-type", "text/plain"), content
