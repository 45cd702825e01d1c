"""Contract test: Ruche's JSON responses against PeerTube's own OpenAPI document (6.3).

Starts `$RUCHE_BIN serve` on a free loopback port with a fresh data directory, logs in with
PeerTube's OAuth password grant, uploads a short clip made with ffmpeg (legacy multipart), waits
until it is transcoded, then checks each endpoint's response against the schema that the document
gives for that operation. A second server, B, federates with the first, A: B follows A, a user of
B subscribes to A's channel, and A's video, account and channel are read on B. One test method
per endpoint; a failure lists every violation with its JSON path. See README.md.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit, quote

import openapi_contract as oc

TRANSCODE_TIMEOUT = float(os.environ.get("RUCHE_CONTRACT_TRANSCODE_TIMEOUT", "600"))
START_TIMEOUT = float(os.environ.get("RUCHE_CONTRACT_START_TIMEOUT", "60"))
# How long the whole federation exchange may wait for B to see A's Accept, A's video and the
# like: deliveries between two servers on loopback take well under a second, so this only bounds
# a failure.
FEDERATION_TIMEOUT = float(os.environ.get("RUCHE_CONTRACT_FEDERATION_TIMEOUT", "60"))


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Response:
    method: str
    target: str
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError(
                f"{self.method} {self.target} → {self.status}: the body is not JSON ({e}): "
                f"{self.body[:300]!r}"
            ) from None

    def describe(self) -> str:
        return f"{self.method} {self.target} → {self.status} {self.body[:500].decode('utf-8', 'replace')}"


class Client:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port
        self.token: str | None = None

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, auth: bool = True) -> Response:
        h = {"Accept": "application/json"}
        if auth and self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            conn.request(method, target, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Response(method, target, r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def get(self, target: str, auth: bool = True) -> Response:
        return self.request("GET", target, auth=auth)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----ruche-contract-" + uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, (filename, ctype, data) in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


# --- the server ---------------------------------------------------------------------------------


# Every server started, so that all of them are stopped at the end, also when a later step of
# the set-up fails before the session that would name them exists.
SERVERS: list["Server"] = []


class Server:
    """`$RUCHE_BIN serve` in its own process group, on a fresh data dir; stopped at exit."""

    def __init__(self, name: str):
        self.name = name
        binary = os.environ.get("RUCHE_BIN")
        if not binary:
            raise RuntimeError("RUCHE_BIN is not set: point it at the ruche binary "
                               "(e.g. RUCHE_BIN=target/debug/ruche tests/contract/run.sh)")
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise RuntimeError(f"RUCHE_BIN={binary} is not an executable file")
        self.tmp = Path(tempfile.mkdtemp(prefix=f"ruche-contract-{name}-"))
        self.data_dir = self.tmp / "data"
        self.data_dir.mkdir()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host = f"127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUCHE_")}
        env.update({
            "RUCHE_DATA_DIR": str(self.data_dir),
            "RUCHE_LISTEN": f"127.0.0.1:{self.port}",
            "RUCHE_PUBLIC_URL": self.url,
            "RUCHE_TRANSCODING_RESOLUTIONS": "360,240",
            "RUCHE_SIGNUP_ENABLED": "true",
            # The two servers federate over plain http on loopback, which Ruche refuses unless
            # told otherwise (it only reaches public https servers by default).
            "RUCHE_FEDERATION_ALLOW_INSECURE": "true",
        })
        self.log_path = self.tmp / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "serve"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.log, start_new_session=True,
        )
        SERVERS.append(self)
        self.stdout_lines: list[str] = []
        self._ready = threading.Event()
        self.password: str | None = None
        self.announced_url: str | None = None
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        if not self._ready.wait(START_TIMEOUT) or self.password is None:
            self.stop()
            raise RuntimeError(
                f"ruche ({name}) did not announce itself within {START_TIMEOUT:.0f}s "
                f"(exit code {self.proc.poll()}).\nstdout:\n" + "".join(self.stdout_lines)
                + "\nlog (tail):\n" + self.log_tail()
            )

    def _read_stdout(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            self.stdout_lines.append(line)
            m = re.search(r"Ruche is running at (\S+)", line)
            if m:
                self.announced_url = m.group(1)
            m = re.search(r"Administrator login: (\S+) / (\S+)", line)
            if m:
                self.admin_user, self.password = m.group(1), m.group(2)
            if self.announced_url and self.password:
                self._ready.set()
        self._ready.set()  # the process ended: stop waiting

    def log_tail(self, n: int = 40) -> str:
        try:
            return "".join(self.log_path.read_text("utf-8", "replace").splitlines(True)[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.proc.stdout.closed:
            return  # already stopped
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(10)
        self._reader.join(5)
        self.proc.stdout.close()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_clip(path: Path) -> bytes:
    """A 3-second 640×360 H.264/AAC clip (above both target resolutions)."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=duration=3:size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
         "-movflags", "+faststart", str(path)],
        check=True,
    )
    return path.read_bytes()


# --- the session shared by all tests ------------------------------------------------------------


@dataclass
class Session:
    server: Server
    client: Client
    clip: bytes
    # B, the second server: it follows A and reads A's objects as remote ones.
    server_b: Server | None = None
    client_b: Client | None = None
    oauth_client: Response | None = None
    token: Response | None = None
    upload: Response | None = None
    video_uuid: str | None = None
    video: dict = field(default_factory=dict)


S: Session | None = None


def _cleanup():
    global S
    while SERVERS:
        SERVERS.pop().stop()
    S = None


def _on_signal(signum, _frame):
    _cleanup()
    sys.exit(128 + signum)


def login(server: Server, client: Client) -> tuple[Response, Response]:
    """The administrator's login, the PeerTube way: the local OAuth client, then the password
    grant. Gives both answers and leaves the token on the client."""
    oauth_client = client.get("/api/v1/oauth-clients/local", auth=False)
    creds = oauth_client.json()
    token = client.request(
        "POST", "/api/v1/users/token",
        body=urlencode({
            "client_id": creds["client_id"], "client_secret": creds["client_secret"],
            "grant_type": "password", "response_type": "code",
            "username": server.admin_user, "password": server.password,
        }).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=False,
    )
    if token.status != 200:
        raise RuntimeError(f"login on {server.name} failed: " + token.describe())
    client.token = token.json()["access_token"]
    return oauth_client, token


def setUpModule():
    global S
    atexit.register(_cleanup)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        server = Server("A")
        client = Client(server.url)
        clip = make_clip(server.tmp / "clip.mp4")
        S = Session(server, client, clip)
        S.oauth_client, S.token = login(server, client)
        # B is started the same way as A. It uploads nothing, so it never transcodes: the
        # remote video it shows is A's, files and all.
        S.server_b = Server("B")
        S.client_b = Client(S.server_b.url)
        login(S.server_b, S.client_b)

        body, ctype = multipart({"name": "Contract clip", "channelId": "1"},
                                {"videofile": ("clip.mp4", "video/mp4", clip)})
        S.upload = client.request("POST", "/api/v1/videos/upload", body=body,
                                  headers={"Content-Type": ctype})
        if S.upload.status != 200:
            raise RuntimeError("upload failed: " + S.upload.describe())
        S.video_uuid = S.upload.json()["video"]["uuid"]
        S.video = wait_transcoded(client, S.video_uuid)
    except BaseException:
        _cleanup()
        raise


def tearDownModule():
    _cleanup()


def wait_transcoded(client: Client, video_uuid: str) -> dict:
    deadline = time.monotonic() + TRANSCODE_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        r = client.get(f"/api/v1/videos/{video_uuid}")
        if r.status == 200:
            last = r.json()
            playlists = last.get("streamingPlaylists") or []
            if ((last.get("state") or {}).get("id") == 1
                    and playlists and len(playlists[0].get("files") or []) == 2
                    and last.get("transcodingProgress") == 100):
                return last
        else:
            last = r.describe()
        if S is not None and S.server.proc.poll() is not None:
            raise RuntimeError("ruche exited while transcoding:\n" + S.server.log_tail())
        time.sleep(1)
    raise RuntimeError(
        f"video {video_uuid} not transcoded after {TRANSCODE_TIMEOUT:.0f}s; last answer: "
        f"{json.dumps(last)[:1500] if not isinstance(last, str) else last}"
    )


# --- assertions ---------------------------------------------------------------------------------


# Errors of PeerTube's OpenAPI 6.3 document on operations with no PeerTube capture to compare
# against, by (method, path) and the schema keyword that misfires, with the reason. The keyword
# `status` means the document gives another status than PeerTube answers with (see
# `assertNoContent`).
ERRATA = {
    ("GET", "/api/v1/oauth-clients/local"): {
        "pattern": "its patterns (/^[a-z0-9]$/) allow one character while minLength is 32; "
                   "the document's own example breaks them",
    },
    ("GET", "/api/v1/videos/languages"): {
        "type": "PeerTube answers an object keyed by code, like the categories and licences "
                "it was captured answering (the document says an array of strings for all four)",
    },
    ("POST", "/api/v1/users/me/subscriptions"): {
        "status": "PeerTube answers 204 No Content (addUserSubscription in server/core/"
                  "controllers/api/users/my-subscriptions.ts); the document says 200",
    },
    ("DELETE", "/api/v1/users/me/subscriptions/{subscriptionHandle}"): {
        "status": "PeerTube answers 204 No Content (deleteUserSubscription in server/core/"
                  "controllers/api/users/my-subscriptions.ts); the document says 200",
    },
}


class ContractCase(unittest.TestCase):
    maxDiff = None

    def assertConforms(self, method: str, doc_path: str, resp: Response, status: int = 200):
        """The response has the documented status, is JSON, and validates against the schema."""
        op = f"{method} {doc_path}"
        documented = oc.documented_statuses(doc_path, method)
        self.assertEqual(
            resp.status, status,
            f"{op}: expected {status} (the document lists {', '.join(documented)}), got "
            + resp.describe(),
        )
        ctype = (resp.header("content-type") or "").split(";")[0].strip()
        problems = []
        if ctype != "application/json":
            problems.append(f"Content-Type: the document gives an application/json body, "
                            f"Ruche sent {resp.header('content-type')!r}")
        body = resp.json()
        schema = oc.response_schema_ref(doc_path, method, status)
        found = oc.violations(body, schema)
        fixture, peertube_keys = oc.peertube_violation_keys(method, doc_path, status)
        errata = ERRATA.get((method, doc_path), {})
        for v in found:
            # Compatible means "as PeerTube answers": where real PeerTube 8.0.1 breaks its own
            # document at the same place, the document is wrong, not us. Say so, don't fail.
            if fixture and v.key in peertube_keys:
                print(f"  note: {op}: {v.json_path}: PeerTube 8.0.1 does the same ({fixture}); document erratum",
                      file=sys.stderr)
                continue
            keyword = v.schema_path.rsplit("/", 1)[-1]
            if keyword in errata:
                print(f"  note: {op}: {v.json_path}: document erratum: {errata[keyword]}", file=sys.stderr)
                continue
            problems.append(v.render())
        if problems:
            self.fail(
                f"{op} (requested {resp.method} {resp.target}): {len(problems)} violation(s) of "
                f"the schema at {schema['$ref'].split('#', 1)[1]}\n" + "\n".join(problems)
            )
        return body

    def assertNoContent(self, method: str, doc_path: str, resp: Response, status: int = 204):
        """An answer the document gives no body for: the status, and nothing in the body. Where
        the document gives another status than PeerTube answers with, an erratum says so."""
        op = f"{method} {doc_path}"
        documented = oc.documented_statuses(doc_path, method)
        if str(status) not in documented:
            reason = ERRATA.get((method, doc_path), {}).get("status")
            self.assertIsNotNone(
                reason, f"{op}: the test expects {status}, which the document does not list "
                        f"({', '.join(documented)}), and no erratum explains why")
            print(f"  note: {op}: expecting {status}: document erratum: {reason}", file=sys.stderr)
        self.assertEqual(resp.status, status,
                         f"{op}: expected {status} (the document lists {', '.join(documented)}), "
                         f"got " + resp.describe())
        self.assertEqual(resp.body, b"", f"{op} → {status}: a body was sent: " + resp.describe())

    def assertHeaderConforms(self, method: str, doc_path: str, status: int, resp: Response,
                             name: str, required: bool = True) -> str | None:
        value = resp.header(name)
        if value is None:
            if required:
                self.fail(f"{method} {doc_path} → {status}: the {name} header is missing; "
                          f"headers sent: {resp.headers}")
            return None
        schema = oc.header_schema(doc_path, method, status, name)
        self.assertIsNotNone(schema, f"the document describes no {name} header for {method} "
                                     f"{doc_path} → {status}")
        instance = value
        if schema.get("type") in ("number", "integer"):
            try:
                instance = int(value)
            except ValueError:
                pass
        # Header values are checked for their type only: the document's `format: url` for
        # Location comes with a relative example, so its format is no absolute-URL assertion.
        bare = {k: v for k, v in schema.items() if k != "format"}
        errs = list(oc.Validator(bare).iter_errors(instance))
        if errs:
            self.fail(f"{method} {doc_path} → {status}: header {name}: {value!r}: "
                      + "; ".join(e.message for e in errs))
        return value


# --- the endpoints ------------------------------------------------------------------------------


class Auth(ContractCase):
    """OAuth client, login, the logged-in user."""

    def test_get_oauth_clients_local(self):
        """GET /api/v1/oauth-clients/local"""
        self.assertConforms("GET", "/api/v1/oauth-clients/local", S.oauth_client)

    def test_post_users_token(self):
        """POST /api/v1/users/token (password grant)"""
        self.assertConforms("POST", "/api/v1/users/token", S.token)

    def test_get_users_me(self):
        """GET /api/v1/users/me"""
        self.assertConforms("GET", "/api/v1/users/me", S.client.get("/api/v1/users/me"))

    def test_get_users_me_video_quota_used(self):
        """GET /api/v1/users/me/video-quota-used"""
        self.assertConforms("GET", "/api/v1/users/me/video-quota-used",
                            S.client.get("/api/v1/users/me/video-quota-used"))

    def test_get_users_me_videos(self):
        """GET /api/v1/users/me/videos"""
        body = self.assertConforms("GET", "/api/v1/users/me/videos",
                                   S.client.get("/api/v1/users/me/videos"))
        self.assertGreaterEqual(body["total"], 1)


class Instance(ContractCase):
    """Server configuration and the constant lists."""

    def test_get_config(self):
        """GET /api/v1/config"""
        self.assertConforms("GET", "/api/v1/config", S.client.get("/api/v1/config", auth=False))

    def test_get_videos_categories(self):
        """GET /api/v1/videos/categories"""
        self.assertConforms("GET", "/api/v1/videos/categories",
                            S.client.get("/api/v1/videos/categories", auth=False))

    def test_get_videos_licences(self):
        """GET /api/v1/videos/licences"""
        self.assertConforms("GET", "/api/v1/videos/licences",
                            S.client.get("/api/v1/videos/licences", auth=False))

    def test_get_videos_languages(self):
        """GET /api/v1/videos/languages"""
        self.assertConforms("GET", "/api/v1/videos/languages",
                            S.client.get("/api/v1/videos/languages", auth=False))

    def test_get_videos_privacies(self):
        """GET /api/v1/videos/privacies"""
        self.assertConforms("GET", "/api/v1/videos/privacies",
                            S.client.get("/api/v1/videos/privacies", auth=False))


class Videos(ContractCase):
    """Uploads and the video that came of them."""

    def test_post_videos_upload(self):
        """POST /api/v1/videos/upload (legacy multipart)"""
        self.assertConforms("POST", "/api/v1/videos/upload", S.upload)

    def test_get_videos(self):
        """GET /api/v1/videos"""
        body = self.assertConforms("GET", "/api/v1/videos", S.client.get("/api/v1/videos", auth=False))
        self.assertIn(S.video_uuid, [v.get("uuid") for v in body["data"]])

    def test_get_video(self):
        """GET /api/v1/videos/{id} (a transcoded video)"""
        self.assertConforms("GET", "/api/v1/videos/{id}",
                            S.client.get(f"/api/v1/videos/{S.video_uuid}", auth=False))

    def test_comment_threads(self):
        """POST then GET /api/v1/videos/{id}/comment-threads, GET one thread"""
        body = json.dumps({"text": "Une belle vidéo"}).encode()
        posted = self.assertConforms(
            "POST", "/api/v1/videos/{id}/comment-threads",
            S.client.request("POST", f"/api/v1/videos/{S.video_uuid}/comment-threads", body=body,
                             headers={"Content-Type": "application/json"}))
        thread = posted["comment"]["id"]
        listed = self.assertConforms(
            "GET", "/api/v1/videos/{id}/comment-threads",
            S.client.get(f"/api/v1/videos/{S.video_uuid}/comment-threads", auth=False))
        self.assertIn(thread, [c["id"] for c in listed["data"]])
        self.assertConforms(
            "GET", "/api/v1/videos/{id}/comment-threads/{threadId}",
            S.client.get(f"/api/v1/videos/{S.video_uuid}/comment-threads/{thread}", auth=False))

    def test_put_rate(self):
        """PUT /api/v1/videos/{id}/rate → 204"""
        r = S.client.request("PUT", f"/api/v1/videos/{S.video_uuid}/rate",
                             body=json.dumps({"rating": "like"}).encode(),
                             headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 204, r.describe())

    def test_post_upload_resumable(self):
        """POST /api/v1/videos/upload-resumable → 201 + Location"""
        r = resumable_upload(self)["init"]
        path = "/api/v1/videos/upload-resumable"
        self.assertEqual(r.status, 201, f"POST {path}: expected 201 (the document lists "
                         f"{', '.join(oc.documented_statuses(path, 'post'))}), got " + r.describe())
        self.assertHeaderConforms("POST", path, 201, r, "Location")
        self.assertHeaderConforms("POST", path, 201, r, "Content-Length", required=False)

    def test_put_upload_resumable(self):
        """PUT /api/v1/videos/upload-resumable (chunks → 308 + Range, last → 200 + video)"""
        flow = resumable_upload(self)
        path = "/api/v1/videos/upload-resumable"
        documented = ", ".join(oc.documented_statuses(path, "put"))
        self.assertTrue(flow["chunks"], "no chunk was sent: " + flow["init"].describe())
        for end, r in flow["chunks"][:-1]:
            self.assertEqual(r.status, 308, f"PUT {path} (a chunk ending at byte {end}): expected "
                             f"308 (the document lists {documented}), got " + r.describe())
            rng = self.assertHeaderConforms("PUT", path, 308, r, "Range")
            self.assertEqual(rng, f"bytes=0-{end}",
                             f"PUT {path}: the Range of a 308 should cover what was received")
        _, last = flow["chunks"][-1]
        body = self.assertConforms("PUT", path, last)
        self.assertIn("uuid", body.get("video", {}))


_resumable: dict | None = None


def resumable_upload(case: unittest.TestCase) -> dict:
    """The resumable protocol once per run: init, then the clip in three chunks."""
    global _resumable
    if _resumable is not None:
        return _resumable
    c, clip = S.client, S.clip
    total = len(clip)
    init = c.request(
        "POST", "/api/v1/videos/upload-resumable",
        body=json.dumps({"name": "Contract clip (resumable)", "channelId": 1,
                         "filename": "clip.mp4"}).encode(),
        headers={"Content-Type": "application/json", "X-Upload-Content-Length": str(total),
                 "X-Upload-Content-Type": "video/mp4"},
    )
    flow = {"init": init, "chunks": []}
    _resumable = flow
    location = init.header("location")
    if init.status not in (200, 201) or not location:
        return flow
    target = urljoin(c.base_url + "/", location)
    parts = urlsplit(target)
    if (parts.hostname, parts.port) != (c.host, c.port):
        case.fail(f"Location {location!r} does not point at this server ({c.base_url})")
    target = parts.path + ("?" + parts.query if parts.query else "")
    size = -(-total // 3)
    for start in range(0, total, size):
        chunk = clip[start:start + size]
        end = start + len(chunk) - 1
        r = c.request("PUT", target, body=chunk, headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": f"bytes {start}-{end}/{total}",
        })
        flow["chunks"].append((end, r))
        if r.status != 308:
            break
    return flow


class Profiles(ContractCase):
    """The channel and account that own the video."""

    @property
    def channel(self) -> str:
        name = (S.video.get("channel") or {}).get("name")
        self.assertTrue(name, "the video's channel.name is missing: no channel handle to query")
        return name

    @property
    def account(self) -> str:
        name = (S.video.get("account") or {}).get("name")
        self.assertTrue(name, "the video's account.name is missing: no account name to query")
        return name

    def test_get_video_channel(self):
        """GET /api/v1/video-channels/{channelHandle}"""
        self.assertConforms("GET", "/api/v1/video-channels/{channelHandle}",
                            S.client.get(f"/api/v1/video-channels/{quote(self.channel)}", auth=False))

    def test_get_video_channel_videos(self):
        """GET /api/v1/video-channels/{channelHandle}/videos"""
        body = self.assertConforms(
            "GET", "/api/v1/video-channels/{channelHandle}/videos",
            S.client.get(f"/api/v1/video-channels/{quote(self.channel)}/videos", auth=False))
        self.assertGreaterEqual(body["total"], 1)

    def test_get_account(self):
        """GET /api/v1/accounts/{name}"""
        self.assertConforms("GET", "/api/v1/accounts/{name}",
                            S.client.get(f"/api/v1/accounts/{quote(self.account)}", auth=False))

    def test_get_account_videos(self):
        """GET /api/v1/accounts/{name}/videos"""
        body = self.assertConforms(
            "GET", "/api/v1/accounts/{name}/videos",
            S.client.get(f"/api/v1/accounts/{quote(self.account)}/videos", auth=False))
        self.assertGreaterEqual(body["total"], 1)

    def test_get_account_video_channels(self):
        """GET /api/v1/accounts/{name}/video-channels"""
        body = self.assertConforms(
            "GET", "/api/v1/accounts/{name}/video-channels",
            S.client.get(f"/api/v1/accounts/{quote(self.account)}/video-channels", auth=False))
        self.assertGreaterEqual(body["total"], 1)


# --- federation ---------------------------------------------------------------------------------


def _json_or_none(r: Response):
    try:
        return json.loads(r.body)
    except ValueError:
        return None


def _entries(r: Response) -> list[dict]:
    """The `data` of a list answer, or nothing if it is not one."""
    body = _json_or_none(r) if r.status == 200 else None
    data = body.get("data") if isinstance(body, dict) else None
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def follow_of(r: Response, side: str, host: str) -> dict | None:
    """The follow in a `/server/following` or `/server/followers` answer whose `side` end
    (`following` or `follower`) is on `host`."""
    for f in _entries(r):
        if isinstance(f.get(side), dict) and f[side].get("host") == host:
            return f
    return None


def listed_channel(r: Response, name: str, host: str) -> dict | None:
    for c in _entries(r):
        if c.get("name") == name and c.get("host") == host:
            return c
    return None


def poll(deadline: float, request, done) -> Response:
    """Asks again (every 0.2 s) until `done` holds for the answer or the `deadline` (a
    `time.monotonic()` value) passes, and gives the last answer either way: a test then fails on
    what the server last said, which tells more than a timeout would. It stops early when a
    server has exited, since nothing would change any more."""
    while True:
        r = request()
        if done(r) or time.monotonic() >= deadline:
            return r
        if any(srv.proc.poll() is not None for srv in (S.server, S.server_b)):
            return r
        time.sleep(0.2)


JSON_BODY = {"Content-Type": "application/json"}


class Federation(ContractCase):
    """Two servers federating: B follows A, a user of B subscribes to A's channel, A's video,
    account and channel are read on B, then B stops following.

    The whole exchange runs once, in order, in `setUpClass`, and each test checks one of its
    answers: the unsubscribe and unfollow must come after every read of A's objects on B, and
    tests run in alphabetical order, not in the order of the exchange."""

    r: dict[str, Response] = {}

    def assertConformsThenRead(self, method: str, doc_path: str, resp: Response) -> dict:
        """The schema check as a sub-test of its own, then the body: the checks of what the
        answer says (A's host, `accepted`…) still run and report when the schema check fails."""
        with self.subTest("schema"):
            self.assertConforms(method, doc_path, resp)
        body = _json_or_none(resp) if resp.status == 200 else None
        self.assertIsInstance(body, dict, "no answer to check further: " + resp.describe())
        return body

    @classmethod
    def setUpClass(cls):
        a, b = S.client, S.client_b
        host_a, host_b = S.server.host, S.server_b.host
        cls.host_a, cls.host_b = host_a, host_b
        cls.account_name = (S.video.get("account") or {}).get("name")
        cls.channel_name = (S.video.get("channel") or {}).get("name")
        if not (cls.account_name and cls.channel_name):
            raise RuntimeError("A's video names no account or channel: "
                               + json.dumps(S.video)[:500])
        cls.account_handle = f"{cls.account_name}@{host_a}"
        cls.channel_handle = f"{cls.channel_name}@{host_a}"
        r = cls.r = {}
        # One deadline for every wait of the exchange, so that a follow that is never accepted
        # costs FEDERATION_TIMEOUT once, not once for each answer that depends on it.
        deadline = time.monotonic() + FEDERATION_TIMEOUT

        # B's administrator follows A's instance; A accepts follows of its own accord.
        r["follow"] = b.request("POST", "/api/v1/server/following",
                                body=json.dumps({"hosts": [host_a]}).encode(), headers=JSON_BODY)
        r["following"] = poll(
            deadline, lambda: b.get("/api/v1/server/following"),
            lambda x: (follow_of(x, "following", host_a) or {}).get("state") == "accepted")
        r["followers"] = poll(
            deadline, lambda: a.get("/api/v1/server/followers"),
            lambda x: (follow_of(x, "follower", host_b) or {}).get("state") == "accepted")

        # A's clip was published before the follow: B gets it by reading A's outbox once the
        # follow is accepted.
        r["remote_videos"] = poll(
            deadline, lambda: b.get("/api/v1/videos?isLocal=false", auth=False),
            lambda x: S.video_uuid in [v.get("uuid") for v in _entries(x)])
        r["remote_video"] = b.get(f"/api/v1/videos/{S.video_uuid}", auth=False)
        r["remote_account"] = b.get(f"/api/v1/accounts/{quote(cls.account_handle, safe='@:')}",
                                    auth=False)
        r["remote_channel"] = b.get(
            f"/api/v1/video-channels/{quote(cls.channel_handle, safe='@:')}", auth=False)

        # B's administrator, as a user, subscribes to A's channel, then unsubscribes.
        r["subscribe"] = b.request("POST", "/api/v1/users/me/subscriptions",
                                   body=json.dumps({"uri": cls.channel_handle}).encode(),
                                   headers=JSON_BODY)
        r["subscriptions"] = poll(
            deadline, lambda: b.get("/api/v1/users/me/subscriptions"),
            lambda x: listed_channel(x, cls.channel_name, host_a) is not None)
        r["unsubscribe"] = b.request(
            "DELETE", f"/api/v1/users/me/subscriptions/{quote(cls.channel_handle, safe='@:')}")
        r["subscriptions_after"] = poll(
            deadline, lambda: b.get("/api/v1/users/me/subscriptions"),
            lambda x: x.status == 200 and listed_channel(x, cls.channel_name, host_a) is None)

        # Last, B stops following A.
        r["unfollow"] = b.request("DELETE",
                                  f"/api/v1/server/following/{quote(host_a, safe=':')}")
        r["following_after"] = poll(
            deadline, lambda: b.get("/api/v1/server/following"),
            lambda x: x.status == 200 and follow_of(x, "following", host_a) is None)

    def test_post_server_following(self):
        """POST /api/v1/server/following {"hosts": [A]} on B → 204"""
        self.assertNoContent("POST", "/api/v1/server/following", self.r["follow"])

    def test_get_server_following(self):
        """GET /api/v1/server/following on B (A, accepted)"""
        resp = self.r["following"]
        body = self.assertConformsThenRead("GET", "/api/v1/server/following", resp)
        self.assertGreaterEqual(body["total"], 1)
        f = follow_of(resp, "following", self.host_a)
        self.assertIsNotNone(f, f"B's following does not list A ({self.host_a}): "
                                + resp.describe())
        self.assertEqual(f["state"], "accepted", f"B's follow of A is not accepted (waited up "
                                                 f"to {FEDERATION_TIMEOUT:.0f}s)")
        self.assertEqual(f["follower"].get("host"), self.host_b)

    def test_get_server_followers(self):
        """GET /api/v1/server/followers on A (B, accepted)"""
        resp = self.r["followers"]
        body = self.assertConformsThenRead("GET", "/api/v1/server/followers", resp)
        self.assertGreaterEqual(body["total"], 1)
        f = follow_of(resp, "follower", self.host_b)
        self.assertIsNotNone(f, f"A's followers do not list B ({self.host_b}): " + resp.describe())
        self.assertEqual(f["state"], "accepted")
        self.assertEqual(f["following"].get("host"), self.host_a)

    def test_delete_server_following(self):
        """DELETE /api/v1/server/following/{hostOrHandle} on B → 204, and A is no longer listed"""
        self.assertNoContent("DELETE", "/api/v1/server/following/{hostOrHandle}",
                             self.r["unfollow"])
        after = self.r["following_after"]
        self.assertIsNone(follow_of(after, "following", self.host_a),
                          "B still lists A among its follows: " + after.describe())

    def test_post_users_me_subscriptions(self):
        """POST /api/v1/users/me/subscriptions {"uri": "root_channel@A"} on B → 204"""
        self.assertNoContent("POST", "/api/v1/users/me/subscriptions", self.r["subscribe"])

    def test_get_users_me_subscriptions(self):
        """GET /api/v1/users/me/subscriptions on B (A's channel)"""
        resp = self.r["subscriptions"]
        body = self.assertConformsThenRead("GET", "/api/v1/users/me/subscriptions", resp)
        self.assertGreaterEqual(body["total"], 1)
        self.assertIsNotNone(listed_channel(resp, self.channel_name, self.host_a),
                             f"{self.channel_handle} is not among the subscriptions: "
                             + resp.describe())

    def test_delete_users_me_subscriptions(self):
        """DELETE /api/v1/users/me/subscriptions/{subscriptionHandle} on B → 204, and gone"""
        self.assertNoContent("DELETE", "/api/v1/users/me/subscriptions/{subscriptionHandle}",
                             self.r["unsubscribe"])
        after = self.r["subscriptions_after"]
        self.assertEqual(after.status, 200, after.describe())
        self.assertIsNone(listed_channel(after, self.channel_name, self.host_a),
                          f"{self.channel_handle} is still among the subscriptions: "
                          + after.describe())

    def test_get_remote_videos(self):
        """GET /api/v1/videos?isLocal=false on B (A's video)"""
        resp = self.r["remote_videos"]
        body = self.assertConformsThenRead("GET", "/api/v1/videos", resp)
        self.assertIn(S.video_uuid, [v.get("uuid") for v in body["data"]],
                      f"A's video did not reach B (waited up to {FEDERATION_TIMEOUT:.0f}s)")
        self.assertEqual([v.get("uuid") for v in body["data"] if v.get("isLocal") is not False],
                         [], "isLocal=false listed videos that are not remote")

    def test_get_remote_video(self):
        """GET /api/v1/videos/{id} on B (A's video: not local, its HLS files at A)"""
        body = self.assertConformsThenRead("GET", "/api/v1/videos/{id}",
                                           self.r["remote_video"])
        self.assertIs(body.get("isLocal"), False)
        self.assertEqual((body.get("account") or {}).get("host"), self.host_a)
        self.assertEqual((body.get("channel") or {}).get("host"), self.host_a)
        playlists = body.get("streamingPlaylists") or []
        self.assertTrue(playlists, "the remote video has no streamingPlaylists")
        at_a = S.server.url + "/"
        for p in playlists:
            self.assertTrue(str(p.get("playlistUrl")).startswith(at_a),
                            f"playlistUrl {p.get('playlistUrl')!r} is not at A ({at_a})")
            for f in p.get("files") or []:
                self.assertTrue(str(f.get("fileUrl")).startswith(at_a),
                                f"fileUrl {f.get('fileUrl')!r} is not at A ({at_a})")

        def resolutions(video):
            return sorted((f.get("resolution") or {}).get("id")
                          for p in video.get("streamingPlaylists") or []
                          for f in p.get("files") or [])

        self.assertEqual(resolutions(body), resolutions(S.video),
                         "B does not show the HLS files A has")

    def test_get_remote_account(self):
        """GET /api/v1/accounts/{name} on B, name = root@A"""
        body = self.assertConformsThenRead("GET", "/api/v1/accounts/{name}",
                                           self.r["remote_account"])
        self.assertEqual((body.get("name"), body.get("host")), (self.account_name, self.host_a))

    def test_get_remote_video_channel(self):
        """GET /api/v1/video-channels/{channelHandle} on B, handle = root_channel@A"""
        body = self.assertConformsThenRead("GET", "/api/v1/video-channels/{channelHandle}",
                                           self.r["remote_channel"])
        self.assertEqual((body.get("name"), body.get("host")), (self.channel_name, self.host_a))
        self.assertIs(body.get("isLocal"), False)


# --- errors -------------------------------------------------------------------------------------


def documented_error_shape() -> tuple[str | None, dict[str, type]]:
    """What the document says of errors. It defines no error schema: its `Errors` section (in
    `info.description`) shows RFC 7807 bodies instead, each after `HTTP 1.1 <status>` and a
    `Content-Type` line. Members present in every example are taken as documented, with the JSON
    type they have there; the Content-Type is the one the examples give."""
    text = oc.DOCUMENT["info"]["description"]
    section = text.split("# Errors", 1)[1].split("\n# ", 1)[0]
    examples, ctypes = [], set()
    for block in re.findall(r"```\n(.*?)```", section, re.S):
        m = re.search(r"Content-Type:\s*([^;\s]+)", block)
        if m:
            ctypes.add(m.group(1))
        j = block.find("{")
        if j >= 0:
            examples.append(json.loads(block[j:]))
    if not examples:
        raise LookupError("the document's Errors section has no example body any more")
    keys = set.intersection(*(set(e) for e in examples))
    kinds = {k: type(examples[0][k]) for k in sorted(keys)}
    return (ctypes.pop() if len(ctypes) == 1 else None), kinds


_JSON_TYPE = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object",
              list: "array"}


class Errors(ContractCase):
    """An error answer, against the document's description of errors (it has no error schema)."""

    def assertDocumentedError(self, target: str, status: int | None = None):
        r = S.client.get(target, auth=False)
        if status is None:
            self.assertTrue(400 <= r.status < 500, f"expected a 4xx: {r.describe()}")
        else:
            self.assertEqual(r.status, status, f"expected {status}: {r.describe()}")
        ctype, kinds = documented_error_shape()
        problems = []
        sent = (r.header("content-type") or "").split(";")[0].strip()
        if ctype and sent != ctype:
            problems.append(f"Content-Type: the document's error examples use {ctype}, "
                            f"Ruche sent {r.header('content-type')!r}")
        body = r.json()
        if not isinstance(body, dict):
            self.fail(f"GET {target} → {r.status}: the error body is not an object: {body!r}")
        for k, t in kinds.items():
            if k not in body:
                problems.append(f"$: {k!r} is missing (every error example in the document has "
                                f"it, a {_JSON_TYPE[t]}, e.g. {documented_example(k)!r})")
            elif not isinstance(body[k], t) or (t is int and isinstance(body[k], bool)):
                problems.append(f"$.{k}: {body[k]!r} is not of type {_JSON_TYPE[t]!r}")
        if isinstance(body.get("status"), int) and body["status"] != r.status:
            problems.append(f"$.status: {body['status']} differs from the HTTP status {r.status}")
        if problems:
            self.fail(f"GET {target} → {r.status}: {len(problems)} departure(s) from the "
                      f"document's Errors section\n" + "\n".join(problems)
                      + f"\nbody: {r.body[:500].decode('utf-8', 'replace')}")

    def test_error_malformed_video_id(self):
        """GET /api/v1/videos/does-not-exist → 4xx problem+json"""
        self.assertDocumentedError("/api/v1/videos/does-not-exist")

    def test_error_unknown_video(self):
        """GET /api/v1/videos/{unknown uuid} → 404 problem+json"""
        self.assertDocumentedError(f"/api/v1/videos/{uuid.uuid4()}", 404)


def documented_example(key: str):
    text = oc.DOCUMENT["info"]["description"]
    m = re.search(r'"%s":\s*("[^"]*"|\d+)' % re.escape(key), text)
    return json.loads(m.group(1)) if m else None


if __name__ == "__main__":
    unittest.main(verbosity=2)
