// Writes benches/RESULTS.md (the part between the generated markers) and
// benches/latency.svg from one run: benches/results/load.jsonl (run-load.sh),
// benches/results/merge-node.json (merge.mjs) and the criterion estimates of
// the last `cargo bench -p quire-benches` under target/criterion.
// Usage: node benches/js/report.mjs [repo root]
import { execSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import os from 'node:os'

const root = process.argv[2] || process.cwd()
const results = join(root, 'benches/results')
const read = p => existsSync(p) ? readFileSync(p, 'utf8') : null
const sh = c => { try { return execSync(c, { cwd: root }).toString().trim() } catch { return '?' } }

const f = (x, d = 1) => x == null || Number.isNaN(x) ? '–' : Number(x).toFixed(d)
const ratio = (a, b) => a == null || b == null || b === 0 ? '–' : (a / b).toFixed(2) + 'x'

// ---- machine
const cpu = (read('/proc/cpuinfo') || '').split('\n').find(l => l.startsWith('model name'))?.split(':')[1]?.trim() || '?'
const machine = `${os.cpus().length} cores (nproc ${sh('nproc')}), ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${sh('uname -sr')}`
const lines = []
const out = s => lines.push(s)

const loadFile = join(results, 'load.jsonl')
const runDate = existsSync(loadFile) ? statSync(loadFile).mtime : new Date()
out(`Load run of ${runDate.toISOString().slice(0, 16).replace('T', ' ')} UTC; report written on commit \`${sh('git rev-parse --short HEAD')}\`.`)
out('')
out(`Machine: ${machine}; rustc ${sh('rustc --version').split(' ')[1]}, Node ${process.version}.`)
out('')

// ---- criterion
function criterion () {
  const base = join(root, 'target/criterion')
  const found = {}
  const walk = dir => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e)
      if (!statSync(p).isDirectory()) continue
      const bj = join(p, 'new/benchmark.json')
      if (existsSync(bj)) {
        const b = JSON.parse(readFileSync(bj))
        const est = JSON.parse(readFileSync(join(p, 'new/estimates.json')))
        found[b.full_id] = { ns: est.median.point_estimate, throughput: b.throughput }
      } else if (e !== 'report') walk(p)
    }
  }
  if (existsSync(base)) walk(base)
  return found
}
const crit = criterion()
const ms = id => crit[id] ? crit[id].ns / 1e6 : null
const nodeMerge = JSON.parse(read(join(results, 'merge-node.json')) || 'null')

const ratios = JSON.parse(read(join(results, 'ratios.json')) || 'null')
const speed = (group, trace, variant) => {
  const r = ratios?.[group]?.[trace]?.[variant]?.ratio_to_first
  return r ? 1 / r : null
}
if (ratios) {
  out('## Merge ratios, interleaved (`target/release/examples/ratios 30`)')
  out('')
  out('Each round runs every variant once in a rotating order and takes the ratio to the baseline within the round; the median over rounds is shown as a speed ratio (above 1: faster than the baseline). This holds on a busy machine, where criterion runs made minutes apart drift.')
  out('')
  out('| whole trace | crdt-core time / raw yrs time | raw yrs ms | crdt-core ms |')
  out('|---|---|---|---|')
  for (const t of ['S1', 'S2', 'S3', 'C1', 'C2']) {
    const w = ratios.whole_trace[t]
    if (w) out(`| ${t} | ${w.crdt_core.ratio_to_first.toFixed(3)}x | ${f(w.yrs.median_ms, 2)} | ${f(w.crdt_core.median_ms, 2)} |`)
  }
  out('')
  const order = ['yrs_one_by_one', 'crdt_core_one_by_one', 'yrs_batch100_merged', 'yrs_batch100_one_txn', 'yrs_batch100_one_txn_encoded', 'crdt_core_batch100_run']
  const names = order.filter(k => ratios.keystrokes['automerge-paper']?.[k])
  out(`| keystroke stream (speed vs raw yrs one by one) | ${names.join(' | ')} |`)
  out(`|---|${names.map(() => '---').join('|')}|`)
  for (const [t, v] of Object.entries(ratios.keystrokes)) {
    out(`| ${t} (${v.updates} updates) | ${names.map(n => `${(1 / v[n].ratio_to_first).toFixed(2)}x`).join(' | ')} |`)
  }
  out('')
}

out('## Merge (criterion, `cargo bench -p quire-benches`)')
out('')
if (Object.keys(crit).length === 0) {
  out('No criterion results found: run `cargo bench -p quire-benches` first.')
} else {
  out('Whole-trace merge into a fresh document (median ms; the document is built inside the timed loop). Yjs is 13.6.33 on Node, `node benches/js/merge.mjs 10`, median of 10 after 2 warm-ups.')
  out('')
  out('| trace | yrs v1 | crdt-core v1 | crdt-core / yrs | yrs v2 | Yjs (Node) v1 | Yjs (Node) v2 | Yjs v1 / yrs v1 |')
  out('|---|---|---|---|---|---|---|---|')
  for (const t of ['S1', 'S2', 'S3', 'C1', 'C2']) {
    const y = ms(`whole_trace/${t}/yrs`); const c = ms(`whole_trace/${t}/crdt_core`); const v2 = ms(`whole_trace/${t}/yrs_v2`)
    const n = nodeMerge?.results?.[t]
    out(`| ${t} | ${f(y, 2)} | ${f(c, 2)} | ${ratio(c, y)} | ${f(v2, 2)} | ${f(n?.v1?.median_ms, 2)} | ${f(n?.v2?.median_ms, 2)} | ${ratio(n?.v1?.median_ms, y)} |`)
  }
  out('')
  out('Keystroke stream: one remote update per keystroke, applied into a fresh document (thousands of updates per second; ratio against raw yrs one update per transaction). "Merged": each batch of 100 merged with `merge_updates_v1`, then applied. "One txn": the batch applied update by update inside one transaction (and, in the next column, the transaction\'s own update encoded). "crdt-core runs of 100" is the server\'s path for a tick: `Document::apply_run`, each update scanned, decoded, checked against its author\'s client ids and the nesting limit, all in one transaction with authorship counted once.')
  out('')
  out('| trace | updates | yrs one by one | crdt-core one by one | yrs batches of 100, merged | yrs batches of 100, one txn | yrs one txn + its update encoded | crdt-core runs of 100 |')
  out('|---|---|---|---|---|---|---|---|')
  for (const t of ['automerge-paper', 'seph-blog1']) {
    const id = v => `keystrokes/${t}/${v}`
    const n = crit[id('yrs_one_by_one')]?.throughput?.Elements
    const rate = v => ms(id(v)) ? n / (ms(id(v)) / 1e3) / 1e3 : null
    const base = rate('yrs_one_by_one')
    const cell = v => rate(v) == null ? '–' : `${f(rate(v), 0)}k/s (${ratio(rate(v), base)})`
    out(`| ${t} | ${n ?? '–'} | ${cell('yrs_one_by_one')} | ${cell('crdt_core_one_by_one')} | ${cell('yrs_batch100_merged')} | ${cell('yrs_batch100_one_txn')} | ${cell('yrs_batch100_one_txn_encoded')} | ${cell('crdt_core_batch100_run')} |`)
  }
  out('')
  out('Concurrent traces replayed as their peers (a yrs document per agent, each transaction made once its document holds exactly its parents), then the peers\' final states merged into a fresh document; the merged text equals `endContent` (asserted).')
  out('')
  out('| trace | replay as peers (ms) | merge peers: yrs (ms) | merge peers: crdt-core (ms) | crdt-core / yrs |')
  out('|---|---|---|---|---|')
  for (const t of ['friendsforever', 'clownschool']) {
    const y = ms(`concurrent/${t}/merge_peers_yrs`); const c = ms(`concurrent/${t}/merge_peers_crdt_core`)
    out(`| ${t} | ${f(ms(`concurrent/${t}/replay_as_peers`), 1)} | ${f(y, 2)} | ${f(c, 2)} | ${ratio(c, y)} |`)
  }
  const peers = Object.keys(crit).filter(k => k.startsWith('peers_load/'))
  if (peers.length) {
    out('')
    out('Peers (features `automerge`, `loro`; `cargo bench -p quire-benches --features automerge,loro -- peers_load`): the final automerge-paper document loaded into a fresh document, from yrs\' `b4-update.v1.bin`, automerge\'s saved form and loro\'s snapshot or update log. A loro snapshot import defers most of the work until the document is read, so `loro_updates` is the comparable figure.')
    out('')
    out('| library | ms | / yrs |')
    out('|---|---|---|')
    const y = ms('peers_load/automerge-paper/yrs')
    for (const k of peers) out(`| ${k.split('/').pop()} | ${f(ms(k), 2)} | ${ratio(ms(k), y)} |`)
  }
}
out('')

// ---- load
const load = (read(join(results, 'load.jsonl')) || '').split('\n').filter(Boolean).map(l => JSON.parse(l))
const LABELS = ['quire-strict', 'quire-strict-acks', 'quire-postgres', 'quire-relaxed', 'quire-patched', 'node']
const complete = p => p.deliveries >= 0.99 * p.deliveries_expected
const p99cell = p => complete(p) ? f(p.latency_ms.p99) : `> ${f(p.latency_ms.max, 0)} (${f(100 * p.deliveries / Math.max(p.deliveries_expected, 1), 0)}% delivered)`
const pick = (label, mode, pred = () => true) => load.find(r => r.label === label && r.mode === mode && pred(r))
out('## Server load (`bash benches/run-load.sh`)')
out('')
if (load.length === 0) {
  out('No load results found: run `bash benches/run-load.sh`.')
} else {
  out('Everything on loopback on the same 2 cores: the load generator competes with the server for CPU, and its own CPU use is shown. Typists type at Etherpad\'s load-test rate (4 characters every 400 ms, one update per edit) and send awareness every 3 s; latency is edit-to-peer, measured at 2 observer clients per document (1 with 200 documents) for edits sent after the warm-up.')
  out('')
  out('### Ingest: the automerge-paper keystroke stream (259,778 updates) over one websocket')
  out('')
  out('| server | updates/s | vs Node | server CPU s | loadgen CPU s | notes |')
  out('|---|---|---|---|---|---|')
  const node = pick('node', 'ingest')
  for (const l of LABELS) {
    const r = pick(l, 'ingest'); if (!r) continue
    const note = r.report.acks ? `Saved acks, window ${r.params.window}` : 'no acks: until a final SyncStep1 is answered'
    out(`| ${l} | ${f(r.report.updates_per_sec, 0)} | ${ratio(r.report.updates_per_sec, node?.report.updates_per_sec)} | ${f(r.report.server_cpu_seconds, 2)} | ${f(r.report.loadgen_cpu_seconds, 2)} | ${note}${r.report.verified ? ', text verified' : ', TEXT NOT VERIFIED'} |`)
  }
  out('')
  const typ = (label, clients, docs) => pick(label, 'typists', r => r.params.clients === clients && r.params.docs === docs && (clients !== 20 || r.params.secs === 15))
  out('### Relay: 20 typists on one document')
  out('')
  out('| server | p50 ms | p95 ms | p99 ms | deliveries | server CPU µs per edit | vs Node | server cores | RSS MiB | loadgen cores |')
  out('|---|---|---|---|---|---|---|---|---|---|')
  const node20 = typ('node', 20, 1)
  for (const l of LABELS) {
    const r = typ(l, 20, 1); if (!r) continue
    const p = r.report
    out(`| ${l} | ${f(p.latency_ms.p50)} | ${f(p.latency_ms.p95)} | ${f(p.latency_ms.p99)} | ${p.deliveries}/${p.deliveries_expected} | ${f(p.server_cpu_us_per_edit, 0)} | ${ratio(p.server_cpu_us_per_edit, node20?.report.server_cpu_us_per_edit)} | ${f(p.server_cpu_cores, 2)} | ${f(p.server_rss_mib, 0)} | ${f(p.loadgen_cpu_cores, 2)} |`)
  }
  out('')
  out('### Typists on one document: latency against clients')
  out('')
  out('| clients | server | p50 ms | p95 ms | p99 ms | deliveries | frames received | server CPU µs/edit | server cores | loadgen cores | failed |')
  out('|---|---|---|---|---|---|---|---|---|---|---|')
  const sweep = load.filter(r => r.mode === 'typists' && r.params.docs === 1 && r.params.secs !== 15 && r.label !== 'quire-relaxed')
  sweep.sort((a, b) => a.params.clients - b.params.clients || a.label.localeCompare(b.label))
  for (const r of sweep) {
    const p = r.report
    out(`| ${r.params.clients} | ${r.label} | ${f(p.latency_ms.p50)} | ${f(p.latency_ms.p95)} | ${p99cell(p)} | ${p.deliveries}/${p.deliveries_expected} | ${p.frames_received} | ${f(p.server_cpu_us_per_edit, 0)} | ${f(p.server_cpu_cores, 2)} | ${f(p.loadgen_cpu_cores, 2)} | ${p.failed_clients} |`)
  }
  out('')
  out('A p99 shown as "> N" means fewer than 99% of the edits reached the observers before the drain deadline (10 s after typing stopped): the true p99 is above the largest latency measured. In the plot such points are hollow.')
  out('')
  out('![p99 edit-to-peer latency against typists on one document](latency.svg)')
  out('')
  const many = load.filter(r => r.mode === 'typists' && r.params.docs > 1)
  if (many.length) {
    out(`### ${many[0].params.clients} typists over ${many[0].params.docs} documents`)
    out('')
    out('| server | p50 ms | p95 ms | p99 ms | deliveries | server CPU µs/edit | server cores | RSS MiB | failed |')
    out('|---|---|---|---|---|---|---|---|---|')
    for (const r of many) {
      const p = r.report
      out(`| ${r.label} | ${f(p.latency_ms.p50)} | ${f(p.latency_ms.p95)} | ${p99cell(p)} | ${p.deliveries}/${p.deliveries_expected} | ${f(p.server_cpu_us_per_edit, 0)} | ${f(p.server_cpu_cores, 2)} | ${f(p.server_rss_mib, 0)} | ${p.failed_clients} |`)
    }
    out('')
  }
  const idle = load.filter(r => r.mode === 'idle')
  if (idle.length) {
    out('### Idle connections (synced, silent)')
    out('')
    out('| server | connections / docs | RSS with one per doc MiB | RSS with all MiB | KiB per extra connection | connections per GiB | failed |')
    out('|---|---|---|---|---|---|---|')
    for (const r of idle) {
      const p = r.report
      out(`| ${r.label} | ${p.connections} / ${p.docs} | ${f(p.rss_base_mib)} | ${f(p.rss_all_mib)} | ${f(p.kib_per_connection)} | ${p.kib_per_connection > 0 ? f(1024 * 1024 / p.kib_per_connection, 0) : '–'} | ${p.failed} |`)
    }
    out('')
  }
  const colds = load.filter(r => r.mode === 'cold')
  if (colds.length) {
    out('### Cold load of a document with a long history')
    out('')
    out('automerge-paper ingested keystroke by keystroke with strict durability, the server restarted (SIGTERM), then one connection syncs the whole document, then a second one (warm).')
    out('')
    out('| server | history (updates) | cold sync ms | warm sync ms | state bytes | text verified |')
    out('|---|---|---|---|---|---|')
    for (const c of colds) out(`| ${c.label} | ${c.params.history_updates} | ${f(c.report.cold.ms)} | ${f(c.report.warm.ms)} | ${c.report.cold.state_bytes} | ${c.report.verified} |`)
    out('')
  }
  targets()
  writeFileSync(join(root, 'benches/latency.svg'), svg(sweep))
}

const cmds = read(join(results, 'commands.txt'))
if (cmds) {
  out('### Commands of this run')
  out('')
  out('```')
  out('cargo bench -p quire-benches   # merge figures (run before run-load.sh)')
  out('bash benches/run-load.sh       # which ran:')
  out(cmds.trim())
  out('```')
}

function targets () {
  out('### Targets of issue 8, from this run')
  out('')
  // The quire-patched column only when such a build ran.
  const patched = load.some(r => r.label === 'quire-patched')
  out(patched ? '| target | quire-strict | quire-patched | met (strict) |' : '| target | quire-strict | met (strict) |')
  out(patched ? '|---|---|---|---|' : '|---|---|---|')
  const row = (name, a, b, ok) => out(`| ${name} | ${a ?? '–'} | ${patched ? `${b ?? '–'} | ` : ''}${ok == null ? '–' : ok ? 'yes' : 'no'} |`)
  const wt = ['S1', 'S2', 'S3', 'C1', 'C2'].map(t => ratios?.whole_trace?.[t]?.crdt_core?.ratio_to_first ?? ms(`whole_trace/${t}/crdt_core`) / ms(`whole_trace/${t}/yrs`)).filter(x => !Number.isNaN(x))
  if (wt.length) row('crdt-core ≤ 1.05x raw yrs, whole-trace merge (worst trace, time ratio)', `${Math.max(...wt).toFixed(3)}x`, null, Math.max(...wt) <= 1.05)
  for (const t of ['automerge-paper', 'seph-blog1']) {
    const base = ms(`keystrokes/${t}/yrs_one_by_one`); const core = ms(`keystrokes/${t}/crdt_core_batch100_run`)
    const now = speed('keystrokes', t, 'crdt_core_batch100_run') ?? (base && core ? base / core : null)
    if (now) row(`keystrokes ${t}: crdt-core apply path (runs of 100) ≥ raw yrs one by one (speed)`, `${now.toFixed(2)}x`, null, now >= 1)
  }
  const ing = l => pick(l, 'ingest')?.report.updates_per_sec
  const node = ing('node')
  const ingCell = l => ing(l) ? `${f(ing(l), 0)}/s, ${ratio(ing(l), node)} Node` : null
  row('ingest, strict, acks: ≥ 100k updates/s and ≥ 10x Node', ingCell('quire-strict'), ingCell('quire-patched'), ing('quire-strict') ? ing('quire-strict') >= 1e5 && ing('quire-strict') >= 10 * node : null)
  const t20 = l => load.find(r => r.label === l && r.mode === 'typists' && r.params.clients === 20 && r.params.docs === 1 && r.params.secs === 15)?.report
  const n20 = t20('node')
  const relay = l => t20(l) ? `${ratio(t20(l).server_cpu_us_per_edit, n20?.server_cpu_us_per_edit)} Node's CPU/edit, p99 ${f(t20(l).latency_ms.p99)} ms` : null
  row('relay, 20 typists: CPU per keystroke ≤ 0.1x Node, p99 ≤ 50 ms', relay('quire-strict'), relay('quire-patched'), t20('quire-strict') && n20 ? t20('quire-strict').server_cpu_us_per_edit <= 0.1 * n20.server_cpu_us_per_edit && t20('quire-strict').latency_ms.p99 <= 50 : null)
  if (t20('quire-strict-acks')) row('relay as above, the typists asking for acks (a flush per edit)', relay('quire-strict-acks'), null, n20 ? t20('quire-strict-acks').server_cpu_us_per_edit <= 0.1 * n20.server_cpu_us_per_edit && t20('quire-strict-acks').latency_ms.p99 <= 50 : null)
  const top = l => load.filter(r => r.label === l && r.mode === 'typists' && r.params.docs === 1).sort((a, b) => b.params.clients - a.params.clients)[0]
  const topCell = l => top(l) ? `${top(l).params.clients} typists: p99 ${p99cell(top(l).report)} ms` : null
  row('≥ 1,000 typists on one document, p99 ≤ 250 ms', topCell('quire-strict'), topCell('quire-patched'), top('quire-strict') ? top('quire-strict').params.clients >= 1000 && complete(top('quire-strict').report) && top('quire-strict').report.latency_ms.p99 <= 250 : null)
  const big = l => load.find(r => r.label === l && r.mode === 'typists' && r.params.docs > 1)
  const bigCell = l => big(l) ? `${big(l).params.clients}/${big(l).params.docs}: p99 ${p99cell(big(l).report)} ms` : null
  row('1,000 connections over 200 documents, p99 ≤ 50 ms', bigCell('quire-strict'), bigCell('quire-patched'), big('quire-strict') ? complete(big('quire-strict').report) && big('quire-strict').report.latency_ms.p99 <= 50 : null)
  const relaxed = ing('quire-relaxed')
  row('strict ≥ 0.8x relaxed (ingest)', ing('quire-strict') && relaxed ? `${(ing('quire-strict') / relaxed).toFixed(2)}x` : null, null, ing('quire-strict') && relaxed ? ing('quire-strict') / relaxed >= 0.8 : null)
  const idle = l => pick(l, 'idle')?.report.kib_per_connection
  row('≤ 64 KB per idle connection', idle('quire-strict') != null ? `${f(idle('quire-strict') * 1.024)} KB` : null, idle('quire-patched') != null ? `${f(idle('quire-patched') * 1.024)} KB` : null, idle('quire-strict') != null ? idle('quire-strict') * 1.024 <= 64 : null)
  out('')
}

function svg (sweep) {
  const W = 660; const H = 400; const L = 80; const R = 130; const T = 30; const B = 50
  const series = {}
  for (const r of sweep) (series[r.label] ||= []).push([r.params.clients, Math.max(complete(r.report) ? r.report.latency_ms.p99 : r.report.latency_ms.max, 0.1), complete(r.report)])
  const xs = sweep.map(r => r.params.clients)
  const xmax = Math.max(...xs, 1)
  const ys = sweep.map(r => Math.max(complete(r.report) ? r.report.latency_ms.p99 : r.report.latency_ms.max, 0.1))
  const lo = Math.floor(Math.log10(Math.min(...ys, 1)))
  const hi = Math.ceil(Math.log10(Math.max(...ys, 300)))
  const x = v => L + (W - L - R) * v / xmax
  const y = v => T + (H - T - B) * (1 - (Math.log10(v) - lo) / (hi - lo))
  const colors = { 'quire-strict': '#1f77b4', 'quire-relaxed': '#17becf', 'quire-patched': '#2ca02c', node: '#d62728' }
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`
  s += `<rect width="${W}" height="${H}" fill="white"/>\n`
  s += `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">p99 edit-to-peer latency, typists on one document (4 chars / 400 ms)</text>\n`
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e
    s += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toFixed(1)} ms</text>\n`
  }
  for (const v of [...new Set(xs)].sort((a, b) => a - b)) {
    s += `<line x1="${x(v)}" x2="${x(v)}" y1="${H - B}" y2="${H - B + 5}" stroke="black"/><text x="${x(v)}" y="${H - B + 18}" text-anchor="middle">${v}</text>\n`
  }
  s += `<line x1="${L}" x2="${W - R}" y1="${y(250)}" y2="${y(250)}" stroke="#888" stroke-dasharray="5,4"/><text x="${W - R + 4}" y="${y(250) + 4}" fill="#555">250 ms target</text>\n`
  s += `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="black"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="black"/>\n`
  s += `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">typists (connections) on one document</text>\n`
  let ly = T + 30
  for (const [label, pts] of Object.entries(series)) {
    pts.sort((a, b) => a[0] - b[0])
    const c = colors[label] || '#333'
    s += `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ')}"/>\n`
    for (const [a, b, full] of pts) s += `<circle cx="${x(a).toFixed(1)}" cy="${y(b).toFixed(1)}" r="${full ? 3 : 4}" fill="${full ? c : 'white'}" stroke="${c}" stroke-width="1.5"/>\n`
    s += `<line x1="${W - R + 8}" x2="${W - R + 28}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/><text x="${W - R + 32}" y="${ly + 4}">${label}</text>\n`
    ly += 18
  }
  s += `<text x="${W - R + 8}" y="${ly + 10}" font-size="10" fill="#555">hollow: &lt;99% delivered,</text><text x="${W - R + 8}" y="${ly + 22}" font-size="10" fill="#555">true p99 higher</text>\n`
  return s + '</svg>\n'
}

// ---- splice into RESULTS.md
const path = join(root, 'benches/RESULTS.md')
const start = '<!-- generated by benches/js/report.mjs: start -->'
const end = '<!-- generated by benches/js/report.mjs: end -->'
const body = `${start}\n${lines.join('\n')}\n${end}`
const old = read(path)
let md
if (old && old.includes(start) && old.includes(end)) {
  md = old.slice(0, old.indexOf(start)) + body + old.slice(old.indexOf(end) + end.length)
} else {
  md = `# Benchmark results\n\n${body}\n`
}
writeFileSync(path, md)
console.log(lines.join('\n'))
