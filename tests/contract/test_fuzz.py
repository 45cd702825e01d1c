"""Schemathesis against Ruche's own OpenAPI document (`/api/v1/openapi.json`, made from the route
table): every operation is called with generated and boundary inputs, and each answer must not
be a server error, must have a documented status and content type, and must match its schema.

A fresh `$RUCHE_BIN serve` gets a transcoded video, a comment thread and a playlist first, so
that ids 1 name something. Uploads are left out (multipart bodies of media), and so is what
would make the server reach other hosts from a logged-in user (following, subscribing, and
searching by URL or handle, which fetches for users): the search operations are fuzzed
anonymously instead, which fetches nothing, as PeerTube's defaults say. Loopback only.

The run is deterministic (a fixed seed; `RUCHE_FUZZ_SEED` picks another, `RUCHE_FUZZ_EXAMPLES`
more examples per operation).
"""

import json
import os
import subprocess
import sys
import unittest
from pathlib import Path

from test_contract import SERVERS, Client, Server, login, make_clip, multipart, wait_transcoded

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Uploads, the token's own revocation, and what reaches other hosts.
EXCLUDED = r"upload|replace-resumable|/pick$|revoke-token|/server/following|/users/me/subscriptions$"
SEARCH = r"^/api/v1/search/"


def fuzz(server: Server, token: str | None, *filters: str) -> subprocess.CompletedProcess:
    args = [
        SCHEMATHESIS, "run", f"{server.url}/api/v1/openapi.json",
        "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", os.environ.get("RUCHE_FUZZ_EXAMPLES", "25"),
        "--seed", os.environ.get("RUCHE_FUZZ_SEED", "20261206"),
        # One worker: CPython 3.11's `ast.parse` keeps its recursion count per interpreter, not per
        # call, so two threads describing hypothesis lambdas at once can fail with "SystemError:
        # AST constructor recursion depth mismatch" (cpython#106905, fixed in 3.13). The
        # generation holds the GIL anyway, so a second thread bought little.
        "--workers", "1",
        "--request-timeout", "20",
        "--no-color",
        *filters,
    ]
    if token:
        args += ["--header", f"Authorization: Bearer {token}"]
    return subprocess.run(args, capture_output=True, text=True, timeout=900)


class Fuzz(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("fuzz")
        client = Client(cls.server.url)
        login(cls.server, client)
        cls.token = client.token
        clip = make_clip(cls.server.tmp / "clip.mp4")
        body, ctype = multipart({"name": "Fuzz clip", "channelId": "1"},
                                {"videofile": ("clip.mp4", "video/mp4", clip)})
        up = client.request("POST", "/api/v1/videos/upload", body=body,
                            headers={"Content-Type": ctype})
        assert up.status == 200, up.describe()
        uuid = up.json()["video"]["uuid"]
        wait_transcoded(client, uuid)
        thread = client.request("POST", f"/api/v1/videos/{uuid}/comment-threads",
                                body=json.dumps({"text": "A first comment"}).encode(),
                                headers={"Content-Type": "application/json"})
        assert thread.status == 200, thread.describe()
        playlist = client.request("POST", "/api/v1/video-playlists",
                                  body=json.dumps({"displayName": "Fuzz list", "privacy": 1,
                                                   "videoChannelId": 1}).encode(),
                                  headers={"Content-Type": "application/json"})
        assert playlist.status == 200, playlist.describe()

    @classmethod
    def tearDownClass(cls):
        if cls.server in SERVERS:
            SERVERS.remove(cls.server)
        cls.server.stop()

    def assertClean(self, run: subprocess.CompletedProcess):
        self.assertEqual(run.returncode, 0,
                         f"schemathesis found failures:\n{run.stdout[-20000:]}\n{run.stderr[-4000:]}")

    def test_every_operation_as_a_logged_in_user(self):
        self.assertClean(fuzz(self.server, self.token,
                              "--exclude-path-regex", f"{EXCLUDED}|{SEARCH}"))

    def test_search_anonymously(self):
        self.assertClean(fuzz(self.server, None, "--include-path-regex", SEARCH))


if __name__ == "__main__":
    unittest.main()
