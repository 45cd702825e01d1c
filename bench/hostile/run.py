#!/usr/bin/env python3
"""Ruche under attack: legitimate traffic measured while hostile clients hit one `ruche serve`.

One release `ruche serve` (SQLite, loopback, fresh data dir) gets a 3 s video, published. Then,
phase by phase, 8 legitimate keep-alive clients (threads, http.client, source 127.0.0.1) measure
`GET /api/v1/videos` and the watch page `/w/<shortUUID>` for --seconds each, first unattacked, then
while each attack runs at full rate from other loopback addresses (127.0.0.2 ... 127.0.0.250):

  bodies      1 GiB declared bodies POSTed (streamed) to /api/v1/users/token, /login,
              /api/v1/users/register, /p/nosuchsite/contact            (expect 413 at once)
  slowloris   20,000 sockets that send a partial head and trickle one byte every few seconds;
              "fresh": the legitimate clients connect after the attack filled the server;
              "warm": they connected before it and keep their connections alive
  flood       256 concurrent password guesses (wrong password for root, or unknown users) on
              POST /api/v1/users/token, from one address and then from 249 addresses; first,
              as a control, as many token requests with an unsupported grant (no DB, no hash)
  pictures    30 concurrent avatar uploads of an 8000x5000 PNG (~120 kB, 40 MP: refused on its
              header) and of a 5000x5000 16-bit RGBA PNG (~200 kB, 25 MP: at the pixel cap,
              so it is decoded)

For each phase: p50, p99, req/s and errors of the legitimate requests, the p99 against the
unattacked baseline of the same run, the server's peak RSS (VmRSS sampled every 100 ms; VmHWM
too) and open fds, its CPU and the attacker's, and what the attack itself got back.

Attacks run in their own processes (asyncio or selectors, no thread per socket), the
legitimate clients in another one, so that no GIL is shared between them; on a 2-core machine
they still share the cores with the server, which the CPU columns show.

Usage: bench/hostile/run.py [--bin PATH] [--seconds 15] [--clients 8] [--only PHASE,...] [--server-env K=V]
Build first: CARGO_TARGET_DIR=~/.cache/ruche-target cargo build --release -p ruche
Prints Markdown for bench/RESULTS.md. Needs ffmpeg. Run as root (or with a hard RLIMIT_NOFILE
above 21,000) for the 20,000 slowloris sockets; otherwise their number is lowered to fit.
"""
import argparse
import asyncio
import collections
import errno
import heapq
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import resource
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import zlib

GIB = 1 << 30
LEGIT_SRC = "127.0.0.1"
ATTACK_SRCS = [f"127.0.0.{i}" for i in range(2, 251)]
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)
TARGETS = {"p99_ratio": 3.0, "rss_mb": 300}


# ------------------------------------------------------------------------------------------
# The server and /proc


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def proc_status(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def proc_cpu(pid):
    """CPU seconds (user + system) used by `pid` so far, threads included."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class Server:
    def __init__(self, binary, data, log_path, extra=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, RUCHE_DATA_DIR=data, RUCHE_LISTEN=f"127.0.0.1:{self.port}",
                   RUCHE_PUBLIC_URL=self.url, RUCHE_LOG="warn")
        env.update(extra or {})
        self.log = open(log_path, "w")
        self.p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.pid = self.p.pid
        self.password = None
        for line in self.p.stdout:
            m = re.search(r"login: root / (\S+)", line)
            if m:
                self.password = m.group(1)
                break
        if not self.password:
            raise RuntimeError(f"the server did not start; see {log_path}")
        # Keep draining stdout so that the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.p.stdout], daemon=True).start()
        self.client = json.loads(self.request("GET", "/api/v1/oauth-clients/local")[2])
        self.token = self.login("root", self.password)

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=(LEGIT_SRC, 0))
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def login(self, user, password):
        form = urllib.parse.urlencode({"client_id": self.client["client_id"], "client_secret": self.client["client_secret"],
                                       "grant_type": "password", "username": user, "password": password})
        st, _, b = self.request("POST", "/api/v1/users/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if st != 200:
            raise RuntimeError(f"login failed: {st} {b[:200]!r}")
        return json.loads(b)["access_token"]

    def auth(self, extra=None):
        h = {"Authorization": f"Bearer {self.token}"}
        h.update(extra or {})
        return h

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.log.close()


class Monitor(threading.Thread):
    """Samples the server's VmRSS and open fds every 100 ms; keeps the peaks of the phase."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.phase = None
        self.peaks = {}
        self.done = threading.Event()

    def begin(self, name):
        rss = proc_status(self.pid, "VmRSS")
        self.peaks[name] = {"start_rss_kb": rss, "rss_kb": rss, "fds": proc_fds(self.pid), "samples": 0,
                            "load": open("/proc/loadavg").read().split()[0]}
        self.phase = name

    def end(self):
        name, self.phase = self.phase, None
        p = self.peaks[name]
        p["hwm_kb"] = proc_status(self.pid, "VmHWM")
        return p

    def run(self):
        while not self.done.wait(0.1):
            name = self.phase
            if name is None:
                continue
            rss, fds = proc_status(self.pid, "VmRSS"), proc_fds(self.pid)
            p = self.peaks[name]
            p["rss_kb"] = max(p["rss_kb"], rss)
            p["fds"] = max(p["fds"], fds)
            p["samples"] += 1


# ------------------------------------------------------------------------------------------
# Content


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def multipart(fields, files, boundary=None):
    """fields: {name: str}; files: {name: (filename, content_type, bytes)}."""
    boundary = boundary or "----ruche-hostile-" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
    for k, (fn, ct, data) in files.items():
        out.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{fn}\"\r\n"
                   f"Content-Type: {ct}\r\n\r\n".encode())
        out.append(data)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def seed_video(srv, work):
    clip = os.path.join(work, "clip.mp4")
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=3", "-f", "lavfi", "-i", "sine=f=440:d=3",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip)
    with open(clip, "rb") as f:
        data = f.read()
    body, ct = multipart({"name": "Hostile bench clip", "channelId": "1", "privacy": "1"},
                         {"videofile": ("clip.mp4", "video/mp4", data)})
    st, _, b = srv.request("POST", "/api/v1/videos/upload", body, srv.auth({"Content-Type": ct}))
    if st != 200:
        raise RuntimeError(f"upload failed: {st} {b[:300]!r}")
    video = json.loads(b)["video"]
    deadline = time.monotonic() + 120
    while True:
        _, _, b = srv.request("GET", f"/api/v1/videos/{video['uuid']}", headers=srv.auth())
        v = json.loads(b)
        files = (v.get("streamingPlaylists") or [{}])[0].get("files", []) + (v.get("files") or [])
        if v["state"]["id"] == 1 and files and v.get("transcodingProgress", 100) in (100, None):
            break
        if v["state"]["id"] == 7:
            raise RuntimeError(f"transcoding failed: {v.get('transcodingError')}")
        if time.monotonic() > deadline:
            raise RuntimeError("the video was not published within 120 s")
        time.sleep(0.2)
    short = v.get("shortUUID") or video.get("shortUUID") or v["uuid"]
    st, _, b = srv.request("GET", "/api/v1/videos")
    listed = json.loads(b)
    if st != 200 or listed.get("total", 0) < 1:
        raise RuntimeError(f"GET /api/v1/videos does not list the video: {st} {b[:300]!r}")
    st, _, b = srv.request("GET", f"/w/{short}", headers={"Accept": "text/html"})
    if st != 200 or b"Hostile bench clip" not in b:
        raise RuntimeError(f"the watch page /w/{short} is not right: {st}")
    return short, len(listed.get("data", []))


def png(width, height, bit_depth, colour_type, pixel):
    """A solid-colour PNG, compressed row by row (never the whole raw picture in memory)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + pixel * width
    co = zlib.compressobj(9)
    parts = [co.compress(row) for _ in range(height)]
    parts.append(co.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


# ------------------------------------------------------------------------------------------
# Legitimate clients: a process of threads, driven through a pipe


def legit_entry(port, clients, pipe):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conns = [None] * clients

    def connect():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(LEGIT_SRC, 0))
        c.connect()
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def worker(i, path, accept, deadline, out):
        lat, errors, stats = [], collections.Counter(), collections.Counter()
        first_ok = None
        t_start = time.perf_counter()
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            ok = False
            for attempt in (0, 1):
                c = conns[i]
                reused = c is not None
                try:
                    if c is None:
                        c = conns[i] = connect()
                        stats["connections opened"] += 1
                    c.request("GET", path, headers={"Accept": accept})
                    r = c.getresponse()
                    r.read()
                    if r.will_close:
                        c.close()
                        conns[i] = None
                    if r.status == 200:
                        ok = True
                    else:
                        errors[f"HTTP {r.status}"] += 1
                    break
                except (OSError, http.client.HTTPException) as e:
                    if c is not None:
                        c.close()
                    conns[i] = None
                    # A kept-alive connection closed under us: retried once on a new one, as
                    # browsers do; counted as an error only if that fails too.
                    if reused and attempt == 0 and not isinstance(e, (TimeoutError, socket.timeout)):
                        stats["retried on a new connection"] += 1
                        continue
                    errors[type(e).__name__] += 1
                    break
            if ok:
                lat.append(time.perf_counter() - t0)
                if first_ok is None:
                    first_ok = time.perf_counter() - t_start
            else:
                time.sleep(0.1)  # a person would not hammer a failing page either
        out[i] = (lat, errors, stats, first_ok)

    def prober(deadline, out):
        """A new visitor every 100 ms: a new connection, one GET, closed."""
        n, lat, failed = 0, [], collections.Counter()
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            n += 1
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(LEGIT_SRC, 0))
            try:
                c.request("GET", "/api/v1/videos", headers={"Connection": "close"})
                r = c.getresponse()
                r.read()
                if r.status == 200:
                    lat.append(time.perf_counter() - t0)
                else:
                    failed[f"HTTP {r.status}"] += 1
            except (OSError, http.client.HTTPException) as e:
                failed[type(e).__name__] += 1
            finally:
                c.close()
            time.sleep(max(0.0, 0.1 - (time.perf_counter() - t0)))
        out["probe"] = (n, lat, failed)

    while True:
        cmd = pipe.recv()
        if cmd[0] == "connect":
            errs = collections.Counter()
            for i in range(clients):
                try:
                    c = connect()
                    c.request("GET", cmd[1])
                    r = c.getresponse()
                    r.read()
                    conns[i] = c
                except (OSError, http.client.HTTPException) as e:
                    errs[type(e).__name__] += 1
            pipe.send(dict(errs))
        elif cmd[0] == "measure":
            _, path, accept, seconds = cmd
            out = [None] * clients
            t0 = time.perf_counter()
            deadline = t0 + seconds
            threads = [threading.Thread(target=worker, args=(i, path, accept, deadline, out)) for i in range(clients)]
            probe = {}
            threads.append(threading.Thread(target=prober, args=(deadline, probe)))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            lat = sorted(x for o in out for x in o[0])
            errors, stats = collections.Counter(), collections.Counter()
            for o in out:
                errors.update(o[1])
                stats.update(o[2])
            firsts = [o[3] for o in out if o[3] is not None]
            pn, plat, pfailed = probe["probe"]
            pipe.send({"lat": lat, "errors": dict(errors), "stats": dict(stats), "elapsed": elapsed,
                       "probe": {"n": pn, "lat": sorted(plat), "failed": dict(pfailed)},
                       "first_ok_max": max(firsts) if len(firsts) == clients else None})
        elif cmd[0] == "close":
            for i, c in enumerate(conns):
                if c is not None:
                    c.close()
                conns[i] = None
            pipe.send("closed")
        elif cmd[0] == "quit":
            return


# ------------------------------------------------------------------------------------------
# Attacks: each in its own process; ("ready", …) when at full strength, ("done", stats) on "stop"


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = await reader.read()
    return status, headers, body


class Tally:
    def __init__(self):
        self.answers = collections.Counter()
        self.lat = []
        self.extra = collections.Counter()
        self.values = collections.defaultdict(list)

    def summary(self):
        lat = sorted(self.lat)
        return {"answers": dict(self.answers), "extra": dict(self.extra),
                "lat_p50": lat[len(lat) // 2] if lat else None,
                "lat_p99": lat[int(0.99 * (len(lat) - 1))] if lat else None,
                "values": {k: sorted(v) for k, v in self.values.items()}}


async def keepalive_worker(port, src, make_request, tally, stop, timeout=60):
    """Sends `make_request()` again and again on one kept-alive connection (a new one when the
    server closes it), counting the answers."""
    reader = writer = None
    while not stop.is_set():
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0))
                tally.extra["connections"] += 1
            t0 = time.monotonic()
            writer.write(make_request())
            status, headers, _ = await asyncio.wait_for(read_response(reader), timeout)
            tally.lat.append(time.monotonic() - t0)
            tally.answers[status] += 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        except asyncio.CancelledError:
            raise
        except asyncio.TimeoutError:
            tally.answers["no answer"] += 1
            writer.transport.abort()
            writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            tally.answers["closed/reset" if writer is not None else "connect failed"] += 1
            tally.extra[type(e).__name__] += 1
            if writer is not None:
                writer.transport.abort()
            writer = None
            await asyncio.sleep(0.05)
    if writer is not None:
        writer.transport.abort()


async def async_attack(kind, cfg, pipe):
    stop = asyncio.Event()
    tally = Tally()
    port = cfg["port"]
    tasks = []
    if kind == "flood":
        form = cfg["client"]

        def guess(i):
            def make():
                user = "root" if i % 2 == 0 else f"nobody{random.randrange(10**9)}"
                body = urllib.parse.urlencode({**form, "grant_type": cfg.get("grant", "password"), "username": user,
                                               "password": uuid.uuid4().hex}).encode()
                return (f"POST /api/v1/users/token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            return make
        srcs = ATTACK_SRCS[:cfg["addresses"]]
        for i in range(cfg["concurrency"]):
            tasks.append(asyncio.create_task(keepalive_worker(port, srcs[i % len(srcs)], guess(i), tally, stop)))
    elif kind == "pictures":
        body, ct = multipart({}, {"avatarfile": ("bomb.png", "image/png", cfg["png"])})
        req = (f"POST /api/v1/users/me/avatar/pick HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Bearer {cfg['token']}\r\nContent-Type: {ct}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        for i in range(cfg["concurrency"]):
            tasks.append(asyncio.create_task(keepalive_worker(port, ATTACK_SRCS[i % len(ATTACK_SRCS)], lambda: req, tally, stop, timeout=120)))
    await asyncio.sleep(cfg.get("ramp", 1.0))
    pipe.send(("ready", {}))
    loop = asyncio.get_running_loop()
    while not await loop.run_in_executor(None, pipe.poll, 0.2):
        pass
    pipe.recv()
    stop.set()
    await asyncio.sleep(0.2)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return tally.summary()


class Slow:
    __slots__ = ("sock", "src", "t0", "state", "next_send")


def slowloris(cfg, pipe):
    """Keeps up to cfg['count'] sockets open, each having sent a partial request head and
    trickling one more byte every cfg['trickle'] s. A socket the server closes is reopened at
    once; one it refuses (503) after cfg['retry'] s (with jitter)."""
    port, trickle, retry = cfg["port"], cfg["trickle"], cfg["retry"]
    count = cfg["count"] // cfg["shards"] + (1 if cfg["shard"] < cfg["count"] % cfg["shards"] else 0)
    srcs = ATTACK_SRCS[:cfg["addresses"]][cfg["shard"]::cfg["shards"]]
    sel = selectors.DefaultSelector()
    st = collections.Counter()
    holds = []
    opens = []  # heap of (due, seq, src)
    trickles = collections.deque()
    seq = 0
    live = 0
    held = 0  # connected, head sent, nothing heard back
    peak_held = 0
    peak_live = 0
    now = time.monotonic()
    ramp = cfg["ramp"]
    for i in range(count):
        heapq.heappush(opens, (now + ramp * i / count, i, srcs[i % len(srcs)]))
    seq = count
    ramp_end = now + ramp
    ready_sent = False
    stop = False
    head = b"GET /?slowloris HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-a: "
    last_sample = 0.0

    def close(s, reopen_in):
        nonlocal live, held, seq
        try:
            sel.unregister(s.sock)
        except (KeyError, ValueError):
            pass
        s.sock.close()
        if s.state == "held":
            held -= 1
        s.state = "closed"
        live -= 1
        if not stop:
            seq += 1
            heapq.heappush(opens, (time.monotonic() + reopen_in, seq, s.src))

    while True:
        now = time.monotonic()
        if not stop and pipe.poll():
            pipe.recv()
            stop = True
            break
        # Open what is due.
        n = 0
        while opens and opens[0][0] <= now and n < 2000:
            _, _, src = heapq.heappop(opens)
            n += 1
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                sock.bind((src, 0))
                err = sock.connect_ex(("127.0.0.1", port))
            except OSError as e:
                err = e.errno
            st["connect attempts"] += 1
            if err not in (0, errno.EINPROGRESS):
                st[f"connect error {errno.errorcode.get(err, err)}"] += 1
                sock.close()
                seq += 1
                heapq.heappush(opens, (now + retry, seq, src))
                continue
            s = Slow()
            s.sock, s.src, s.t0, s.state, s.next_send = sock, src, now, "connecting", 0.0
            live += 1
            sel.register(sock, selectors.EVENT_WRITE, s)
        peak_live = max(peak_live, live)
        if not ready_sent and now >= ramp_end + 2.0:
            pipe.send(("ready", {"live": live, "held": held}))
            ready_sent = True
        timeout = 0.05
        for key, mask in sel.select(timeout):
            s = key.data
            if s.state == "connecting":
                err = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    st[f"connect error {errno.errorcode.get(err, err)}"] += 1
                    close(s, retry)
                    continue
                try:
                    s.sock.send(head)
                except OSError as e:
                    st[f"send error {type(e).__name__}"] += 1
                    close(s, 0)
                    continue
                s.state = "held"
                s.t0 = time.monotonic()
                held += 1
                s.next_send = s.t0 + trickle * random.random()
                trickles.append(s)
                sel.modify(s.sock, selectors.EVENT_READ, s)
            else:
                try:
                    data = s.sock.recv(4096)
                except OSError as e:
                    data = None
                    st[f"reset {type(e).__name__}"] += 1
                held_for = time.monotonic() - s.t0
                if data and data.startswith(b"HTTP/1.1 503"):
                    st["503 (refused: server full)"] += 1
                    close(s, retry * (0.5 + random.random()))
                elif data and data.startswith(b"HTTP/"):
                    st[f"HTTP {data[9:12].decode('latin-1')} after holding"] += 1
                    holds.append(held_for)
                    close(s, 0)
                else:
                    st["closed by the server after holding"] += 1
                    holds.append(held_for)
                    close(s, 0)
        # Trickle one byte on the sockets that are due (FIFO: they share one interval).
        now = time.monotonic()
        n = 0
        while trickles and n < 5000:
            s = trickles[0]
            if s.state != "held":
                trickles.popleft()
                continue
            if s.next_send > now:
                break
            trickles.popleft()
            n += 1
            try:
                s.sock.send(b"b")
                st["bytes trickled"] += 1
            except OSError:
                pass
            s.next_send = now + trickle
            trickles.append(s)
        if ready_sent and now - last_sample > 0.5:
            peak_held = max(peak_held, held)
            last_sample = now
    for key in list(sel.get_map().values()):
        key.data.sock.close()
    sel.close()
    holds.sort()
    return {"answers": dict(st), "peak_live": peak_live, "peak_held": peak_held, "holds": holds}


class Big:
    __slots__ = ("sock", "path", "t0", "sent", "buf", "idx")


def bodies(cfg, pipe):
    """POSTs declared 1 GiB bodies, streamed (a 64 KiB buffer sent again and again), on
    cfg['per_target'] connections per target, each reopened as soon as the server has answered or
    hung up. Raw non-blocking sockets: whatever the server answered is read even after a send
    failed (a library that gives up on the failed write, asyncio's streams for one, loses it)."""
    port, targets = cfg["port"], cfg["targets"]
    sel = selectors.DefaultSelector()
    tallies = {path: Tally() for path, _ in targets}
    fillers = {"form": b"a" * 65536, "json": b" " * 65536}

    def open_one(idx):
        path, ctype = targets[idx % len(targets)]
        t = tallies[path]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((ATTACK_SRCS[idx % len(ATTACK_SRCS)], 0))
            sock.settimeout(5)
            sock.connect(("127.0.0.1", port))
            sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {ctype}\r\n"
                          f"Content-Length: {GIB}\r\n\r\n").encode())
        except OSError as e:
            t.answers["connect failed"] += 1
            t.extra[type(e).__name__] += 1
            sock.close()
            return False
        sock.setblocking(False)
        b = Big()
        b.sock, b.path, b.t0, b.sent, b.buf, b.idx = sock, path, time.monotonic(), 0, b"", idx
        sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, b)
        return True

    def finish(b, outcome):
        t = tallies[b.path]
        t.answers[outcome] += 1
        t.lat.append(time.monotonic() - b.t0)
        t.values["bytes accepted before answer"].append(b.sent)
        sel.unregister(b.sock)
        b.sock.close()
        while not open_one(b.idx):
            time.sleep(0.05)

    def status_of(buf):
        return int(buf[9:12]) if buf.startswith(b"HTTP/1.") and len(buf) >= 12 else None

    for idx in range(cfg["per_target"] * len(targets)):
        open_one(idx)
    t_ready = time.monotonic() + 1.0
    ready = False
    while not pipe.poll():
        if not ready and time.monotonic() > t_ready:
            pipe.send(("ready", {}))
            ready = True
        for key, mask in sel.select(0.05):
            b = key.data
            if mask & selectors.EVENT_READ:
                try:
                    data = b.sock.recv(65536)
                except OSError as e:
                    tallies[b.path].extra[type(e).__name__] += 1
                    finish(b, status_of(b.buf) or "reset without answer")
                    continue
                if not data:
                    finish(b, status_of(b.buf) or "closed without answer")
                    continue
                b.buf += data
                if status_of(b.buf):
                    finish(b, status_of(b.buf))
                continue
            if mask & selectors.EVENT_WRITE:
                try:
                    n = b.sock.send(fillers["json" if b.path.endswith("register") else "form"][: min(65536, GIB - b.sent)])
                    b.sent += n
                    if b.sent >= GIB:
                        sel.modify(b.sock, selectors.EVENT_READ, b)
                except BlockingIOError:
                    pass
                except OSError as e:
                    # The server hung up: what it answered before is still in our receive queue.
                    tallies[b.path].extra[f"send {type(e).__name__}"] += 1
                    try:
                        b.buf += b.sock.recv(65536)
                    except OSError:
                        pass
                    finish(b, status_of(b.buf) or "reset without answer")
    pipe.recv()
    for key in list(sel.get_map().values()):
        key.data.sock.close()
    return {path: t.summary() for path, t in tallies.items()}


def attack_entry(kind, cfg, pipe):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if cfg.get("nice"):
        os.nice(cfg["nice"])
    if kind == "slowloris":
        res = slowloris(cfg, pipe)
    elif kind == "bodies":
        res = bodies(cfg, pipe)
    else:
        res = asyncio.run(async_attack(kind, cfg, pipe))
    pipe.send(("done", res))


# ------------------------------------------------------------------------------------------
# Phases


def pct(lat, q):
    return lat[int(q * (len(lat) - 1))] if lat else None


class Bench:
    def __init__(self, a, srv, short, work):
        self.a, self.srv, self.short, self.work = a, srv, short, work
        self.mon = Monitor(srv.pid)
        self.mon.start()
        ctx = mp.get_context("spawn")
        self.ctx = ctx
        self.legit_pipe, child = ctx.Pipe()
        self.legit = ctx.Process(target=legit_entry, args=(srv.port, a.clients, child), daemon=True)
        self.legit.start()
        self.attackers = []
        self.results = []
        self.idle_fds = proc_fds(srv.pid)
        self.endpoints = [("GET /api/v1/videos", "/api/v1/videos", "application/json"),
                          (f"GET /w/{short}", f"/w/{short}", "text/html")]

    def legit_cmd(self, *cmd):
        self.legit_pipe.send(cmd)
        return self.legit_pipe.recv()

    def quiesce(self, limit=30):
        """Waits until the server is back to idle: its fds near where they were at start, and
        under 5% of a core for half a second."""
        t_end = time.monotonic() + limit
        while time.monotonic() < t_end:
            c0 = proc_cpu(self.srv.pid)
            time.sleep(0.5)
            busy = (proc_cpu(self.srv.pid) - c0) / 0.5
            if busy < 0.05 and proc_fds(self.srv.pid) <= self.idle_fds + 20:
                return True
        return False

    def phase(self, name, label, attack=None, cfg=None, warm=False, shards=1):
        if self.a.only and name not in self.a.only and name != "baseline":
            return
        if not self.srv.alive():
            raise RuntimeError("the server died")
        quiet = self.quiesce()
        print(f"[hostile] phase {name}: {label}" + ("" if quiet else " (server not idle before it)"), file=sys.stderr, flush=True)
        self.legit_cmd("close")
        if warm:
            errs = self.legit_cmd("connect", "/api/v1/videos")
            if errs:
                print(f"[hostile]   warm-up errors: {errs}", file=sys.stderr)
        self.mon.begin(name)
        t0 = time.monotonic()
        if attack:
            for i in range(shards):
                pipe, child = self.ctx.Pipe()
                c = dict(cfg, port=self.srv.port, nice=self.a.attacker_nice, shard=i, shards=shards)
                proc = self.ctx.Process(target=attack_entry, args=(attack, c, child), daemon=True)
                proc.start()
                self.attackers.append((proc, pipe))
            for proc, pipe in self.attackers:
                if not pipe.poll(120):
                    raise RuntimeError(f"attack {name} never got ready")
                pipe.recv()
        apids = [proc.pid for proc, _ in self.attackers]
        acpu0 = sum(proc_cpu(p) for p in apids)
        t_measure = time.monotonic()
        cpu_m0 = proc_cpu(self.srv.pid)
        rows = []
        for ep_name, path, accept in self.endpoints:
            if not warm:
                self.legit_cmd("close")  # new visitors: a new connection for each endpoint
            r = self.legit_cmd("measure", path, accept, self.a.seconds)
            rows.append((ep_name, r))
        measured = time.monotonic() - t_measure
        server_cpu = (proc_cpu(self.srv.pid) - cpu_m0) / measured
        attacker_cpu = (sum(proc_cpu(p) for p in apids) - acpu0) / measured
        reports = self.stop_attackers()
        attack_res = merge_reports(attack, reports) if attack else None
        peaks = self.mon.end()
        self.results.append({"name": name, "label": label, "warm": warm, "rows": rows, "peaks": peaks,
                             "server_cpu": server_cpu, "attacker_cpu": attacker_cpu, "attack": attack_res,
                             "kind": attack, "duration": time.monotonic() - t0})
        for ep_name, r in rows:
            lat = r["lat"]
            print(f"[hostile]   {ep_name}: n={len(lat)} p50={fmt_ms(pct(lat, .5))} p99={fmt_ms(pct(lat, .99))} "
                  f"errors={r['errors']} {r['stats']} all in after {r['first_ok_max']}", file=sys.stderr, flush=True)
        print(f"[hostile]   RSS {peaks['start_rss_kb'] / 1024:.1f} -> {peaks['rss_kb'] / 1024:.1f} MB, fds {peaks['fds']}, "
              f"server CPU {server_cpu:.2f}, attacker CPU {attacker_cpu:.2f}; attack: {json.dumps(attack_res)[:600]}",
              file=sys.stderr, flush=True)

    def stop_attackers(self):
        reports = []
        for proc, pipe in self.attackers:
            try:
                pipe.send("stop")
            except OSError:
                pass
        for proc, pipe in self.attackers:
            try:
                if pipe.poll(60):
                    reports.append(pipe.recv()[1])
            except (OSError, EOFError):
                pass
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self.attackers = []
        return reports

    def stop(self):
        self.stop_attackers()
        try:
            self.legit_pipe.send(("quit",))
        except OSError:
            pass
        self.legit.join(5)
        if self.legit.is_alive():
            self.legit.kill()
            self.legit.join()
        self.mon.done.set()


def merge_reports(kind, reports):
    if not reports:
        return None
    if kind != "slowloris" or len(reports) == 1:
        return reports[0]
    out = {"answers": collections.Counter(), "peak_live": 0, "peak_held": 0, "holds": []}
    for r in reports:
        out["answers"].update(r["answers"])
        out["peak_live"] += r["peak_live"]
        out["peak_held"] += r["peak_held"]
        out["holds"] += r["holds"]
    out["answers"] = dict(out["answers"])
    out["holds"].sort()
    return out


# ------------------------------------------------------------------------------------------
# Report


def fmt_ms(s):
    return "—" if s is None else (f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s")


def fmt_count(d):
    return ", ".join(f"{k} ×{v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])) if d else "none"


def attack_summary(res):
    kind, r = res["kind"], res["attack"]
    if r is None:
        return "—" if kind is None else "(no report from the attacker)"
    if kind == "bodies":
        parts = []
        for path, t in r.items():
            acc = t["values"].get("bytes accepted before answer") or [0]
            parts.append(f"`{path}`: {fmt_count(t['answers'])} (answer in {fmt_ms(t['lat_p50'])} p50, "
                         f"{acc[len(acc) // 2] / 1e6:.1f} MB sent p50, {acc[-1] / 1e6:.1f} MB max)")
        return "; ".join(parts)
    if kind == "slowloris":
        a = dict(r["answers"])
        a.pop("bytes trickled", None)
        attempts = a.pop("connect attempts", 0)
        held = f"sockets heard nothing from the server: {r['peak_held']:,} at most"
        holds = r["holds"]
        if holds:
            held += f"; those the server took were closed after {holds[len(holds) // 2]:.1f} s p50 ({holds[-1]:.1f} s max)"
        return f"{attempts:,} connects; {fmt_count(a)}; {held}"
    answers = fmt_count({str(k): v for k, v in r["answers"].items()})
    return f"{answers} (answer in {fmt_ms(r['lat_p50'])} p50, {fmt_ms(r['lat_p99'])} p99)"


def probe_summary(r):
    n = sum(m["probe"]["n"] for _, m in r["rows"])
    failed = collections.Counter()
    for _, m in r["rows"]:
        failed.update(m["probe"]["failed"])
    k = sum(failed.values())
    return f"{k} / {n}" + (f" ({fmt_count(failed)})" if k else "")


def rss_span(p):
    return f"{p['start_rss_kb'] / 1024:.0f} → **{p['rss_kb'] / 1024:.0f} MB**" if p['rss_kb'] >= TARGETS['rss_mb'] * 1024 \
        else f"{p['start_rss_kb'] / 1024:.0f} → {p['rss_kb'] / 1024:.0f} MB"


def report(bench, a, meta):
    res = bench.results
    base = next(r for r in res if r["name"] == "baseline")
    base_p99 = {ep: pct(r["lat"], .99) for ep, r in base["rows"]}
    out = []
    out.append(f"Legitimate clients: {a.clients} keep-alive threads from 127.0.0.1, {a.seconds} s per endpoint and phase; "
               f"attacks from 127.0.0.2–127.0.0.{1 + len(ATTACK_SRCS)}. {meta}\n")
    out.append("| phase | legitimate request | p50 | p99 | req/s | legit errors | p99 / baseline | new visitors refused | server RSS: start → peak | peak fds | server CPU | attacker CPU | load avg |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    verdicts = []
    for r in res:
        for i, (ep, m) in enumerate(r["rows"]):
            lat = m["lat"]
            p99 = pct(lat, .99)
            ratio = p99 / base_p99[ep] if p99 and base_p99.get(ep) else None
            errs = sum(m["errors"].values())
            err_s = "0" if not errs else f"**{errs}** ({fmt_count(m['errors'])})"
            if errs:
                f = m.get("first_ok_max")
                err_s += f"; every client served after {f:.1f} s" if f is not None else "; some client never served"
            rps = len(lat) / m["elapsed"]
            first = i == 0
            out.append(f"| {r['label'] if first else ''} | {ep} | {fmt_ms(pct(lat, .5))} | {fmt_ms(p99)} | {rps:.0f} | {err_s} | "
                       f"{'—' if r['name'] == 'baseline' else (f'{ratio:.2f}×' if ratio else 'n/a')} | "
                       f"{probe_summary(r) if first else ''} | "
                       f"{rss_span(r['peaks']) if first else ''} | {r['peaks']['fds'] if first else ''} | "
                       f"{(str(round(r['server_cpu'] * 100)) + ' %') if first else ''} | {(str(round(r['attacker_cpu'] * 100)) + ' %') if first and r['kind'] else ''} | "
                       f"{r['peaks']['load'] if first else ''} |")
            if not r["name"].startswith("baseline"):
                probes = sum(sum(m["probe"]["failed"].values()) for _, m in r["rows"]) if first else 0
                verdicts.append((r["label"], ep, ratio, errs + probes, r["peaks"]["rss_kb"] / 1024,
                                 (r["peaks"]["rss_kb"] - r["peaks"]["start_rss_kb"]) / 1024))
    out.append("")
    out.append("What the attacks got back:\n")
    out.append("| phase | attack's answers |")
    out.append("|---|---|")
    for r in res:
        if r["kind"]:
            out.append(f"| {r['label']} | {attack_summary(r)} |")
    out.append("")
    out.append("Targets (p99 ≤ 3× baseline, no legitimate error, peak RSS < 300 MB):\n")
    out.append("| phase | legitimate request | p99 ≤ 3× | no error (clients; probes on the first row) | RSS < 300 MB (growth in the phase) |")
    out.append("|---|---|---|---|---|")
    for label, ep, ratio, errs, rss, growth in verdicts:
        out.append(f"| {label} | {ep} | {'met' if ratio is not None and ratio <= TARGETS['p99_ratio'] else '**missed**'} "
                   f"({'n/a' if ratio is None else f'{ratio:.2f}×'}) | {'met' if errs == 0 else f'**missed** ({errs})'} | "
                   f"{'met' if rss < TARGETS['rss_mb'] else '**missed**'} ({rss:.0f} MB, {growth:+.0f} MB) |")
    hwm = max(r["peaks"].get("hwm_kb", 0) for r in res) / 1024
    out.append(f"\nServer VmHWM at the end: {hwm:.1f} MB; VmRSS at the end: {proc_status(bench.srv.pid, 'VmRSS') / 1024:.1f} MB.")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
            return need
        except (ValueError, OSError):
            pass
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(need, hard)), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/ruche-target")), "release", "ruche"))
    ap.add_argument("--seconds", type=float, default=15, help="legitimate measurement per endpoint and phase")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--slowloris", type=int, default=20000, help="slow sockets")
    ap.add_argument("--slowloris-retry", type=float, default=2.0, help="seconds before a refused socket tries again (x0.5–1.5)")
    ap.add_argument("--slowloris-trickle", type=float, default=3.0, help="seconds between two trickled bytes")
    ap.add_argument("--body-conns", type=int, default=4, help="concurrent 1 GiB POSTs per target")
    ap.add_argument("--flood", type=int, default=256, help="concurrent password guesses")
    ap.add_argument("--bombs", type=int, default=30, help="concurrent picture uploads")
    ap.add_argument("--attacker-nice", type=int, default=0)
    ap.add_argument("--server-env", action="append", default=[], metavar="K=V",
                    help="extra environment for the server (e.g. GLIBC_TUNABLES=glibc.malloc.arena_max=2), repeatable")
    ap.add_argument("--only", default="", help="comma-separated phases besides the baseline: bodies,slowloris,slowloris-warm,flood-control,flood-1,flood-249,bomb-40mp,bomb-25mp,baseline-end")
    a = ap.parse_args()
    # A SIGTERM cleans up as an error does (server, attackers, sockets, temp dir).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a.only = {x for x in a.only.split(",") if x}
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"no server binary at {a.bin}: CARGO_TARGET_DIR=~/.cache/ruche-target cargo build --release -p ruche")
    if not shutil.which("ffmpeg"):
        sys.exit("ffmpeg is needed")
    # The server raises its own soft limit to what it needs (max_connections + 1024), within
    # the hard limit it inherits from us; the slow sockets are spread over as many processes
    # as the limit per process asks for.
    nofile = raise_nofile(a.slowloris + 4096)
    a.slowloris_shards = max(1, -(-a.slowloris // max(1, nofile - 512)))
    # Every attacker address must route to the loopback interface.
    s = socket.socket()
    s.bind((ATTACK_SRCS[-1], 0))
    s.close()

    work = tempfile.mkdtemp(prefix="ruche-hostile-")
    srv = bench = None
    try:
        print("[hostile] making the picture bombs", file=sys.stderr, flush=True)
        bomb40 = png(8000, 5000, 8, 2, bytes([200, 60, 30]))            # RGB 8-bit, 40 MP
        bomb25 = png(5000, 5000, 16, 6, bytes([200, 0, 60, 0, 30, 0, 255, 255]))  # RGBA 16-bit, 25 MP
        data = os.path.join(work, "data")
        os.makedirs(data)
        srv = Server(a.bin, data, os.path.join(work, "server.log"), dict(kv.split("=", 1) for kv in a.server_env))
        print(f"[hostile] server pid {srv.pid} at {srv.url}; uploading the clip", file=sys.stderr, flush=True)
        short, listed = seed_video(srv, work)
        time.sleep(1)
        idle_rss = proc_status(srv.pid, "VmRSS")
        bench = Bench(a, srv, short, work)
        client = {"client_id": srv.client["client_id"], "client_secret": srv.client["client_secret"]}
        body_targets = [("/api/v1/users/token", "application/x-www-form-urlencoded"),
                        ("/login", "application/x-www-form-urlencoded"),
                        ("/api/v1/users/register", "application/json"),
                        ("/p/nosuchsite/contact", "application/x-www-form-urlencoded")]
        t_start = time.monotonic()
        bench.phase("baseline", "baseline (unattacked)")
        bench.phase("bodies", f"a. 1 GiB bodies ({a.body_conns * len(body_targets)} concurrent)", "bodies",
                    {"targets": body_targets, "per_target": a.body_conns})
        sl = {"count": a.slowloris, "addresses": len(ATTACK_SRCS), "trickle": a.slowloris_trickle,
              "retry": a.slowloris_retry, "ramp": 3.0}
        bench.phase("slowloris", f"b. slowloris {a.slowloris:,} (new visitors)", "slowloris", sl, shards=a.slowloris_shards)
        bench.phase("slowloris-warm", f"b′. slowloris {a.slowloris:,} (visitors connected before)", "slowloris", sl,
                    warm=True, shards=a.slowloris_shards)
        bench.phase("flood-control", f"c₀. control: ×{a.flood} token requests with an unsupported grant (no DB, no hash), 1 address",
                    "flood", {"client": client, "concurrency": a.flood, "addresses": 1, "grant": "client_credentials"})
        bench.phase("flood-1", f"c. argon2 flood ×{a.flood}, 1 address", "flood",
                    {"client": client, "concurrency": a.flood, "addresses": 1})
        bench.phase("flood-249", f"c′. argon2 flood ×{a.flood}, {len(ATTACK_SRCS)} addresses", "flood",
                    {"client": client, "concurrency": a.flood, "addresses": len(ATTACK_SRCS)})
        bench.phase("bomb-40mp", f"d. avatar bombs ×{a.bombs}, 40 MP ({len(bomb40) // 1000} kB)", "pictures",
                    {"png": bomb40, "token": srv.token, "concurrency": a.bombs})
        bench.phase("bomb-25mp", f"d′. avatar bombs ×{a.bombs}, 25 MP 16-bit RGBA ({len(bomb25) // 1000} kB)", "pictures",
                    {"png": bomb25, "token": srv.token, "concurrency": a.bombs})
        bench.phase("baseline-end", "baseline again (unattacked)")
        total = time.monotonic() - t_start
        with open(os.path.join(work, "server.log")) as f:
            log = f.read().splitlines()
        warns = collections.Counter(re.sub(r"[0-9.:]+", "#", l.split("]")[-1] if "]" in l else l)[:100] for l in log if "WARN" in l or "ERROR" in l)
        load = open("/proc/loadavg").read().split()[:3]
        meta = (f"Server idle RSS after seeding: {idle_rss / 1024:.1f} MB; {listed} video listed; run {total:.0f} s; "
                f"load average at the end {' '.join(load)}; RLIMIT_NOFILE {nofile}"
                + (f"; server environment {' '.join(a.server_env)}" if a.server_env else "") + ".")
        print(f"### hostile — {time.strftime('%Y-%m-%d')}, `{' '.join(sys.argv)}`, {os.cpu_count()} cores\n")
        print(report(bench, a, meta))
        if warns:
            print("\nServer warnings and errors (numbers folded):\n")
            for w, n in warns.most_common(15):
                print(f"- ×{n} `{w.strip()}`")
    finally:
        if bench:
            bench.stop()
        if srv:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
