/*
 * `npm run conformance` without --profile: one command for the verdict.
 *
 *   chooseCluster()        -> which cluster to judge and why (printed as the run's first line):
 *       1. a running local cluster (localDir(), every component alive)      -> local, as today
 *       2. a kubeconfig context whose kube-apiserver answers                 -> kind, as today
 *       3. neither                                                           -> the embedded local
 *          profile, brought up for this run (Docker or not: kind needs `npm run cluster:up` first)
 *   conformanceArgs(argv)  -> the argv conformance/bin/run.ts goes on with (--profile filled in);
 *       in case 3 it never returns: it builds the toolchain if needed, brings the local cluster up,
 *       runs the suite, brings the cluster down (unless --keep) and exits with the suite's status.
 * An explicit --profile or ARK_PROFILE keeps today's behaviour untouched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { KubeConfig, VersionApi } from '@kubernetes/client-node'
import { readKindState } from '../../scripts/lib/kind-state.ts'
import { localDir, readLocalState, repoRoot } from '../../scripts/lib/local-state.ts'
import {
  findProblems,
  gitProblem,
  goProblem,
  postgresProblem,
  printProblems,
  redisProblem,
  redisServerProblem,
  type Check,
} from '../../scripts/lib/prerequisites.ts'
import { isAlive } from '../../scripts/lib/supervisor.ts'
import { readPins, toolchainBinDir } from '../../scripts/lib/toolchain.ts'
import { parseArgs } from './cli.ts'
import type { ProfileName } from './profile.ts'
import { summarize, writeReports } from './results.ts'

export type Choice = { profile: ProfileName; why: string; bringUp: boolean }

const KEEP = '--keep'

/**
 * The kubeconfig the kind profile would use (conformance/lib/load-profile.ts):
 * $KUBECONFIG, the kind record, ~/.kube/config.
 */
function kindKubeconfig(): string | undefined {
  const recorded = readKindState()?.kubeconfig
  return [process.env.KUBECONFIG?.split(':')[0], recorded, join(homedir(), '.kube', 'config')].find(
    (f): f is string => !!f && existsSync(f)
  )
}

/** The current context's server when its /version answers within 3 s; else why not. */
async function answeringContext(
  file: string
): Promise<{ ok: true; context: string; server: string } | { ok: false; reason: string }> {
  const kc = new KubeConfig()
  try {
    kc.loadFromFile(file)
  } catch (e) {
    return { ok: false, reason: `${file} is not a kubeconfig (${(e as Error).message})` }
  }
  const context = kc.getCurrentContext()
  const server = kc.getCurrentCluster()?.server
  if (!context || !server) return { ok: false, reason: `${file} has no current context` }
  // a request deadline (as fetch's AbortSignal.timeout),
  // not a wait: the client takes no signal itself
  const deadline = AbortSignal.timeout(3000)
  const timeout = new Promise<never>((_, reject) =>
    deadline.addEventListener('abort', () => reject(new Error('no answer within 3 s')))
  )
  try {
    await Promise.race([kc.makeApiClient(VersionApi).getCode(), timeout])
    return { ok: true, context, server }
  } catch (e) {
    return {
      ok: false,
      reason:
        `context "${context}" (${server}) does not ` +
        `answer: ${(e as Error).message.split('\n')[0]}`,
    }
  }
}

function dockerRuns(): boolean {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  return r.status === 0 && r.stdout.trim() !== ''
}

export async function chooseCluster(): Promise<Choice> {
  const dir = localDir()
  const state = readLocalState(dir)
  const dead = state?.processes.filter((p) => !isAlive(p)) ?? []
  if (state?.phase === 'ready' && dead.length === 0) {
    return { profile: 'local', why: `a local cluster is running in ${dir}`, bringUp: false }
  }
  const local = state
    ? `the local cluster recorded in ${dir} ` +
      `is ${state.phase}${dead.length ? ` with ${dead.length} dead component(s)` : ''}`
    : `no local cluster in ${dir}`
  const file = kindKubeconfig()
  const context = file ? await answeringContext(file) : undefined
  if (context?.ok)
    return {
      profile: 'kind',
      why: `kubeconfig context "${context.context}" answers at ${context.server} (${file})`,
      bringUp: false,
    }
  const kube = context ? context.reason : 'no kubeconfig ($KUBECONFIG, .ark/kind, ~/.kube/config)'
  const docker = dockerRuns()
    ? 'Docker runs, but no kind cluster is up (npm run cluster:up, ' +
      'then npm run conformance, for the kind profile)'
    : 'no Docker for kind'
  return {
    profile: 'local',
    why:
      `no reachable cluster (${local}; ${kube}) and ${docker}: ` +
      'bringing up the embedded local cluster for this run',
    bringUp: true,
  }
}

export async function conformanceArgs(argv: string[]): Promise<string[]> {
  const { keep, profileGiven, suites } = parseArgs(argv)
  const rest = argv.filter((a) => a !== KEEP)
  const needsCluster = suites.some((s) => s !== 'framework')
  if (profileGiven || !needsCluster) {
    if (keep)
      console.log(
        `${KEEP} only applies when npm run conformance brings ` +
          'the cluster up itself (no --profile): ignored'
      )
    return rest
  }
  const choice = await chooseCluster()
  console.log(`conformance: profile ${choice.profile} — ${choice.why}`)
  if (!choice.bringUp) return ['--profile', choice.profile, ...rest]
  process.exit(await runOnEmbeddedCluster(rest, keep))
}

/**
 * Brings the local cluster up, runs the suite on it, brings
 * it down unless `keep`; resolves to the exit status.
 */
async function runOnEmbeddedCluster(suiteArgs: string[], keep: boolean): Promise<number> {
  const started = Date.now()
  const since = () => `${Math.round((Date.now() - started) / 1000)}s`
  let child: ChildProcess | undefined
  let interrupted: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal
    child?.kill(signal) // then the cluster still comes down below
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const node = (step: string, script: string, args: string[]): Promise<number> => {
    console.log(`\n==> [${since()}] ${step}`)
    return new Promise((done) => {
      child = spawn(process.execPath, [join(repoRoot, script), ...args], {
        cwd: repoRoot,
        stdio: 'inherit',
      })
      child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)))
    })
  }
  const failBeforeSuite = async (cause: string) => {
    // the verdict an agent reads still exists, with the first thing to fix
    const now = new Date()
    const outputDir =
      process.env.ARK_CONFORMANCE_REPORTS || join(repoRoot, 'reports', 'conformance')
    const files = await writeReports(
      outputDir,
      summarize('local', now, now, [
        {
          name: 'Preflight · cluster reachable',
          block: 'Preflight',
          profile: 'local',
          status: 'failed',
          durationMs: 0,
          cause,
          convergence: [],
          diagnostics: null,
        },
      ])
    )
    console.error(`conformance cannot start: ${cause}\nresults: ${files.json}`)
  }

  // what the project cannot bring itself, said once and up front
  const toolchainBuilt = Object.values(readPins().tools).every((t) =>
    t.binaries.every((b) => existsSync(join(toolchainBinDir(), b)))
  )
  const checks: Check[] = [postgresProblem, redisProblem, redisServerProblem, gitProblem]
  if (!toolchainBuilt) checks.push(goProblem)
  const problems = await findProblems(checks)
  if (problems.length) {
    printProblems('npm run conformance (local profile)', problems)
    await failBeforeSuite(problems.map((p) => `${p.what} (fix: ${p.fix})`).join('; '))
    return 1
  }

  let status: number
  if (
    (status = await node(
      'toolchain: build what is missing (cached per machine; seconds when built)',
      'scripts/toolchain.ts',
      []
    )) !== 0 ||
    interrupted
  ) {
    await failBeforeSuite(
      interrupted
        ? `interrupted (${interrupted})`
        : 'npm run toolchain failed (its output above names the tool and its log)'
    )
    return interrupted ? 130 : status
  }
  if (
    (status = await node(`local cluster up (${localDir()})`, 'scripts/cluster-local.ts', [
      'up',
    ])) === 0 &&
    !interrupted
  ) {
    status = await node(
      `conformance suite (local profile)${keep ? ', the cluster stays up afterwards' : ''}`,
      'conformance/bin/run.ts',
      ['--profile', 'local', ...suiteArgs]
    )
  } else {
    await failBeforeSuite(
      interrupted
        ? `interrupted (${interrupted})`
        : 'npm run cluster:local -- up failed (its output ' +
            `above; logs in ${join(localDir(), 'logs')})`
    )
    status ||= 1
    keep = false // nothing usable to keep
  }
  if (keep && !interrupted) {
    const s = readLocalState()
    const dir = process.env.ARK_LOCAL_DIR
    console.log(`\nthe local cluster stays up (--keep), in ${localDir()}:
  export KUBECONFIG=${s?.kubeconfig}
  Argo CD API ${s?.argocd.api} · backend ${s?.backend.url} · logs ${s?.logDir}
  npm run cluster:local -- status      # what runs
  npm run conformance                  # again, against it (it is reused, not restarted)
  npm run cluster:local -- down        # when done${dir ? ` (with ARK_LOCAL_DIR=${dir})` : ''}`)
    return status
  }
  interrupted = undefined // `down` must finish even after Ctrl-C
  const down = await node('local cluster down', 'scripts/cluster-local.ts', ['down'])
  if (down !== 0)
    console.error(
      `✗ cluster:local down failed (exit ${down}): processes ` +
        'may be left; retry: npm run cluster:local -- down'
    )
  console.log(`\nconformance: finished in ${since()} with exit status ${status || down}`)
  return status || down
}
