// Helpers for the browser tests: start the real quire binary, launch Debian's
// Chromium, open pages that record console errors, and read the editor.
import { spawn } from 'node:child_process'
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import WebSocket from 'ws'

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** Where screenshots go (not committed). */
export const SCREENSHOTS = path.join(ROOT, 'target', 'screenshots')

const BIN = path.resolve(ROOT, process.env.QUIRE_BIN ?? 'target/release/quire')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/**
 * QUIRE_ASSETS=web/dist serves /assets/app.js and app.css from that folder
 * instead of the copies embedded in the binary, to try a rebuilt web client
 * without rebuilding the server. Unset, the binary's own bundle is tested.
 */
const ASSETS = process.env.QUIRE_ASSETS === undefined ? null : path.resolve(ROOT, process.env.QUIRE_ASSETS)

/** A fresh temporary data directory, removed by `cleanup`. */
export async function tempDataDir () {
  return mkdtemp(path.join(tmpdir(), 'quire-browser-'))
}

/**
 * Starts `quire serve` on `127.0.0.1:port` (0 for any free port) with
 * `dataDir` and resolves once it prints `listening on http://127.0.0.1:PORT`.
 * `args` are more flags, such as `['--admin-token', TOKEN]`.
 */
export function startServer (dataDir, port = 0, args = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Tests open many new documents from one address.
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn', QUIRE_MAX_CREATES_PER_MINUTE: '100000' }
    })
    let output = ''
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`quire did not start within 20 s:\n${output}`))
    }, 20000)
    const onData = (chunk) => {
      output += chunk
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        const actualPort = Number(match[1])
        resolve({
          proc,
          port: actualPort,
          url: `http://127.0.0.1:${actualPort}`,
          log: () => output,
          /** Kills the server at once, as a crash would. */
          kill: () => stopProcess(proc, 'SIGKILL'),
          /** Stops the server politely. */
          stop: () => stopProcess(proc, 'SIGTERM')
        })
      }
    }
    proc.stdout.setEncoding('utf8').on('data', onData)
    proc.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk })
    proc.on('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run ${BIN}: ${err.message}`)) })
    proc.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`quire exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
}

/** Sends `signal`, and SIGKILL if the process has not exited 10 s later. */
function stopProcess (proc, signal) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000)
    proc.once('exit', () => { clearTimeout(timer); resolve() })
    proc.kill(signal)
  })
}

/** Launches Debian's Chromium, headless. */
export function launchBrowser () {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-quic', '--no-first-run']
  })
}

/**
 * Opens `url` in a new browser context (its own storage, so its own author)
 * and records console errors and uncaught exceptions in `page.errors`, except
 * those matching a pattern in `page.expectedErrors`, which go to `page.expectedSeen`.
 */
export async function openPage (browser, url, { name, token, viewport, expectedErrors = [], prepare } = {}) {
  const context = await browser.newContext({ viewport: viewport ?? { width: 1200, height: 800 } })
  if (name !== undefined) {
    await context.addInitScript((n) => { window.localStorage.setItem('quire.name', n) }, name)
  }
  if (token !== undefined) {
    // Signed in as the server signs a browser in: an HttpOnly session cookie.
    await context.addCookies([{ name: 'quire_session', value: token, url: new URL(url).origin, httpOnly: true, sameSite: 'Strict' }])
  }
  if (ASSETS !== null) {
    await context.route(/\/assets\/app\.(js|css)$/, async (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop()
      const type = name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8'
      await route.fulfill({ status: 200, contentType: type, body: await readFile(path.join(ASSETS, name)) })
    })
  }
  const page = await context.newPage()
  page.errors = []
  page.expectedErrors = [...expectedErrors]
  page.expectedSeen = []
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    if (page.expectedErrors.some((pattern) => pattern.test(text))) page.expectedSeen.push(text)
    else page.errors.push(text)
  })
  page.on('pageerror', (err) => page.errors.push(`uncaught: ${err.message}`))
  // Routes and the like that must be in place before the page loads.
  if (prepare !== undefined) await prepare(page)
  await page.goto(url)
  return page
}

/** Creates a document through the API and returns its id. */
export async function createDoc (server, title, template) {
  const response = await fetch(`${server.url}/api/v1/docs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(template === undefined ? { title } : { title, template })
  })
  if (!response.ok) throw new Error(`POST /api/v1/docs: ${response.status} ${await response.text()}`)
  const body = await response.json()
  return body.id
}

/**
 * Calls the JSON API: `method` on `/api/v1{path}` with `body` (JSON) and
 * `token` as bearer; resolves to the parsed answer, or throws on a non-2xx.
 */
export async function api (server, method, path, body, token) {
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token !== undefined) headers.Authorization = `Bearer ${token}`
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text === '' ? null : JSON.parse(text)
}

/** A varUint as lib0 and y-protocols write it. */
function varUint (n) {
  const bytes = []
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  bytes.push(n)
  return bytes
}

/**
 * Sends the Yjs `update` (v1 bytes) to document `id` as a y-websocket client
 * would, one Update message (`00 02`), and resolves once the server's Saved
 * acknowledgement says it is stored. `params` are more query parameters, such
 * as a group `token`; without one the connection is an anonymous author.
 */
export function writeUpdate (server, id, update, params = {}) {
  const query = new URLSearchParams({ author: 'raw-yjs-writer-0123456789abcdef', name: 'Raw client', ...params, acks: '1' })
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${id}?${query}`)
  socket.binaryType = 'nodebuffer'
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.terminate(); reject(new Error('no Saved acknowledgement within 15 s')) }, 15000)
    socket.on('error', (err) => { clearTimeout(timer); reject(err) })
    socket.on('close', (code, reason) => { clearTimeout(timer); reject(new Error(`closed before Saved: ${code} ${reason}`)) })
    socket.on('open', () => socket.send(Buffer.from([0, 2, ...varUint(update.length), ...update])))
    // Saved is varUint(100) varUint(n): 100 takes one byte, n = 1 frame.
    socket.on('message', (data) => {
      if (data[0] !== 100 || data[1] < 1) return
      clearTimeout(timer)
      socket.removeAllListeners('close')
      socket.close()
      resolve()
    })
  })
}

/** The editable document body. */
export function editor (page) {
  return page.locator('.ProseMirror')
}

/** Waits until the status indicator reads `text` (Saved, Saving…, Offline). */
export async function waitForStatus (page, text, timeout = 15000) {
  await page.locator(`[data-testid="status"]:text-is("${text}")`).waitFor({ timeout })
}

/** The document text of an editor element, without other people's cursor labels. */
function documentText (el) {
  const copy = el.cloneNode(true)
  for (const cursor of copy.querySelectorAll('.ProseMirror-yjs-cursor')) cursor.remove()
  return copy.textContent
}

/** Waits until the editor's text contains `needle`. */
export async function waitForEditorText (page, needle, timeout = 15000) {
  await eventually(async () => {
    const text = await editorText(page)
    if (!text.includes(needle)) throw new Error(`editor text ${JSON.stringify(text)} lacks ${JSON.stringify(needle)}`)
  }, timeout)
}

/** Retries `check` (which throws or rejects until it holds) for up to `timeout` ms. */
export async function eventually (check, timeout = 15000) {
  const deadline = Date.now() + timeout
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** The editor's plain text. */
export function editorText (page) {
  return editor(page).evaluate(documentText)
}

/** Places the cursor at the end of the document and focuses the editor. */
export async function focusEnd (page) {
  await editor(page).click()
  await page.keyboard.press('Control+End')
}

/** Makes the screenshot folder and returns the path of `name`.png in it. */
export async function screenshotPath (name) {
  await mkdir(SCREENSHOTS, { recursive: true })
  return path.join(SCREENSHOTS, `${name}.png`)
}

/** Removes a temporary directory. */
export function cleanup (dir) {
  return rm(dir, { recursive: true, force: true })
}

/**
 * The server and browser of one test file: a data directory, `quire serve`
 * with `serverArgs` and Chromium start before its tests, and stop (the
 * directory removed) after them; then `setup(session)`, if given, runs.
 * `pages` collects what `open` opened, for the file's closing check of
 * console errors; `server` may be replaced, as after a restart.
 */
export function testSession (serverArgs = [], setup = async () => {}) {
  const session = {
    dataDir: undefined,
    server: undefined,
    browser: undefined,
    pages: [],
    /** Opens `path` on the server in a new browser context. */
    async open (pagePath, options) {
      const page = await openPage(session.browser, `${session.server.url}${pagePath}`, options)
      session.pages.push(page)
      return page
    }
  }
  before(async () => {
    session.dataDir = await tempDataDir()
    session.server = await startServer(session.dataDir, 0, serverArgs)
    session.browser = await launchBrowser()
    await setup(session)
  })
  after(async () => {
    await session.browser?.close()
    await session.server?.stop()
    if (session.dataDir !== undefined) await cleanup(session.dataDir)
  })
  return session
}
