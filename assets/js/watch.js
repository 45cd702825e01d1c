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

/** Plays from `src` keeping the position and whether it was playing (or asked to). */
function switchTo(src) {
  const t = video.currentTime;
  const playing = !video.paused || granted();
  video.src = src;
  if (t) video.currentTime = t;
  if (playing) video.play().catch(() => {});
}

function useProgressive() {
  const first = progressive[0];
  if (!first) return;
  video.dataset.player = 'progressive';
  if (quality) {
    quality.replaceChildren(...progressive.map((f) => new Option(f.label, f.url)));
    quality.onchange = () => switchTo(quality.value);
  }
  // preload="none": nothing is fetched until the viewer presses play.
  switchTo(first.url);
}

/** Without hls.js: the browser's own HLS (Safari), else the progressive file. */
function playNatively() {
  if (master && video.canPlayType('application/vnd.apple.mpegurl')) {
    video.dataset.player = 'native';
    switchTo(master);
  } else {
    useProgressive();
  }
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

function playWithHls(Hls) {
  // Segments load from the first play (autoStartLoad off): the page costs a playlist until then.
  const hls = new Hls({ capLevelToPlayerSize: true, autoStartLoad: false });
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
      video.play().catch(() => {});
    }
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    hls.destroy();
    playNatively();
  });
  for (const ev of ['play', 'seeking']) video.addEventListener(ev, begin);
  const placeholder = video.src.startsWith('blob:') ? video.src : null;
  hls.once(Hls.Events.MEDIA_ATTACHED, () => placeholder && URL.revokeObjectURL(placeholder));
  hls.attachMedia(video);
  hls.loadSource(master);
}

if (master && ('MediaSource' in window || 'ManagedMediaSource' in window)) {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    import(HLS_MODULE)
      .then(({ default: Hls }) => (Hls.isSupported() ? playWithHls(Hls) : playNatively()))
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
