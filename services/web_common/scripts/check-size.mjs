#!/usr/bin/env node
// The JavaScript a browser loads for an app's first page, gzipped, must stay under a budget:
// the entry chunk and everything it imports, plus the chunks of the given route components
// (lazily loaded: one route at a time) and what they import. Reads Vite's .vite/manifest.json.
//
//   node check-size.mjs <dist> <budget KB> <route component>...
//   node check-size.mjs services/console_web/dist 300 src/pages/LoginView.vue src/pages/InstanceListPage.vue
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const [dist, budgetKb, ...routes] = process.argv.slice(2)
if (!dist || !budgetKb || !routes.length) {
  console.error('usage: check-size.mjs <dist> <budget KB> <route component>...')
  process.exit(2)
}
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'))
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry)

function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen
  seen.add(key)
  for (const imported of manifest[key].imports ?? []) closure(imported, seen)
  return seen
}

const gzipped = (key) => gzipSync(readFileSync(join(dist, manifest[key].file))).length
let failed = false
for (const route of routes) {
  if (!manifest[route]) {
    console.error(`${route}: not a chunk of this build`)
    failed = true
    continue
  }
  const chunks = closure(route, closure(entry))
  const bytes = [...chunks].reduce((sum, key) => sum + gzipped(key), 0)
  const kb = bytes / 1024
  const verdict = kb <= Number(budgetKb) ? 'ok' : 'OVER BUDGET'
  console.log(`first page ${route}: ${chunks.size} chunks, ${kb.toFixed(1)} KB gzipped (budget ${budgetKb} KB) ${verdict}`)
  if (kb > Number(budgetKb)) failed = true
}
process.exit(failed ? 1 : 0)
