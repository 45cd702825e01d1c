// The baseline: @peertube/bittorrent-tracker-server wired as PeerTube 8 wires it in
// server/core/controllers/tracker.ts — a Node `http` server, `new TrackerServer({ http: false,
// udp: false, ws: false, filter })`, and a `ws` WebSocketServer({ noServer: true }) that takes the
// `upgrade` of `/tracker/socket`, sets `ws.ip` and hands the socket to
// `trackerServer.onWebSocketConnection`. The filter does what PeerTube's does when the tracker is
// public (`tracker.private: false`) and `reject_too_many_announces` is off (its default): count
// announces per address and per address and info hash, reset every 5 minutes, and accept. No
// express app and no database: this is the tracker alone, lighter than a PeerTube process.
//
//   node peertube-tracker.mjs PORT     # prints "listening <port>" once ready
import { Server as TrackerServer } from '@peertube/bittorrent-tracker-server'
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const port = Number(process.argv[2] || 0)

// PeerTube's TRACKER_RATE_LIMITS.INTERVAL (5 minutes).
const INTERVAL = 5 * 60 * 1000
let peersIps = {}
let peersIpInfoHash = {}
setInterval(() => {
  peersIpInfoHash = {}
  peersIps = {}
}, INTERVAL).unref()

const trackerServer = new TrackerServer({
  http: false,
  udp: false,
  ws: false,
  filter: async function (infoHash, params, cb) {
    const ip = params.type === 'ws' ? params.ip : params.httpReq.ip
    const key = ip + '-' + infoHash
    peersIps[ip] = peersIps[ip] ? peersIps[ip] + 1 : 1
    peersIpInfoHash[key] = peersIpInfoHash[key] ? peersIpInfoHash[key] + 1 : 1
    // CONFIG.TRACKER.PRIVATE === false
    return cb()
  }
})

// PeerTube logs errors and warnings; we count them and say them at the end.
const warnings = new Map()
let errors = 0
trackerServer.on('error', (err) => {
  errors++
  console.error('tracker error:', err && err.message)
})
trackerServer.on('warning', (err) => {
  const m = String((err && err.message) || err).slice(0, 120)
  warnings.set(m, (warnings.get(m) || 0) + 1)
})

const server = createServer((req, res) => {
  res.statusCode = 404
  res.end()
})
const wss = new WebSocketServer({ noServer: true })
wss.on('connection', function (ws, req) {
  // proxyAddr(req, CONFIG.TRUST_PROXY) without a proxy header: the socket's address.
  ws.ip = req.socket.remoteAddress
  trackerServer.onWebSocketConnection(ws)
})
server.on('upgrade', (request, socket, head) => {
  if (request.url === '/tracker/socket') {
    return wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
  }
})

function summary () {
  const w = [...warnings.entries()].map(([m, n]) => `${n}× ${m}`).join('; ')
  console.error(`peertube-tracker: ${errors} errors, warnings: ${w || 'none'}`)
}
process.on('SIGTERM', () => {
  summary()
  process.exit(0)
})
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`)
})
