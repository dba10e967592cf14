/*
 * Benchmark of the conformance suite:
 *   node conformance/bin/bench.ts [--profile local|kind] [run.ts options]
 * Runs the whole suite once (a real run, same reports) and prints its wall
 * time, and per GitOps check the time from the triggering action (commit /
 * manual scale) to observed convergence, split into Argo CD's own time and the
 * suite's observation lag (both measured in this run). The roadmap's manual
 * procedure sleeps at least 6 minutes; the ratio is printed against that.
 * Prints every check's share of the wall time too (the per-check split).
 * Targets: full local suite ≤ 25 s warm; each convergence observed ≤ 2 s
 * after Argo CD completes it. Writes reports/conformance/bench.json.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { parseArgs } from '../lib/cli.ts'
import type { RunResult } from '../lib/results.ts'

const MANUAL_PROCEDURE_MS = 6 * 60 * 1000
const SUITE_TARGET_MS = 25_000
const OBSERVATION_TARGET_MS = 2_000

const outputDir = process.env.ARK_CONFORMANCE_REPORTS || join(repoRoot, 'reports', 'conformance')
const args = process.argv.slice(2)
try {
  parseArgs(args) // the same options as run.ts, refused here before anything runs
} catch (error) {
  console.error((error as Error).message)
  process.exit(2)
}

const started = performance.now()
const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, [join(repoRoot, 'conformance', 'bin', 'run.ts'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, ARK_CONFORMANCE_REPORTS: outputDir },
  })
  child.on('exit', (c) => resolve(c ?? 1))
})
const wallMs = Math.round(performance.now() - started)
const run = JSON.parse(readFileSync(join(outputDir, 'results.json'), 'utf8')) as RunResult

const s = (ms: number | null) =>
  ms === null ? '   n/a' : `${(ms / 1000).toFixed(2).padStart(6)} s`
const rows = run.checks.flatMap((c) =>
  c.convergence.map((v) => ({
    check: c.name,
    label: v.label,
    actionToObservedMs: v.actionToObservedMs,
    argoMs: v.argoToObservedMs === null ? null : v.actionToObservedMs - v.argoToObservedMs,
    observationLagMs: v.argoToObservedMs,
  }))
)
const gitopsMs = run.checks
  .filter((c) => c.convergence.length > 0)
  .reduce((sum, c) => sum + c.durationMs, 0)

console.log(`\nbenchmark · profile ${run.profile}`)
console.log(
  `suite wall time      ${s(wallMs)}  (target ≤ ${SUITE_TARGET_MS / 1000} ` +
    `s warm: ${wallMs <= SUITE_TARGET_MS ? 'met' : 'MISSED'})`
)
console.log(
  `checks               ${run.summary.passed} ` +
    `passed, ${run.summary.failed} failed, ${run.summary.skipped} skipped`
)
console.log(`GitOps checks total  ${s(gitopsMs)}`)
console.log(
  'roadmap manual procedure ≥ 360 s of sleeps → whole suite ' +
    `is ${(MANUAL_PROCEDURE_MS / wallMs).toFixed(1)}× faster, GitOps ` +
    `checks ${(MANUAL_PROCEDURE_MS / Math.max(gitopsMs, 1)).toFixed(1)}× faster`
)
console.log('\nper check (run order; share of the wall time)')
for (const c of run.checks) {
  const share = wallMs > 0 ? `${((100 * c.durationMs) / wallMs).toFixed(0).padStart(3)} %` : ''
  console.log(
    `${c.name.padEnd(70)} ${s(c.durationMs)} ${share} ${c.status === 'passed' ? '' : c.status}`
  )
}
const checksMs = run.checks.reduce((sum, c) => sum + c.durationMs, 0)
console.log(
  `${'(start-up: profile, cluster preflight, Japa; not in any check)'.padEnd(70)} ` +
    s(wallMs - checksMs)
)
console.log('\nconvergence (action = commit or manual scale)')
console.log(
  [
    'check / step'.padEnd(58),
    'action→seen'.padStart(11),
    'Argo CD'.padStart(9),
    'seen after Argo CD'.padStart(19),
  ].join(' ')
)
for (const r of rows) {
  const lag = r.observationLagMs
  const flag = lag !== null && lag > OBSERVATION_TARGET_MS ? '  > 2 s!' : ''
  console.log(
    [
      `${r.check.replace(/^Block \d+ · /, '')} · ${r.label}`.padEnd(58),
      s(r.actionToObservedMs).padStart(11),
      s(r.argoMs).padStart(9),
      s(lag).padStart(19) + flag,
    ].join(' ')
  )
}
console.log(
  `(Argo CD's finishedAt has 1 s resolution, so "seen after Argo CD" can read up to 1 s high)`
)

writeFileSync(
  join(outputDir, 'bench.json'),
  JSON.stringify(
    {
      profile: run.profile,
      wallMs,
      gitopsMs,
      checks: run.checks.map((c) => ({ name: c.name, status: c.status, durationMs: c.durationMs })),
      manualProcedureMs: MANUAL_PROCEDURE_MS,
      speedup: MANUAL_PROCEDURE_MS / wallMs,
      targets: { suiteMs: SUITE_TARGET_MS, observationLagMs: OBSERVATION_TARGET_MS },
      convergence: rows,
      summary: run.summary,
    },
    null,
    2
  ) + '\n'
)
process.exit(code)
