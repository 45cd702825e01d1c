// Markdown for bench/RESULTS.md from a run directory of run.sh (ruche.json, peertube.json,
// the trackers' logs and load averages).
//
//   node report.mjs bench/tracker/.cache/<stamp>
import fs from 'node:fs'
import path from 'node:path'

const dir = process.argv[2]
const read = (f) => {
  try {
    return fs.readFileSync(path.join(dir, f), 'utf8')
  } catch {
    return null
  }
}
const R = read('ruche.json') && JSON.parse(read('ruche.json'))
const P = read('peertube.json') && JSON.parse(read('peertube.json'))
const any = R || P
if (!any) {
  console.error('no results in', dir)
  process.exit(1)
}

const n0 = (x) => (x == null ? '—' : Math.round(x).toLocaleString('en-US'))
const n1 = (x) => (x == null ? '—' : x.toFixed(1))
const ms = (x) => (x == null ? '—' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`)
const mib = (kb) => (kb == null ? '—' : `${(kb / 1024).toFixed(1)} MiB`)
const ratio = (a, b, digits = 2) => (a == null || b == null || b === 0 ? '—' : (a / b).toFixed(digits))
const get = (o, p) => p.split('.').reduce((v, k) => (v == null ? v : v[k]), o)
const row = (label, p, fmt, target = '', digits = 2) =>
  `| ${label} | ${fmt(get(R, p))} | ${fmt(get(P, p))} | ${ratio(get(R, p), get(P, p), digits)} | ${target} |`

const lines = []
const say = (s = '') => lines.push(s)
const date = path.basename(dir).slice(0, 10)
say(`### ${date} — ${process.env.BENCH_MACHINE || ''}`)
say()
say(
  `${any.peers.toLocaleString('en-US')} WebSocket peers over ${any.hashes} info hashes (one socket each, from ${any.workers} generator processes${process.env.BENCH_PIN === '1' ? ', pinned to CPU 1, trackers to CPU 0' : ''}); ` +
    `each announce carries 5 offers of ${any.offerBytes} B (${any.announceBytes} B in all). ${process.env.BENCH_BUILD || ''}.`
)
const la = (t) => (read(`${t}.loadavg`) || '').trim().split('\n').join(' → ')
say(`Load average (1/5/15 min) before → after: Ruche ${la('ruche') || '—'}; PeerTube ${la('peertube') || '—'}.`)
say()
const sat = R?.saturated || P?.saturated
say(`Saturated: every peer re-announces as soon as it has its answer; ${n0(sat.seconds)} s measured after a warm-up.`)
say()
say('| measure | Ruche | PeerTube tracker | Ruche / PeerTube | target |')
say('|---|---|---|---|---|')
say(row('**announces answered per second**', 'saturated.announcesPerSec', n0, '≥ 5', 2))
say(row('latency p50 (announce → its answer)', 'saturated.p50ms', ms))
say(row('latency p99', 'saturated.p99ms', ms))
say(row('offers relayed per announce', 'saturated.offersRelayedPerAnnounce', (x) => (x == null ? '—' : x.toFixed(2))))
say(row('tracker CPU (% of one core)', 'saturated.trackerCpuPct', n0))
say(row('tracker CPU per announce', 'saturated.trackerCpuUsPerAnnounce', (x) => (x == null ? '—' : `${x.toFixed(0)} µs`)))
const paced = R?.paced || P?.paced
if (paced) {
  say(row(`latency p50 at ${paced.rate.toLocaleString('en-US')} announces/s (paced)`, 'paced.p50ms', ms))
  say(row(`latency p99 at ${paced.rate.toLocaleString('en-US')} announces/s`, 'paced.p99ms', ms))
  say(row('answered per second, paced', 'paced.announcesPerSec', n0))
}
say()
say('Tracker process memory (`/proc/<pid>/status`):')
say()
say('| measure | Ruche | PeerTube tracker | Ruche / PeerTube | target |')
say('|---|---|---|---|---|')
say(row('RSS at start, no peer', 'memStart.rssKb', mib))
say(row(`RSS with ${any.peers.toLocaleString('en-US')} peers idle`, 'memIdle.rssKb', mib, '≤ 0.2'))
const delta = (o) => (o ? o.memIdle.rssKb - o.memStart.rssKb : null)
say(`| idle − start (${any.peers.toLocaleString('en-US')} peers' cost) | ${mib(delta(R))} | ${mib(delta(P))} | ${ratio(delta(R), delta(P))} | |`)
say(row('**peak RSS (VmHWM) over the run**', 'memEnd.hwmKb', mib, '≤ 0.2'))
say(row('RSS max sampled in the saturated window', 'saturated.rssMaxKb', mib))
say(row('RSS at the end (peers connected, load stopped)', 'memEnd.rssKb', mib))
say()
say('Generator check (it must not be what limits the figures):')
say()
say('| | Ruche run | PeerTube run |')
say('|---|---|---|')
const gen = (o, k) => (o ? o.saturated.generatorCpuPct.map((x) => `${x.toFixed(0)} %`).join(' + ') : '—')
say(`| generator CPU per process, saturated window | ${gen(R)} | ${gen(P)} |`)
say(`| generator event-loop delay p99 / max | ${R ? `${ms(R.saturated.generatorLagP99ms)} / ${ms(R.saturated.generatorLagMaxms)}` : '—'} | ${P ? `${ms(P.saturated.generatorLagP99ms)} / ${ms(P.saturated.generatorLagMaxms)}` : '—'} |`)
say(`| machine idle CPU, saturated window | ${R ? `${R.saturated.machineIdlePct.toFixed(0)} %` : '—'} | ${P ? `${P.saturated.machineIdlePct.toFixed(0)} %` : '—'} |`)
say()
say('Errors and dropped answers (whole run):')
say()
const misc = (o) => {
  if (!o) return '—'
  const t = o.totals
  const c = o.connect
  const parts = [
    `${c.connected}/${o.peers} connected in ${c.secs.toFixed(1)} s (${c.failed} refused${c.failed ? `: ${JSON.stringify(c.failures)}` : ''})`,
    `${t.sent.toLocaleString('en-US')} announces sent, ${t.answers.toLocaleString('en-US')} answered`,
    `lost after the saturated phase: ${o.saturated.drain.lost}${o.paced ? `, after the paced one: ${o.paced.drain.lost}` : ''}`,
    `failures: ${JSON.stringify(t.failures)}`,
    `closed by the tracker: ${JSON.stringify(t.serverCloses)}`,
    `socket errors: ${JSON.stringify(t.socketErrors)}`,
    `unexpected messages: ${t.otherMessages + t.unexpectedAnswers}`,
    `sockets open at the end: ${t.openAtEnd}`
  ]
  return parts.join('; ')
}
say(`- Ruche: ${misc(R)}.`)
say(`- PeerTube: ${misc(P)}.`)
const logSummary = (f) => {
  const s = read(f)
  if (s == null) return '—'
  // eslint-disable-next-line no-control-regex
  const l = s.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((x) => x.trim())
  if (!l.length) return 'nothing'
  const panics = l.filter((x) => / panicked at /.test(x)).map((x) => x.replace(/^.*panicked at /, ''))
  const next = l.map((x, i) => (/ panicked at /.test(x) ? l[i + 1] : null)).filter(Boolean)
  const warns = new Map()
  for (const x of l) {
    const m = x.match(/ (WARN|ERROR) (\S+): (.{0,70})/)
    if (m) {
      const k = `${m[1]} ${m[2]}: ${m[3].replace(/[\d.]+/g, 'N')}`
      warns.set(k, (warns.get(k) || 0) + 1)
    }
  }
  const parts = [...warns.entries()].map(([k, n]) => `${n}× \`${k}…\``)
  if (panics.length) parts.push(`${panics.length} panic(s): \`${next[0] || ''}\` at \`${panics[0].replace(/^.*registry\/src\/[^/]+\//, '')}\``)
  if (!parts.length) parts.push(`\`${l[l.length - 1].slice(0, 160)}\``)
  return parts.join('; ')
}
say(`- Ruche's log (RUCHE_LOG=warn): ${logSummary('ruche.err')}.`)
say(`- PeerTube tracker's log: ${logSummary('peertube.err')}.`)
console.log(lines.join('\n'))
