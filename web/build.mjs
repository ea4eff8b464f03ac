// Builds web/dist: app.js and app.css bundled by esbuild, index.html copied.
// No source maps and no timestamps, so the same sources give the same bytes.
import * as esbuild from 'esbuild'
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises'

const dist = new URL('./dist/', import.meta.url)
const outputs = new Set(['index.html', 'app.js', 'app.css'])

await mkdir(dist, { recursive: true })
for (const name of await readdir(dist)) {
  if (!outputs.has(name)) await rm(new URL(name, dist), { recursive: true })
}

const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  logLevel: 'warning',
  legalComments: 'eof',
  charset: 'utf8'
}

await esbuild.build({
  ...common,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/app.js',
  format: 'iife',
  platform: 'browser'
})
await esbuild.build({
  ...common,
  entryPoints: ['src/app.css'],
  outfile: 'dist/app.css'
})
await copyFile(new URL('./src/index.html', import.meta.url), new URL('index.html', dist))
