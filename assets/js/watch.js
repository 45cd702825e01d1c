// The player of the watch and embed pages: hls.js with a quality choice where Media Source
// Extensions exist, the browser's own HLS where it has it (Safari), else progressive playback of
// one rendition's file.
//
// The page carries no media source and no player library, so the poster is what paints first.
// hls.js (a large module) is imported once the page has loaded and the browser is idle, or at
// once when the viewer reaches for the player; it reads the master playlist only, and fetches
// segments when playback starts. The progressive file is given to the <video> only when HLS
// cannot play, so it is never fetched beside HLS. Nothing plays by itself (unless an embed asks
// `autoplay=1`, as PeerTube's embeds do after a click on a facade).

const HLS_MODULE = '/assets/vendor/hls.js/hls.min.mjs';
// Segments shared between viewers (p2p-media-loader 2.2, the generation PeerTube 8's player
// runs, so our viewers and PeerTube's meet in one swarm). Its core is found through the page's
// import map.
const P2P_MODULE = '/assets/vendor/p2p-media-loader-hlsjs/p2p-media-loader-hlsjs.es.min.js';
// The viewer's choice, remembered: 'off' when they switched sharing off.
const P2P_CHOICE = 'ruche-p2p';
// Automatic quality starts at the highest rung at or below this height (and not above what the
// player shows): hls.js's bandwidth estimate needs a first segment of real size, and one from the
// lowest rung of a short clip keeps it there.
const START_HEIGHT = 480;

const video = document.getElementById('player');
const quality = document.getElementById('quality'); // the watch page's menu; the embed has none
const master = video.dataset.hls;
// Progressive files, best first up to 720p: the menu's options, or the embed's one file.
const progressive = quality
  ? [...quality.options].map((o) => ({ url: o.value, label: o.textContent }))
  : [video.dataset.src].filter(Boolean).map((url) => ({ url, label: '' }));

// Whether the viewer asked to play before the player had a source (the browser's controls do
// nothing then): granted once it has one. An embed's `autoplay=1` asks from the start.
let wanted = new URLSearchParams(location.search).get('autoplay') === '1';
const granted = () => {
  const w = wanted;
  wanted = false;
  return w;
};

/** Where the viewer is: the position, and whether it was playing (or asked to). */
const here = () => ({ t: video.currentTime, playing: !video.paused || granted() });

/** Plays from `src` from where the viewer was (`at`: now, unless the old player is gone). */
function switchTo(src, at = here()) {
  video.src = src;
  if (at.t) video.currentTime = at.t;
  if (at.playing) video.play().catch(() => {});
}

function useProgressive(at = here()) {
  const first = progressive[0];
  if (!first) return;
  video.dataset.player = 'progressive';
  if (quality) {
    quality.replaceChildren(...progressive.map((f) => new Option(f.label, f.url)));
    quality.onchange = () => switchTo(quality.value);
  }
  // preload="none": nothing is fetched until the viewer presses play.
  switchTo(first.url, at);
}

/** Without hls.js: the browser's own HLS (Safari), else the progressive file. */
function playNatively(at = here()) {
  if (master && video.canPlayType('application/vnd.apple.mpegurl')) {
    video.dataset.player = 'native';
    switchTo(master, at);
  } else {
    useProgressive(at);
  }
}

// Peer-to-peer: where the page offers it (trackers and segment hashes given), the browser can
// open data channels and check hashes, and the viewer has not switched it off.
const trackers = (video.dataset.trackers || '').split(' ').filter(Boolean);
const p2pPanel = document.getElementById('p2p');
const shareBox = document.getElementById('p2p-share');
const remembered = () => {
  try {
    return localStorage.getItem(P2P_CHOICE) !== 'off';
  } catch {
    return true;
  }
};
const p2pPossible = trackers.length > 0 && video.dataset.sha256 && 'RTCPeerConnection' in window && window.crypto?.subtle;

/**
 * Checks every segment a peer hands over against the origin's `segments-sha256.json` (read once,
 * and again when a rendition it does not list yet joins): a lying peer's bytes are refused and
 * the segment comes over HTTP instead.
 */
function segmentValidator(url, refused) {
  let table = null;
  let loading = null;
  const load = () =>
    (loading ??= fetch(url, { credentials: 'omit' })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}))
      .then((t) => (table = t))
      .finally(() => (loading = null)));
  return async (segmentUrl, byteRange, data) => {
    const name = new URL(segmentUrl, location.href).pathname.split('/').pop();
    let entry = (table ?? (await load()))[name];
    if (!entry) entry = (await load())[name];
    const expected = byteRange && entry && typeof entry === 'object' ? entry[`${byteRange.start}-${byteRange.end}`] : entry;
    if (typeof expected !== 'string') return false;
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    if (hex !== expected) {
      video.dataset.p2pRefused = String(Number(video.dataset.p2pRefused || 0) + 1);
      if (byteRange) refused.add(rangeKey(segmentUrl, byteRange));
      return false;
    }
    return true;
  };
}

const rangeKey = (url, range) => `${new URL(url, location.href).href} ${range.start}-${range.end}`;

/**
 * The fetch of a byte-range segment a peer lied about, so that it loads over HTTP.
 *
 * p2p-media-loader 2.2.2 forgets the length of a byte-range segment when it refuses a peer's copy
 * (`Request.clearLoadedBytes` clears `_totalBytes`, which for a range only the constructor sets),
 * and then takes the server's `Content-Range` of the refetch for a length mismatch: the error is
 * swallowed (`handleError` passes on aborts only), the request times out after 3 s, twice more,
 * and hls.js is told the segment failed — playback stalls on the first refused segment. The
 * refetch of a refused range is therefore made here, and handed over without its `Content-Range`
 * once that is checked here to be the range asked for.
 */
function refusedRefetch(refused) {
  const marked = new WeakSet();
  const fetchOriginal = window.fetch;
  window.fetch = async function (input, init) {
    const res = await fetchOriginal.call(this, input, init);
    if (!(input instanceof Request) || !marked.has(input) || res.status !== 206) return res;
    const asked = /^bytes=(\d+)-(\d*)$/.exec(input.headers.get('Range') || '');
    const got = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('Content-Range') || '');
    if (!asked || !got || asked[1] !== got[1] || (asked[2] && asked[2] !== got[2])) return res;
    const headers = new Headers(res.headers);
    headers.delete('Content-Range');
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
  return (segmentUrl, byteRange, signal, requestRange) => {
    if (!byteRange || !requestRange || !refused.has(rangeKey(segmentUrl, byteRange))) return undefined;
    const req = new Request(segmentUrl, {
      headers: { Range: `bytes=${requestRange.start}-${requestRange.end ?? ''}` },
      signal,
    });
    marked.add(req);
    return req;
  };
}

const megabytes = (n) => `${(n / 1e6).toFixed(1)} MB`;

/** The p2p-media-loader options for hls.js, and the counters the viewer (and tests) see. */
function p2pOptions() {
  const peers = new Set();
  const bytes = { p2p: 0, http: 0, up: 0 };
  const stats = document.getElementById('p2p-stats');
  const show = () => {
    video.dataset.p2pPeers = String(peers.size);
    video.dataset.p2pBytes = String(bytes.p2p);
    video.dataset.httpBytes = String(bytes.http);
    video.dataset.p2pUploaded = String(bytes.up);
    if (stats && p2pPanel) {
      stats.value = `${p2pPanel.dataset.peers.replace('%s', peers.size)} · ${p2pPanel.dataset.received.replace('%s', megabytes(bytes.p2p))}`;
    }
  };
  let stun = [];
  try {
    stun = JSON.parse(video.dataset.stun || '[]');
  } catch {}
  const refused = new Set(); // rangeKey of each segment a peer lied about
  return {
    core: {
      swarmId: master,
      announceTrackers: trackers,
      rtcConfig: { iceServers: stun.map((urls) => ({ urls })) },
      validateP2PSegment: segmentValidator(video.dataset.sha256, refused),
      httpRequestSetup: refusedRefetch(refused),
    },
    onHlsJsCreated(hls) {
      const engine = hls.p2pEngine;
      video.dataset.p2p = 'on';
      // Counted once a segment is whole and, from a peer, has passed the hash check: a lying
      // peer's bytes are not counted as received.
      engine.addEventListener('onSegmentLoaded', ({ bytesLength, downloadSource }) => {
        bytes[downloadSource === 'p2p' ? 'p2p' : 'http'] += bytesLength;
        show();
      });
      engine.addEventListener('onChunkUploaded', (n) => {
        bytes.up += n;
        show();
      });
      engine.addEventListener('onPeerConnect', (p) => {
        if (!p.streamType || p.streamType === 'main') peers.add(p.peerId);
        show();
      });
      engine.addEventListener('onPeerClose', (p) => {
        peers.delete(p.peerId);
        show();
      });
      if (shareBox) {
        shareBox.onchange = () => {
          engine.applyDynamicConfig({ core: { isP2PDisabled: !shareBox.checked } });
          video.dataset.p2p = shareBox.checked ? 'on' : 'off';
        };
      }
      show();
    },
  };
}

if (p2pPanel && p2pPossible) {
  p2pPanel.hidden = false;
  shareBox.checked = remembered();
  shareBox.addEventListener('change', () => {
    try {
      localStorage.setItem(P2P_CHOICE, shareBox.checked ? 'on' : 'off');
    } catch {}
  });
}

const height = (level) => Math.min(level.width, level.height) || level.height || 0;

/** The level to start on: the highest at or below START_HEIGHT, not above the capped one. */
function startLevel(levels, cap) {
  let start = 0;
  levels.forEach((level, i) => {
    if (height(level) && height(level) <= START_HEIGHT) start = i;
  });
  return cap >= 0 ? Math.min(start, cap) : start;
}

/**
 * Plays, as the viewer asked. A play interrupted by the media loading under it (`AbortError`:
 * hls.js attaching, a source switch) is asked again once the media can play, so a press is not
 * lost to that race; one the browser refuses (no gesture) is not.
 */
function playOnceReady() {
  video.play().catch((e) => {
    if (e?.name === 'AbortError') video.addEventListener('canplay', () => video.play().catch(() => {}), { once: true });
  });
}

function playWithHls(Hls, p2p) {
  // Segments load from the first play (autoStartLoad off): the page costs a playlist until then.
  const hls = new Hls({ capLevelToPlayerSize: true, autoStartLoad: false, ...(p2p ? { p2p } : {}) });
  let parsed = false; // hls.js loads nothing before it has read the master playlist
  let loading = false;
  let chosen = -1; // the viewer's choice in the menu; -1 is automatic
  const begin = () => {
    if (loading || !parsed) return;
    loading = true;
    hls.startLoad(-1);
    if (chosen >= 0) hls.currentLevel = chosen;
  };

  hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
    parsed = true;
    const auto = startLevel(data.levels, hls.autoLevelCapping);
    hls.startLevel = auto;
    // What plays, for the curious (and the browser tests).
    video.dataset.player = 'hls.js';
    video.dataset.levels = String(data.levels.length);
    if (quality) {
      quality.replaceChildren(new Option(quality.dataset.auto, '-1'));
      data.levels
        .map((level, i) => ({ i, h: height(level) }))
        .sort((a, b) => b.h - a.h)
        .forEach(({ i, h }) => quality.add(new Option(h ? `${h}p` : 'Audio', String(i))));
      quality.onchange = () => {
        chosen = Number(quality.value);
        if (loading) hls.currentLevel = chosen;
        else hls.startLevel = chosen >= 0 ? chosen : auto;
      };
    }
    if (granted() || !video.paused) {
      begin();
      playOnceReady();
    }
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    // Read before hls.js lets go of the <video>, which resets it to the start, paused.
    const at = here();
    hls.destroy();
    video.dataset.fallback = data.details || 'error';
    playNatively(at);
  });
  for (const ev of ['play', 'seeking']) video.addEventListener(ev, begin);
  const placeholder = video.src.startsWith('blob:') ? video.src : null;
  hls.once(Hls.Events.MEDIA_ATTACHED, () => placeholder && URL.revokeObjectURL(placeholder));
  // A press on play just before hls.js takes the <video> may fire no `play` (the browser drops
  // it when the source changes): kept as a wish, granted once the playlist is read.
  if (!video.paused) wanted = true;
  hls.attachMedia(video);
  hls.loadSource(master);
}

if (master && ('MediaSource' in window || 'ManagedMediaSource' in window)) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    // Both modules at once (the P2P engine does not import hls.js): one wait, not two in a row.
    // Without the P2P module (it failed to load), the server serves everything.
    const p2p = p2pPossible && remembered() ? import(P2P_MODULE).catch(() => null) : null;
    import(HLS_MODULE)
      .then(async ({ default: Hls }) => {
        if (!Hls.isSupported()) return playNatively();
        const engine = p2p && (await p2p);
        let P2PHls = null;
        try {
          P2PHls = engine && engine.HlsJsP2PEngine.injectMixin(Hls);
        } catch {
          // As without the module.
        }
        return P2PHls ? playWithHls(P2PHls, p2pOptions()) : playWithHls(Hls);
      })
      .catch(() => useProgressive());
  };
  // Until hls.js is there the <video> holds an empty MediaSource: it costs no request, and it
  // keeps the browser's play button alive (it does nothing on a <video> without a source). A
  // play pressed then is a wish, granted once hls.js has read the playlist.
  try {
    const MS = window.MediaSource || window.ManagedMediaSource;
    video.src = URL.createObjectURL(new MS());
  } catch {
    // The button stays inert until hls.js attaches; hovering or touching the player loads it.
  }
  video.addEventListener('play', () => {
    if (video.dataset.player) return;
    wanted = true;
    start();
  });
  // The gesture itself counts too, in case its `play` is lost in the switch of sources.
  const pressed = (e) => {
    if (video.dataset.player || !video.paused) return;
    if (e.type === 'click' || [' ', 'Enter', 'k'].includes(e.key)) wanted = true;
  };
  video.addEventListener('click', pressed, { capture: true });
  video.addEventListener('keydown', pressed, { capture: true });
  // The viewer reaching for the player (hovering, touching, focusing) loads it at once; otherwise
  // it comes once the page has loaded and the main thread is free.
  for (const ev of ['pointerenter', 'pointerdown', 'focusin']) {
    video.addEventListener(ev, start, { once: true, passive: true });
  }
  if (wanted) start();
  else {
    const idle = () => (window.requestIdleCallback ? requestIdleCallback(start, { timeout: 3000 }) : setTimeout(start, 500));
    if (document.readyState === 'complete') idle();
    else addEventListener('load', idle, { once: true });
  }
} else {
  playNatively();
}

// A view counts once the viewer has watched a while (10 s, or 30 % of a short video).
const duration = Number(video.dataset.duration) || 0;
const needed = Math.min(10, Math.max(1, duration * 0.3));
let watched = 0;
let last = null;
let counted = false;
video.addEventListener('timeupdate', () => {
  if (counted) return;
  if (last !== null && video.currentTime > last && video.currentTime - last < 2) watched += video.currentTime - last;
  last = video.currentTime;
  if (watched >= needed) {
    counted = true;
    fetch(`/api/v1/videos/${video.dataset.uuid}/views`, { method: 'POST', credentials: 'same-origin' }).catch(() => {});
  }
});

// Where a logged-in viewer left off: the page says it (their history), the player starts there
// unless the link names a time; while playing, where they are is reported every 10 s and on
// pause, as PeerTube's player does (`PUT …/watching`).
const resumeAt = Number(video.dataset.resume || 0);
if (resumeAt > 0 && !/[?&#](t|start)=/.test(location.href)) {
  const seek = () => { if (video.currentTime < 1) video.currentTime = resumeAt; };
  if (video.readyState >= 1) seek();
  else video.addEventListener('loadedmetadata', seek, { once: true });
}
if (video.dataset.csrf) {
  let reported = -1;
  const report = () => {
    const at = Math.floor(video.currentTime);
    if (at === reported) return;
    reported = at;
    fetch(`/api/v1/videos/${video.dataset.uuid}/watching`, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': video.dataset.csrf },
      body: JSON.stringify({ currentTime: at }),
    }).catch(() => {});
  };
  let lastReport = 0;
  video.addEventListener('timeupdate', () => {
    if (Date.now() - lastReport >= 10000) {
      lastReport = Date.now();
      report();
    }
  });
  video.addEventListener('pause', report);
}
