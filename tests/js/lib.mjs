// Helpers for the Node client tests: start the real quire binary on a
// temporary data directory, connect stock y-websocket providers to it, and
// wait for conditions.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { after, before } from 'node:test'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import * as decoding from 'lib0/decoding'

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The quire binary: QUIRE_BIN, or the release build. */
export const BIN = path.resolve(ROOT, process.env.QUIRE_BIN ?? 'target/release/quire')

/** Every server process started here, killed when the test process exits. */
const running = new Set()
// Each provider adds an exit listener.
process.setMaxListeners(200)
/** Temporary data directories not yet removed, removed on exit too. */
const tempDirs = new Set()
function killAll () {
  for (const proc of running) {
    try { proc.kill('SIGKILL') } catch {}
  }
  for (const dir of tempDirs) {
    try { rmSync(dir, { recursive: true, force: true }) } catch {}
  }
}

/**
 * A detached shell that kills server `pid` if this test process dies without
 * running its exit handlers (SIGKILL, a runner's timeout), and removes the
 * server's temporary data directory; it ends when the server does.
 */
function watchdog (pid, tempDir) {
  const script = `while kill -0 ${pid} 2>/dev/null; do
  if ! kill -0 ${process.pid} 2>/dev/null; then
    kill -9 ${pid}
    if [ -n "$1" ]; then sleep 1; rm -rf -- "$1"; fi
    exit 0
  fi
  sleep 1
done`
  spawn('sh', ['-c', script, 'watchdog', tempDir ?? ''], { stdio: 'ignore', detached: true }).unref()
}
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll()
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[signal])
  })
}

/** A fresh temporary data directory, removed at exit if not before. */
export async function tempDataDir () {
  const dir = await mkdtemp(path.join(tmpdir(), 'quire-js-'))
  tempDirs.add(dir)
  return dir
}

/** Removes a directory and everything in it. */
export function removeDir (dir) {
  tempDirs.delete(dir)
  return rm(dir, { recursive: true, force: true })
}

/**
 * A quire server on a data directory. `start()` launches `quire serve` on
 * 127.0.0.1 port 0 and resolves once it prints its address; `stop()` sends
 * SIGTERM (or the given signal) and resolves with `{ code, signal, ms }` once
 * it has exited; `restart()` starts it again on the same data directory.
 */
export class Server {
  /**
   * @param {string} dataDir
   * @param {string[]} [extraArgs] more `quire serve` flags
   */
  constructor (dataDir, extraArgs = []) {
    this.dataDir = dataDir
    this.extraArgs = extraArgs
    this.proc = null
    this.port = 0
    this.output = ''
  }

  /** Starts a server on a new temporary data directory, removed by `dispose()`. */
  static async create (extraArgs = []) {
    const server = new Server(await tempDataDir(), extraArgs)
    server.ownsDataDir = true
    await server.start()
    return server
  }

  get url () { return `http://127.0.0.1:${this.port}` }
  get wsUrl () { return `ws://127.0.0.1:${this.port}/ws` }

  /** Everything the running (or last) process printed. */
  log () { return this.output }

  /** Starts the server, on `port` if given (0: any free port). */
  start (port = 0) {
    if (this.proc !== null) throw new Error('quire is already running')
    return new Promise((resolve, reject) => {
      const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', this.dataDir, ...this.extraArgs], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Tests open many new documents from one address.
        env: { ...process.env, QUIRE_LOG: process.env.QUIRE_LOG ?? 'warn', QUIRE_MAX_CREATES_PER_MINUTE: '100000' }
      })
      running.add(proc)
      if (proc.pid !== undefined) watchdog(proc.pid, tempDirs.has(this.dataDir) ? this.dataDir : null)
      this.proc = proc
      this.output = ''
      let stdout = ''
      let listening = false
      const timer = setTimeout(() => {
        proc.kill('SIGKILL')
        reject(new Error(`quire did not start within 20 s:\n${this.output}`))
      }, 20000)
      proc.stdout.setEncoding('utf8').on('data', (chunk) => {
        this.output += chunk
        stdout += chunk
        const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)
        if (!listening && match !== null) {
          listening = true
          clearTimeout(timer)
          this.port = Number(match[1])
          resolve(this)
        }
      })
      proc.stderr.setEncoding('utf8').on('data', (chunk) => { this.output += chunk })
      proc.on('error', (err) => {
        clearTimeout(timer)
        running.delete(proc)
        reject(new Error(`cannot run ${BIN}: ${err.message}`))
      })
      proc.exited = new Promise((resolveExit) => {
        proc.on('exit', (code, signal) => {
          clearTimeout(timer)
          running.delete(proc)
          if (this.proc === proc) this.proc = null
          if (!listening) reject(new Error(`quire exited (${code ?? signal}) before listening:\n${this.output}`))
          resolveExit({ code, signal })
        })
      })
    })
  }

  /**
   * Sends `signal` and waits for the process to exit (SIGKILL after
   * `timeout` ms). Resolves with `{ code, signal, ms }`.
   */
  async stop (signal = 'SIGTERM', timeout = 15000) {
    const proc = this.proc
    if (proc === null) return { code: null, signal: null, ms: 0 }
    const started = Date.now()
    proc.kill(signal)
    let timer
    const killer = new Promise((resolve) => {
      timer = setTimeout(() => { proc.kill('SIGKILL'); resolve() }, timeout)
    })
    await Promise.race([proc.exited, killer])
    clearTimeout(timer)
    const result = await proc.exited
    return { ...result, ms: Date.now() - started }
  }

  /** Kills the server at once, as a crash would. */
  kill () { return this.stop('SIGKILL') }

  /**
   * Stops (SIGTERM unless told otherwise) and starts again on the same data
   * directory; with `samePort`, on the same port, so that connected providers
   * reconnect by themselves.
   */
  async restart (signal = 'SIGTERM', { samePort = false } = {}) {
    const port = this.port
    const result = await this.stop(signal)
    await this.start(samePort ? port : 0)
    return result
  }

  /** Stops the server and removes its data directory if it made it. */
  async dispose () {
    await this.stop('SIGKILL')
    if (this.ownsDataDir) await removeDir(this.dataDir)
  }

  /** fetch() against the server; `pathname` starts with `/`. */
  fetch (pathname, init) {
    return fetch(this.url + pathname, init)
  }

  /** Creates a document through the API and returns its id. */
  async createDoc (body = {}) {
    const response = await this.fetch('/api/v1/docs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    })
    const text = await response.text()
    if (response.status !== 201) throw new Error(`POST /api/v1/docs: ${response.status} ${text}`)
    return JSON.parse(text).id
  }

  /** The body of an export, as text (or parsed JSON for `json`). */
  async export (docId, format) {
    const response = await this.fetch(`/api/v1/docs/${docId}/export/${format}`)
    const text = await response.text()
    if (response.status !== 200) throw new Error(`GET export/${format}: ${response.status} ${text}`)
    return format === 'json' ? JSON.parse(text) : text
  }
}

/** A random author secret (43 URL-safe characters). */
export function authorSecret () {
  return randomBytes(32).toString('base64url')
}

/** A random document id that the server accepts. */
export function docId (prefix = 'doc') {
  return `${prefix}-${randomBytes(6).toString('hex')}`
}

/** The Quire message type that acknowledges durable updates. */
export const MESSAGE_SAVED = 100

/** Quire's message telling a connection with acks=1 its identity. */
export const MESSAGE_IDENTITY = 101

/** Whether a frame carries an update: SyncStep2 (`00 01`) or Update (`00 02`). */
export function isUpdateFrame (bytes) {
  return bytes.length >= 2 && bytes[0] === 0 && (bytes[1] === 1 || bytes[1] === 2)
}

function toBytes (data) {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  return new Uint8Array(Buffer.from(String(data)))
}

/**
 * A WebSocket class for the provider that records, per socket, the
 * update-carrying frames sent, the Saved acknowledgements and auth messages
 * received, and how the socket closed. `sockets` collects every socket made.
 */
function recordingWebSocket (sockets) {
  return class RecordingWebSocket extends WebSocket {
    constructor (...args) {
      super(...args)
      this.updatesSent = 0
      this.saved = 0
      this.savedHistory = []
      this.denied = []
      this.closeCode = null
      this.closed = new Promise((resolve) => {
        this.on('close', (code, reason) => {
          this.closeCode = code
          this.closeReason = reason.toString()
          resolve(code)
        })
      })
      this.on('message', (data, isBinary) => {
        if (!isBinary) return
        const bytes = toBytes(data)
        const decoder = decoding.createDecoder(bytes)
        const type = decoding.readVarUint(decoder)
        if (type === MESSAGE_SAVED) {
          const n = decoding.readVarUint(decoder)
          this.savedHistory.push(n)
          this.saved = Math.max(this.saved, n)
        } else if (type === 2 && decoding.readVarUint(decoder) === 0) {
          this.denied.push(decoding.readVarString(decoder))
        }
      })
      sockets.push(this)
    }

    send (data, ...rest) {
      if (isUpdateFrame(toBytes(data))) this.updatesSent++
      return super.send(data, ...rest)
    }
  }
}

/**
 * A Yjs client: a Y.Doc with a stock WebsocketProvider connected to
 * `server`'s `/ws/{room}`. `author` is the author secret (null for anonymous).
 */
export class Client {
  constructor (server, room, { author = authorSecret(), name, acks = false, doc = new Y.Doc(), connect = true, shouldReconnect } = {}) {
    this.server = server
    this.room = room
    this.doc = doc
    this.fragment = doc.getXmlFragment('content')
    this.sockets = []
    const params = {}
    if (author !== null) params.author = author
    if (name !== undefined) params.name = name
    if (acks) params.acks = '1'
    this.provider = new WebsocketProvider(server.wsUrl, room, doc, {
      WebSocketPolyfill: recordingWebSocket(this.sockets),
      params,
      connect,
      // Node has a BroadcastChannel: without this, clients in this process
      // would sync with each other without the server.
      disableBc: true,
      ...(shouldReconnect !== undefined ? { shouldReconnect } : {})
    })
    // The Saved message is Quire's own; the stock provider would log it as unknown.
    this.provider.messageHandlers[MESSAGE_SAVED] = () => {}
    // Quire's Identity message: who the server takes this connection for.
    this.identity = null
    this.provider.messageHandlers[MESSAGE_IDENTITY] = (_encoder, decoder) => {
      this.identity = JSON.parse(decoding.readVarString(decoder))
    }
    this.provider.messageHandlers[2] = (_encoder, decoder) => {
      decoding.readVarUint(decoder)
      decoding.readVarString(decoder)
    }
  }

  /** The socket in use, or the last one. */
  get socket () { return this.sockets[this.sockets.length - 1] }

  /** Resolves once the provider has synced with the server. */
  synced (timeout = 10000) {
    return waitFor(() => this.provider.synced, { timeout, message: `client of ${this.room} did not sync` })
  }

  /** Disconnects and destroys the provider. */
  destroy () {
    // A client whose id Yjs changed (another client used it) cannot encode
    // its goodbye awareness message; tear it down all the same.
    try { this.provider.destroy() } catch {
      this.provider.shouldConnect = false
      clearInterval(this.provider._checkInterval)
      this.doc.off('update', this.provider._updateHandler)
      this.provider.awareness.off('update', this.provider._awarenessUpdateHandler)
      this.provider.ws?.terminate()
    }
    // The awareness renews its state on a timer that would keep Node alive.
    this.provider.awareness.destroy()
  }

  text () { return this.fragment.toString() }

  /** The document's text without markup. */
  plain () { return plainText(this.fragment) }

  stateVector () { return Buffer.from(Y.encodeStateVector(this.doc)).toString('hex') }

  /**
   * Waits until the current socket's Saved count covers every
   * update-carrying frame it has sent, and returns that count.
   */
  async allSaved (timeout = 10000) {
    await waitFor(() => {
      const socket = this.socket
      return socket !== undefined && socket.readyState === WebSocket.OPEN && this.provider.synced &&
        socket.saved >= socket.updatesSent && socket.updatesSent > 0
    }, { timeout, message: () => `Saved ${this.socket?.saved} does not cover ${this.socket?.updatesSent} update frames` })
    return this.socket.saved
  }
}

/**
 * Resolves once `check()` is truthy (polling), or rejects after `timeout` ms
 * with `message` (a string or a function of nothing).
 */
export async function waitFor (check, { timeout = 10000, interval = 20, message = 'condition not met' } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms: ${typeof message === 'function' ? message() : message}`)
    }
    await sleep(interval)
  }
}

export function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A SyncStep1 frame with an empty state vector: its answer is the whole document. */
const SYNC_STEP1_EMPTY = Uint8Array.of(0, 0, 1, 0)

/**
 * A round trip on an open websocket (a raw one or a provider's): sends a
 * SyncStep1 and resolves once the SyncStep2 that answers it arrives. The
 * server handles a connection's frames in order and queues the answer behind
 * whatever it queued for that connection before, so once this resolves every
 * frame sent earlier on the socket has been handled and everything the
 * server had queued for it (replies, acknowledgements, a close) has arrived.
 * Rejects if the socket closes first or after `timeout` ms.
 */
export function roundTrip (socket, timeout = 10000) {
  return new Promise((resolve, reject) => {
    const done = (err) => {
      clearTimeout(timer)
      socket.off('message', onMessage)
      socket.off('close', onClose)
      if (err) reject(err); else resolve()
    }
    const onMessage = (data) => {
      const bytes = toBytes(data)
      if (bytes.length >= 2 && bytes[0] === 0 && bytes[1] === 1) done()
    }
    const onClose = (code) => done(new Error(`the socket closed (${code}) before the round trip`))
    const timer = setTimeout(() => done(new Error(`no SyncStep2 answer within ${timeout} ms`)), timeout)
    socket.on('message', onMessage)
    socket.on('close', onClose)
    if (socket.readyState !== WebSocket.OPEN) return done(new Error(`the socket is not open (${socket.readyState})`))
    socket.send(SYNC_STEP1_EMPTY)
  })
}

/** The number of documents `server` has loaded in memory (GET /healthz). */
export async function documentsLoaded (server) {
  const response = await server.fetch('/healthz')
  const body = await response.json()
  if (response.status !== 200 || typeof body.documents_loaded !== 'number') {
    throw new Error(`GET /healthz: ${response.status} ${JSON.stringify(body)}`)
  }
  return body.documents_loaded
}

/** A document's metadata (GET /api/v1/docs/{id}), its open `connections` among them. */
export async function docInfo (server, id) {
  const response = await server.fetch(`/api/v1/docs/${id}`)
  const text = await response.text()
  if (response.status !== 200) throw new Error(`GET /api/v1/docs/${id}: ${response.status} ${text}`)
  return JSON.parse(text)
}

/** Waits until `server` has unloaded every document from memory. */
export function allUnloaded (server, timeout = 20000) {
  return waitFor(async () => await documentsLoaded(server) === 0,
    { timeout, interval: 100, message: 'the server kept documents loaded' })
}

/** Waits until every client has the same document and state vector, and returns the document text. */
export async function converged (clients, timeout = 15000) {
  await waitFor(() => {
    const text = clients[0].text()
    const sv = clients[0].stateVector()
    return clients.every((c) => c.text() === text && c.stateVector() === sv)
  }, {
    timeout,
    message: () => 'clients did not converge:\n' + clients.map((c, i) => `  ${i}: ${c.stateVector()} ${c.text()}`).join('\n')
  })
  return clients[0].text()
}

/** A seeded pseudo-random generator (mulberry32): `next()` in [0, 1). */
export function prng (seed) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256))
  }
}

/** The seed of a randomised test: QUIRE_SEED, or a fresh one. */
export function testSeed () {
  return process.env.QUIRE_SEED !== undefined ? Number(process.env.QUIRE_SEED) : randomBytes(4).readUInt32LE(0)
}

/** Runs `body`, and on failure adds the seed to the error so the run can be repeated. */
export async function withSeed (seed, body) {
  try {
    return await body()
  } catch (err) {
    err.message = `${err.message}\n(seed ${seed}: rerun with QUIRE_SEED=${seed})`
    console.error(`failed with seed ${seed}: rerun with QUIRE_SEED=${seed}`)
    throw err
  }
}

/** Opens a raw websocket to `/ws/{room}` and resolves once it is open. */
export function rawSocket (server, room, params = '') {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}/${room}${params}`)
    ws.binaryType = 'nodebuffer'
    ws.messages = []
    ws.closeCode = null
    ws.closed = new Promise((resolveClose) => {
      ws.on('close', (code, reason) => {
        ws.closeCode = code
        ws.closeReason = reason.toString()
        resolveClose(code)
      })
    })
    ws.on('message', (data) => ws.messages.push(toBytes(data)))
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

/**
 * The text of a fragment without markup: one line per block, text of nested
 * elements included.
 */
export function plainText (fragment) {
  const walk = (node) => {
    if (node instanceof Y.XmlText) return node.toDelta().map((d) => typeof d.insert === 'string' ? d.insert : '').join('')
    return node.toArray().map(walk).join(node instanceof Y.XmlFragment ? '\n' : '')
  }
  return walk(fragment)
}

/** Appends a paragraph holding `text` to `fragment`. */
export function appendParagraph (fragment, text) {
  const p = new Y.XmlElement('paragraph')
  p.insert(0, [new Y.XmlText(text)])
  fragment.insert(fragment.length, [p])
  return p
}

export { Y }

/**
 * One server for a test file: started before its tests, stopped after them
 * with every client made by `client` (which adds `defaults` to each client's
 * options).
 */
export function sharedServer (defaults = {}) {
  const shared = {
    server: undefined,
    clients: [],
    client (room, options) {
      const c = new Client(shared.server, room, { ...defaults, ...options })
      shared.clients.push(c)
      return c
    }
  }
  before(async () => { shared.server = await Server.create() })
  after(async () => {
    for (const c of shared.clients) c.destroy()
    if (shared.server) await shared.server.dispose()
  })
  return shared
}
