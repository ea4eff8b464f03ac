// Yjs on Node: the whole-trace merges of benches/merge.rs (S1 S2 S3 C1 C2
// applied into a fresh Y.Doc), timed the same way, printed as JSON.
// Usage: node merge.mjs [samples]   (QUIRE_TRACES overrides the trace folder)
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'

const here = dirname(fileURLToPath(import.meta.url))
const traces = process.env.QUIRE_TRACES || join(here, '../../../shared/data/traces')
const samples = Number(process.argv[2] || 10)

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

const time = (fn) => {
  for (let i = 0; i < 2; i++) fn()
  const ms = []
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint()
    fn()
    ms.push(Number(process.hrtime.bigint() - t) / 1e6)
  }
  return { median_ms: median(ms), min_ms: Math.min(...ms) }
}

const results = {}
for (const name of ['S1', 'S2', 'S3', 'C1', 'C2']) {
  const v2 = new Uint8Array(readFileSync(join(traces, `${name}.yjsv2`)))
  const probe = new Y.Doc()
  Y.applyUpdateV2(probe, v2)
  const v1 = Y.encodeStateAsUpdate(probe)
  const chars = probe.getText('text').length
  results[name] = {
    v1_bytes: v1.length,
    chars,
    v1: time(() => { const d = new Y.Doc(); Y.applyUpdate(d, v1); return d }),
    v2: time(() => { const d = new Y.Doc(); Y.applyUpdateV2(d, v2); return d })
  }
}
console.log(JSON.stringify({
  yjs: JSON.parse(readFileSync(join(here, 'node_modules/yjs/package.json'))).version,
  node: process.version,
  samples,
  results
}))
