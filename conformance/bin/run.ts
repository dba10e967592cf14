/*
 * Runner of the conformance suite.
 *   node conformance/bin/run.ts [--profile <name of conformance/profiles/*.yaml> | --keep]
 *                               [checks|framework|self] [japa flags]
 * Without --profile the cluster is chosen (and brought up if there is none): ../lib/auto-cluster.ts
 * checks    – every roadmap validation against the live cluster (default)
 * framework – the suite's own unit tests (expectation helper, reporter, profiles); no cluster
 * self      – proof that the GitOps checks fail when the behaviour is off (local cluster)
 * Exit code 0 only when nothing failed. Results: reports/conformance/{results.json,junit.xml}.
 */
import { assert } from '@japa/assert'
import { configure, processCLIArgs, run } from '@japa/runner'
import { spec } from '@japa/runner/reporters'
import { join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { loadProfile, ProfileUnavailable } from '../lib/load-profile.ts'
import { setRunProfile } from '../lib/check.ts'
import { expect, met } from '../../scripts/lib/expect.ts'
import { connect } from '../lib/kube.ts'
import { VersionApi } from '@kubernetes/client-node'
import { parseArgs } from '../lib/cli.ts'
import { conformanceArgs } from '../lib/auto-cluster.ts'
import { conformanceReporter } from '../lib/reporter.ts'
import { summarize, writeReports } from '../lib/results.ts'

const outputDir = process.env.ARK_CONFORMANCE_REPORTS || join(repoRoot, 'reports', 'conformance')

let args: ReturnType<typeof parseArgs>
try {
  args = parseArgs(await conformanceArgs(process.argv.slice(2)))
} catch (error) {
  console.error((error as Error).message)
  process.exit(2)
}

const needsCluster = args.suites.some((s) => s !== 'framework')
if (needsCluster) {
  try {
    const profile = loadProfile(args.profile)
    setRunProfile(profile)
    console.log(`profile ${profile.describe}`)
    // a recorded but stopped cluster would make every check wait out its deadline: fail once, now
    const kube = connect(profile.kubeconfig, profile.kubeContext)
    await expect('kube-apiserver reachable', async () =>
      met(await kube.config.makeApiClient(VersionApi).getCode())
    )
      .within(10_000)
      .catch((error: Error) => {
        throw new ProfileUnavailable(
          `${error.message} (is the cluster running? ${
            profile.table.cluster === 'local'
              ? '"npm run cluster:local -- status"'
              : '"kubectl cluster-info"'
          })`
        )
      })
  } catch (error) {
    // no cluster: still leave a verdict an agent can read
    const cause = (error as Error).message
    const now = new Date()
    const files = await writeReports(
      outputDir,
      summarize(args.profile, now, now, [
        {
          name: 'Preflight · cluster reachable',
          block: 'Preflight',
          profile: args.profile,
          status: 'failed',
          durationMs: 0,
          cause,
          convergence: [],
          diagnostics:
            error instanceof ProfileUnavailable ? null : ((error as Error).stack ?? null),
        },
      ])
    )
    console.error(`conformance cannot start: ${cause}\nresults: ${files.json}`)
    process.exit(1)
  }
}

processCLIArgs(args.rest)
configure({
  suites: [
    { name: 'checks', files: ['conformance/checks/**/*.spec.ts'], timeout: 240_000 },
    { name: 'framework', files: ['conformance/tests/**/*.spec.ts'], timeout: 60_000 },
    { name: 'self', files: ['conformance/self/**/*.spec.ts'], timeout: 600_000 },
  ],
  filters: { suites: args.suites },
  plugins: [assert()],
  reporters: {
    activated: [args.suites.includes('checks') ? 'conformance' : 'spec'],
    list: [conformanceReporter({ profile: args.profile, outputDir }), spec()],
  },
})

await run()
