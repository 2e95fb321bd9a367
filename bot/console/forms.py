"""Form bodies of the console: `application/x-www-form-urlencoded` and `multipart/form-data`.

Starlette parses forms with python-multipart, which this project does not depend on; the
standard library parses both formats (`urllib.parse`, and the `email` package for MIME
multipart, whose grammar multipart/form-data follows: RFC 7578).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Final
from urllib.parse import parse_qsl

from starlette.requests import Request

SMALL_FORM_BYTES: Final = 256 * 1024


class BodyTooLarge(Exception):
    pass


class BadForm(ValueError):
    """The body is not the form it claims to be (one-line reason)."""


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))


async def read_body(request: Request, *, limit: int) -> bytes:
    """The raw body; BodyTooLarge as soon as it exceeds `limit` bytes (declared or sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def parse_form(content_type: str, body: bytes) -> Form:
    """Parses an urlencoded or multipart/form-data body; BadForm for anything else."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise BadForm("form is not UTF-8") from None
        fields: dict[str, list[str]] = {}
        for name, value in pairs:
            fields.setdefault(name, []).append(value)
        return Form(fields=fields)
    if kind == "multipart/form-data":
        return _parse_multipart(content_type, body)
    raise BadForm(f"unsupported form type {kind or '(none)'}")


def _parse_multipart(content_type: str, body: bytes) -> Form:
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise BadForm("multipart body without parts")
    if message.defects:
        raise BadForm(f"malformed multipart body ({type(message.defects[0]).__name__})")
    fields: dict[str, list[str]] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        if part.get_content_disposition() != "form-data":
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = Upload(filename, part.get_content_type(), data)
        else:
            try:
                fields.setdefault(name, []).append(data.decode("utf-8"))
            except UnicodeDecodeError:
                raise BadForm(f"field {name!r} is not UTF-8") from None
    return Form(fields=fields, files=files)
