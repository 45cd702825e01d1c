// Uploads a file with PeerTube's resumable protocol, in chunks, showing progress; resumes
// after a lost connection from the byte the server says it has.
const CHUNK = 8 * 1024 * 1024;
const form = document.getElementById('upload-form');
const bar = document.getElementById('upload-progress');
const status = document.getElementById('upload-status');
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

function problem(xhr) {
  try { return JSON.parse(xhr.responseText).detail || xhr.statusText; } catch { return xhr.statusText || String(xhr.status); }
}

function send(method, url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new Error('network'));
    xhr.send(body);
  });
}

// The next byte to send, from a 308's Range header (`bytes=0-N`).
function nextOffset(xhr) {
  const m = /bytes=0-(\d+)/.exec(xhr.getResponseHeader('Range') || '');
  return m ? Number(m[1]) + 1 : 0;
}

async function upload(file, meta) {
  const init = await send('POST', '/api/v1/videos/upload-resumable', {
    'Content-Type': 'application/json',
    'X-Upload-Content-Length': String(file.size),
    'X-Upload-Content-Type': file.type || 'application/octet-stream',
  }, JSON.stringify({ ...meta, filename: file.name }));
  if (init.status !== 200 && init.status !== 201) throw new Error(problem(init));
  const location = init.getResponseHeader('Location');
  let offset = 0;
  let failures = 0;
  if (init.status === 200) {
    const probe = await send('PUT', location, { 'Content-Range': `bytes */${file.size}` }, null);
    if (probe.status === 308) offset = nextOffset(probe);
  }
  for (;;) {
    const end = Math.min(offset + CHUNK, file.size) - 1;
    let xhr;
    try {
      xhr = await send('PUT', location, {
        'Content-Type': 'application/octet-stream',
        'Content-Range': `bytes ${offset}-${end}/${file.size}`,
      }, file.slice(offset, end + 1), (loaded) => show(offset + loaded, file.size));
    } catch {
      if (++failures > 8) throw new Error('network');
      status.textContent = form.dataset.retrying;
      await new Promise((r) => setTimeout(r, 1000 * failures));
      const probe = await send('PUT', location, { 'Content-Range': `bytes */${file.size}` }, null).catch(() => null);
      if (probe && probe.status === 308) offset = nextOffset(probe);
      continue;
    }
    failures = 0;
    if (xhr.status === 308) { offset = nextOffset(xhr); show(offset, file.size); continue; }
    if (xhr.status === 409) { offset = nextOffset(xhr); continue; }
    if (xhr.status === 200) return JSON.parse(xhr.responseText).video;
    throw new Error(problem(xhr));
  }
}

function show(done, total) {
  bar.hidden = false;
  bar.value = total ? Math.floor((done / total) * 100) : 100;
}

// The title, when the user has not typed one: the file's name without its extension, with
// underscores and dashes as spaces ("holiday_in-Brittany.mp4" → "holiday in Brittany").
const title = form.elements.name;
let prefilled = '';
function titleOf(filename) {
  return filename.replace(/\.[^.]*$/, '').replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120);
}
form.elements.videofile.addEventListener('change', () => {
  const file = form.elements.videofile.files[0];
  // Typed by hand: theirs. Empty, or what we put there for a file picked before: ours to set.
  if (!file || (title.value.trim() !== '' && title.value !== prefilled)) return;
  prefilled = titleOf(file.name);
  title.value = prefilled;
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = form.elements.videofile.files[0];
  if (!file) return;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  status.textContent = '';
  show(0, file.size);
  // On a phone the bar would start below the fold: bring it into sight (it then stays at the
  // bottom of the screen while the upload runs, see .upload-live in ruche.css).
  bar.scrollIntoView({ block: 'nearest' });
  try {
    const video = await upload(file, {
      name: form.elements.name.value,
      channelId: Number(form.elements.channelId.value),
      privacy: Number(form.elements.privacy.value),
      description: form.elements.description.value || undefined,
    });
    bar.value = 100;
    window.location.href = `/w/${video.shortUUID}`;
  } catch (e) {
    status.textContent = form.dataset.error.replace('%s', e.message);
    status.className = 'error';
    button.disabled = false;
  }
});
