/*
 * Japa runner of the repository-level suites (everything outside the backend):
 *   repo    – offline checks of gitops/, helm/, workflows, scripts (no cluster)
 *   cluster – the local cluster's lifecycle (needs the toolchain)
 *   supply-chain – image signing round trip against a local OCI registry
 *   newcomer – a fresh clone in an owner-only temp dir: npm install + npm test (≈ 5–10 min)
 * Usage: node tests/bin/run.ts [repo|cluster|supply-chain|newcomer] [japa flags]
 */
import { assert } from '@japa/assert'
import { configure, processCLIArgs, run } from '@japa/runner'

processCLIArgs(process.argv.splice(2))
configure({
  suites: [
    { name: 'repo', files: ['tests/repo/**/*.spec.ts'], timeout: 120_000 },
    { name: 'cluster', files: ['tests/cluster/**/*.spec.ts'], timeout: 600_000 },
    { name: 'supply-chain', files: ['tests/supply-chain/**/*.spec.ts'], timeout: 300_000 },
    { name: 'newcomer', files: ['tests/newcomer/**/*.spec.ts'], timeout: 1_800_000 },
  ],
  plugins: [assert()],
})

await run()
