"""PeerTube's OpenAPI document, loaded once, and validation of responses against it.

A response is checked against the schema that the document itself gives for the operation
(path + method + status + media type): nothing is copied out of the document by hand. `$ref`s are
resolved inside the document with `referencing`; the dialect is OpenAPI 3.0's
(`openapi-schema-validator`'s OAS30ReadValidator: `nullable`, readOnly/writeOnly, OAS formats).

Three readings of the document, all on its intent rather than its letter, are spelled out here
(and in README.md):

* `nullable: true` lets `null` through wherever it is written. OAS 3.0.3 says it only counts next
  to a `type`, but PeerTube writes it next to `allOf`/`$ref` too (e.g. `Video.scheduledUpdate`),
  clearly meaning "may be null".
* A `pattern` written as a JavaScript regex literal, `/^[a-z0-9._]+$/`, is read as the regex
  between the slashes (read literally it would demand slashes in every account name).
* One line of an `example` in the document starts with a tab, which PyYAML refuses inside a block
  scalar; tabs are turned into spaces before parsing (only that example's text changes).

Formats: besides OpenAPI's own (int32, int64, float, double, byte, binary), `date-time` (RFC 3339),
`date`, `uuid`, `url` and `uri` (absolute) are checked; other formats (`Nginx size`, `markdown`…)
are annotations.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid as _uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from rfc3339_validator import validate_rfc3339

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SHARED = Path(os.environ.get("RUCHE_SHARED_DIR", REPO_ROOT.parent / "shared"))
OPENAPI_PATH = Path(
    os.environ.get("PEERTUBE_OPENAPI", SHARED / "fixtures" / "peertube-openapi-6.3.yaml")
)
FIXTURES_DIR = SHARED / "fixtures" / "peertube-8.0.1" / "api"
DOC_URI = "urn:peertube:openapi-6.3"


# --- the document -------------------------------------------------------------------------------


def _load_document() -> dict:
    if not OPENAPI_PATH.is_file():
        raise FileNotFoundError(
            f"PeerTube's OpenAPI document is not at {OPENAPI_PATH} "
            "(expected <repo>/../shared/fixtures/peertube-openapi-6.3.yaml; "
            "set PEERTUBE_OPENAPI to point elsewhere)"
        )
    text = OPENAPI_PATH.read_text(encoding="utf-8").replace("\t", " ")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


DOCUMENT = _load_document()
REGISTRY = Registry().with_resource(
    DOC_URI, Resource.from_contents(DOCUMENT, default_specification=DRAFT4)
)


def _pointer(*segments: str) -> str:
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)


def _get(obj: Any, *segments: str) -> Any:
    for s in segments:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(s)
    return obj


def operation(path: str, method: str) -> dict:
    op = _get(DOCUMENT, "paths", path, method.lower())
    if op is None:
        raise LookupError(f"the OpenAPI document has no operation {method.upper()} {path}")
    return op


def documented_statuses(path: str, method: str) -> list[str]:
    return [str(k) for k in operation(path, method).get("responses", {})]


def response_object(path: str, method: str, status: int) -> dict:
    resp = _get(operation(path, method), "responses", str(status))
    if resp is None:
        raise LookupError(
            f"the OpenAPI document has no {status} response for {method.upper()} {path} "
            f"(it documents {', '.join(documented_statuses(path, method))})"
        )
    return resp


def response_schema_ref(path: str, method: str, status: int, media: str = "application/json"):
    """A schema `{"$ref": <document>#/paths/.../schema}` for that response's body."""
    resp = response_object(path, method, status)
    if _get(resp, "content", media, "schema") is None:
        raise LookupError(
            f"the OpenAPI document gives no {media} schema for {method.upper()} {path} → {status}"
        )
    ptr = _pointer("paths", path, method.lower(), "responses", str(status), "content", media, "schema")
    return {"$ref": DOC_URI + "#" + ptr}


def header_schema(path: str, method: str, status: int, header: str) -> dict | None:
    headers = response_object(path, method, status).get("headers") or {}
    for name, h in headers.items():
        if name.lower() == header.lower():
            return h.get("schema")
    return None


# --- the validator ------------------------------------------------------------------------------

_JS_REGEX_LITERAL = re.compile(r"^/(.*)/([dgimsuy]*)$", re.S)
_draft4_pattern = Draft4Validator.VALIDATORS["pattern"]


def _nullable_aware(fn):
    """Wraps a keyword so that `null` passes any schema object that says `nullable: true`."""

    def keyword(validator, value, instance, schema):
        if instance is None and schema.get("nullable") is True:
            return
        yield from fn(validator, value, instance, schema)

    return keyword


def _pattern(validator, patrn, instance, schema):
    m = _JS_REGEX_LITERAL.match(patrn)
    if m:
        patrn = ("(?i)" if "i" in m.group(2) else "") + m.group(1)
    yield from _draft4_pattern(validator, patrn, instance, schema)


def _is_absolute(s: str, need_host: bool) -> bool:
    try:
        parts = urlsplit(s)
    except ValueError:
        return False
    return bool(parts.scheme) and (bool(parts.netloc) or not need_host) and " " not in s


FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checkers = dict(OAS30ReadValidator.FORMAT_CHECKER.checkers)


@FORMAT_CHECKER.checks("date-time")
def _date_time(v):
    return not isinstance(v, str) or validate_rfc3339(v)


@FORMAT_CHECKER.checks("date")
def _date(v):
    return not isinstance(v, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _uuid_format(v):
    return not isinstance(v, str) or bool(_uuid.UUID(v))


@FORMAT_CHECKER.checks("url")
def _url(v):
    return not isinstance(v, str) or _is_absolute(v, need_host=True)


@FORMAT_CHECKER.checks("uri")
def _uri(v):
    return not isinstance(v, str) or _is_absolute(v, need_host=False)


_keywords = {k: _nullable_aware(fn) for k, fn in OAS30ReadValidator.VALIDATORS.items() if k != "type"}
_keywords["pattern"] = _nullable_aware(_pattern)
Validator = extend(OAS30ReadValidator, validators=_keywords)


# --- violations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    json_path: str
    schema_path: str
    message: str
    detail: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """Same place in another document of the same shape: array indices collapsed."""
        return (re.sub(r"\[\d+\]", "[*]", self.json_path), self.schema_path)

    def render(self) -> str:
        lines = [f"{self.json_path}: {self.message}", f"    (schema: {self.schema_path})"]
        lines += [f"    - {d}" for d in self.detail]
        return "\n".join(lines)


def _short(v: Any, limit: int = 160) -> str:
    s = json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _message(e: ValidationError) -> str:
    """jsonschema's message, with the instance shortened (it can be a whole video object)."""
    v, inst = e.validator, e.instance
    if v == "type":
        return f"{_short(inst)} is not of type {e.validator_value!r}" + (
            " (and the schema is not nullable)" if inst is None else ""
        )
    if v in ("enum", "const", "pattern", "format", "minLength", "maxLength", "minimum", "maximum",
             "minItems", "maxItems", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
        return f"{_short(inst)} violates {v}: {_short(e.validator_value, 300)}"
    if v in ("oneOf", "anyOf", "allOf", "not"):
        return f"{_short(inst, 80)} does not match the {v}"
    m = e.message
    return m if len(m) <= 300 else m[:299] + "…"


def _ref_path(e: ValidationError) -> str:
    """The schema path, with the `$ref`s it went through shown."""
    return "/".join(str(p) for p in e.absolute_schema_path)


def _flatten(e: ValidationError) -> Iterable[str]:
    for c in sorted(e.context or [], key=lambda c: (str(c.json_path), list(map(str, c.schema_path)))):
        yield f"[{'/'.join(map(str, c.schema_path))}] {c.json_path}: {_message(c)}"


def violations(instance: Any, schema: dict) -> list[Violation]:
    found: dict[tuple[str, str], Violation] = {}
    for e in Validator(schema, registry=REGISTRY, format_checker=FORMAT_CHECKER).iter_errors(instance):
        if e.validator == "type" and e.message == "None for not nullable":
            continue  # openapi-schema-validator says it twice; the type error below says it all
        v = Violation(e.json_path, _ref_path(e), _message(e), tuple(_flatten(e)))
        found.setdefault((v.json_path, v.schema_path + v.message), v)
    return sorted(found.values(), key=lambda v: (v.json_path, v.schema_path))


# --- what real PeerTube does --------------------------------------------------------------------


def fixture(name: str) -> Any | None:
    p = FIXTURES_DIR / name
    if not p.is_file():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


# Real PeerTube 8.0.1 responses that answer the same operation (or one with the same schema).
FIXTURES = {
    ("GET", "/api/v1/config"): "config.json",
    ("GET", "/api/v1/users/me"): "users-me.json",
    ("GET", "/api/v1/videos"): "videos-list.json",
    ("GET", "/api/v1/videos/{id}"): "video-details.json",
    ("GET", "/api/v1/video-channels/{channelHandle}"): "video-channel.json",
    ("GET", "/api/v1/video-channels/{channelHandle}/videos"): "videos-list.json",
    ("GET", "/api/v1/accounts/{name}"): "account.json",
    ("GET", "/api/v1/accounts/{name}/videos"): "videos-list.json",
    ("GET", "/api/v1/users/me/videos"): "videos-list.json",
    ("GET", "/api/v1/videos/categories"): "video-categories.json",
    ("GET", "/api/v1/videos/licences"): "video-licences.json",
    ("GET", "/api/v1/videos/privacies"): "video-privacies.json",
    ("GET", "/api/v1/search/videos"): "search-videos.json",
    ("GET", "/api/v1/server/followers"): "server-followers.json",
    ("GET", "/api/v1/server/following"): "server-following.json",
    ("GET", "/api/v1/config/about"): "config-about.json",
    ("GET", "/api/v1/videos/{id}/comment-threads"): "comment-threads.json",
    ("GET", "/api/v1/videos/{id}/comment-threads/{threadId}"): "comment-thread.json",
}


def peertube_violation_keys(method: str, path: str, status: int = 200) -> tuple[str | None, set]:
    """What real PeerTube 8.0.1 itself violates in the schema this operation answers with: the
    union over every captured response validated against the same schema (a list of videos is
    the same `VideoListResponse` whether it comes from /videos or /accounts/{name}/videos)."""
    ref = response_schema_ref(path, method, status).get("$ref")
    names, keys = [], set()
    for (m, p), name in FIXTURES.items():
        data = fixture(name)
        if data is None:
            continue
        schema = response_schema_ref(p, m, 200)
        if schema.get("$ref") != ref:
            continue
        names.append(name)
        keys |= {v.key for v in violations(data, schema)}
    return (", ".join(names) or None), keys


def main() -> int:
    """`python openapi_contract.py`: how real PeerTube 8.0.1's own responses fare."""
    bad = 0
    for (method, path), name in FIXTURES.items():
        data = fixture(name)
        if data is None:
            print(f"-- {name}: missing")
            continue
        vs = violations(data, response_schema_ref(path, method, 200))
        bad += bool(vs)
        print(f"== {method} {path} ← {name}: {len(vs)} violation(s)")
        for v in vs:
            print("  " + v.render().replace("\n", "\n  "))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
