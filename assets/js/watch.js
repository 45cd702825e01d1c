// The player: hls.js with a quality choice where Media Source Extensions exist, the browser's
// own HLS where it has it (Safari), else progressive playback of one rendition's file.
import Hls from '/assets/vendor/hls.js/hls.mjs';

const video = document.getElementById('player');
// The embed page has no quality menu: a detached one keeps the code below simple.
const quality = document.getElementById('quality') ?? Object.assign(document.createElement('select'), { dataset: { auto: 'Auto' } });
const master = video.dataset.hls;
const sources = [...quality.options].map((o) => ({ url: o.value, label: o.textContent }));
const progressive = sources.length ? sources : [...video.querySelectorAll('source')].map((s) => ({ url: s.src, label: '' }));

function useProgressive() {
  if (!quality.options.length) quality.replaceChildren(...progressive.map((f) => new Option(f.label, f.url)));
  quality.onchange = () => {
    const t = video.currentTime;
    const playing = !video.paused;
    video.src = quality.value;
    video.currentTime = t;
    if (playing) video.play();
  };
  if (!video.currentSrc) video.src = quality.value;
}

if (master && Hls.isSupported()) {
  const hls = new Hls({ capLevelToPlayerSize: true });
  video.querySelectorAll('source').forEach((s) => s.remove());
  hls.loadSource(master);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => {
    quality.replaceChildren(new Option(quality.dataset.auto, '-1'));
    data.levels
      .map((level, i) => ({ i, height: Math.min(level.height, level.width) || level.height }))
      .sort((a, b) => b.height - a.height)
      .forEach(({ i, height }) => quality.add(new Option(height ? `${height}p` : 'Audio', String(i))));
    quality.onchange = () => { hls.currentLevel = Number(quality.value); };
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    hls.destroy();
    quality.replaceChildren(...progressive.map((f) => new Option(f.label, f.url)));
    useProgressive();
  });
} else if (master && video.canPlayType('application/vnd.apple.mpegurl')) {
  video.src = master;
} else {
  useProgressive();
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
