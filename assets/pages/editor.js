// The site editor: the owner's page as visitors see it, with buttons over it. It edits the site
// document (the same JSON the server stores and exports) and sends it back whole; the server
// checks it, saves it as the draft and answers the page drawn by the one renderer, which
// replaces what is on screen. Undo and redo are snapshots of the document.

import { init as initSite } from './site.js';

const cfg = JSON.parse(document.getElementById('ruche-editor').textContent);
const base = `/my-sites/${encodeURIComponent(cfg.slug)}`;
let doc = cfg.doc;
let version = cfg.version;
let published = doc.published;

/** A message of the editor's catalogue, `{ $name }` placeholders filled from `args`. The editor
 * speaks the interface's language (`cfg.lang`), whatever the site's language is. */
function T(key, args = {}) {
  const s = cfg.strings[key] ?? key;
  return s.replace(/\{ *\$(\w+) *\}/g, (_, n) => String(args[n] ?? ''));
}

/** Words the editor puts into the site itself (a new item's title): in the site's language. */
function C(key) {
  return cfg.content?.[key] ?? T(key);
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) e.append(c);
  return e;
}

function button(label, onclick, attrs = {}) {
  return el('button', { type: 'button', onclick, ...attrs }, label);
}

// Icons drawn here (a phone may lack the font for symbols like ⧉ or 🗑).
const ICON_PATHS = {
  up: 'M12 5l-7 7h4v7h6v-7h4z',
  down: 'M12 19l7-7h-4V5H9v7H5z',
  copy: 'M8 3h11v13H8zM5 7v14h11v-2H7V7z',
  eye: 'M12 5C6 5 2 12 2 12s4 7 10 7 10-7 10-7-4-7-10-7zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8z',
  eyeOff: 'M3 4l17 17-1.4 1.4-3.2-3.2A11 11 0 0 1 12 19C6 19 2 12 2 12a19 19 0 0 1 4.2-4.6L1.6 5.4zM12 5c6 0 10 7 10 7a19 19 0 0 1-3 3.9L8.4 5.4A10 10 0 0 1 12 5z',
  trash: 'M9 3h6l1 2h4v2H4V5h4zM6 9h12l-1 12H7z',
  gear: 'M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1L11 21h4l.4-2.9a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
  undo: 'M9 5L3 11l6 6v-4h6a4 4 0 0 1 0 8h-2v2h2a6 6 0 0 0 0-12H9z',
  redo: 'M15 5l6 6-6 6v-4H9a4 4 0 0 0 0 8h2v2H9a6 6 0 0 1 0-12h6z',
  drag: 'M8 4h3v3H8zm5 0h3v3h-3zM8 10h3v3H8zm5 0h3v3h-3zM8 16h3v3H8zm5 0h3v3h-3z',
  more: 'M5 10a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm7 0a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm7 0a2 2 0 1 1 0 4 2 2 0 0 1 0-4z',
};
function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.innerHTML = `<path fill="currentColor" d="${ICON_PATHS[name]}"/>`;
  return svg;
}

// ---------------------------------------------------------------------------------------------
// The document, its history, and saving.

const undoStack = [];
const redoStack = [];
let localRev = 0;

const section = (id) => doc.blocks.find((b) => b.id === id);
// Block names are the editor's words: in the interface's language, not the site's.
const kindName = (kind) => cfg.strings[`ed-block-${kind}`] ?? cfg.catalogue.find((c) => c.type === kind)?.name ?? kind;

function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function setPath(obj, path, value) {
  const keys = path.split('.');
  const last = keys.pop();
  const parent = keys.reduce((o, k) => o[k], obj);
  parent[last] = value;
}

/** Applies `mutate` to the document as one undoable action, then saves. */
function change(mutate, { redraw = true } = {}) {
  undoStack.push(JSON.stringify(doc));
  if (undoStack.length > 300) undoStack.shift();
  redoStack.length = 0;
  mutate(doc);
  touched(redraw);
}

function touched(redraw) {
  localRev += 1;
  updateHistoryButtons();
  if (redraw) save();
  else scheduleSave();
}

function undo() {
  if (!undoStack.length) return;
  redoStack.push(JSON.stringify(doc));
  doc = JSON.parse(undoStack.pop());
  touched(true);
}

function redo() {
  if (!redoStack.length) return;
  undoStack.push(JSON.stringify(doc));
  doc = JSON.parse(redoStack.pop());
  touched(true);
}

let timer = null;
let inFlight = null;
let again = false;

function scheduleSave() {
  setStatus('pending');
  clearTimeout(timer);
  timer = setTimeout(save, 800);
}

/** Saves the document now (one request at a time; changes made meanwhile follow at once). */
async function save({ publish = false } = {}) {
  clearTimeout(timer);
  if (inFlight) {
    again = true;
    await inFlight;
    if (!publish) return;
  }
  const sentRev = localRev;
  setStatus('saving');
  inFlight = (async () => {
    let res;
    try {
      res = await fetch(`${base}/draft`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cfg.csrf },
        body: JSON.stringify({ version, document: doc, publish }),
      });
    } catch {
      setStatus('offline');
      timer = setTimeout(save, 5000);
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      version = body.version;
      published = body.published;
      if (body.slug !== cfg.slug) {
        cfg.slug = body.slug;
        history.replaceState(null, '', `/my-sites/${encodeURIComponent(body.slug)}/edit`);
        location.reload();
      }
      if (sentRev === localRev) {
        // What the server stored is the truth (sanitised text, fresh ids).
        doc = body.document;
        applyPage(body.html);
        setStatus(publish ? 'published' : 'saved');
      }
      clearConflict();
    } else if (res.status === 409 && body.error === 'conflict') {
      showConflict(body);
    } else {
      setStatus('error', body.error ? `${body.error}${body.path ? ` (${body.path})` : ''}` : res.statusText);
    }
  })();
  await inFlight;
  inFlight = null;
  if (again) {
    again = false;
    await save();
  }
}

// ---------------------------------------------------------------------------------------------
// The editor's own bar.

const status = el('span', { class: 'ed-status', role: 'status', 'aria-live': 'polite' });
const undoBtn = button(icon('undo'), undo, { 'aria-label': T('ed-undo'), title: `${T('ed-undo')} (Ctrl+Z)`, 'data-help': 'undo', class: 'ed-icon' });
const redoBtn = button(icon('redo'), redo, { 'aria-label': T('ed-redo'), title: `${T('ed-redo')} (Ctrl+Shift+Z)`, 'data-help': 'redo', class: 'ed-icon' });
const publishBtn = button(T('ed-publish'), publish, { class: 'ed-primary', 'data-help': 'publish' });
const helpBtn = button('?', toggleHelp, { 'aria-label': T('ed-help'), 'aria-pressed': 'false', class: 'ed-icon ed-help-btn', 'data-help': 'help' });

function setStatus(state, detail = '') {
  status.dataset.state = state;
  status.textContent = T(`ed-status-${state}`) + (detail ? ` — ${detail}` : '');
}

function updateHistoryButtons() {
  undoBtn.disabled = !undoStack.length;
  redoBtn.disabled = !redoStack.length;
}

async function publish() {
  await save({ publish: true });
  if (published) {
    notice(el('span', {}, T('ed-published-at'), ' ', el('a', { href: cfg.publicUrl, target: '_blank', rel: 'noopener' }, cfg.publicUrl)));
  }
}

// On a phone the less frequent actions go behind "More", so the bar fits the screen and Publish
// is always in sight (editor.css).
const secondary = el('span', { class: 'ed-secondary', id: 'ed-secondary' },
  button(T('ed-theme'), openTheme, { 'data-help': 'theme' }),
  button(T('ed-site'), openSiteSettings, { 'data-help': 'site' }),
  button(T('ed-media'), () => openMedia(), { 'data-help': 'media' }),
  button(T('ed-preview'), openPreview, { 'data-help': 'preview' }),
  el('a', { href: `${base}/inbox`, 'data-help': 'inbox' }, T('ed-inbox')),
  el('a', { href: `${base}/revisions`, 'data-help': 'history' }, T('ed-history')),
);
const moreBtn = button(icon('more'), () => setMore(moreBtn.getAttribute('aria-expanded') !== 'true'), {
  class: 'ed-icon ed-more-btn', 'aria-label': T('ed-more'), title: T('ed-more'), 'aria-expanded': 'false', 'aria-controls': 'ed-secondary',
});
const bar = el('div', { class: 'ed-toolbar', role: 'toolbar', 'aria-label': T('ed-toolbar') },
  el('a', { href: '/my-sites', class: 'ed-back', 'data-help': 'back', title: T('ed-my-sites') },
    '← ', el('span', { class: 'ed-back-text' }, T('ed-my-sites'))),
  el('span', { class: 'ed-group' }, undoBtn, redoBtn),
  moreBtn,
  secondary,
  status,
  helpBtn,
  publishBtn,
);
const notices = el('div', { class: 'ed-notices' });
document.body.prepend(bar, notices);

function setMore(open) {
  moreBtn.setAttribute('aria-expanded', String(open));
  bar.classList.toggle('ed-more-open', open);
}
// An action taken, a click elsewhere or Escape closes the menu.
secondary.addEventListener('click', () => setMore(false));
document.addEventListener('pointerdown', (e) => { if (!bar.contains(e.target)) setMore(false); });
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && bar.classList.contains('ed-more-open')) { setMore(false); moreBtn.focus(); }
});
// The page starts below the bar, however many rows the bar takes.
new ResizeObserver(() => {
  document.documentElement.style.setProperty('--ed-bar-h', `${Math.ceil(bar.getBoundingClientRect().height)}px`);
}).observe(bar);

function notice(content, actions = [], kind = 'info') {
  const n = el('div', { class: `ed-notice ed-${kind}`, role: kind === 'info' ? 'status' : 'alert' }, content, ...actions,
    button('×', () => n.remove(), { 'aria-label': T('ed-close'), class: 'ed-icon' }));
  notices.replaceChildren(n);
  return n;
}

function showConflict(body) {
  setStatus('conflict');
  notice(T('ed-conflict'), [
    button(T('ed-conflict-keep-mine'), () => { version = body.version; save(); }, { class: 'ed-primary' }),
    button(T('ed-conflict-take-theirs'), () => location.reload()),
  ], 'warning');
}

function clearConflict() {
  if (status.dataset.state !== 'conflict') notices.querySelector('.ed-warning')?.remove();
}

// ---------------------------------------------------------------------------------------------
// The page: redraw from the server's HTML, then put the editing controls over it.

function applyPage(html) {
  rich.hidden = true;
  const fresh = new DOMParser().parseFromString(html, 'text/html');
  const theme = document.head.querySelector('style');
  const freshTheme = fresh.head.querySelector('style');
  if (theme && freshTheme) theme.textContent = freshTheme.textContent;
  document.title = fresh.title;
  document.documentElement.lang = fresh.documentElement.lang;
  for (const sel of ['nav.site-menu', 'header.site-title']) {
    document.querySelector(`body > ${sel}`)?.remove();
  }
  const main = document.querySelector('main');
  for (const sel of ['header.site-title', 'nav.site-menu']) {
    const f = fresh.querySelector(`body > ${sel}`);
    if (f) main.before(document.adoptNode(f));
  }
  main.replaceChildren(...[...fresh.querySelector('main').childNodes].map((n) => document.adoptNode(n)));
  decorate();
}

/** What a block still needs before it works, as a message key, or null. */
function needsSetup(s) {
  switch (s.type) {
    case 'contact': return s.to ? null : 'ed-needs-contact';
    case 'map': return s.lat === 0 && s.lon === 0 ? 'ed-needs-map' : null;
    case 'video': return s.url ? null : 'ed-needs-video';
    case 'gallery': case 'carousel': return s.images.length ? null : 'ed-needs-images';
    case 'social': return s.links.some((l) => l.url.length > 8) ? null : 'ed-needs-social';
    default: return null;
  }
}

function move(id, to) {
  change((d) => {
    const from = d.blocks.findIndex((b) => b.id === id);
    if (from < 0) return;
    const [b] = d.blocks.splice(from, 1);
    d.blocks.splice(Math.max(0, Math.min(to, d.blocks.length)), 0, b);
  });
}

function freshId(kind) {
  let n = 1;
  while (doc.blocks.some((b) => b.id === `${kind}-${n}`)) n += 1;
  return `${kind}-${n}`;
}

function addSlot(index) {
  return el('div', { class: 'ed-add', contenteditable: 'false' },
    button(`+ ${T('ed-add-here')}`, () => openPicker(index), { 'data-help': 'add', class: 'ed-add-btn' }));
}

function decorate() {
  const main = document.querySelector('main');
  main.querySelectorAll('.ed-add, .ed-bar, .ed-setup').forEach((n) => n.remove());
  const blocks = [...main.querySelectorAll(':scope > [data-block]')];
  main.prepend(addSlot(0));
  blocks.forEach((node, i) => {
    const s = section(node.dataset.block);
    if (!s) return;
    const index = doc.blocks.indexOf(s);
    const needs = needsSetup(s);
    const gear = button(needs ? [icon('gear'), ` ${T('ed-set-up')}`] : icon('gear'), () => openSettings(s.id), {
      'aria-label': `${T('ed-settings')} — ${kindName(s.type)}`, title: T('ed-settings'),
      'data-help': 'gear', class: needs ? 'ed-gear ed-attention' : 'ed-gear',
    });
    const handle = el('span', { class: 'ed-handle', draggable: 'true', title: T('ed-drag'), 'data-help': 'drag', 'aria-hidden': 'true' }, icon('drag'));
    handle.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/x-ruche-block', s.id); node.classList.add('ed-dragging'); });
    handle.addEventListener('dragend', () => node.classList.remove('ed-dragging'));
    const barNode = el('div', { class: 'ed-bar', contenteditable: 'false', role: 'toolbar', 'aria-label': kindName(s.type) },
      handle,
      el('span', { class: 'ed-kind' }, kindName(s.type), s.hidden ? ` (${T('ed-hidden')})` : ''),
      button(icon('up'), () => move(s.id, index - 1), { 'aria-label': T('ed-move-up'), title: T('ed-move-up'), disabled: index === 0, 'data-help': 'move', class: 'ed-icon' }),
      button(icon('down'), () => move(s.id, index + 1), { 'aria-label': T('ed-move-down'), title: T('ed-move-down'), disabled: index === doc.blocks.length - 1, 'data-help': 'move', class: 'ed-icon' }),
      button(icon('copy'), () => change((d) => { const c = structuredClone(s); c.id = freshId(s.type); d.blocks.splice(index + 1, 0, c); }), { 'aria-label': T('ed-duplicate'), title: T('ed-duplicate'), 'data-help': 'duplicate', class: 'ed-icon' }),
      button(icon(s.hidden ? 'eyeOff' : 'eye'), () => change(() => { s.hidden = !s.hidden; }), { 'aria-label': s.hidden ? T('ed-show') : T('ed-hide'), title: s.hidden ? T('ed-show') : T('ed-hide'), 'aria-pressed': String(!!s.hidden), 'data-help': 'hide', class: 'ed-icon' }),
      button(icon('trash'), () => change((d) => { d.blocks.splice(d.blocks.indexOf(section(s.id)), 1); }), { 'aria-label': T('ed-delete'), title: T('ed-delete'), 'data-help': 'delete', class: 'ed-icon' }),
      gear,
    );
    node.prepend(barNode);
    if (needs) {
      node.append(el('p', { class: 'ed-setup', contenteditable: 'false' },
        T(needs), ' ', button(T('ed-set-up'), () => openSettings(s.id), { class: 'ed-primary' })));
    }
    node.addEventListener('dragover', (e) => { if (e.dataTransfer.types.includes('text/x-ruche-block')) { e.preventDefault(); node.classList.add('ed-drop'); } });
    node.addEventListener('dragleave', () => node.classList.remove('ed-drop'));
    node.addEventListener('drop', (e) => {
      e.preventDefault();
      node.classList.remove('ed-drop');
      const id = e.dataTransfer.getData('text/x-ruche-block');
      const r = node.getBoundingClientRect();
      const after = e.clientY > r.top + r.height / 2;
      const from = doc.blocks.findIndex((b) => b.id === id);
      let to = index + (after ? 1 : 0);
      if (from < to) to -= 1;
      if (id && id !== s.id) move(id, to);
    });
    node.after(addSlot(index + 1));
    void i;
  });
  // Text fields become editable where they are.
  for (const f of main.querySelectorAll('[data-f]:not(img)')) {
    const block = f.closest('[data-block]');
    if (!block) continue;
    f.setAttribute('contenteditable', f.hasAttribute('data-rich') ? 'true' : 'plaintext-only');
    f.setAttribute('spellcheck', 'true');
    f.dataset.help = f.hasAttribute('data-rich') ? 'rich' : 'text';
    if (!f.textContent.trim()) f.dataset.placeholder = T('ed-click-to-write');
  }
  for (const img of main.querySelectorAll('img[data-f]')) {
    img.dataset.help = 'image';
    img.title = T('ed-replace-image');
  }
  // The renderer's own note for the owner is in the site's language; the editor says it (in
  // the interface's language) in its set-up box instead.
  for (const n of main.querySelectorAll('.needs-setup')) n.hidden = true;
  initSite(main);
}

// Editing text in place: commit when the field loses focus.
document.addEventListener('focusout', (e) => {
  const f = e.target.closest?.('[data-f][contenteditable]');
  if (!f) return;
  const block = f.closest('[data-block]');
  const s = block && section(block.dataset.block);
  if (!s) return;
  const value = f.hasAttribute('data-rich') ? f.innerHTML : f.textContent.trim();
  if (getPath(s, f.dataset.f) === value) return;
  change(() => setPath(s, f.dataset.f, value), { redraw: false });
});

document.addEventListener('keydown', (e) => {
  const f = e.target.closest?.('[data-f][contenteditable="plaintext-only"]');
  if (f && e.key === 'Enter') { e.preventDefault(); f.blur(); }
  const inText = e.target.closest?.('[contenteditable="true"], [contenteditable="plaintext-only"], input, textarea, select');
  const mod = e.ctrlKey || e.metaKey;
  if (mod && !inText && e.key.toLowerCase() === 'z') {
    e.preventDefault();
    if (e.shiftKey) redo(); else undo();
  } else if (mod && !inText && e.key.toLowerCase() === 'y') {
    e.preventDefault();
    redo();
  } else if (e.key === 'Escape' && helpOn) {
    toggleHelp();
  }
});

// Pasted text arrives as text: formatting is the toolbar's job.
document.addEventListener('paste', (e) => {
  if (!e.target.closest?.('[data-f][contenteditable]')) return;
  e.preventDefault();
  document.execCommand('insertText', false, e.clipboardData.getData('text/plain'));
});

// In the editor, links and images on the page do not navigate: images are replaced on click.
document.addEventListener('click', (e) => {
  if (helpOn) return;
  const main = document.querySelector('main');
  if (!main.contains(e.target) || e.target.closest('.ed-bar, .ed-add, .ed-setup')) return;
  const img = e.target.closest('img[data-f]');
  if (img) {
    e.preventDefault();
    e.stopPropagation();
    const block = img.closest('[data-block]');
    const s = section(block.dataset.block);
    const path = img.dataset.f;
    openMedia((m) => change(() => {
      const current = getPath(s, path) ?? {};
      setPath(s, path, { ...current, src: m.src, alt: m.label });
    }));
    return;
  }
  if (e.target.closest('a') && !e.ctrlKey && !e.metaKey) e.preventDefault();
}, true);

// The tiny rich-text toolbar, over the field being edited.
const rich = el('div', { class: 'ed-rich', role: 'toolbar', 'aria-label': T('ed-format'), hidden: true, contenteditable: 'false' },
  ...[
    ['B', 'bold', 'ed-bold'], ['I', 'italic', 'ed-italic'], ['🔗', 'link', 'ed-link'],
    ['•', 'insertUnorderedList', 'ed-list'], ['H', 'h3', 'ed-heading-big'], ['h', 'h4', 'ed-heading-small'],
  ].map(([label, cmd, key]) => button(label, () => format(cmd), { 'aria-label': T(key), title: T(key), 'data-help': 'format', class: `ed-icon ed-fmt-${cmd}` })),
);
document.body.append(rich);
rich.addEventListener('mousedown', (e) => e.preventDefault()); // keep the selection

function format(cmd) {
  if (cmd === 'link') {
    const url = prompt(T('ed-link-prompt'), 'https://');
    if (url && /^(https?:|mailto:|tel:|#)/i.test(url.trim())) document.execCommand('createLink', false, url.trim());
  } else if (cmd === 'h3' || cmd === 'h4') {
    const current = document.queryCommandValue('formatBlock').toLowerCase();
    document.execCommand('formatBlock', false, current === cmd ? 'p' : cmd);
  } else {
    document.execCommand(cmd);
  }
}

document.addEventListener('focusin', (e) => {
  const f = e.target.closest?.('[data-rich][contenteditable="true"]');
  if (!f) { if (!rich.contains(e.target)) rich.hidden = true; return; }
  const r = f.getBoundingClientRect();
  rich.hidden = false;
  rich.style.top = `${Math.max(56, r.top + scrollY - rich.offsetHeight - 6)}px`;
  rich.style.left = `${Math.max(4, r.left + scrollX)}px`;
});
document.addEventListener('focusout', (e) => {
  if (e.target.closest?.('[data-rich]') && !rich.contains(e.relatedTarget)) rich.hidden = true;
});

// ---------------------------------------------------------------------------------------------
// Dialogs.

function dialog(title, body, actions = [], cls = '') {
  const d = el('dialog', { class: `ed-dialog ${cls}`, 'aria-label': title },
    el('form', { method: 'dialog', class: 'ed-dialog-form' },
      el('header', {}, el('h2', {}, title), button('×', () => d.close(), { 'aria-label': T('ed-close'), class: 'ed-icon' })),
      el('div', { class: 'ed-dialog-body' }, body),
      actions.length ? el('footer', {}, actions) : null,
    ));
  d.addEventListener('close', () => d.remove());
  document.body.append(d);
  d.showModal();
  return d;
}

function openPicker(index) {
  const grid = el('ul', { class: 'ed-picker' }, cfg.catalogue.map((c) => el('li', {},
    button([
      el('span', { class: `ed-thumb ed-thumb-${c.type}`, 'aria-hidden': 'true' }, thumb(c.type)),
      el('strong', {}, kindName(c.type)),
      el('span', { class: 'ed-desc' }, cfg.strings[`ed-block-${c.type}-desc`] ?? c.desc),
    ], () => {
      d.close();
      change((doc2) => doc2.blocks.splice(index, 0, { ...structuredClone(c.starter), id: freshId(c.type) }));
    }, { 'data-kind': c.type }))));
  const d = dialog(T('ed-add-title'), grid, [], 'ed-wide');
}

/** A small drawing of each block, for the picker. */
function thumb(kind) {
  const svg = (inner) => {
    const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    s.setAttribute('viewBox', '0 0 120 72');
    s.innerHTML = inner;
    return s;
  };
  const bar = (x, y, w, h = 6, o = 0.35) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="2" fill="currentColor" opacity="${o}"/>`;
  const box = (x, y, w, h, o = 0.2) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" fill="currentColor" opacity="${o}"/>`;
  const shapes = {
    banner: box(4, 4, 112, 64, 0.25) + bar(24, 26, 72, 10, 0.7) + bar(36, 42, 48),
    text: bar(8, 10, 48, 8, 0.6) + [0, 1, 2, 3, 4].map((i) => bar(8, 26 + i * 8, 104)).join(''),
    highlight: box(4, 16, 112, 40, 0.55) + bar(20, 30, 80, 6, 0.9) + bar(44, 42, 32, 6, 0.9),
    gallery: [0, 1, 2, 3, 4, 5].map((i) => box(6 + (i % 3) * 38, 8 + Math.floor(i / 3) * 30, 32, 26)).join(''),
    carousel: box(16, 8, 88, 50) + '<path d="M8 33l5-5v10zM112 33l-5-5v10z" fill="currentColor"/>' + bar(52, 62, 16, 4, 0.6),
    cards: [0, 1, 2].map((i) => box(6 + i * 38, 8, 32, 56, 0.15) + box(8 + i * 38, 10, 28, 20, 0.3) + bar(9 + i * 38, 36, 24) + bar(9 + i * 38, 46, 20, 4)).join(''),
    features: [0, 1, 2].map((i) => `<circle cx="${25 + i * 35}" cy="24" r="9" fill="currentColor" opacity=".5"/>` + bar(12 + i * 35, 40, 26) + bar(14 + i * 35, 50, 22, 4)).join(''),
    timeline: '<rect x="20" y="6" width="3" height="60" fill="currentColor" opacity=".4"/>' + [0, 1, 2].map((i) => `<circle cx="21.5" cy="${14 + i * 22}" r="5" fill="currentColor" opacity=".7"/>` + bar(34, 10 + i * 22, 60)).join(''),
    skills: [0, 1, 2].map((i) => bar(8, 12 + i * 20, 30) + bar(44, 12 + i * 20, 68, 6, 0.15) + bar(44, 12 + i * 20, 68 - i * 18, 6, 0.6)).join(''),
    buttons: box(14, 26, 42, 18, 0.6) + box(64, 26, 42, 18, 0.3),
    video: box(10, 6, 100, 60, 0.3) + '<path d="M52 24l20 12-20 12z" fill="currentColor" opacity=".8"/>',
    social: [0, 1, 2, 3].map((i) => `<circle cx="${24 + i * 24}" cy="36" r="9" fill="currentColor" opacity=".5"/>`).join(''),
    contact: bar(10, 8, 40, 8, 0.6) + box(10, 22, 100, 10) + box(10, 36, 100, 18) + box(10, 58, 30, 10, 0.6),
    map: box(4, 4, 112, 64, 0.15) + '<path d="M4 50 40 30 70 44 116 16" stroke="currentColor" opacity=".4" fill="none" stroke-width="3"/><path d="M60 18a9 9 0 0 1 9 9c0 7-9 15-9 15s-9-8-9-15a9 9 0 0 1 9-9z" fill="currentColor" opacity=".8"/>',
    separator: bar(10, 34, 100, 3, 0.5),
    footer: box(4, 44, 112, 24, 0.3) + bar(14, 52, 50, 4, 0.6) + bar(80, 52, 26, 4, 0.6),
  };
  return svg(shapes[kind] ?? box(4, 4, 112, 64));
}

// Settings forms: what each block lets the owner set (never CSS).
const ICONS = ['star', 'heart', 'leaf', 'sun', 'music', 'book', 'camera', 'mail', 'pin', 'clock', 'check', 'users'];
const NETWORKS = {
  mastodon: 'Mastodon', peertube: 'PeerTube', diaspora: 'diaspora*', pixelfed: 'Pixelfed', friendica: 'Friendica',
  lemmy: 'Lemmy', matrix: 'Matrix', github: 'GitHub', gitlab: 'GitLab', codeberg: 'Codeberg', website: 'Web',
  email: 'E-mail', rss: 'RSS', youtube: 'YouTube', instagram: 'Instagram', facebook: 'Facebook', linkedin: 'LinkedIn',
  x: 'X', bluesky: 'Bluesky',
};
const LANGUAGES = {
  fr: 'Français', en: 'English', de: 'Deutsch', es: 'Español', it: 'Italiano', nl: 'Nederlands', pt: 'Português',
  br: 'Brezhoneg', oc: 'Occitan', eu: 'Euskara', ca: 'Català',
};
const link = [['label', 'text'], ['href', 'url']];
const LISTS = {
  links: { fields: link, make: () => ({ label: C('ed-new-button'), href: '#' }) },
  images: { fields: [['', 'picture'], ['alt', 'text'], ['caption', 'text']], make: null },
  cards: { fields: [['image', 'picture?'], ['title', 'text']], make: () => ({ title: C('ed-new-item'), text: '' }) },
  items: { fields: [['icon', 'select', ICONS], ['title', 'text']], make: () => ({ icon: 'star', title: C('ed-new-item'), text: '' }) },
  entries: { fields: [['date', 'text'], ['title', 'text']], make: () => ({ date: String(new Date().getFullYear()), title: C('ed-new-item'), text: '' }) },
  skills: { fields: [['name', 'text'], ['level', 'range', 0, 100, 5]], make: () => ({ name: C('ed-new-item'), level: 50 }) },
  socials: { fields: [['network', 'select', Object.keys(NETWORKS), (v) => NETWORKS[v]], ['url', 'url']], make: () => ({ network: 'mastodon', url: 'https://' }) },
};
const FORMS = {
  banner: [['title', 'text'], ['subtitle', 'text'], ['image', 'picture?'], ['focal', 'focal'], ['overlay', 'range', 0, 0.8, 0.05], ['buttons', 'list', 'links', 0, 2]],
  text: [['heading', 'text'], ['columns', 'columns']],
  highlight: [['button', 'link?']],
  gallery: [['heading', 'text'], ['images', 'list', 'images', 0, 60]],
  carousel: [['images', 'list', 'images', 0, 30], ['interval', 'range', 0, 60, 1]],
  cards: [['heading', 'text'], ['cards', 'list', 'cards', 1, 4]],
  features: [['heading', 'text'], ['items', 'list', 'items', 1, 12]],
  timeline: [['heading', 'text'], ['entries', 'list', 'entries', 1, 50]],
  skills: [['heading', 'text'], ['skills', 'list', 'skills', 1, 30]],
  buttons: [['buttons', 'list', 'links', 1, 4]],
  video: [['url', 'video']],
  social: [['heading', 'text'], ['links', 'list', 'socials', 1, 20]],
  contact: [['heading', 'text'], ['to', 'email'], ['intro', 'textarea']],
  map: [['place', 'map'], ['label', 'text'], ['address', 'text']],
  separator: [['size', 'select', ['small', 'medium', 'large']], ['line', 'check']],
  footer: [['links', 'list', 'links', 0, 10]],
};

let fieldCount = 0;
function labelled(text, input, help) {
  const id = `ed-f${fieldCount += 1}`;
  input.id = id;
  return el('p', { class: 'ed-field' }, el('label', { for: id }, text), input, help ? el('small', {}, help) : null);
}

/** One form field bound to `obj[key]`. */
function field(obj, key, kind, ...opt) {
  const label = T(`ed-field-${key || kind}`);
  const bind = (input, read = () => input.value) => { input.addEventListener('input', () => { obj[key] = read(); }); input.addEventListener('change', () => { obj[key] = read(); }); return input; };
  switch (kind) {
    case 'text': case 'url':
      return labelled(label, bind(el('input', { type: kind === 'url' ? 'url' : 'text', value: obj[key] ?? '' })));
    case 'email':
      return labelled(label, bind(el('input', { type: 'email', value: obj[key] ?? '', autocomplete: 'email' })), T('ed-field-to-help'));
    case 'textarea':
      return labelled(label, bind(el('textarea', { rows: 3 }, obj[key] ?? '')));
    case 'check': {
      const i = el('input', { type: 'checkbox', checked: !!obj[key] });
      i.addEventListener('change', () => { obj[key] = i.checked; });
      return el('p', { class: 'ed-field ed-check' }, el('label', {}, i, ' ', label));
    }
    case 'select': {
      const [values, name = (v) => T(`ed-opt-${v}`)] = opt;
      const s = bind(el('select', {}, values.map((v) => el('option', { value: v, selected: obj[key] === v }, name(v)))));
      return labelled(label, s);
    }
    case 'range': {
      const [min, max, step] = opt;
      // A share (0 to 1) reads as a percentage, anything else as a number rounded to its step:
      // never a float's digits (0.4000000059604645).
      const decimals = String(step).split('.')[1]?.length ?? 0;
      const shown = (v) => new Intl.NumberFormat(cfg.lang, max <= 1
        ? { style: 'percent', maximumFractionDigits: 0 }
        : { maximumFractionDigits: decimals }).format(v);
      const i = el('input', { type: 'range', min, max, step, value: obj[key] });
      const out = el('output', { 'aria-hidden': 'true' }, shown(Number(obj[key])));
      const show = () => { out.textContent = shown(Number(i.value)); i.setAttribute('aria-valuetext', out.textContent); };
      i.addEventListener('input', () => { obj[key] = Number(i.value); show(); });
      show();
      const p = labelled(label, i);
      out.setAttribute('for', i.id);
      p.append(out);
      return p;
    }
    case 'picture': case 'picture?': {
      // `key` '' means the object itself is the picture (lists of pictures).
      const get = () => (key ? obj[key] : obj);
      const img = el('img', { alt: '', class: 'ed-pic' });
      const show = () => { const p = get(); img.src = p?.src || ''; img.hidden = !p?.src; };
      show();
      const choose = button(T('ed-choose-picture'), () => openMedia((m) => {
        if (key) obj[key] = { ...(obj[key] ?? {}), src: m.src, alt: m.label };
        else Object.assign(obj, { src: m.src, alt: m.label });
        show();
      }));
      const remove = kind === 'picture?' ? button(T('ed-remove-picture'), () => { obj[key] = null; show(); }) : null;
      return el('div', { class: 'ed-field' }, el('span', { class: 'ed-label' }, label), img, choose, remove);
    }
    case 'focal': {
      const wrap = el('div', { class: 'ed-focal', title: T('ed-focal-help') });
      const img = el('img', { alt: '' });
      const dot = el('span', { class: 'ed-dot' });
      wrap.append(img, dot);
      const show = () => {
        img.src = obj.image?.src || '';
        wrap.hidden = !obj.image?.src;
        dot.style.left = `${obj.focal[0] * 100}%`;
        dot.style.top = `${obj.focal[1] * 100}%`;
      };
      wrap.addEventListener('click', (e) => {
        const r = img.getBoundingClientRect();
        const fx = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
        const fy = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
        obj.focal = [Math.round(fx * 100) / 100, Math.round(fy * 100) / 100];
        show();
      });
      show();
      return el('div', { class: 'ed-field' }, el('span', { class: 'ed-label' }, T('ed-field-focal')), wrap, el('small', {}, T('ed-focal-help')));
    }
    case 'columns': {
      const sel = el('select', {}, [1, 2, 3].map((n) => el('option', { value: n, selected: obj.columns.length === n }, T('ed-columns', { count: n }))));
      sel.addEventListener('change', () => {
        const n = Number(sel.value);
        while (obj.columns.length < n) obj.columns.push(`<p>${C('ed-new-text')}</p>`);
        obj.columns.length = n;
      });
      return labelled(T('ed-field-columns'), sel);
    }
    case 'link?': {
      const on = el('input', { type: 'checkbox', checked: !!obj[key] });
      const inner = el('div', {});
      const fill = () => inner.replaceChildren(...(obj[key] ? link.map(([k, t]) => field(obj[key], k, t)) : []));
      on.addEventListener('change', () => { obj[key] = on.checked ? { label: C('ed-new-button'), href: '#' } : null; fill(); });
      fill();
      return el('div', {}, el('p', { class: 'ed-field ed-check' }, el('label', {}, on, ' ', T('ed-field-button'))), inner);
    }
    case 'video': {
      const input = el('input', { type: 'url', value: obj.url ?? '', placeholder: 'https://…/w/…' });
      const out = el('p', { class: 'ed-found', role: 'status' }, obj.title || '');
      const find = button(T('ed-video-find'), async () => {
        out.textContent = T('ed-video-finding');
        const res = await fetch(`${base}/video-info?url=${encodeURIComponent(input.value.trim())}`);
        const body = await res.json().catch(() => ({}));
        if (!res.ok) { out.textContent = body.error || res.statusText; return; }
        Object.assign(obj, { url: input.value.trim(), title: body.title || '', embed: body.embed_url || '', thumbnail: body.thumbnail_url || '' });
        out.textContent = T('ed-video-found', { title: body.title || '' });
      });
      const p = labelled(T('ed-field-url-video'), input, T('ed-video-help'));
      p.append(find, out);
      return p;
    }
    case 'map':
      return mapField(obj);
    case 'list':
      return listField(obj, key, ...opt);
    default:
      return null;
  }
}

function listField(obj, key, listKind, min, max) {
  const spec = LISTS[listKind];
  const box = el('fieldset', { class: 'ed-list' }, el('legend', {}, T(`ed-field-${key}`)));
  const items = el('ol', {});
  const add = el('p', {});
  const draw = () => {
    const list = obj[key];
    items.replaceChildren(...list.map((item, i) => el('li', {},
      ...spec.fields.map(([k, t, ...o]) => field(item, k, t, ...o)),
      el('p', { class: 'ed-item-actions' },
        button(icon('up'), () => { list.splice(i - 1, 0, ...list.splice(i, 1)); draw(); }, { 'aria-label': T('ed-move-up'), disabled: i === 0, class: 'ed-icon' }),
        button(icon('down'), () => { list.splice(i + 1, 0, ...list.splice(i, 1)); draw(); }, { 'aria-label': T('ed-move-down'), disabled: i === list.length - 1, class: 'ed-icon' }),
        button(T('ed-remove'), () => { list.splice(i, 1); draw(); }, { disabled: list.length <= min }),
      ))));
    const full = list.length >= max;
    add.replaceChildren(spec.make
      ? button(`+ ${T('ed-add-item')}`, () => { list.push(spec.make()); draw(); }, { disabled: full })
      : button(`+ ${T('ed-add-pictures')}`, () => openMedia((m) => { list.push({ src: m.src, alt: m.label }); draw(); }, { multiple: true }), { disabled: full }));
  };
  draw();
  box.append(items, add);
  return box;
}

function mapField(obj) {
  const lat = el('input', { type: 'number', step: 'any', min: -90, max: 90, value: obj.lat });
  const lon = el('input', { type: 'number', step: 'any', min: -180, max: 180, value: obj.lon });
  const zoom = el('input', { type: 'range', min: 1, max: 19, value: obj.zoom });
  const canvas = el('div', { class: 'ed-map', role: 'application', 'aria-label': T('ed-map-help') });
  let marker = null;
  let map = null;
  const sync = () => {
    obj.lat = Number(lat.value) || 0;
    obj.lon = Number(lon.value) || 0;
    obj.zoom = Number(zoom.value);
    if (marker) marker.setLatLng([obj.lat, obj.lon]);
    if (map) map.setView([obj.lat, obj.lon], obj.zoom);
  };
  for (const i of [lat, lon, zoom]) i.addEventListener('change', sync);
  const show = button(T('ed-map-show'), async () => {
    show.remove();
    const L = await import('/assets/vendor/leaflet/leaflet.esm.js');
    if (!document.querySelector('link[data-leaflet]')) document.head.append(el('link', { rel: 'stylesheet', href: '/assets/vendor/leaflet/leaflet.css', 'data-leaflet': '' }));
    const at = obj.lat || obj.lon ? [obj.lat, obj.lon] : [46.6, 2.4];
    map = L.map(canvas).setView(at, obj.lat || obj.lon ? obj.zoom : 5);
    L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: '&copy; OpenStreetMap' }).addTo(map);
    const icon = L.icon({ iconUrl: '/assets/vendor/leaflet/marker-icon.png', shadowUrl: '/assets/vendor/leaflet/marker-shadow.png', iconSize: [25, 41], iconAnchor: [12, 41] });
    marker = L.marker(at, { icon }).addTo(map);
    map.on('click', (e) => {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      zoom.value = map.getZoom();
      sync();
    });
  });
  return el('div', { class: 'ed-field' },
    el('span', { class: 'ed-label' }, T('ed-field-place')),
    el('small', {}, T('ed-map-help')),
    canvas, show,
    labelled(T('ed-field-lat'), lat), labelled(T('ed-field-lon'), lon), labelled(T('ed-field-zoom'), zoom));
}

/** The copy a settings form is editing, while it is open. */
let openWork = null;

function openSettings(id) {
  const s = section(id);
  if (!s) return;
  const work = structuredClone(s);
  openWork = work;
  const body = el('div', {},
    ...(FORMS[s.type] ?? []).map(([k, t, ...o]) => field(work, k, t, ...o)),
    el('hr'),
    labelled(T('ed-field-menu'), (() => { const i = el('input', { type: 'text', value: work.menu ?? '' }); i.addEventListener('input', () => { work.menu = i.value || null; }); return i; })(), T('ed-menu-help')),
    field(work, 'hidden', 'check'),
  );
  const done = button(T('ed-done'), () => {
    d.close();
    if (JSON.stringify(work) !== JSON.stringify(s)) change((doc2) => { doc2.blocks[doc2.blocks.indexOf(section(id))] = work; });
  }, { class: 'ed-primary' });
  const d = dialog(`${T('ed-settings')} — ${kindName(s.type)}`, body, [button(T('ed-cancel'), () => d.close()), done]);
  d.addEventListener('close', () => { openWork = null; });
}

function openSiteSettings() {
  const work = { title: doc.title, description: doc.description, language: doc.language, slug: doc.slug, social_image: doc.social_image ? { src: doc.social_image } : null, favicon: doc.favicon ? { src: doc.favicon } : null };
  const body = el('div', {},
    field(work, 'title', 'text'),
    field(work, 'description', 'textarea'),
    field(work, 'language', 'select', Object.keys(LANGUAGES), (v) => LANGUAGES[v]),
    labelled(T('ed-field-slug'), (() => { const i = el('input', { type: 'text', value: work.slug, pattern: '[a-z0-9-]{2,63}' }); i.addEventListener('input', () => { work.slug = i.value.trim(); }); return i; })(), T('ed-slug-help')),
    field(work, 'social_image', 'picture?'),
    field(work, 'favicon', 'picture?'),
    el('hr'),
    el('p', {}, el('a', { href: `${base}/export.json`, download: '' }, T('ed-export-json')), ' · ', el('a', { href: `${base}/export.zip`, download: '' }, T('ed-export-zip'))),
  );
  const done = button(T('ed-done'), () => {
    d.close();
    change((doc2) => {
      Object.assign(doc2, { title: work.title, description: work.description, language: work.language, slug: work.slug });
      doc2.social_image = work.social_image?.src ?? '';
      doc2.favicon = work.favicon?.src ?? '';
    });
  }, { class: 'ed-primary' });
  const d = dialog(T('ed-site'), body, [button(T('ed-cancel'), () => d.close()), done]);
}

function openTheme() {
  const palettes = el('div', { class: 'ed-swatches', role: 'group', 'aria-label': T('ed-palettes') },
    cfg.themes.palettes.map((p) => button([
      el('span', { class: 'ed-swatch', style: `background:${p.bg};color:${p.text};border-color:${p.surface}` },
        el('span', { style: `background:${p.accent}` }), el('span', { style: `background:${p.surface}` }), 'Aa'),
      el('span', {}, p.name),
    ], () => { change((d) => { d.theme = p.id; }); mark(); }, { 'data-palette': p.id, 'aria-pressed': String(doc.theme === p.id) })));
  const fonts = el('div', { class: 'ed-fonts', role: 'group', 'aria-label': T('ed-font-sets') },
    cfg.themes.fonts.map((f) => button([
      el('span', { style: `font-family:${f.title};font-weight:${f.title_weight};font-size:1.25rem` }, f.name),
      el('span', { style: `font-family:${f.body}` }, T('ed-font-sample')),
    ], () => { change((d) => { d.font_set = f.id; }); mark(); }, { 'data-font-set': f.id, 'aria-pressed': String(doc.font_set === f.id) })));
  function mark() {
    for (const b of palettes.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.palette === doc.theme));
    for (const b of fonts.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.fontSet === doc.font_set));
  }
  const d = dialog(T('ed-theme'), el('div', {}, el('h3', {}, T('ed-palettes')), el('p', {}, T('ed-palettes-help')), palettes, el('h3', {}, T('ed-font-sets')), fonts), [], 'ed-side');
  void d;
}

function openPreview() {
  const frame = el('iframe', { src: `${base}/preview`, title: T('ed-preview') });
  const stage = el('div', { class: 'ed-stage ed-phone' }, frame);
  const pick = (mode) => () => { stage.className = `ed-stage ed-${mode}`; for (const b of modes.children) b.setAttribute('aria-pressed', String(b.dataset.mode === mode)); };
  const modes = el('p', { class: 'ed-modes' },
    button(T('ed-phone'), pick('phone'), { 'data-mode': 'phone', 'aria-pressed': 'true' }),
    button(T('ed-desktop'), pick('desktop'), { 'data-mode': 'desktop', 'aria-pressed': 'false' }));
  const d = dialog(T('ed-preview'), el('div', {}, modes, stage), [], 'ed-wide');
  const reload = () => { if (d.open) frame.src = `${base}/preview?${version}`; };
  const watch = setInterval(() => { if (!d.isConnected) clearInterval(watch); else if (frame.dataset.v !== String(version)) { frame.dataset.v = String(version); reload(); } }, 1000);
  frame.dataset.v = String(version);
}

// The media library: the owner's pictures, with the label that is their text alternative.
function openMedia(onPick = null, { multiple = false } = {}) {
  const grid = el('ul', { class: 'ed-media' });
  const progress = el('progress', { max: 100, value: 0, hidden: true });
  const message = el('p', { role: 'status', class: 'ed-upload-status' });
  const file = el('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif', multiple: true, class: 'ed-file' });
  const pick = (m) => {
    onPick?.(m);
    if (!multiple) d.close();
  };
  const item = (m) => {
    const label = el('input', { type: 'text', value: m.label, 'aria-label': T('ed-picture-label') });
    label.addEventListener('change', async () => {
      const res = await fetch(`${base}/media/label`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cfg.csrf }, body: JSON.stringify({ src: m.src, label: label.value }) });
      if (!res.ok) return;
      m.label = label.value;
      // The label is the picture's text alternative wherever the site shows it, including in
      // a settings form open underneath.
      const walk = (o) => { if (Array.isArray(o)) o.forEach(walk); else if (o && typeof o === 'object') { if (o.src === m.src && 'alt' in o) o.alt = m.label; Object.values(o).forEach(walk); } };
      if (openWork) walk(openWork);
      change((d2) => walk(d2.blocks));
    });
    return el('li', {},
      el('img', { src: m.src, alt: '', loading: 'lazy' }),
      labelled(T('ed-picture-label'), label),
      onPick ? button(T('ed-use-picture'), () => pick(m), { class: 'ed-primary' }) : null);
  };
  const upload = (f) => new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${base}/media?label=${encodeURIComponent(f.name.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' '))}`);
    xhr.setRequestHeader('X-CSRF-Token', cfg.csrf);
    xhr.setRequestHeader('Content-Type', f.type || 'application/octet-stream');
    progress.hidden = false;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100); };
    xhr.onload = () => {
      progress.hidden = true;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 200 || xhr.status === 201) {
        message.textContent = T('ed-uploaded', { name: f.name });
        grid.prepend(item(body));
        resolve(body);
      } else {
        message.textContent = `${f.name}: ${body.error || xhr.statusText}`;
        resolve(null);
      }
    };
    xhr.onerror = () => { progress.hidden = true; message.textContent = T('ed-status-offline'); resolve(null); };
    xhr.send(f);
  });
  file.addEventListener('change', async () => {
    for (const f of file.files) {
      const m = await upload(f);
      if (m && onPick) { onPick(m); if (!multiple) { d.close(); return; } }
    }
    file.value = '';
  });
  const body = el('div', {},
    el('p', {}, el('label', { class: 'ed-upload' }, T('ed-upload'), file), ' ', progress),
    message,
    el('p', {}, el('small', {}, T('ed-media-help'))),
    grid);
  const d = dialog(T('ed-media'), body, multiple ? [button(T('ed-done'), () => d.close(), { class: 'ed-primary' })] : [], 'ed-wide');
  fetch(`${base}/media`).then((r) => r.json()).then((list) => { for (const m of list) grid.append(item(m)); }).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Help: "?" explains whatever is under the pointer; a short tour on the first visit.

let helpOn = false;
const bubble = el('div', { class: 'ed-bubble', role: 'tooltip', hidden: true });
document.body.append(bubble);

function toggleHelp() {
  helpOn = !helpOn;
  helpBtn.setAttribute('aria-pressed', String(helpOn));
  document.documentElement.classList.toggle('ed-help-mode', helpOn);
  bubble.hidden = !helpOn;
  bubble.textContent = helpOn ? T('ed-help-intro') : '';
}

document.addEventListener('pointerover', (e) => {
  if (!helpOn) return;
  const t = e.target.closest?.('[data-help]');
  const block = e.target.closest?.('[data-block]');
  bubble.textContent = t ? T(`ed-help-${t.dataset.help}`) : block ? T(`ed-block-${block.dataset.kind}-desc`) : T('ed-help-intro');
  const r = (t ?? block ?? document.body).getBoundingClientRect();
  bubble.style.top = `${r.bottom + scrollY + 8}px`;
  bubble.style.left = `${Math.min(innerWidth - 300, Math.max(8, r.left + scrollX))}px`;
});

function tour() {
  if (localStorage.getItem('ruche-tour-done')) return;
  const steps = [
    ['.ed-add-btn', 'ed-tour-add'], ['.ed-gear', 'ed-tour-gear'], ['[data-f]', 'ed-tour-text'],
    ['.ed-help-btn', 'ed-tour-help'], ['.ed-primary', 'ed-tour-publish'],
  ];
  let n = 0;
  const text = el('p', {});
  const count = el('small', {});
  const next = button(T('ed-tour-next'), () => step(n + 1), { class: 'ed-primary' });
  const end = () => { localStorage.setItem('ruche-tour-done', '1'); document.querySelectorAll('.ed-tour-focus').forEach((x) => x.classList.remove('ed-tour-focus')); box.remove(); };
  const box = el('div', { class: 'ed-tour', role: 'dialog', 'aria-label': T('ed-tour') }, el('h2', {}, T('ed-tour')), text, count,
    el('p', {}, button(T('ed-tour-skip'), end), ' ', next));
  function step(i) {
    if (i >= steps.length) { end(); return; }
    n = i;
    document.querySelectorAll('.ed-tour-focus').forEach((x) => x.classList.remove('ed-tour-focus'));
    const [sel, key] = steps[i];
    document.querySelector(sel)?.classList.add('ed-tour-focus');
    document.querySelector(sel)?.scrollIntoView({ block: 'center' });
    text.textContent = T(key);
    count.textContent = `${i + 1} / ${steps.length}`;
    next.textContent = i === steps.length - 1 ? T('ed-tour-end') : T('ed-tour-next');
  }
  document.body.append(box);
  step(0);
}

// ---------------------------------------------------------------------------------------------

window.addEventListener('beforeunload', (e) => {
  if (status.dataset.state === 'pending' || status.dataset.state === 'saving') {
    save();
    e.preventDefault();
  }
});

decorate();
updateHistoryButtons();
setStatus(published ? 'saved' : 'draft');
document.documentElement.classList.add('ed-on');
tour();
