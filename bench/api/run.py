#!/usr/bin/env python3
"""Ruche API benchmarks, through real `ruche serve` processes on loopback.

1. publish: a 30 s 1080p30 clip at 8 Mb/s (testsrc2 + light noise, AAC) is uploaded; we time,
   from the moment the upload returns, until the video is playable (published, one rendition
   listed) and until the whole ladder is listed, and sum the bytes stored. Reported against the
   PeerTube 8.0.1 anchor measured on a machine of this kind (10.1 s, 40.5 s, 42.0 MB).
2. upload memory: the server's peak resident memory (VmHWM) while it receives a 2 GB upload,
   by multipart and by resumable chunks, against its own idle resident memory in the same run.

Usage: bench/api/run.py [--bin PATH] [--upload-gb 2] [--seconds 30] [--skip-publish] [--skip-upload]
Prints Markdown for bench/RESULTS.md.
"""
import argparse, http.client, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.parse

ANCHOR = {"first": 10.1, "full": 40.5, "bytes": 42.0e6}


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class Server:
    def __init__(self, binary, data, extra=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, RUCHE_DATA_DIR=data, RUCHE_LISTEN=f"127.0.0.1:{self.port}",
                   RUCHE_PUBLIC_URL=self.url, RUCHE_LOG="warn")
        env.update(extra or {})
        self.p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.password = None
        for line in self.p.stdout:
            m = re.search(r"login: root / (\S+)", line)
            if m:
                self.password = m.group(1)
                break
        assert self.password, "server did not start"
        self.token = self.login()

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def login(self):
        _, _, b = self.request("GET", "/api/v1/oauth-clients/local")
        c = json.loads(b)
        form = urllib.parse.urlencode({"client_id": c["client_id"], "client_secret": c["client_secret"],
                                       "grant_type": "password", "username": "root", "password": self.password})
        _, _, b = self.request("POST", "/api/v1/users/token", form, {"Content-Type": "application/x-www-form-urlencoded"})
        return json.loads(b)["access_token"]

    def auth(self, extra=None):
        h = {"Authorization": f"Bearer {self.token}"}
        h.update(extra or {})
        return h

    def mem_kb(self, field):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.p.kill(); self.p.wait()


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def upload_multipart(srv, path, name):
    """Streams the file with curl (the client never holds it in memory)."""
    out = subprocess.run(["curl", "-sS", "-H", f"Authorization: Bearer {srv.token}", "-F", f"videofile=@{path};type=video/mp4",
                          "-F", f"name={name}", "-F", "channelId=1", f"{srv.url}/api/v1/videos/upload"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["video"]


def upload_resumable(srv, path, name, chunk=8 << 20):
    size = os.path.getsize(path)
    st, h, b = srv.request("POST", "/api/v1/videos/upload-resumable",
                           json.dumps({"name": name, "channelId": 1, "filename": os.path.basename(path)}),
                           srv.auth({"Content-Type": "application/json", "X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/mp4"}))
    assert st == 201, (st, b)
    loc = urllib.parse.urlsplit(h["location"])
    path_q = f"{loc.path}?{loc.query}"
    off = 0
    with open(path, "rb") as f:
        while off < size:
            data = f.read(chunk)
            st, h, b = srv.request("PUT", path_q, data, srv.auth({"Content-Range": f"bytes {off}-{off + len(data) - 1}/{size}", "Content-Type": "application/octet-stream"}))
            off += len(data)
            assert st in (200, 308), (st, b)
    return json.loads(b)["video"]


def publish_bench(binary, seconds, work):
    clip = os.path.join(work, "clip1080.mp4")
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=30:d={seconds}", "-f", "lavfi", "-i", f"sine=f=440:d={seconds}",
           "-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-maxrate", "8M", "-bufsize", "16M",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", clip)
    data = tempfile.mkdtemp(dir=work)
    srv = Server(binary, data)
    try:
        video = upload_multipart(srv, clip, "bench")
        t0 = time.monotonic()
        first = full = None
        while True:
            _, _, b = srv.request("GET", f"/api/v1/videos/{video['uuid']}", headers=srv.auth())
            v = json.loads(b)
            files = (v.get("streamingPlaylists") or [{}])[0].get("files", [])
            now = time.monotonic() - t0
            if first is None and v["state"]["id"] == 1 and files:
                first = now
            if len(files) >= 5 and v.get("transcodingProgress") == 100:
                full = now
                break
            if v["state"]["id"] == 7:
                sys.exit(f"transcoding failed: {v.get('transcodingError')}")
            time.sleep(0.1)
        stored = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(data, "storage", "streaming-playlists")) for f in fs)
        return {"first": first, "full": full, "bytes": stored, "resolutions": [f["resolution"]["id"] for f in files]}
    finally:
        srv.stop()


def upload_bench(binary, gb, work):
    small = os.path.join(work, "seed.mp4")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30:d=10", "-f", "lavfi", "-i", "sine=d=10", "-c:v", "libx264", "-preset", "ultrafast",
           "-b:v", "40M", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", small)
    loops = max(1, int(gb * 1e9 / os.path.getsize(small)))
    big = os.path.join(work, "big.mp4")
    ffmpeg("-stream_loop", str(loops - 1), "-i", small, "-c", "copy", big)
    size = os.path.getsize(big)
    results = {"size": size}
    for mode in ("multipart", "resumable"):
        data = tempfile.mkdtemp(dir=work)
        # Transcoding is not what we measure here: keep it to the smallest rung and one thread.
        srv = Server(binary, data, {"RUCHE_TRANSCODING_RESOLUTIONS": "144", "RUCHE_TRANSCODING_THREADS": "1"})
        try:
            time.sleep(1)
            idle = srv.mem_kb("VmRSS")
            t0 = time.monotonic()
            (upload_multipart if mode == "multipart" else upload_resumable)(srv, big, f"big {mode}")
            secs = time.monotonic() - t0
            peak = srv.mem_kb("VmHWM")
            results[mode] = {"idle_kb": idle, "peak_kb": peak, "seconds": secs}
        finally:
            srv.stop()
            shutil.rmtree(data, ignore_errors=True)
    os.remove(big)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/ruche-target")), "release", "ruche"))
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--upload-gb", type=float, default=2.0)
    ap.add_argument("--skip-publish", action="store_true")
    ap.add_argument("--skip-upload", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ruche-bench-")
    try:
        print(f"### API benchmarks — {time.strftime('%Y-%m-%d')}, `{' '.join(sys.argv)}`, {os.cpu_count()} cores\n")
        if not a.skip_publish:
            r = publish_bench(a.bin, a.seconds, work)
            print(f"Publish ({a.seconds} s 1080p30 8 Mb/s clip, ladder {r['resolutions']}), timed from the upload's answer:\n")
            print("| measure | Ruche | PeerTube 8.0.1 anchor | ratio (Ruche / anchor) | target |")
            print("|---|---|---|---|---|")
            print(f"| first playable | {r['first']:.1f} s | {ANCHOR['first']} s | {r['first'] / ANCHOR['first']:.2f} | ≤ 5 s |")
            print(f"| full ladder listed | {r['full']:.1f} s | {ANCHOR['full']} s | {r['full'] / ANCHOR['full']:.2f} | ≤ 20 s |")
            print(f"| bytes stored | {r['bytes'] / 1e6:.1f} MB | {ANCHOR['bytes'] / 1e6:.1f} MB | {r['bytes'] / ANCHOR['bytes']:.2f} | |\n")
        if not a.skip_upload:
            r = upload_bench(a.bin, a.upload_gb, work)
            print(f"Server memory while receiving a {r['size'] / 1e9:.2f} GB upload (baseline: the same server idle, same run):\n")
            print("| protocol | idle RSS | peak RSS (VmHWM) | peak / idle | upload time | target |")
            print("|---|---|---|---|---|---|")
            for mode in ("multipart", "resumable"):
                m = r[mode]
                print(f"| {mode} | {m['idle_kb'] / 1024:.1f} MB | {m['peak_kb'] / 1024:.1f} MB | {m['peak_kb'] / max(1, m['idle_kb']):.2f} | {m['seconds']:.1f} s | peak < 100 MB |")
            print()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
