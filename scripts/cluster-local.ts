#!/usr/bin/env node
/*
 * npm run cluster:local -- up | down | status
 *   [--dry-run: up and down print their plan and run nothing]
 *
 * The local profile (no Docker): a real Kubernetes control plane (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler) with KWOK-simulated nodes via `kwokctl --runtime
 * binary`, real Argo CD (repo-server, application-controller, server) as local processes the way
 * Argo CD's own local development runs them (ARGOCD_FAKE_IN_CLUSTER=true), their own redis-server,
 * a git repository holding this checkout's gitops/ + helm/ as Argo CD's source (file://), and the
 * backend as a local process against the machine's PostgreSQL and Redis. Every binary comes from
 * the pinned toolchain (npm run toolchain). State, secrets and logs live in localDir() (.ark/local
 * or $ARK_LOCAL_DIR); every port is chosen free at `up`. See docs/local-cluster.md.
 *
 * `up` is a plan of steps (scripts/lib/plan.ts), one per component, each registering how to undo
 * itself: when a step fails, what the earlier ones started is stopped newest first, so a failed
 * `up` leaves nothing running and can simply be run again. `down` is the plan that stops what the
 * state file records, newest first.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join, relative } from 'node:path'
import { KubeConfig, VersionApi } from '@kubernetes/client-node'
import { exitStatusOf, parseCommandLine, UsageError } from './lib/cli.ts'
import { backendDataStoreEnv, dataStoreSettings } from './lib/data-store-settings.ts'
import { ensureGitSource, snapshotCheckout } from './lib/git-source.ts'
import {
  applicationStatuses,
  applyGitops,
  argocdNamespace,
  expectedApplications,
  waitForApplications,
} from './lib/gitops-apply.ts'
import {
  adoptControlPlane,
  isControlPlane,
  keepControlPlaneLogs,
  kwokctlConfig,
  linkControlPlaneLogs,
  stopControlPlane,
  type ControlPlaneBinary,
} from './lib/kwok-control-plane.ts'
import {
  argocdDataFolders,
  argocdProcesses,
  BOOTSTRAP_ARGOCD_CM,
  localArgocdCm,
  RECONCILE_SECONDS,
  waitForArgocdCrds,
} from './lib/local-argocd.ts'
import {
  clearLocalState,
  localDir,
  localPaths,
  readLocalState,
  repoRoot,
  writeLocalState,
  type LocalPaths,
  type LocalState,
} from './lib/local-state.ts'
import { tailFile } from './lib/log-tail.ts'
import { PlanFailure, runPlan, type Step, type StepContext } from './lib/plan.ts'
import { dropDatabase, ensureDatabase } from './lib/postgres.ts'
import { findProblems, gitProblem, redisServerProblem } from './lib/prerequisites.ts'
import {
  freePort,
  isAlive,
  portInUse,
  procStartTime,
  stopProcess,
  waitForHttp,
  waitForPort,
  type ProcRecord,
} from './lib/supervisor.ts'
import { argocdManifestsDir, readPins, toolchainBinDir, toolPath } from './lib/toolchain.ts'

const CLUSTER_NAME = 'ark'
const PROFILE = 'local'
const STOP_GRACE_MS = 5000

const t0 = Date.now()
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`
const say = (msg: string) => console.log(`[${elapsed()}] ${msg}`)

/** The backend's database: its own, so a local cluster never touches the developer's data. */
function databaseName(dir: string): string {
  if (!process.env.ARK_LOCAL_DIR) return 'agent_ready_local'
  return `agent_ready_local_${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`
}

const BINARIES = [
  'kwokctl',
  'kwok',
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'argocd',
] as const satisfies readonly (ControlPlaneBinary | 'kwokctl' | 'argocd')[]
type Binaries = Record<(typeof BINARIES)[number], string>

/** Where the pinned binaries are; the toolchain step checks that they are there. */
function binaries(): Binaries {
  return Object.fromEntries(BINARIES.map((b) => [b, join(toolchainBinDir(), b)])) as Binaries
}

/** A free port on loopback; a dry run names the port instead of picking one. */
async function portFor(ctx: StepContext, what: string): Promise<string> {
  return ctx.dryRun ? `<${what} port>` : String(await freePort())
}

// ---------------------------------------------------------------- up: the plan

/** Everything `up` does, in order, on a fresh state dir. */
function upPlan(
  p: LocalPaths,
  bins: Binaries,
  dryRun: boolean
): { steps: Step[]; state: LocalState } {
  const state: LocalState = {
    version: 1,
    phase: 'starting',
    stateDir: p.dir,
    createdAt: new Date().toISOString(),
    cluster: { name: CLUSTER_NAME, kwokWorkdir: p.kwok, apiServer: '' },
    kubeconfig: p.kubeconfig,
    argocd: { api: '', namespace: argocdNamespace, repoServer: '', redis: '' },
    backend: { url: '', port: 0, database: databaseName(p.dir) },
    dataStores: dataStoreSettings(),
    git: { bareRepo: '', url: '', revision: '', workClone: '' },
    logDir: p.logs,
    processes: [],
  }
  const save = () => {
    if (!dryRun) writeLocalState(state, p.dir)
  }
  const kubectlLog = join(p.logs, 'kubectl.log')
  const kwokLog = join(p.logs, 'kwokctl.log')
  const kwokEnv = { ...process.env, KWOK_WORKDIR: p.kwok }
  const pins = readPins().tools
  const at = (path: string) => relative(p.dir, path)

  /** Starts a supervised process, records it in the state and registers its stop. */
  async function start(
    ctx: StepContext,
    spec: { name: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv; cwd?: string }
  ): Promise<ProcRecord | undefined> {
    const log = join(p.logs, `${spec.name}.log`)
    const proc = await ctx.start({ ...spec, log })
    ctx.note(`${proc ? `pid ${proc.pid}, ` : ''}log ${at(log)}`)
    if (proc) {
      state.processes.push(proc)
      save()
    }
    ctx.onCleanup(`stop ${spec.name}${proc ? ` (pid ${proc.pid})` : ''}`, () =>
      proc ? stopProcess(proc, { graceMs: STOP_GRACE_MS }) : undefined
    )
    return proc
  }

  /** Fails a wait at once when any started component has died. */
  const guard = () => {
    const dead = state.processes.filter((x) => !isAlive(x))
    if (dead.length)
      throw new Error(
        `${dead.map((d) => d.name).join(', ')} died; ` +
          `last lines of ${dead[0].log}:\n${tailFile(dead[0].log)}`
      )
  }

  const kubectl = (ctx: StepContext, ...args: string[]) =>
    ctx.exec(bins.kubectl, ['--kubeconfig', p.kubeconfig, ...args], { log: kubectlLog })

  const steps: Step[] = [
    {
      title: `toolchain: ${BINARIES.join(', ')} (pinned), Argo CD manifests, redis-server, git`,
      async run(ctx) {
        await ctx.act(`check them in ${toolchainBinDir()} and on PATH`, async () => {
          for (const b of BINARIES) toolPath(b) // throws with the command that builds it
          if (!existsSync(join(argocdManifestsDir(), 'crds')))
            throw new Error(
              `Argo CD manifests missing in ${argocdManifestsDir()}: ` +
                'run "npm run toolchain -- --only argocd"'
            )
          const problems = await findProblems([redisServerProblem, gitProblem])
          if (problems.length)
            throw new Error(problems.map((x) => `${x.what} (fix: ${x.fix})`).join('; '))
        })
      },
    },
    {
      title: `state: ${p.dir}`,
      async run(ctx) {
        await ctx.act(
          'write state.json before anything starts (down cleans up after an interrupted up), ' +
            'create logs/',
          () => {
            mkdirSync(p.logs, { recursive: true })
            writeLocalState(state, p.dir)
          }
        )
        ctx.onCleanup(`remove the state in ${p.dir} (logs/ kept)`, () =>
          removeState(state, p, true)
        )
      },
    },
    {
      title:
        'control plane: kwokctl --runtime binary, ' +
        `Kubernetes ${pins.kubernetes.version}, etcd ${pins.etcd.version}, on 127.0.0.1`,
      async run(ctx) {
        const apiPort = await portFor(ctx, 'kube-apiserver')
        const config = join(p.dir, 'kwokctl.yaml')
        // registered first: a create that fails half-way may have started some processes
        ctx.onCleanup(
          'stop the control plane (kwokctl delete cluster, then by recorded PID; its logs kept)',
          async () => {
            keepControlPlaneLogs(state)
            await stopControlPlane(state)
          }
        )
        await ctx.act(
          `write ${at(config)} (the pinned binaries, kube-apiserver on ${apiPort})`,
          () => writeFileSync(config, kwokctlConfig(bins, apiPort))
        )
        await ctx.exec(
          bins.kwokctl,
          [
            'create',
            'cluster',
            '--name',
            CLUSTER_NAME,
            '--config',
            config,
            '--kubeconfig',
            p.kubeconfig,
            '--wait',
            '90s',
          ],
          { env: kwokEnv, log: kwokLog }
        )
        state.cluster.apiServer = `https://127.0.0.1:${apiPort}`
        await ctx.act(
          "record kwokctl's processes by PID; " +
            `link their logs as ${at(join(p.logs, 'control-plane'))}`,
          () => {
            adoptControlPlane(state)
            linkControlPlaneLogs(state)
            save()
          }
        )
        // a kubeconfig of our own whose default namespace is argocd, for Argo CD's processes only
        await ctx.act(`copy the kubeconfig to ${at(p.argocdKubeconfig)}`, () => {
          mkdirSync(p.argocdData, { recursive: true })
          writeFileSync(p.argocdKubeconfig, readFileSync(p.kubeconfig, 'utf8'))
        })
        await ctx.exec(
          bins.kubectl,
          [
            '--kubeconfig',
            p.argocdKubeconfig,
            'config',
            'set-context',
            '--current',
            '--namespace',
            argocdNamespace,
          ],
          { log: kubectlLog }
        )
      },
    },
    {
      title: 'one KWOK node',
      async run(ctx) {
        await ctx.exec(bins.kwokctl, ['scale', 'node', '--name', CLUSTER_NAME, '--replicas', '1'], {
          env: kwokEnv,
          log: kwokLog,
        })
        const version = await ctx.act(
          'ask kube-apiserver its version',
          () => apiServerVersion(p.kubeconfig),
          '<version>'
        )
        ctx.note(`kube-apiserver ${version} at ${state.cluster.apiServer}`)
      },
    },
    {
      title:
        `Argo CD: CRDs and base config in namespace ${argocdNamespace}; ` +
        `argocd-cm: reconcile every ${RECONCILE_SECONDS}s, ` +
        `Application health from ${BOOTSTRAP_ARGOCD_CM}`,
      async run(ctx) {
        await kubectl(ctx, 'create', 'namespace', argocdNamespace)
        const manifests = argocdManifestsDir()
        await kubectl(
          ctx,
          'apply',
          '--server-side',
          '--force-conflicts',
          '-k',
          join(manifests, 'crds')
        )
        const crds = ['applications', 'appprojects', 'applicationsets'].map(
          (x) => `${x}.argoproj.io`
        )
        await ctx.act(`wait until ${crds.join(', ')} are Established`, () =>
          waitForArgocdCrds(p.kubeconfig, crds)
        )
        const configDir = join(manifests, 'config')
        const configFiles = existsSync(configDir)
          ? readdirSync(configDir).filter((f) => f.startsWith('argocd-') && f.endsWith('.yaml'))
          : ['argocd-*.yaml']
        await kubectl(
          ctx,
          'apply',
          '--server-side',
          '-n',
          argocdNamespace,
          ...configFiles.flatMap((f) => ['-f', join(configDir, f)])
        )
        await kubectl(
          ctx,
          'patch',
          'configmap',
          'argocd-cm',
          '-n',
          argocdNamespace,
          '--type',
          'merge',
          '-p',
          JSON.stringify({ data: localArgocdCm() })
        )
        await ctx.act(
          `create Argo CD's data folders in ${at(p.argocdData)} and redis' in ${at(p.redisData)}`,
          () => {
            for (const d of argocdDataFolders)
              mkdirSync(join(p.argocdData, d), { recursive: true, mode: 0o700 })
            mkdirSync(p.redisData, { recursive: true })
          }
        )
      },
    },
    ...argocdProcesses(p, bins.argocd, state).map((row): Step => ({
      title: row.title,
      async run(ctx) {
        const port = await portFor(ctx, row.name)
        const metrics = await portFor(ctx, `${row.name} metrics`)
        row.record?.(port)
        const proc = await start(ctx, {
          name: row.name,
          cmd: row.cmd,
          args: row.args(port, metrics),
          env: row.env,
        })
        const timeoutMs = 60_000
        const ready = row.ready
        if (ready === 'port')
          await ctx.act(`wait until 127.0.0.1:${port} listens`, () =>
            waitForPort(Number(port), { proc, timeoutMs })
          )
        else if (ready) {
          const url = `http://127.0.0.1:${port}${ready.http}`
          await ctx.act(`wait until ${url} answers`, () => waitForHttp(url, { proc, timeoutMs }))
        }
      },
    })),
    {
      title:
        "git source: this checkout's gitops/ + helm/ as a commit in a bare repository (file://)",
      async run(ctx) {
        // the AppProjects allow file:///**/agent-ready-k8s: the bare repository carries that name
        state.git = await ctx.act(
          `ensureGitSource(${at(p.git)}): snapshot of the working tree as branch main`,
          () => ensureGitSource(p.git, { branch: 'main' }),
          {
            bareRepo: join(p.git, 'agent-ready-k8s'),
            url: `file://${join(p.git, 'agent-ready-k8s')}`,
            revision: 'main',
            workClone: join(p.git, 'work'),
          }
        )
        save()
      },
    },
    {
      title: `AppProjects and the root app (profile ${PROFILE})`,
      async run(ctx) {
        await ctx.act(
          'applyGitops: gitops/projects/*.yaml, then gitops/bootstrap/root-app.yaml with ' +
            `repoURL=${state.git.url} targetRevision=${state.git.revision}`,
          () =>
            applyGitops({
              kubeconfig: p.kubeconfig,
              repoURL: state.git.url,
              revision: state.git.revision,
              profile: PROFILE,
            })
        )
      },
    },
    {
      title:
        `backend: database ${state.backend.database}, migrations, ` +
        'then the API (Argo CD syncs meanwhile)',
      async run(ctx) {
        const port = ctx.dryRun
          ? '<3333, or a free port when taken>'
          : String((await portInUse(3333)) ? await freePort() : 3333)
        const pg = state.dataStores!.postgres
        const secrets = await ctx.act(
          `APP_KEY and JWT_SECRET from ${at(p.secrets)} ` +
            '(generated at the first up, 0600, never printed)',
          () => readSecrets(p),
          { APP_KEY: '<secret>', JWT_SECRET: '<secret>' }
        )
        const env = backendEnv(state, secrets, port)
        await ctx.act(
          `create database ${state.backend.database} on ${pg.host}:${pg.port} unless it exists`,
          () => ensureDatabase(state.backend.database, pg)
        )
        ctx.onCleanup(`drop database ${state.backend.database}`, () =>
          dropDatabase(state.backend.database, pg)
        )
        const node = process.execPath // the project's Node 24 (npm scripts put it first on PATH)
        const migrationLog = join(p.logs, 'backend-migrations.log')
        await ctx.exec(node, ['ace', 'migration:run', '--force'], {
          cwd: repoRoot,
          env,
          log: migrationLog,
          timeoutMs: 120_000,
        })
        // exec throws on a non-zero exit, so here it exited 0; the suite's Block 13 check reads it
        state.backend.migrations = {
          command: 'node ace migration:run --force',
          exitCode: 0,
          finishedAt: new Date().toISOString(),
          log: migrationLog,
        }
        state.backend.port = Number(port)
        state.backend.url = `http://127.0.0.1:${port}`
        const backend = await start(ctx, {
          name: 'backend',
          cmd: node,
          args: ['--import=@poppinss/ts-exec', 'bin/server.ts'],
          cwd: join(repoRoot, 'backend'),
          env,
        })
        await ctx.act(`wait until ${state.backend.url}/health answers`, () =>
          waitForHttp(`${state.backend.url}/health`, { proc: backend, timeoutMs: 60_000 })
        )
      },
    },
    {
      title: `Applications ${expectedApplications(PROFILE).join(', ')} Synced and Healthy`,
      async run(ctx) {
        await ctx.act('wait (a line per change; fails at once when a component dies)', () =>
          waitForApplications({
            kubeconfig: p.kubeconfig,
            names: expectedApplications(PROFILE),
            timeoutMs: 180_000,
            guard,
          })
        )
        if (!ctx.dryRun) guard()
        state.phase = 'ready'
        save()
      },
    },
  ]
  return { steps, state }
}

async function apiServerVersion(kubeconfig: string): Promise<string> {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfig)
  const version = await kc.makeApiClient(VersionApi).getCode()
  return version.gitVersion
}

type Secrets = { APP_KEY: string; JWT_SECRET: string }

function readSecrets(p: LocalPaths): Secrets {
  if (existsSync(p.secrets)) return JSON.parse(readFileSync(p.secrets, 'utf8'))
  const s = {
    APP_KEY: randomBytes(24).toString('base64url'),
    JWT_SECRET: randomBytes(32).toString('base64url'),
  }
  writeFileSync(p.secrets, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 })
  return s
}

function backendEnv(state: LocalState, secrets: Secrets, port: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: port,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    APP_KEY: secrets.APP_KEY,
    JWT_SECRET: secrets.JWT_SECRET,
    ...backendDataStoreEnv(state.dataStores!, state.backend.database),
  }
}

function printSummary(s: LocalState): void {
  console.log(`
local cluster ready in ${elapsed()} (state: ${s.stateDir})
  kubeconfig:       ${s.kubeconfig}
  kube-apiserver:   ${s.cluster.apiServer}
  Argo CD API:      ${s.argocd.api}   (plain HTTP, auth disabled, loopback only)
  backend:          ${s.backend.url}   (database ${s.backend.database})
  git source:       ${s.git.url} @ ${s.git.revision}   (working clone ${s.git.workClone})
  logs:             ${s.logDir}

export KUBECONFIG=${s.kubeconfig}`)
}

// ---------------------------------------------------------------- down: undoing, newest first

/** Removes the state once nothing it records runs (else keeps it, so `down` can try again). */
function removeState(state: LocalState, p: LocalPaths, keepLogs: boolean): void {
  const left = state.processes.filter(isAlive)
  if (left.length)
    throw new Error(
      `still running: ${left.map((x) => `${x.name} (${x.pid})`).join(', ')}; state kept in ${p.dir}`
    )
  clearLocalState(p.dir, { keepLogs })
}

/** What `down` does with a recorded cluster: our processes newest first, then the control plane. */
function downPlan(state: LocalState, p: LocalPaths): Step[] {
  const ours = state.processes.filter((x) => !isControlPlane(x)).reverse()
  const pg = state.dataStores?.postgres ?? dataStoreSettings().postgres
  return [
    ...ours.map((proc): Step => ({
      title: `stop ${proc.name} (pid ${proc.pid})`,
      run: (ctx) =>
        ctx.act(
          isAlive(proc)
            ? `SIGTERM to its process group, SIGKILL after ${STOP_GRACE_MS / 1000} s`
            : 'already gone',
          () => stopProcess(proc, { graceMs: STOP_GRACE_MS })
        ),
    })),
    {
      title: `stop the control plane: ${state.processes
        .filter(isControlPlane)
        .map((x) => x.name)
        .join(', ')}`,
      run: (ctx) =>
        ctx.act('kwokctl delete cluster, then by recorded PID what it left', () =>
          stopControlPlane(state)
        ),
    },
    {
      title: `drop database ${state.backend.database} on ${pg.host}:${pg.port}`,
      run: (ctx) =>
        ctx.act('DROP DATABASE … WITH (FORCE); a failure is only reported', () =>
          dropDatabase(state.backend.database, pg).catch((e: Error) =>
            ctx.note(`could not drop it: ${e.message}`)
          )
        ),
    },
    {
      title: `remove the state in ${p.dir}`,
      run: (ctx) =>
        ctx.act('once nothing recorded runs: state.json, logs, kwok, git, argocd, redis', () =>
          removeState(state, p, false)
        ),
    },
  ]
}

async function down(opts: { dryRun: boolean }): Promise<void> {
  const p = localPaths()
  const state = readLocalState(p.dir)
  if (!state) {
    // a crash before the state file was written, or a failed up's logs: nothing runs
    if (existsSync(p.dir) && !opts.dryRun) clearLocalState(p.dir)
    say(`no local cluster recorded in ${p.dir}: nothing to stop`)
    return
  }
  await runPlan(downPlan(state, p), { dryRun: opts.dryRun, onFailure: 'continue' })
  if (!opts.dryRun) say(`local cluster stopped; removed ${p.dir}`)
}

// ---------------------------------------------------------------- up

/** A failed `up`, with what the reader should do next. */
class UpFailed extends Error {
  readonly hint: string
  constructor(message: string, hint: string) {
    super(message)
    this.hint = hint
  }
}

async function up(opts: { dryRun: boolean }): Promise<void> {
  const p = localPaths()
  const existing = readLocalState(p.dir)
  if (existing?.phase === 'ready' && existing.processes.every(isAlive)) {
    say(`already up (${p.dir}): refreshing the git source from the checkout`)
    await runPlan(refreshPlan(existing), opts).catch((e: Error) => {
      throw new UpFailed(
        e.message,
        'the cluster keeps running; see `npm run cluster:local -- status`'
      )
    })
    if (!opts.dryRun) printSummary(existing)
    return
  }
  const steps: Step[] = []
  if (existing) {
    const dead = existing.processes.filter((x) => !isAlive(x))
    say(
      `a previous cluster in ${p.dir} is ${existing.phase} with ${dead.length} dead ` +
        `component(s) (${dead.map((d) => d.name).join(', ') || 'none'}): cleaning it up first`
    )
    steps.push(...downPlan(existing, p))
  }
  const plan = upPlan(p, binaries(), opts.dryRun)
  steps.push(...plan.steps)
  await runPlan(steps, opts).catch((e: Error) => {
    const left = e instanceof PlanFailure && e.undoFailures.length > 0
    throw new UpFailed(
      e.message,
      left
        ? `some of it may still run; logs: ${p.logs}; clean up with: npm run cluster:local -- down`
        : `everything it had started is stopped again (logs kept in ${p.logs}): ` +
            'fix the cause and run up again'
    )
  })
  if (!opts.dryRun) printSummary(plan.state)
}

/** `up` on a running cluster: the checkout's edits reach Argo CD; nothing new starts. */
function refreshPlan(state: LocalState): Step[] {
  return [
    {
      title: "git source: a new snapshot of this checkout's gitops/ + helm/",
      async run(ctx) {
        await ctx.act(`snapshotCheckout(${state.git.bareRepo})`, () => snapshotCheckout(state.git))
      },
    },
    {
      title: `Applications ${expectedApplications(PROFILE).join(', ')} Synced and Healthy`,
      async run(ctx) {
        await ctx.act('wait (a line per change)', () =>
          waitForApplications({
            kubeconfig: state.kubeconfig,
            names: expectedApplications(PROFILE),
            timeoutMs: 120_000,
          })
        )
      },
    },
  ]
}

// ---------------------------------------------------------------- status

async function status(): Promise<boolean> {
  const p = localPaths()
  const state = readLocalState(p.dir)
  if (!state) {
    console.log(
      `no local cluster recorded in ${p.dir} (start one with: npm run cluster:local -- up)`
    )
    return false
  }
  console.log(`local cluster in ${state.stateDir}: ${state.phase}, created ${state.createdAt}`)
  let allUp = true
  for (const proc of state.processes) {
    const alive = isAlive(proc)
    allUp &&= alive
    console.log(`  ${alive ? 'up  ' : 'DOWN'}  ${proc.name.padEnd(30)} pid ${proc.pid}`)
  }
  try {
    const apps = await applicationStatuses(state.kubeconfig)
    if (!apps.length) console.log('  (no Applications)')
    for (const a of apps)
      console.log(
        `  app   ${a.name.padEnd(30)} ${a.sync}/${a.health}${a.message ? ` — ${a.message}` : ''}`
      )
  } catch (e) {
    allUp = false
    console.log(
      `  Applications: kube-apiserver does not answer (${(e as Error).message.split('\n')[0]})`
    )
  }
  console.log(
    `  kubeconfig ${state.kubeconfig} · Argo CD ${state.argocd.api} ` +
      `· backend ${state.backend.url} · logs ${state.logDir}`
  )
  return allUp
}

// ---------------------------------------------------------------- main

/**
 * One `up`/`down` at a time per state dir: a second one waits for nothing and says who holds it.
 */
async function withLock(fn: () => Promise<void>): Promise<void> {
  const dir = localDir()
  mkdirSync(dir, { recursive: true })
  const lock = join(dir, 'lock')
  const take = () =>
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, startTime: procStartTime(process.pid) }),
      { flag: 'wx' }
    )
  try {
    take()
  } catch {
    const holder = JSON.parse(readFileSync(lock, 'utf8') || '{}') as {
      pid?: number
      startTime?: string
    }
    if (holder.pid && holder.startTime && procStartTime(holder.pid) === holder.startTime) {
      throw new Error(
        `another cluster:local command (pid ${holder.pid}) ` +
          `is working on ${dir}; wait for it to finish`
      )
    }
    rmSync(lock, { force: true }) // left by a command that crashed
    take()
  }
  try {
    await fn()
  } finally {
    rmSync(lock, { force: true })
    try {
      rmdirSync(dir) // `down` ran (or up failed before writing anything): the dir is empty now
    } catch {}
  }
}

const usage = 'usage: npm run cluster:local -- up | down | status [--dry-run (up, down)]'
let cmd: string | undefined
try {
  const { positionals, values } = parseCommandLine(
    { allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false } } },
    usage
  )
  cmd = positionals[0]
  const dryRun = values['dry-run']!
  if (positionals.length !== 1 || !['up', 'down', 'status'].includes(cmd))
    throw new UsageError(usage)
  if (dryRun && cmd === 'status') throw new UsageError(`--dry-run applies to up and down\n${usage}`)
  // a dry run takes no lock: it writes nothing, not even the state dir
  const locked = (fn: () => Promise<void>) => (dryRun ? fn() : withLock(fn))
  if (cmd === 'up') {
    await locked(async () => {
      try {
        await up({ dryRun })
      } catch (e) {
        if (!(e instanceof UpFailed)) throw e
        console.error(`\n✗ up failed: ${e.message}\n  ${e.hint}`)
        process.exitCode = 1
      }
    })
  } else if (cmd === 'down') await locked(() => down({ dryRun }))
  else process.exitCode = (await status()) ? 0 : 3
  if (dryRun) console.log('\n(dry run: nothing was executed)')
} catch (e) {
  console.error(e instanceof UsageError ? e.message : `✗ ${cmd}: ${(e as Error).message}`)
  process.exitCode = exitStatusOf(e)
}
