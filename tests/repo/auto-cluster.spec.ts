/*
 * `npm run conformance` without --profile chooses its cluster (conformance/lib/auto-cluster.ts).
 * Offline: no cluster runs here, so these cover the choices that need none — an empty state dir
 * and a kubeconfig whose server refuses the connection, a recorded cluster that is alive or dead —
 * and that a missing prerequisite stops the one command up front with the fix and a verdict file.
 * The bring-up/suite/tear-down path itself runs in tests/cluster/conformance-command.spec.ts.
 */
import { test } from '@japa/runner'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chooseCluster, conformanceArgs } from '../../conformance/lib/auto-cluster.ts'
import { repoRoot, writeLocalState, type LocalState } from '../../scripts/lib/local-state.ts'
import { adoptProcess, freePort } from '../../scripts/lib/supervisor.ts'

/** A kubeconfig whose only context points at a port nobody listens on. */
async function refusingKubeconfig(dir: string): Promise<{ file: string; server: string }> {
  const server = `https://127.0.0.1:${await freePort()}`
  const file = join(dir, 'kubeconfig')
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{ name: nowhere, cluster: { server: "' +
        server +
        '", insecure-skip-tls-verify: true } }]',
      'users: [{ name: nobody, user: { token: none } }]',
      'contexts: [{ name: nowhere, context: { cluster: nowhere, user: nobody } }]',
      'current-context: nowhere',
      '',
    ].join('\n')
  )
  return { file, server }
}

/** Runs `fn` with these environment variables set, restoring them afterwards. */
async function withEnv<T>(
  vars: Record<string, string | undefined>,
  fn: () => Promise<T>
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k]
      else process.env[k] = value
    }
  }
  apply(vars)
  try {
    return await fn()
  } finally {
    apply(saved)
  }
}

function recordedCluster(dir: string, processes: LocalState['processes']): void {
  writeLocalState({ version: 1, phase: 'ready', stateDir: dir, processes } as LocalState, dir)
}

test.group('npm run conformance chooses its cluster', (group) => {
  let dir: string
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'ark-auto-cluster-'))
    return () => rmSync(dir, { recursive: true, force: true })
  })

  test('no local cluster and no kubeconfig context answering: the embedded local profile is brought up', async ({
    assert,
  }) => {
    const { file, server } = await refusingKubeconfig(dir)
    const choice = await withEnv(
      { ARK_LOCAL_DIR: join(dir, 'local'), ARK_KIND_DIR: join(dir, 'kind'), KUBECONFIG: file },
      () => chooseCluster()
    )
    assert.equal(choice.profile, 'local')
    assert.isTrue(choice.bringUp)
    assert.match(choice.why, /^no reachable cluster/)
    assert.include(choice.why, `no local cluster in ${join(dir, 'local')}`)
    assert.include(choice.why, `context "nowhere" (${server}) does not answer`)
    assert.match(choice.why, /Docker/)
  })

  test('a recorded local cluster whose components all run is used as it is', async ({ assert }) => {
    recordedCluster(dir, [adoptProcess('this test', process.pid)!])
    const choice = await withEnv({ ARK_LOCAL_DIR: dir }, () => chooseCluster())
    assert.deepEqual(choice, {
      profile: 'local',
      why: `a local cluster is running in ${dir}`,
      bringUp: false,
    })
  })

  test('a recorded local cluster with a dead component is brought up again, and the reason says so', async ({
    assert,
  }) => {
    const { file } = await refusingKubeconfig(dir)
    // a start time no process has: the recorded component is gone
    recordedCluster(dir, [{ ...adoptProcess('etcd', process.pid)!, startTime: '1' }])
    const choice = await withEnv(
      { ARK_LOCAL_DIR: dir, ARK_KIND_DIR: join(dir, 'kind'), KUBECONFIG: file },
      () => chooseCluster()
    )
    assert.isTrue(choice.bringUp)
    assert.include(
      choice.why,
      `the local cluster recorded in ${dir} is ready with 1 dead component(s)`
    )
  })

  test('an explicit --profile (or ARK_PROFILE), and the framework suite alone, pass through untouched', async ({
    assert,
  }) => {
    assert.deepEqual(await conformanceArgs(['--profile', 'local', '--files', '04-platform']), [
      '--profile',
      'local',
      '--files',
      '04-platform',
    ])
    assert.deepEqual(await conformanceArgs(['--profile=kind', '--keep']), ['--profile=kind'])
    assert.deepEqual(await conformanceArgs(['framework']), ['framework'])
    assert.deepEqual(await withEnv({ ARK_PROFILE: 'local' }, () => conformanceArgs(['checks'])), [
      'checks',
    ])
  })

  test('a missing prerequisite stops the one command before anything is built, with the fix, and leaves a verdict', async ({
    assert,
  }) => {
    const { file } = await refusingKubeconfig(dir)
    const reports = join(dir, 'reports')
    const redisPort = String(await freePort())
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ARK_LOCAL_DIR: join(dir, 'local'),
      ARK_KIND_DIR: join(dir, 'kind'),
      KUBECONFIG: file,
      REDIS_PORT: redisPort,
      ARK_CONFORMANCE_REPORTS: reports,
    }
    delete env.ARK_PROFILE
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, 'conformance/bin/run.ts')], {
        cwd: repoRoot,
        env,
      })
      let text = ''
      child.stdout.on('data', (d) => (text += d))
      child.stderr.on('data', (d) => (text += d))
      child.on('exit', (code) => resolve({ code, text }))
    })
    assert.equal(out.code, 1, out.text)
    const lines = out.text.trim().split('\n')
    assert.match(lines[0], /^conformance: profile local — no reachable cluster/)
    assert.include(out.text, `Redis does not answer on 127.0.0.1:${redisPort}`)
    assert.include(out.text, 'fix: sudo apt-get install -y redis-server')
    assert.notInclude(out.text, '==> ', 'nothing was started')
    assert.isFalse(existsSync(join(dir, 'local')), 'no cluster state was created')
    const results = JSON.parse(readFileSync(join(reports, 'results.json'), 'utf8'))
    assert.deepEqual(results.summary, { total: 1, passed: 0, failed: 1, skipped: 0 })
    assert.include(results.checks[0].cause, `Redis does not answer on 127.0.0.1:${redisPort}`)
  })
})
