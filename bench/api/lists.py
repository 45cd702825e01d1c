#!/usr/bin/env python3
"""Video lists and search under load, through real `ruche serve` processes on loopback.

Per backend (SQLite, PostgreSQL): a fresh server gets a few users created through the API, then
N videos (default 10,000; 90 % public, 5 % unlisted, 5 % private) are written straight into its
database with three renditions each and a week of daily view counts for some, from a French and
English word list (uploading that many would take hours). The server is restarted, indexes them
for search (housekeeping), and `wrk -t2 -c64` runs for --duration seconds (after a 3 s warm-up)
on each of:

  trivial handler   GET /api/v1/videos/categories  (a constant table: the ceiling of the run)
  list              GET /api/v1/videos?count=15
  trending          GET /api/v1/videos?count=15&sort=-trending
  one video         GET /api/v1/videos/{uuid}       (rotating over public and unlisted videos)
  search            GET /api/v1/search/videos?search=…  (rotating one-word, two-word, prefix queries)

Reported: requests/s and p99 as ratios to the trivial handler of the same server and run, and
the server's RSS (VmRSS sampled every 250 ms under load, VmHWM). Targets (the issue's): ≥ 25 %
of the ceiling, p99 < 20 ms, RSS under load < 100 MB on SQLite.

With --blocklist N (bench/moderation/run.sh gives 10,000), the instance then blocks N instances
(one import) and the lists and search are measured again: their requests/s as a ratio to the
same lists just before (the issue's target: within 10 %).

Usage: bench/api/lists.py [--backend sqlite|postgres|both] [--videos 10000] [--duration 15]
                          [--blocklist N] [--bin PATH] [--pg HOST:PORT] [--out FILE] [--keep]
Needs: wrk (apt-get install -y wrk), the release binary, and for PostgreSQL a server reachable
as user postgres without password (scripts/pg-start.sh /tmp/pg 55432).
Prints Markdown for bench/RESULTS.md (progress goes to stderr).
"""
import argparse, contextlib, datetime, json, os, random, re, shutil, sqlite3, subprocess, sys, tempfile, threading, time, urllib.parse, uuid
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in bench/api by the import below
from run import Server as _Server, free_port  # noqa: E402  (bench/api/run.py: login, requests)

DAY_MS = 86_400_000
# Words titles, descriptions and tags are made of, French and English (accents included: search
# folds them). Drawn with Zipf-like weights, so some are in most videos and some in few.
WORDS = """vidéo tutoriel cuisine recette montagne randonnée vélo voyage musique concert guitare
piano chanson été hiver printemps automne forêt rivière château village ville jardin potager
abeille ruche miel fromage boulangerie pain café école éducation histoire géographie science
physique chimie astronomie étoile planète lune soleil océan plage bateau voilier train gare
cinéma théâtre danse peinture dessin photographie logiciel libre ordinateur réseau sécurité
programmation électronique atelier bricolage menuiserie maison énergie climat écologie
documentaire interview conférence débat politique économie santé sport football course natation
escalade ski montagnard lecture livre poésie roman enfant famille chat chien oiseau cheval
video tutorial cooking recipe mountain hiking bike travel music live guitar piano song summer
winter spring autumn forest river castle village city garden bees honey cheese bakery bread
coffee school education history science physics chemistry astronomy star planet moon sun ocean
beach boat sailing train station cinema theatre dance painting drawing photography software free
computer network security programming electronics workshop woodworking house energy climate
ecology documentary interview conference debate politics economy health sport football running
swimming climbing skiing reading book poetry novel children family cat dog bird horse review
unboxing gameplay speedrun linux rust python beginner advanced guide howto episode season
""".split()
USERS = ["alice", "bruno", "chloe", "david", "emma", "farid", "gaelle", "hugo"]
RENDITIONS = [(720, 1280, 720, 2_500_000), (480, 854, 480, 1_200_000), (240, 426, 240, 400_000)]
VIDEO_COLS = ("id uuid channel_id name description privacy category licence language tags nsfw comments_policy "
              "download_enabled wait_transcoding state progress duration aspect_ratio views likes dislikes quota_size "
              "source_filename playlist_filename sha256_filename thumbnail_filename preview_filename created_at "
              "updated_at published_at").split()
FILE_COLS = ("id video_id resolution width height fps size bandwidth codecs filename playlist_filename has_audio "
             "has_video created_at torrent_filename info_hash").split()
STAT_COLS = ["video_id", "day", "views"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def generate(n, channels, rng):
    """The rows to seed (videos, video_files, video_stats) and what the load uses: the uuids a
    viewer may open (public and unlisted) and search queries. Same seed, same data on each backend."""
    weights = [1 / (i + 8) for i in range(len(WORDS))]  # the first ~27 times as frequent as the last
    order = WORDS[:]
    rng.shuffle(order)  # which words are common is random, not "French first"
    pick = lambda k: rng.choices(order, weights, k=k)
    now = int(time.time() * 1000)
    today = now - now % DAY_MS
    videos, files, stats, visible = [], [], [], []
    for i in range(1, n + 1):
        r = rng.random()
        privacy = 1 if r < 0.9 else 2 if r < 0.95 else 3
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        published = now - int(rng.random() ** 2 * 730 * DAY_MS)  # two years, more of it recent
        views = int(rng.paretovariate(1.1) * 10)
        name = " ".join(pick(rng.randint(3, 7))).capitalize()
        desc = "\n\n".join(". ".join(" ".join(pick(rng.randint(8, 15))).capitalize() for _ in range(rng.randint(1, 3))) + "."
                           for _ in range(rng.randint(1, 3)))
        tags = json.dumps(sorted(set(pick(rng.randint(1, 5)))), ensure_ascii=False)
        fid = uuid.UUID(int=rng.getrandbits(128), version=4)
        duration = rng.randint(30, 3600)
        videos.append((i, uid, rng.choice(channels), name, desc, privacy, rng.randint(1, 18), rng.choice([None, 1, 2, 3, 7]),
                       rng.choice(["fr", "en"]), tags, rng.random() < 0.02, 1, True, False, 1, 100, duration, 1.7778,
                       views, views // rng.randint(10, 40), views // 400, duration * 2_500_000 // 8, "source",
                       f"{fid}-master.m3u8", f"{fid}-segments-sha256.json", f"{fid}-thumb.jpg", f"{fid}-preview.jpg",
                       published - 600_000, published, published))
        for res, w, h, bw in RENDITIONS:
            # A torrent name is set so that the start-up backfill does not look for these files.
            files.append((len(files) + 1, i, res, w, h, 30.0, duration * bw // 8, bw, "avc1.64001f,mp4a.40.2",
                          f"{fid}-{res}-fragmented.mp4", f"{fid}-{res}.m3u8", True, True, published,
                          f"{fid}-{res}-hls.torrent", "%040x" % rng.getrandbits(160)))
        if privacy != 3:
            visible.append(uid)
        if privacy == 1 and rng.random() < 0.3:  # a third of public videos were watched this week
            stats += [(i, today - d * DAY_MS, int(rng.paretovariate(1.3) * 3)) for d in range(7) if rng.random() < 0.6]
    queries = [rng.choice(WORDS) for _ in range(24)] + [" ".join(rng.sample(WORDS, 2)) for _ in range(12)]
    queries += [w[:4] for w in rng.sample([w for w in WORDS if len(w) > 6], 4)]  # still typing
    return videos, files, stats, visible[:1000], queries


def copy_block(table, cols, rows):
    """A PostgreSQL COPY … FROM STDIN block (text format) for rows."""
    def field(v):
        if v is None:
            return r"\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    body = "".join("\t".join(map(field, r)) + "\n" for r in rows)
    return f"COPY {table} ({', '.join(cols)}) FROM STDIN;\n{body}\\.\n"


class Db:
    """The benchmark's own access to the server's database (seeding, progress of the index)."""

    def __init__(self, backend, data, pg, name):
        self.backend, self.pg, self.name = backend, pg, name
        self.path = os.path.join(data, "ruche.db")
        host, port = pg.split(":")
        self.psql = ["psql", "-h", host, "-p", port, "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-At"]

    def url(self):
        return None if self.backend == "sqlite" else f"postgres://postgres@{self.pg}/{self.name}"

    def query(self, sql):
        if self.backend == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as c:
                return [r[0] for r in c.execute(sql)]
        out = subprocess.run(self.psql + ["-d", self.name, "-c", sql], check=True, capture_output=True, text=True).stdout
        return [int(x) if x.lstrip("-").isdigit() else x for x in out.split()]

    def admin(self, sql):
        subprocess.run(self.psql + ["-d", "postgres", "-c", sql], check=True, capture_output=True, text=True)

    def seed(self, videos, files, stats, work):
        tables = [("videos", VIDEO_COLS, videos), ("video_files", FILE_COLS, files), ("video_stats", STAT_COLS, stats)]
        if self.backend == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as c, c:  # one transaction
                for table, cols, rows in tables:
                    c.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
            return
        sql = os.path.join(work, "seed.sql")
        with open(sql, "w") as f:
            f.write("BEGIN;\n" + "".join(copy_block(*t) for t in tables))
            for table in ("videos", "video_files"):
                f.write(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}));\n")
            # Autovacuum would analyze these tables within a minute on a live instance; do it now
            # so plans do not change in the middle of a run.
            f.write("COMMIT;\nANALYZE;\n")
        subprocess.run(self.psql + ["-d", self.name, "-f", sql], check=True, capture_output=True, text=True)


class Server(_Server):
    """run.py's server, with its log kept in a file and the banner read with a deadline; on a
    database that has its administrator already (a restart), no password is printed."""

    def __init__(self, binary, data, db_url, first_start):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUCHE_")}  # none of the caller's settings
        env.update(RUCHE_DATA_DIR=data, RUCHE_LISTEN=f"127.0.0.1:{self.port}", RUCHE_PUBLIC_URL=self.url,
                   RUCHE_LOG="info,sqlx=warn,tower_http=warn",
                   # No GET is rate-limited; raise what could throttle the load or the set-up anyway.
                   RUCHE_RATES_LOGIN_MAX="100000", RUCHE_HTTP_MAX_CONNECTIONS_PER_ADDRESS="4096")
        if db_url:
            env["RUCHE_DATABASE_URL"] = db_url
        self.log_path = os.path.join(data, f"server-{self.port}.log")
        self.p = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=open(self.log_path, "w"), text=True)
        watchdog = threading.Timer(60, self.p.kill)  # a server that never prints its banner
        watchdog.start()
        self.password = None
        for line in self.p.stdout:
            m = re.search(r"login: root / (\S+)", line)
            if m:
                self.password = m.group(1)
            if self.password or (not first_start and "running at" in line):
                break
        watchdog.cancel()
        if self.p.poll() is not None or (first_start and not self.password):
            sys.exit(f"ruche serve did not start; its log:\n{open(self.log_path).read()[-4000:]}")
        threading.Thread(target=self.p.stdout.read, daemon=True).start()  # nothing blocks on its stdout
        self.token = self.login() if first_start else None

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill(); self.p.wait()


WRK_LUA = """
local paths = %s
local n = 0
function setup(thread) thread:set("first", n * 7919); n = n + 1 end
function init(args) i = first or 0 end
function request() i = i %% #paths + 1; return wrk.format("GET", paths[i]) end
function done(s, lat, req)
  io.write(string.format('RESULT {"requests": %%d, "us": %%d, "p50": %%d, "p99": %%d, "status": %%d, "socket": %%d}\\n',
    s.requests, s.duration, lat:percentile(50), lat:percentile(99), s.errors.status,
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout))
end
"""


def wrk(srv, paths, seconds, work, token=None):
    """One wrk run over `paths` (each thread from its own place in the list), the server's
    RSS sampled meanwhile: requests/s, p50/p99 in ms, errors (non-2xx answers; connect, read,
    write errors and timeouts), peak RSS in kB. With `token`, as that user: answered afresh,
    never from the anonymous answers' cache."""
    script = os.path.join(work, "paths.lua")
    with open(script, "w") as f:
        f.write(WRK_LUA % ("{" + ", ".join(json.dumps(p) for p in paths) + "}"))
    peak, running = [0], [True]

    def sample():
        while running[0]:
            peak[0] = max(peak[0], srv.mem_kb("VmRSS"))
            time.sleep(0.25)
    t = threading.Thread(target=sample); t.start()
    try:
        # A 10 s timeout (wrk's default is 2 s) so that slow answers are measured, not dropped.
        auth = ["-H", f"Authorization: Bearer {token}"] if token else []
        out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s", "--latency", *auth, "-s", script,
                              srv.url], check=True, capture_output=True, text=True).stdout
    finally:
        running[0] = False; t.join()
    r = json.loads(re.search(r"^RESULT (.*)$", out, re.M).group(1))
    return {"rps": r["requests"] / (r["us"] / 1e6), "p50": r["p50"] / 1000, "p99": r["p99"] / 1000,
            "errors": r["status"] + r["socket"], "non2xx": r["status"], "socket": r["socket"], "rss": peak[0]}


def bench_backend(backend, a, work):
    data = tempfile.mkdtemp(dir=work, prefix=f"{backend}-")
    db = Db(backend, data, a.pg, f"ruche_bench_lists_{os.getpid()}")
    srv = None
    try:
        if backend == "postgres":
            db.admin(f"CREATE DATABASE {db.name}")
        # 1. A fresh server makes the schema and its administrator; users come through the API.
        srv = Server(a.bin, data, db.url(), first_start=True)
        for u in USERS:
            st, _, b = srv.request("POST", "/api/v1/users", json.dumps({
                "username": u, "email": f"{u}@example.org", "password": "secret-pass", "role": 2,
                "videoQuota": -1, "videoQuotaDaily": -1}), srv.auth({"Content-Type": "application/json"}))
            assert st == 200, (st, b)
        password = srv.password
        srv.stop()
        # 2. The videos, straight into the database (the server stopped).
        channels = db.query("SELECT id FROM channels WHERE host IS NULL ORDER BY id")
        videos, files, stats, visible, queries = generate(a.videos, channels, random.Random(42))
        t0 = time.monotonic()
        db.seed(videos, files, stats, work)
        seeded = time.monotonic() - t0
        log(f"{backend}: seeded {len(videos)} videos, {len(files)} files, {len(stats)} daily counts in {seeded:.1f} s")
        # 3. Started again, the server indexes them for search (housekeeping, at once and every
        #    minute); we wait until no video or channel is left unindexed.
        t0 = time.monotonic()
        srv = Server(a.bin, data, db.url(), first_start=False)
        srv.password = password
        srv.token = srv.login()  # the administrator of the first start (its token went with it)
        while db.query("SELECT (SELECT COUNT(*) FROM videos WHERE indexed_at IS NULL) + "
                       "(SELECT COUNT(*) FROM channels WHERE indexed_at IS NULL)")[0] > 0:
            if time.monotonic() - t0 > 900 or srv.p.poll() is not None:
                sys.exit(f"{backend}: the search index was not made; server log:\n{open(srv.log_path).read()[-4000:]}")
            time.sleep(1)
        indexed = time.monotonic() - t0
        log(f"{backend}: indexed for search in {indexed:.1f} s")
        time.sleep(2)
        # Sanity: anonymous lists show the public videos only; searches find something.
        _, _, b = srv.request("GET", "/api/v1/videos?count=15")
        listed = json.loads(b)["total"]
        public = sum(1 for v in videos if v[5] == 1)
        assert listed == public, f"{listed} videos listed, {public} public seeded"
        found = [json.loads(srv.request("GET", "/api/v1/search/videos?search=" + urllib.parse.quote(q))[2])["total"] for q in queries]
        assert sum(found) > 0, "no search found anything"
        q = lambda s: "/api/v1/search/videos?search=" + urllib.parse.quote(s)
        endpoints = [
            ("trivial handler: `GET /api/v1/videos/categories`", ["/api/v1/videos/categories"]),
            ("`GET /api/v1/videos?count=15`", ["/api/v1/videos?count=15"]),
            ("`GET /api/v1/videos?count=15&sort=-trending`", ["/api/v1/videos?count=15&sort=-trending"]),
            (f"`GET /api/v1/videos/{{uuid}}` ({len(visible)} videos in turn)", [f"/api/v1/videos/{u}" for u in visible]),
            (f"`GET /api/v1/search/videos?search=…` ({len(queries)} queries in turn)", [q(s) for s in queries]),
        ]
        idle, load = srv.mem_kb("VmRSS"), open("/proc/loadavg").read().split()[0]
        rows = []
        for label, paths in endpoints:
            wrk(srv, paths, 3, work)  # warm-up: connections, caches, the database's pages
            r = wrk(srv, paths, a.duration, work)
            log(f"{backend}: {label}: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms, {r['errors']} errors, RSS {r['rss'] / 1024:.1f} MB")
            rows.append((label, r))
        blocked, unblocked = [], []
        if a.blocklist:
            # 4. The instance blocks --blocklist hosts (none of them the videos' own: the lists
            #    still show every public video), imported in one request as an admin would. The
            #    lists are measured as a logged-in user (anonymous answers come from a cache that
            #    would hide what the blocklist costs a query), right before and right after.
            _, _, b = srv.request("GET", "/api/v1/oauth-clients/local")
            client = json.loads(b)
            st, _, b = srv.request("POST", "/api/v1/users/token", urllib.parse.urlencode({
                "client_id": client["client_id"], "client_secret": client["client_secret"], "grant_type": "password",
                "username": USERS[0], "password": "secret-pass"}), {"Content-Type": "application/x-www-form-urlencoded"})
            assert st == 200, (st, b)
            viewer = json.loads(b)["access_token"]
            for label, paths in endpoints[1:]:
                wrk(srv, paths, 3, work, viewer)
                r = wrk(srv, paths, a.duration, work, viewer)
                log(f"{backend}: logged in, no blocklist: {label}: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms, {r['errors']} errors")
                unblocked.append((label, r))
            hosts = "\n".join(f"blocked-{i}.example" for i in range(a.blocklist))
            st, _, b = srv.request("POST", "/api/v1/server/blocklist/servers/import", json.dumps({"hosts": hosts}),
                                   srv.auth({"Content-Type": "application/json"}))
            assert st == 200 and json.loads(b)["added"] == a.blocklist, (st, b[:300])
            _, _, b = srv.request("GET", "/api/v1/videos?count=15")
            assert json.loads(b)["total"] == public, "the blocklist hid videos it names no host of"
            for label, paths in endpoints[1:]:
                wrk(srv, paths, 3, work, viewer)
                r = wrk(srv, paths, a.duration, work, viewer)
                log(f"{backend}: logged in, {a.blocklist} hosts blocked: {label}: {r['rps']:.0f} req/s, p99 {r['p99']:.1f} ms, {r['errors']} errors")
                blocked.append((label, r))
        return {"rows": rows, "idle": idle, "hwm": srv.mem_kb("VmHWM"), "seeded": seeded, "indexed": indexed,
                "stats": len(stats), "found": found, "load": load, "queries": queries, "public": public,
                "blocked": blocked, "unblocked": unblocked}
    finally:
        if srv:
            srv.stop()
        if backend == "postgres" and not a.keep:
            try:
                db.admin(f"DROP DATABASE IF EXISTS {db.name} WITH (FORCE)")
            except subprocess.CalledProcessError as e:
                log(f"could not drop the database {db.name}: {e.stderr}")


def report(backend, a, r):
    ceiling = r["rows"][0][1]
    name = "SQLite" if backend == "sqlite" else f"PostgreSQL {a.pg_version}"
    out = [f"{name}: {a.videos:,} videos ({r['public']:,} public) seeded in {r['seeded']:.1f} s, indexed for search by the "
           f"server in {r['indexed']:.0f} s; {r['stats']:,} daily view counts; the queries find "
           f"{min(r['found'])}–{max(r['found'])} videos (median {sorted(r['found'])[len(r['found']) // 2]}); "
           f"load {r['load']} before the runs.\n",
           "| endpoint | requests/s | / ceiling | p50 | p99 | p99 / ceiling's | non-2xx / socket errors | peak RSS | target: ≥ 25 %, p99 < 20 ms |",
           "|---|---|---|---|---|---|---|---|---|"]
    for i, (label, m) in enumerate(r["rows"]):
        ok = "(the ceiling)" if i == 0 else "met" if m["rps"] >= 0.25 * ceiling["rps"] and m["p99"] < 20 and not m["errors"] else "**missed**"
        out.append(f"| {label} | {m['rps']:,.0f} | {m['rps'] / ceiling['rps']:.2f} | {m['p50']:.1f} ms | {m['p99']:.1f} ms | "
                   f"{m['p99'] / max(ceiling['p99'], 1e-3):.1f} | {m['non2xx']} / {m['socket']} | {m['rss'] / 1024:.1f} MB | {ok} |")
    peak = max(m["rss"] for _, m in r["rows"])
    rss_ok = "" if backend != "sqlite" else f" (target < 100 MB: {'met' if peak < 100 * 1024 else '**missed**'})"
    out.append(f"\nServer memory: {r['idle'] / 1024:.1f} MB idle after indexing, {peak / 1024:.1f} MB at most under load"
               f"{rss_ok}; VmHWM {r['hwm'] / 1024:.1f} MB (the indexing included).\n")
    if r["blocked"]:
        out += [f"With {a.blocklist:,} instances blocked (imported in one request), against the same lists just before, "
                "both as a logged-in user (answered afresh, not from the anonymous answers' cache):\n",
                "| endpoint | requests/s | / without the blocklist | p99 | p99 without | target: within 10 % |",
                "|---|---|---|---|---|---|"]
        for (label, m), (_, before) in zip(r["blocked"], r["unblocked"]):
            ratio = m["rps"] / before["rps"]
            ok = "met" if ratio >= 0.9 and not m["errors"] else "**missed**"
            out.append(f"| {label} | {m['rps']:,.0f} | {ratio:.2f} | {m['p99']:.1f} ms | {before['p99']:.1f} ms | {ok} |")
        out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/ruche-target")), "release", "ruche"))
    ap.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--videos", type=int, default=10_000)
    ap.add_argument("--duration", type=int, default=15, help="seconds of each measured wrk run")
    ap.add_argument("--blocklist", type=int, default=0,
                    help="then block this many instances (at most 10,000, one import) and measure the lists again")
    ap.add_argument("--pg", default="127.0.0.1:55432", help="PostgreSQL host:port (user postgres, no password)")
    ap.add_argument("--out", help="also write the Markdown to this file")
    ap.add_argument("--keep", action="store_true",
                    help="keep the data folders (and the PostgreSQL database) for a look at the queries afterwards")
    a = ap.parse_args()
    # Preflight: say what is missing and how to get it, install nothing behind the caller's back.
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed; install it with: apt-get install -y wrk")
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"no release binary at {a.bin}; build it with:\n"
                 "  CARGO_TARGET_DIR=~/.cache/ruche-target cargo build --release -p ruche   (or pass --bin)")
    backends = ["sqlite", "postgres"] if a.backend == "both" else [a.backend]
    a.pg_version = ""
    if "postgres" in backends:
        host, port = a.pg.split(":")
        if not shutil.which("psql") or subprocess.run(["pg_isready", "-q", "-h", host, "-p", port]).returncode != 0:
            sys.exit(f"no PostgreSQL at {a.pg} (or no psql); start one with: scripts/pg-start.sh /tmp/pg {port}")
        a.pg_version = subprocess.run(["psql", "-h", host, "-p", port, "-U", "postgres", "-Atc", "SHOW server_version"],
                                      check=True, capture_output=True, text=True).stdout.strip()
    load = open("/proc/loadavg").read().split()[0]
    work = tempfile.mkdtemp(prefix="ruche-bench-lists-")
    try:
        md = [f"### {datetime.date.today()} — video lists and search, {a.videos:,} videos, "
              f"{os.cpu_count()} cores, load {load} at start, `wrk -t2 -c64 -d{a.duration}s`\n"]
        for backend in backends:
            md.append(report(backend, a, bench_backend(backend, a, work)))
        text = "\n".join(md)
        print(text)
        if a.out:
            with open(a.out, "w") as f:
                f.write(text + "\n")
    finally:
        if a.keep:
            log(f"kept: {work} (PostgreSQL database ruche_bench_lists_{os.getpid()})")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
