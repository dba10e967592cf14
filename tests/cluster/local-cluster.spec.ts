/*
 * The local cluster's lifecycle against the real parts: pinned kube-apiserver + KWOK, real Argo CD,
 * the backend on the machine's PostgreSQL and Redis. Runs in its own ARK_LOCAL_DIR so it never
 * touches a developer's cluster (.ark/local). Needs the toolchain: npm run toolchain.
 */
import { test } from '@japa/runner'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  VersionApi,
  type V1Deployment,
} from '@kubernetes/client-node'
import { parse } from 'yaml'
import { dataStoreSettings } from '../../scripts/lib/data-store-settings.ts'
import { commitChange, headRevision, restoreRevision } from '../../scripts/lib/git-source.ts'
import { readLocalState, repoRoot, type LocalState } from '../../scripts/lib/local-state.ts'
import { isAlive, portInUse, procStartTime } from '../../scripts/lib/supervisor.ts'
import { toolPath } from '../../scripts/lib/toolchain.ts'
import { runEchoed, type EchoedRun } from '../lib/run-echoed.ts'

const dir = mkdtempSync(join(tmpdir(), 'ark-local-test-'))
const env = { ...process.env, ARK_LOCAL_DIR: dir }

/** Runs the cluster:local script in this suite's ARK_LOCAL_DIR, echoing its progress. */
function clusterLocal(...args: string[]): Promise<EchoedRun> {
  return clusterLocalWith({}, ...args)
}

function clusterLocalWith(extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<EchoedRun> {
  return runEchoed(process.execPath, [join(repoRoot, 'scripts', 'cluster-local.ts'), ...args], {
    cwd: repoRoot,
    env: { ...env, ...extraEnv },
  })
}

/** Every process a run of `up` reported starting: "pid N" under its steps. */
const startedPids = (out: string) =>
  [...out.matchAll(/^ {2}pid (\d+), log /gm)].map((m) => Number(m[1]))

/** The PIDs of the processes whose command line names this suite's state dir (kwokctl's). */
function processesIn(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(stateDir)
      } catch {
        return false
      }
    })
    .map(Number)
}

function kubeConfig(state: LocalState): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromFile(state.kubeconfig)
  return kc
}

/**
 * Polls `check` (≤ 500 ms apart) until it returns a value or the deadline passes; no fixed sleeps.
 */
async function within<T>(
  ms: number,
  what: string,
  check: () => Promise<T | undefined>
): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not met within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`
      )
    await new Promise((r) => setTimeout(r, 500))
  }
}

async function backendDeployment(state: LocalState): Promise<V1Deployment> {
  const list = await kubeConfig(state)
    .makeApiClient(AppsV1Api)
    .listNamespacedDeployment({ namespace: 'tenant-backend' })
  if (list.items.length !== 1)
    throw new Error(
      'expected one Deployment in tenant-backend, ' +
        `found ${list.items.map((d) => d.metadata?.name).join(', ') || 'none'}`
    )
  return list.items[0]
}

let state: LocalState | undefined

test.group('local cluster (kwokctl + Argo CD as local processes)', (group) => {
  // Whatever happens above, leave nothing running.
  group.teardown(async () => {
    if (readLocalState(dir)) await clusterLocal('down')
    rmSync(dir, { recursive: true, force: true })
  })

  test('an up that fails half-way stops everything it started and keeps only its logs', async ({
    assert,
  }) => {
    // the backend step fails (no such PostgreSQL role) after the control plane and Argo CD started
    const r = await clusterLocalWith({ DB_USER: 'no_such_role_ark' }, 'up')
    assert.equal(r.code, 1)
    assert.match(r.out, /✗ 12\/13 backend: .*role "no_such_role_ark" does not exist/)
    assert.match(r.out, /everything it had started is stopped again/)
    const started = startedPids(r.out)
    assert.lengthOf(started, 4, 'argocd-redis, -repo-server, -application-controller, -server')
    const alive = started.filter((pid) => procStartTime(pid) !== undefined)
    assert.deepEqual(alive, [], 'an Argo CD process still runs')
    assert.deepEqual(processesIn(dir), [], 'a control-plane process still runs')
    assert.isFalse(existsSync(join(dir, 'state.json')))
    assert.deepEqual(readdirSync(dir), ['logs'])
    assert.isTrue(existsSync(join(dir, 'logs', 'control-plane', 'kube-apiserver.log')))
  })

  test('up brings the cluster up and prints the kubeconfig', async ({ assert }) => {
    const r = await clusterLocal('up')
    console.log(`      up took ${(r.ms / 1000).toFixed(1)} s`)
    assert.equal(r.code, 0, 'cluster:local up failed')
    state = readLocalState(dir)
    assert.exists(state)
    assert.equal(state!.phase, 'ready')
    assert.include(r.out, `export KUBECONFIG=${state!.kubeconfig}`)
    assert.include(r.out, state!.argocd.api)
    assert.include(r.out, state!.logDir)
    // the PostgreSQL and Redis the backend runs against, recorded for the suite
    assert.deepEqual(state!.dataStores, JSON.parse(JSON.stringify(dataStoreSettings())))
  })

  test("argocd-cm carries the kind profile's Application health, from its file", async ({
    assert,
  }) => {
    assert.exists(state, 'up did not record a cluster')
    const cm = await kubeConfig(state!)
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'argocd-cm', namespace: 'argocd' })
    const key = 'resource.customizations.health.argoproj.io_Application'
    const bootstrap = parse(
      readFileSync(join(repoRoot, 'gitops', 'bootstrap', 'argocd', 'argocd-cm.yaml'), 'utf8')
    )
    assert.equal(cm.data?.[key], bootstrap.data[key])
  })

  test('the API server answers with Kubernetes 1.34', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const v = await kubeConfig(state!).makeApiClient(VersionApi).getCode()
    assert.equal(v.major, '1')
    assert.equal(v.minor, '34')
    assert.match(v.gitVersion, /^v1\.34\./)
  })

  test('the backend Application is Synced and Healthy', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const app = (await kubeConfig(state!)
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'argocd',
        plural: 'applications',
        name: 'backend',
      })) as {
      spec: { source: { repoURL: string } }
      status: { sync: { status: string }; health: { status: string } }
    }
    assert.equal(app.status.sync.status, 'Synced')
    assert.equal(app.status.health.status, 'Healthy')
    // read from the local git source, through the one source setting
    assert.equal(app.spec.source.repoURL, state!.git.url)
  })

  test('the backend Deployment has 2 ready replicas (KWOK pods)', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const d = await within(30_000, 'backend Deployment with 2 ready replicas', async () => {
      const dep = await backendDeployment(state!)
      return dep.status?.readyReplicas === 2 ? dep : undefined
    })
    assert.equal(d.spec?.replicas, 2)
    assert.equal(d.status?.readyReplicas, 2)
  })

  test('the backend process answers on its recorded URL', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const res = await fetch(`${state!.backend.url}/health`)
    assert.equal(res.status, 200)
  })

  test('self-heal reverts a kubectl scale of the backend Deployment', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const before = await backendDeployment(state!)
    const name = before.metadata!.name!
    const generation = before.metadata!.generation!
    const r = spawnSync(
      toolPath('kubectl'),
      [
        '--kubeconfig',
        state!.kubeconfig,
        '-n',
        'tenant-backend',
        'scale',
        'deployment',
        name,
        '--replicas=1',
      ],
      { encoding: 'utf8' }
    )
    assert.equal(r.status, 0, r.stderr)
    assert.include(r.stdout, 'scaled')
    const scaledAt = Date.now()
    // generation +1 for our scale to 1, +1 for Argo CD's
    // revert to 2: proves the drift happened and was healed
    const healed = await within(60_000, 'Argo CD self-heal back to 2 replicas', async () => {
      const d = await backendDeployment(state!)
      return d.spec?.replicas === 2 && d.metadata!.generation! >= generation + 2 ? d : undefined
    })
    assert.equal(healed.spec?.replicas, 2)
    console.log(`      self-heal took ${((Date.now() - scaledAt) / 1000).toFixed(1)} s`)
  })

  test('a commit to the git source is auto-synced within seconds, and restoring it syncs back', async ({
    assert,
  }) => {
    assert.exists(state, 'up did not record a cluster')
    const base = await headRevision(state!.git)
    const replicas = async () => {
      const deployment = await backendDeployment(state!)
      return deployment.spec?.replicas
    }
    try {
      await commitChange(state!.git, 'test: backend to 3 replicas', (work) => {
        const file = join(work, 'helm', 'backend', 'values-local.yaml')
        const text = readFileSync(file, 'utf8')
        assert.match(text, /^replicaCount: 2$/m)
        writeFileSync(file, text.replace(/^replicaCount: 2$/m, 'replicaCount: 3'))
      })
      const t = Date.now()
      await within(60_000, 'auto-sync to 3 replicas', async () =>
        (await replicas()) === 3 ? true : undefined
      )
      console.log(`      auto-sync took ${((Date.now() - t) / 1000).toFixed(1)} s`)
    } finally {
      await restoreRevision(state!.git, base)
    }
    await within(60_000, 'back to 2 replicas after restoring the source', async () =>
      (await replicas()) === 2 ? true : undefined
    )
    assert.equal(await headRevision(state!.git), base)
  })

  test('up twice starts no duplicates', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const before = state!.processes.map((p) => `${p.name}:${p.pid}`).sort()
    const r = await clusterLocal('up')
    assert.equal(r.code, 0)
    const after = readLocalState(dir)!
      .processes.map((p) => `${p.name}:${p.pid}`)
      .sort()
    assert.deepEqual(after, before)
  })

  test('status lists every component up and each Application', async ({ assert }) => {
    const r = await clusterLocal('status')
    assert.equal(r.code, 0)
    for (const p of state!.processes) assert.include(r.out, p.name)
    assert.match(r.out, /backend\s+Synced\/Healthy/)
    assert.match(r.out, /root\s+Synced\/Healthy/)
  })

  test('down after a component crash stops everything and frees every port', async ({ assert }) => {
    assert.exists(state, 'up did not record a cluster')
    const s = state!
    // crash one component: down must still clean up everything
    const controller = s.processes.find((p) => p.name === 'argocd-application-controller')!
    process.kill(controller.pid, 'SIGKILL')
    await within(5000, 'controller gone', async () => (isAlive(controller) ? undefined : true))

    const ports = [
      s.cluster.apiServer,
      s.argocd.api,
      s.argocd.repoServer,
      s.argocd.redis,
      s.backend.url,
    ].map((u) => Number(new URL(u.includes('://') ? u : `tcp://${u}`).port))
    const r = await clusterLocal('down')
    console.log(`      down took ${(r.ms / 1000).toFixed(1)} s`)
    assert.equal(r.code, 0)
    for (const p of s.processes) assert.isFalse(isAlive(p), `${p.name} (pid ${p.pid}) still runs`)
    for (const port of ports) assert.isFalse(await portInUse(port), `port ${port} is still in use`)
    assert.isFalse(existsSync(join(dir, 'state.json')))
  })
})
