/*
 * Japa runner of the repository-level suites (everything outside the backend):
 *   repo    – offline checks of gitops/, helm/, workflows, scripts (no cluster)
 *   cluster – the local cluster's lifecycle (needs the toolchain)
 * Usage: node tests/bin/run.ts [repo|cluster] [japa flags]
 */
import { assert } from '@japa/assert'
import { configure, processCLIArgs, run } from '@japa/runner'

processCLIArgs(process.argv.splice(2))
configure({
  suites: [
    { name: 'repo', files: ['tests/repo/**/*.spec.ts'], timeout: 120_000 },
    { name: 'cluster', files: ['tests/cluster/**/*.spec.ts'], timeout: 600_000 },
  ],
  plugins: [assert()],
})

await run()
