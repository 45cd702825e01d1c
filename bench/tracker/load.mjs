// Load generator for a WebTorrent tracker over WebSocket (`/tracker/socket`), used by run.sh
// against Ruche's tracker and PeerTube's alike. See run.sh for what it measures.
//
//   node load.mjs --port P --tracker-pid PID [--peers 10000] [--hashes 100] [--workers 2]
//                 [--idle 10] [--warmup 5] [--window 30] [--paced-rate 2000] [--paced-window 20]
//                 [--out result.json] [--label name]
//
// The coordinator forks --workers processes, each holding its share of the peers (one WebSocket
// each). To keep the generator cheap it speaks WebSocket itself over `net`: every peer's
// announce is one frame built (masked) once and written again and again, and what the tracker
// sends is read frame by frame without JSON parsing: a small text frame containing
// `"interval"` is the answer to an announce (what both trackers send back with
// `action: 'announce'`), one with `"failure reason"` a failure, and a large one (over 1 kB) an
// offer relayed from another peer (the first few are parsed to check).
//
// Phases, in order: connect (every peer opens its socket and announces `started` with 5
// offers, at most --connect-concurrency handshakes in flight per worker), idle (all peers
// connected and silent: the tracker's memory), saturated (each peer re-announces as soon as it
// has its answer: --warmup s, then --window s measured), drain (no new announces; what is
// still unanswered after 15 s is lost), paced (--paced-rate announces/s in all, each peer at
// most one outstanding: latency at a load both trackers carry), drain.
import { fork } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true'])
    return acc
  }, [])
)
const num = (k, d) => (args[k] !== undefined ? Number(args[k]) : d)

// --- histogram of latencies: log buckets, 2 % wide --------------------------------------------
const BUCKETS = 1000
const LOG_STEP = Math.log(1.02)
function bucketOf (ms) {
  const us = ms * 1000
  if (us < 1) return 0
  return Math.min(BUCKETS - 1, Math.floor(Math.log(us) / LOG_STEP))
}
function quantile (hist, q) {
  let total = 0
  for (const c of hist) total += c
  if (total === 0) return null
  const want = q * total
  let acc = 0
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]
    if (acc >= want) return Math.exp((i + 0.5) * LOG_STEP) / 1000 // ms, bucket middle
  }
  return null
}

// --- the messages ----------------------------------------------------------------------------
function binary (bytes) {
  return String.fromCharCode(...bytes)
}

// A Chromium data-channel offer as p2p-media-loader sends it (non-trickle: candidates inside),
// about 1.5 kB.
function fakeSdp () {
  const r = (n) => crypto.randomBytes(n)
  const hex = (n) => [...r(n)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
  const id = () => r(4).readUInt32BE(0)
  const port = () => 40000 + (r(2).readUInt16BE(0) % 20000)
  const lines = [
    'v=0',
    `o=- ${r(8).readBigUInt64BE(0) >> 1n} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=candidate:${id()} 1 udp 2122260223 192.168.1.${10 + (id() % 200)} ${port()} typ host generation 0 network-id 1 network-cost 10`,
    `a=candidate:${id()} 1 udp 2122197247 2a01:e0a:2b4:1c90:${r(2).toString('hex')}:${r(2).toString('hex')}:${r(2).toString('hex')}:${r(2).toString('hex')} ${port()} typ host generation 0 network-id 2 network-cost 10`,
    `a=candidate:${id()} 1 udp 2122129151 10.8.0.${2 + (id() % 200)} ${port()} typ host generation 0 network-id 3 network-cost 50`,
    `a=candidate:${id()} 1 udp 2122063615 172.17.0.${2 + (id() % 200)} ${port()} typ host generation 0 network-id 4 network-cost 50`,
    `a=candidate:${id()} 1 tcp 1518280447 192.168.1.${10 + (id() % 200)} 9 typ host tcptype active generation 0 network-id 1 network-cost 10`,
    `a=candidate:${id()} 1 tcp 1518217471 2a01:e0a:2b4:1c90:${r(2).toString('hex')}:${r(2).toString('hex')}:${r(2).toString('hex')}:${r(2).toString('hex')} 9 typ host tcptype active generation 0 network-id 2 network-cost 10`,
    `a=candidate:${id()} 1 udp 1686052607 82.64.${id() % 255}.${id() % 255} ${port()} typ srflx raddr 192.168.1.23 rport ${port()} generation 0 network-id 1 network-cost 10`,
    `a=candidate:${id()} 1 udp 41885439 51.15.${id() % 255}.${id() % 255} ${port()} typ relay raddr 82.64.3.4 rport ${port()} generation 0 network-id 1 network-cost 10`,
    `a=ice-ufrag:${r(3).toString('base64')}`,
    `a=ice-pwd:${r(18).toString('base64')}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${hex(32)}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144'
  ]
  return lines.join('\r\n') + '\r\n'
}

function frame (payload) {
  // A masked text frame, as a client must send.
  const len = payload.length
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10
  const f = Buffer.allocUnsafe(head + 4 + len)
  f[0] = 0x81
  if (len < 126) f[1] = 0x80 | len
  else if (len < 65536) {
    f[1] = 0x80 | 126
    f.writeUInt16BE(len, 2)
  } else {
    f[1] = 0x80 | 127
    f.writeBigUInt64BE(BigInt(len), 2)
  }
  const mask = crypto.randomBytes(4)
  mask.copy(f, head)
  for (let i = 0; i < len; i++) f[head + 4 + i] = payload[i] ^ mask[i & 3]
  return f
}

function controlFrame (opcode, payload) {
  const f = Buffer.allocUnsafe(6 + payload.length)
  f[0] = 0x80 | opcode
  f[1] = 0x80 | payload.length
  f.fill(0, 2, 6) // a zero mask: the payload goes as is
  payload.copy(f, 6)
  return f
}

// =============================================================================================
// Worker: its share of the peers.
// =============================================================================================
function worker () {
  const SMALL = 1024
  let cfg = null
  let peers = []
  let mode = 'idle'
  let verifyBig = 5 // relayed offers parsed in full to check what they are
  const lag = monitorEventLoopDelay({ resolution: 5 })

  const fresh = () => ({
    sent: 0,
    answers: 0,
    hist: new Uint32Array(BUCKETS),
    offersIn: 0,
    otherIn: 0,
    failures: {},
    serverCloses: {},
    socketErrors: {},
    unexpectedAnswers: 0,
    skippedBusy: 0
  })
  let win = fresh()
  const total = fresh()
  const bump = (o, k) => {
    o[k] = (o[k] || 0) + 1
  }

  const hashes = []
  class Peer {
    constructor (i) {
      this.i = i
      this.hash = cfg.hashes[(cfg.first + i) % cfg.hashes.length]
      this.peerId = binary(crypto.randomBytes(20))
      this.sock = null
      this.open = false
      this.outstanding = false
      this.sentAt = 0
      this.pend = null
      this.skip = 0
      this.hs = ''
      this.closedByUs = false
      this.update = frame(Buffer.from(JSON.stringify(this.message(undefined)), 'utf8'))
    }

    message (event) {
      const m = {
        action: 'announce',
        info_hash: this.hash,
        peer_id: this.peerId,
        numwant: 5,
        uploaded: 0,
        downloaded: 0,
        offers: cfg.offers.map((offer) => ({ offer, offer_id: binary(crypto.randomBytes(20)) }))
      }
      if (event) m.event = event
      return m
    }

    connect (done) {
      const sock = net.connect({ host: '127.0.0.1', port: cfg.port })
      this.sock = sock
      sock.setNoDelay(true)
      let settled = false
      const settle = (ok, why) => {
        if (settled) return
        settled = true
        done(ok, why)
      }
      sock.on('connect', () => {
        sock.write(
          'GET /tracker/socket HTTP/1.1\r\n' +
            `Host: 127.0.0.1:${cfg.port}\r\n` +
            'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
            'Sec-WebSocket-Version: 13\r\n' +
            'Origin: http://127.0.0.1\r\n\r\n'
        )
      })
      sock.on('data', (chunk) => {
        if (!this.open) {
          this.hs += chunk.toString('latin1')
          const end = this.hs.indexOf('\r\n\r\n')
          if (end < 0) {
            if (this.hs.length > 8192) sock.destroy()
            return
          }
          const status = this.hs.slice(0, this.hs.indexOf('\r\n'))
          if (!/^HTTP\/1\.1 101/.test(status)) {
            bump(total.socketErrors, `handshake: ${status}`)
            this.closedByUs = true
            sock.destroy()
            settle(false, status)
            return
          }
          this.open = true
          const rest = Buffer.from(this.hs.slice(end + 4), 'latin1')
          this.hs = ''
          // Announce `started` with its offers as soon as the socket is open.
          this.send(frame(Buffer.from(JSON.stringify(this.message('started')), 'utf8')))
          settle(true)
          if (rest.length) this.onData(rest)
          return
        }
        this.onData(chunk)
      })
      sock.on('error', (e) => {
        if (!this.closedByUs) {
          bump(total.socketErrors, e.code || e.message)
          bump(win.socketErrors, e.code || e.message)
        }
        settle(false, e.code || e.message)
      })
      sock.on('close', () => {
        if (this.open && !this.closedByUs) {
          bump(total.serverCloses, 'socket closed')
          bump(win.serverCloses, 'socket closed')
        }
        this.open = false
        settle(false, 'closed')
      })
    }

    send (f) {
      this.outstanding = true
      this.sentAt = performance.now()
      win.sent++
      total.sent++
      this.sock.write(f)
    }

    onData (chunk) {
      if (this.pend) {
        chunk = Buffer.concat([this.pend, chunk])
        this.pend = null
      }
      let off = 0
      const n = chunk.length
      while (off < n) {
        if (this.skip > 0) {
          const k = Math.min(this.skip, n - off)
          this.skip -= k
          off += k
          continue
        }
        if (n - off < 2) break
        const b0 = chunk[off]
        const b1 = chunk[off + 1]
        let len = b1 & 0x7f
        let h = 2
        if (len === 126) {
          if (n - off < 4) break
          len = chunk.readUInt16BE(off + 2)
          h = 4
        } else if (len === 127) {
          if (n - off < 10) break
          len = Number(chunk.readBigUInt64BE(off + 2))
          h = 10
        }
        const op = b0 & 0x0f
        if (op === 1 && len > SMALL && verifyBig <= 0) {
          // A relayed offer: counted, not read.
          win.offersIn++
          total.offersIn++
          off += h
          this.skip = len
          continue
        }
        if (n - off < h + len) break
        const payload = chunk.subarray(off + h, off + h + len)
        off += h + len
        this.onFrame(op, payload)
      }
      if (off < n) this.pend = Buffer.from(chunk.subarray(off))
    }

    onFrame (op, payload) {
      if (op === 1) {
        if (payload.length > SMALL) {
          verifyBig--
          const m = JSON.parse(payload.toString('utf8'))
          if (m.action !== 'announce' || !m.offer || m.offer.type !== 'offer' || !m.offer_id) {
            throw new Error(`unexpected large message: ${payload.toString('utf8').slice(0, 200)}`)
          }
          win.offersIn++
          total.offersIn++
          return
        }
        if (payload.indexOf('"interval"') >= 0) {
          if (!this.outstanding) {
            win.unexpectedAnswers++
            total.unexpectedAnswers++
            return
          }
          const ms = performance.now() - this.sentAt
          this.outstanding = false
          win.answers++
          total.answers++
          win.hist[bucketOf(ms)]++
          if (mode === 'sat') this.send(this.update)
          return
        }
        if (payload.indexOf('"failure reason"') >= 0) {
          let reason = 'unreadable'
          try {
            reason = JSON.parse(payload.toString('utf8'))['failure reason']
          } catch {}
          bump(win.failures, reason)
          bump(total.failures, reason)
          // The announce had its (negative) answer: the peer goes on.
          this.outstanding = false
          if (mode === 'sat') this.send(this.update)
          return
        }
        win.otherIn++
        total.otherIn++
        if (total.otherIn <= 3) console.error('[load] unexpected message:', payload.toString('utf8').slice(0, 200))
        return
      }
      if (op === 8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 'none'
        const why = `close frame ${code} ${payload.subarray(2).toString('utf8')}`.trim()
        bump(win.serverCloses, why)
        bump(total.serverCloses, why)
        this.closedByUs = true
        this.open = false
        this.sock.destroy()
        return
      }
      if (op === 9) {
        this.sock.write(controlFrame(10, payload))
        return
      }
      if (op !== 10) {
        win.otherIn++
        total.otherIn++
      }
    }
  }

  function connectAll (reply) {
    const t0 = performance.now()
    let next = 0
    let inflight = 0
    let ok = 0
    let failed = 0
    const failures = {}
    const start = () => {
      while (inflight < cfg.concurrency && next < peers.length) {
        const p = peers[next++]
        inflight++
        p.connect((good, why) => {
          inflight--
          if (good) ok++
          else {
            failed++
            bump(failures, why)
          }
          if (ok + failed === peers.length) {
            // Wait for the `started` answers (at most 60 s).
            const t1 = performance.now()
            const wait = setInterval(() => {
              const pending = peers.filter((q) => q.open && q.outstanding).length
              if (pending === 0 || performance.now() - t1 > 60000) {
                clearInterval(wait)
                reply({
                  connected: ok,
                  failed,
                  failures,
                  unanswered: pending,
                  connectSecs: (t1 - t0) / 1000,
                  answeredSecs: (performance.now() - t0) / 1000
                })
              }
            }, 50)
          } else start()
        })
      }
    }
    start()
  }

  let pacer = null
  function pace (rate) {
    let cursor = 0
    let credit = 0
    let last = performance.now()
    pacer = setInterval(() => {
      const now = performance.now()
      credit += ((now - last) / 1000) * rate
      last = now
      let budget = Math.floor(credit)
      credit -= budget
      let looked = 0
      while (budget > 0 && looked < peers.length) {
        const p = peers[cursor]
        cursor = (cursor + 1) % peers.length
        looked++
        if (!p.open) continue
        if (p.outstanding) {
          win.skippedBusy++
          total.skippedBusy++
          budget--
          continue
        }
        p.send(p.update)
        budget--
      }
    }, 5)
  }

  function report () {
    const now = performance.now()
    const outstanding = peers.filter((p) => p.open && p.outstanding)
    return {
      ...win,
      hist: Array.from(win.hist),
      open: peers.filter((p) => p.open).length,
      outstanding: outstanding.length,
      stalled10s: outstanding.filter((p) => now - p.sentAt > 10000).length,
      lag: {
        p50: lag.percentile(50) / 1e6,
        p99: lag.percentile(99) / 1e6,
        max: lag.max / 1e6
      }
    }
  }

  process.on('message', (msg) => {
    switch (msg.cmd) {
      case 'init':
        cfg = msg.cfg
        for (let i = 0; i < cfg.count; i++) peers.push(new Peer(i))
        process.send({ ok: 'init' })
        break
      case 'connect':
        connectAll((r) => process.send({ ok: 'connect', r }))
        break
      case 'mode':
        mode = msg.mode
        if (pacer) {
          clearInterval(pacer)
          pacer = null
        }
        if (mode === 'sat') for (const p of peers) if (p.open && !p.outstanding) p.send(p.update)
        if (mode === 'paced') pace(msg.rate)
        process.send({ ok: 'mode' })
        break
      case 'mark':
        win = fresh()
        lag.reset()
        lag.enable()
        process.send({ ok: 'mark' })
        break
      case 'report':
        lag.disable()
        process.send({ ok: 'report', r: report() })
        break
      case 'totals':
        process.send({ ok: 'totals', r: { ...total, hist: undefined, open: peers.filter((p) => p.open).length } })
        break
      case 'close':
        for (const p of peers) {
          p.closedByUs = true
          if (p.sock) p.sock.destroy()
        }
        process.send({ ok: 'close' })
        setTimeout(() => process.exit(0), 100)
        break
    }
  })
  void hashes
}

// =============================================================================================
// Coordinator.
// =============================================================================================
function procStatus (pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [])[1] || 0)
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), threads: Number((s.match(/^Threads:\s+(\d+)/m) || [])[1]) }
}
function cpuTicks (pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return Number(f[11]) + Number(f[12]) // utime + stime (fields 14, 15)
}
function machineTicks () {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const idle = f[3] + f[4]
  return { idle, total: f.reduce((a, b) => a + b, 0) }
}
const HZ = 100
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function coordinator () {
  const port = num('port')
  const trackerPid = num('tracker-pid')
  const N = num('peers', 10000)
  const H = num('hashes', 100)
  const W = num('workers', 2)
  const out = {
    label: args.label || 'tracker',
    peers: N,
    hashes: H,
    workers: W,
    offersPerAnnounce: 5
  }
  const log = (...a) => console.error(`[load ${out.label}]`, ...a)

  const hashes = Array.from({ length: H }, () => binary(crypto.randomBytes(20)))
  const offers = Array.from({ length: 5 }, () => ({ type: 'offer', sdp: fakeSdp() }))
  out.offerBytes = JSON.stringify(offers[0]).length
  out.announceBytes = JSON.stringify({
    action: 'announce',
    info_hash: hashes[0],
    peer_id: hashes[0],
    numwant: 5,
    uploaded: 0,
    downloaded: 0,
    offers: offers.map((offer) => ({ offer, offer_id: hashes[0] }))
  }).length

  const self = fileURLToPath(import.meta.url)
  const kids = []
  for (let w = 0; w < W; w++) {
    const first = Math.floor((w * N) / W)
    const count = Math.floor(((w + 1) * N) / W) - first
    const k = fork(self, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const waiting = []
    k.on('message', (m) => waiting.shift()(m))
    k.on('exit', (code) => {
      if (code) {
        log(`worker ${w} exited with ${code}`)
        process.exit(1)
      }
    })
    k.ask = (msg) =>
      new Promise((resolve) => {
        waiting.push(resolve)
        k.send(msg)
      })
    kids.push(k)
    await k.ask({
      cmd: 'init',
      cfg: { port, first, count, hashes, offers, concurrency: num('connect-concurrency', 64) }
    })
  }
  const all = (msg) => Promise.all(kids.map((k) => k.ask(msg)))
  const mem = () => procStatus(trackerPid)
  const cpuOf = () => ({
    tracker: cpuTicks(trackerPid),
    gen: kids.map((k) => cpuTicks(k.pid)),
    machine: machineTicks()
  })
  const merge = (rs) => {
    const m = {
      sent: 0,
      answers: 0,
      offersIn: 0,
      otherIn: 0,
      unexpectedAnswers: 0,
      skippedBusy: 0,
      open: 0,
      outstanding: 0,
      stalled10s: 0,
      failures: {},
      serverCloses: {},
      socketErrors: {},
      hist: new Array(BUCKETS).fill(0),
      lag: { p99: 0, max: 0 }
    }
    for (const r of rs) {
      for (const k of ['sent', 'answers', 'offersIn', 'otherIn', 'unexpectedAnswers', 'skippedBusy', 'open', 'outstanding', 'stalled10s']) m[k] += r[k] || 0
      for (const k of ['failures', 'serverCloses', 'socketErrors']) for (const [w, n] of Object.entries(r[k] || {})) m[k][w] = (m[k][w] || 0) + n
      if (r.hist) r.hist.forEach((c, i) => (m.hist[i] += c))
      if (r.lag) {
        m.lag.p99 = Math.max(m.lag.p99, r.lag.p99)
        m.lag.max = Math.max(m.lag.max, r.lag.max)
      }
    }
    return m
  }
  const summarize = (m, secs, c0, c1) => {
    const machine = c1.machine.total - c0.machine.total
    return {
      seconds: secs,
      announcesPerSec: m.answers / secs,
      sentPerSec: m.sent / secs,
      offersRelayedPerAnnounce: m.answers ? m.offersIn / m.answers : null,
      p50ms: quantile(m.hist, 0.5),
      p90ms: quantile(m.hist, 0.9),
      p99ms: quantile(m.hist, 0.99),
      trackerCpuPct: ((c1.tracker - c0.tracker) / HZ / secs) * 100,
      trackerCpuUsPerAnnounce: m.answers ? ((c1.tracker - c0.tracker) / HZ / m.answers) * 1e6 : null,
      generatorCpuPct: c1.gen.map((t, i) => ((t - c0.gen[i]) / HZ / secs) * 100),
      machineIdlePct: machine ? ((c1.machine.idle - c0.machine.idle) / machine) * 100 : null,
      generatorLagP99ms: m.lag.p99,
      generatorLagMaxms: m.lag.max,
      failures: m.failures,
      serverCloses: m.serverCloses,
      socketErrors: m.socketErrors,
      unexpectedAnswers: m.unexpectedAnswers,
      otherMessages: m.otherIn,
      skippedBusy: m.skippedBusy,
      openAtEnd: m.open,
      outstandingAtEnd: m.outstanding,
      stalled10sAtEnd: m.stalled10s
    }
  }
  const drain = async () => {
    const t0 = Date.now()
    let r
    for (;;) {
      r = merge((await all({ cmd: 'report' })).map((x) => x.r))
      if (r.outstanding === 0 || Date.now() - t0 > 15000) break
      await sleep(200)
    }
    return { lost: r.outstanding, open: r.open, secs: (Date.now() - t0) / 1000 }
  }

  out.memStart = mem()
  log(`tracker pid ${trackerPid} RSS at start ${(out.memStart.rssKb / 1024).toFixed(1)} MiB`)

  // --- connect ---------------------------------------------------------------------------------
  await all({ cmd: 'mark' })
  const cc0 = cpuOf()
  const conn = (await all({ cmd: 'connect' })).map((x) => x.r)
  const cc1 = cpuOf()
  const connRep = merge((await all({ cmd: 'report' })).map((x) => x.r))
  out.connect = {
    connected: conn.reduce((a, r) => a + r.connected, 0),
    failed: conn.reduce((a, r) => a + r.failed, 0),
    failures: conn.map((r) => r.failures),
    unanswered: conn.reduce((a, r) => a + r.unanswered, 0),
    secs: Math.max(...conn.map((r) => r.answeredSecs)),
    startedAnswers: connRep.answers,
    startedFailures: connRep.failures,
    trackerCpuSecs: (cc1.tracker - cc0.tracker) / HZ
  }
  log('connect:', JSON.stringify(out.connect))

  // --- idle --------------------------------------------------------------------------------------
  await sleep(num('idle', 10) * 1000)
  out.memIdle = mem()
  log(`${out.connect.connected} peers idle: RSS ${(out.memIdle.rssKb / 1024).toFixed(1)} MiB`)

  // --- saturated ---------------------------------------------------------------------------------
  await all({ cmd: 'mode', mode: 'sat' })
  await sleep(num('warmup', 5) * 1000)
  await all({ cmd: 'mark' })
  const c0 = cpuOf()
  const t0 = performance.now()
  const rss = []
  const window = num('window', 30)
  for (let s = 0; s < window; s++) {
    await sleep(1000)
    rss.push(mem().rssKb)
  }
  const satRep = merge((await all({ cmd: 'report' })).map((x) => x.r))
  const c1 = cpuOf()
  const secs = (performance.now() - t0) / 1000
  out.saturated = summarize(satRep, secs, c0, c1)
  out.saturated.rssMaxKb = Math.max(...rss)
  await all({ cmd: 'mode', mode: 'drain' })
  out.saturated.drain = await drain()
  await sleep(2000)
  out.memAfterLoad = mem()
  log('saturated:', JSON.stringify({ ...out.saturated, hist: undefined }))

  // --- paced ---------------------------------------------------------------------------------------
  const rate = num('paced-rate', 0)
  if (rate > 0) {
    await all({ cmd: 'mode', mode: 'paced', rate: rate / W })
    await sleep(3000)
    await all({ cmd: 'mark' })
    const p0 = cpuOf()
    const pt0 = performance.now()
    await sleep(num('paced-window', 20) * 1000)
    const pRep = merge((await all({ cmd: 'report' })).map((x) => x.r))
    const p1 = cpuOf()
    out.paced = summarize(pRep, (performance.now() - pt0) / 1000, p0, p1)
    out.paced.rate = rate
    await all({ cmd: 'mode', mode: 'drain' })
    out.paced.drain = await drain()
    log('paced:', JSON.stringify(out.paced))
  }

  out.memEnd = mem()
  const totals = merge((await all({ cmd: 'totals' })).map((x) => x.r))
  out.totals = {
    sent: totals.sent,
    answers: totals.answers,
    offersIn: totals.offersIn,
    failures: totals.failures,
    serverCloses: totals.serverCloses,
    socketErrors: totals.socketErrors,
    unexpectedAnswers: totals.unexpectedAnswers,
    otherMessages: totals.otherIn,
    openAtEnd: totals.open
  }
  log('totals:', JSON.stringify(out.totals))
  log(`memory: start ${out.memStart.rssKb} kB, idle ${out.memIdle.rssKb} kB, after load ${out.memAfterLoad.rssKb} kB, end ${out.memEnd.rssKb} kB, peak (VmHWM) ${out.memEnd.hwmKb} kB`)
  await all({ cmd: 'close' })
  if (args.out) fs.writeFileSync(args.out, JSON.stringify(out, null, 2))
  else console.log(JSON.stringify(out, null, 2))
  process.exit(0)
}

if (process.argv.includes('--worker')) worker()
else coordinator().catch((e) => {
  console.error(e)
  process.exit(1)
})
