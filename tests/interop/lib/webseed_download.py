#!/usr/bin/python3
"""Downloads a torrent with libtorrent (Debian's python3-libtorrent) through its web seeds only.

    /usr/bin/python3 webseed_download.py TORRENT SAVE_DIR [TIMEOUT_SECONDS]

No DHT, local discovery, UPnP or NAT-PMP, and the torrent's trackers are removed before it
starts, so the only source of its bytes is its `url-list` (BEP 19). Once libtorrent says it is
seeding, the web seeds are removed too and every piece is hashed again (`force_recheck`), so
that `have_piece` of each piece is libtorrent's verdict on what is on disk, with nothing left to
download a failed piece from.

Prints one JSON object on stdout (and exits 0) whatever happened; the caller asserts on it.
Alerts go to stderr as they come, to explain a failure.
"""

import json
import os
import sys
import time

import libtorrent as lt


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def main():
    torrent_path, save_dir = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    deadline = time.monotonic() + timeout

    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        # Everything is on 127.0.0.1, the web seed included.
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.error_notification
        | lt.alert.category_t.status_notification
        | lt.alert.category_t.storage_notification
        | lt.alert.category_t.peer_notification
        | lt.alert.category_t.connect_notification,
    }
    ses = lt.session(settings)

    ti = lt.torrent_info(torrent_path)
    web_seeds = [w["url"] for w in ti.web_seeds()]
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = save_dir
    # Added paused and not auto-managed, so nothing starts before the trackers are gone.
    atp.flags = (atp.flags | lt.torrent_flags.paused) & ~lt.torrent_flags.auto_managed
    h = ses.add_torrent(atp)
    trackers = [t["url"] for t in h.trackers()]
    h.replace_trackers([])
    h.resume()

    result = {
        "libtorrent": lt.__version__,
        "info_hash": str(ti.info_hashes().v1) if hasattr(ti, "info_hashes") else str(ti.info_hash()),
        "name": ti.name(),
        "num_pieces": ti.num_pieces(),
        "piece_length": ti.piece_length(),
        "total_size": ti.total_size(),
        "web_seeds": web_seeds,
        "trackers_removed": trackers,
        "file": os.path.join(save_dir, ti.files().file_path(0)),
        "seeding": False,
        "rechecked": False,
        "have_all": False,
        "missing_pieces": [],
        "errors": [],
        "peers_seen": [],
    }
    seen = set()
    checked = [0]  # torrent_checked_alerts so far

    def pump(until):
        """Reads alerts until `until()` is true or the deadline; returns whether it came true."""
        while True:
            for a in ses.pop_alerts():
                msg = f"{type(a).__name__}: {a.message()}"
                log(msg)
                if isinstance(a, lt.torrent_checked_alert):
                    checked[0] += 1
                if a.category() & lt.alert.category_t.error_notification:
                    result["errors"].append(msg)
            for p in h.get_peer_info():
                key = (p.ip[0], p.ip[1], int(p.connection_type))
                if key not in seen:
                    seen.add(key)
                    result["peers_seen"].append({
                        "ip": p.ip[0],
                        "port": p.ip[1],
                        "connection_type": int(p.connection_type),
                        # A BEP 19 web seed (not a BitTorrent peer, not a BEP 17 HTTP seed).
                        "web_seed": int(p.connection_type) == int(lt.peer_info.web_seed),
                    })
            if until():
                return True
            if time.monotonic() >= deadline:
                return False
            ses.wait_for_alert(100)

    result["seeding"] = pump(lambda: h.status().is_seeding)
    st = h.status()
    result["total_payload_download"] = st.total_payload_download
    result["total_wanted_done"] = st.total_wanted_done
    result["state"] = str(st.state)

    if result["seeding"]:
        for url in web_seeds:
            h.remove_url_seed(url)
        before = checked[0]
        h.force_recheck()
        # force_recheck only queues the check; libtorrent says when it is done.
        done = pump(lambda: checked[0] > before)
        result["rechecked"] = done
        if done:
            missing = [i for i in range(ti.num_pieces()) if not h.have_piece(i)]
            result["missing_pieces"] = missing
            result["have_all"] = not missing
        result["state_after_recheck"] = str(h.status().state)

    ses.remove_torrent(h)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
