// Behaviours of a published one-page site. Loaded only on pages whose blocks need it; every
// block also works without it (the carousel scrolls, the gallery opens images, the map and the
// video are links). Labels come from the page (data-* attributes), in the site's language.

const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;

function button(label, text, className = 'btn') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.setAttribute('aria-label', label);
  b.textContent = text;
  return b;
}

// Vendored files are found next to this module, so a static export works from any folder.
const vendor = (f) => new URL(`../vendor/leaflet/${f}`, import.meta.url).href;

/** Adds the behaviours to the blocks under `root` (the editor calls it after each redraw). */
export function init(root = document) {
  // Carousel: previous / next / pause; plays by itself unless the visitor asked for less motion,
  // and stops while the visitor is inside it.
  for (const c of root.querySelectorAll('.carousel')) {
    const list = c.querySelector('ul');
    const slides = [...list.children];
    if (slides.length < 2) continue;
    const d = c.dataset;
    const controls = document.createElement('div');
    controls.className = 'carousel-controls';
    const prev = button(d.prev, '‹');
    const pause = button(d.pause, '❚❚');
    const next = button(d.next, '›');
    controls.append(prev, pause, next);
    c.append(controls);
    let index = 0;
    const go = (n) => {
      index = (n + slides.length) % slides.length;
      list.scrollTo({ left: slides[index].offsetLeft - list.offsetLeft, behavior: reduced ? 'auto' : 'smooth' });
    };
    prev.addEventListener('click', () => go(index - 1));
    next.addEventListener('click', () => go(index + 1));
    const every = Number(d.interval) * 1000;
    let playing = every > 0 && !reduced;
    let timer = null;
    const schedule = (run) => {
      clearInterval(timer);
      timer = run && playing ? setInterval(() => go(index + 1), every) : null;
      pause.setAttribute('aria-pressed', String(!playing));
      pause.setAttribute('aria-label', playing ? d.pause : d.play);
      pause.textContent = playing ? '❚❚' : '▶';
    };
    pause.addEventListener('click', () => { playing = !playing; schedule(true); });
    c.addEventListener('mouseenter', () => schedule(false));
    c.addEventListener('mouseleave', () => schedule(true));
    c.addEventListener('focusin', () => schedule(false));
    c.addEventListener('focusout', () => schedule(true));
    schedule(true);
  }

  // Gallery lightbox: a modal <dialog> (Escape closes it natively), arrows move through images.
  for (const g of root.querySelectorAll('.gallery')) {
    const links = [...g.querySelectorAll('a.lightbox')];
    if (!links.length) continue;
    const dialog = document.createElement('dialog');
    dialog.className = 'lightbox-dialog';
    const img = document.createElement('img');
    const close = button(g.dataset.close, '×', 'lightbox-close');
    dialog.append(close, img);
    document.body.append(dialog);
    let at = 0;
    const show = (n) => {
      at = (n + links.length) % links.length;
      const thumb = links[at].querySelector('img');
      img.src = links[at].href;
      img.alt = thumb ? thumb.alt : '';
    };
    links.forEach((a, n) => a.addEventListener('click', (e) => {
      e.preventDefault();
      show(n);
      dialog.showModal();
    }));
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
    dialog.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight') show(at + 1);
      if (e.key === 'ArrowLeft') show(at - 1);
    });
  }

  // Map: nothing is fetched from the tile server until the visitor asks for the map.
  for (const m of root.querySelectorAll('.map')) {
    const show = m.querySelector('.show-map');
    if (!show) continue;
    show.hidden = false;
    show.addEventListener('click', async () => {
      const L = await import(vendor('leaflet.esm.js'));
      if (!document.querySelector('link[data-leaflet]')) {
        const css = document.createElement('link');
        css.rel = 'stylesheet';
        css.href = vendor('leaflet.css');
        css.dataset.leaflet = '';
        document.head.append(css);
      }
      const canvas = document.createElement('div');
      canvas.className = 'map-canvas';
      show.closest('p').before(canvas);
      show.remove();
      const at = [Number(m.dataset.lat), Number(m.dataset.lon)];
      const map = L.map(canvas).setView(at, Number(m.dataset.zoom));
      L.tileLayer(m.dataset.tiles, {
        maxZoom: 19,
        attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
      }).addTo(map);
      const icon = L.icon({
        iconUrl: vendor('marker-icon.png'),
        iconRetinaUrl: vendor('marker-icon-2x.png'),
        shadowUrl: vendor('marker-shadow.png'),
        iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41],
      });
      const marker = L.marker(at, { icon, alt: m.dataset.label || '' }).addTo(map);
      if (m.dataset.label) marker.bindPopup(m.dataset.label);
    }, { once: true });
  }

  // Video facade: the player (the instance's embed page) loads only when the visitor asks.
  for (const f of root.querySelectorAll('.video-facade')) {
    const link = f.querySelector('a');
    let embed = f.dataset.embed;
    if (!embed && link) {
      const url = new URL(link.href);
      const m = /^\/(?:w|videos\/watch)\/([^/?#]+)/.exec(url.pathname);
      if (m) embed = `${url.origin}/videos/embed/${m[1]}`;
    }
    if (!embed) continue;
    const play = button(f.dataset.play, '▶', 'btn video-play');
    f.prepend(play);
    play.addEventListener('click', () => {
      const frame = document.createElement('iframe');
      frame.src = `${embed}?autoplay=1`;
      frame.title = link?.textContent || '';
      frame.allow = 'autoplay; fullscreen; picture-in-picture';
      frame.allowFullscreen = true;
      frame.setAttribute('sandbox', 'allow-same-origin allow-scripts allow-popups');
      f.replaceChildren(frame);
    }, { once: true });
  }
}

if (!document.documentElement.hasAttribute('data-editor')) init();
