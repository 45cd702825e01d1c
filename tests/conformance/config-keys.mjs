// The key paths of a real PeerTube answer that an answer of ours lacks.

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** How many key paths the object `v` holds below it (recursively, objects only). */
function countKeys(v) {
  if (!isObject(v)) return 0;
  return Object.values(v).reduce((n, x) => n + 1 + countKeys(x), 0);
}

const child = (base, key) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`);

/**
 * Every key path of `reference` (recursively through objects; through an array, the keys of
 * its first element, checked against our first element when our array is not empty) that
 * `ours` does not have, as lines `$.a.b` — one line per missing path. When a whole object of
 * PeerTube's is missing, or ours is not an object there, its own line says so and each of its
 * sub-keys is listed too (they are missing as well).
 */
export function missingKeyPaths(reference, ours, base = '$') {
  const missing = [];
  const walk = (ref, got, at) => {
    if (isObject(ref)) {
      for (const [k, v] of Object.entries(ref)) {
        const p = child(at, k);
        if (!isObject(got) || !Object.hasOwn(got, k)) {
          missing.push(isObject(v) && countKeys(v) ? `${p} (an object with ${countKeys(v)} key paths below it in PeerTube)` : p);
          walkMissing(v, p);
          continue;
        }
        const g = got[k];
        if (isObject(v) && !isObject(g) && countKeys(v)) {
          missing.push(`${p}.* (PeerTube has an object here, Ruche has ${kind(g)}: ${countKeys(v)} key paths missing below it)`);
          walkMissing(v, p);
        } else if (Array.isArray(v) && isObject(v[0]) && Array.isArray(g) && isObject(g[0])) {
          walk(v[0], g[0], `${p}[0]`);
        } else {
          walk(v, g, p);
        }
      }
    }
  };
  const walkMissing = (ref, at) => {
    if (!isObject(ref)) return;
    for (const [k, v] of Object.entries(ref)) {
      const p = child(at, k);
      missing.push(`${p}`);
      walkMissing(v, p);
    }
  };
  walk(reference, ours, base);
  return missing;
}
