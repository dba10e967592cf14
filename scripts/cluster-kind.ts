#!/usr/bin/env node
/*
 * npm run cluster:up   [-- --dry-run]     (node scripts/cluster-kind.ts up)
 * npm run cluster:down [-- --dry-run]     (node scripts/cluster-kind.ts down)
 *
 * The kind profile: a kind cluster (gitops/bootstrap/kind/cluster.yaml, Kubernetes 1.34), the
 * backend image built from the Dockerfile and loaded into it (falling back to an image archive
 * under Docker's containerd image store), pinned Argo CD (the release of
 * scripts/toolchain/pins.json, as the local profile; its install manifest vendored in
 * gitops/bootstrap/argocd, rendered by the pinned kustomize), the Secrets from .env
 * (scripts/create-secrets.ts), this checkout's gitops/ + helm/ served by a git daemon the cluster
 * can reach (scripts/lib/git-source.ts; where it listens and the address Argo CD is given depend on
 * the Docker flavour: gitAddresses), then the AppProjects and the root app, waiting until every
 * Application is Synced and Healthy (scripts/lib/gitops-apply.ts — the steps shared with
 * the local cluster). --dry-run prints every step and command in order and runs nothing.
 *
 * State (kubeconfig, git source, git daemon record) lives in $ARK_KIND_DIR or .ark/kind
 * (gitignored); the conformance suite reads it from state.json. Re-running `up` reuses what exists;
 * `down` removes only what `up` created. See docs/gitops.md.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AppsV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node'
import { parse, parseAllDocuments } from 'yaml'
import {
  applySecrets,
  describeObjects,
  placeholderInput,
  readSecretInput,
  secretObjects,
} from './create-secrets.ts'
import { readBackendImage } from './lib/backend-image.ts'
import { exitStatusOf, parseCommandLine, UsageError } from './lib/cli.ts'
import { expect, met, pending } from './lib/expect.ts'
import { ensureGitSource } from './lib/git-source.ts'
import {
  applyGitops,
  expectedApplications,
  rootApplication,
  waitForApplications,
} from './lib/gitops-apply.ts'
import { kindDir, readKindState, writeKindState, type KindState } from './lib/kind-state.ts'
import { repoRoot } from './lib/local-state.ts'
import { runPlan, type Step, type StepContext } from './lib/plan.ts'
import { serverSideApply } from './lib/server-side-apply.ts'
import { isAlive, stopProcess, waitForPort } from './lib/supervisor.ts'
import { readPins, toolchainBinDir } from './lib/toolchain.ts'
import { vendoredInstallPath } from './vendor-argocd-install.ts'

const PROFILE = 'kind'
const clusterConfig = 'gitops/bootstrap/kind/cluster.yaml'
const argocdKustomization = 'gitops/bootstrap/argocd'
const clusterName: string = parse(readFileSync(join(repoRoot, clusterConfig), 'utf8')).name

// what the kind values deploy: a promoted registry digest (pulled by the cluster) or a local build
const backendImage = readBackendImage(repoRoot, 'helm/backend/values-kind.yaml')
const GIT_DAEMON_PORT = 9418
const MINUTES = 60_000

const stateDir = kindDir
const kubeconfigFile = () => join(stateDir(), 'kubeconfig')
const kustomizeBin = () => join(toolchainBinDir(), 'kustomize')

/*
 * `up` and `down` are plans (scripts/lib/plan.ts, shared with the local cluster): --dry-run prints
 * every step and command in order and runs nothing. The steps of `up` register no undo: a kind
 * cluster takes minutes to create and every step reuses what exists, so a failed `up` keeps what it
 * made for the re-run (and for reading what went wrong); `down` removes it.
 */

/** stdout of a command that may fail (a missing docker or kind): "" then. */
async function outputOf(ctx: StepContext, bin: string, args: string[]): Promise<string> {
  const r = await ctx.tryExec(bin, args)
  return r.ok ? r.stdout : ''
}

// ---------------------------------------------------------------------------------------------

async function preflight(ctx: StepContext): Promise<DockerEngine | undefined> {
  const info = await outputOf(ctx, 'docker', ['info', '--format', '{{json .}}'])
  if (!ctx.dryRun && !info.trim()) {
    throw new Error(
      'Docker is not available ("docker info" failed). Install Docker and start it — ' +
        'or use the local profile, which needs no Docker: npm run cluster:local -- up'
    )
  }
  let engine: DockerEngine | undefined
  if (!ctx.dryRun) {
    engine = dockerEngineOf(JSON.parse(info))
    ctx.note(`Docker ${engine.version} (${engine.flavour})`)
    // rootless Docker needs the git addresses set explicitly: say so before creating anything
    if (engine.flavour === 'rootless') gitAddresses(engine.flavour, () => [])
  }
  const kind = await outputOf(ctx, 'kind', ['version'])
  if (!ctx.dryRun && !kind.trim()) {
    throw new Error(
      'kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation ' +
        '(v0.30.0 or newer runs Kubernetes 1.34 nodes)'
    )
  }
  await ctx.exec('git', ['--version'])
  if (!existsSync(kustomizeBin()))
    await ctx.exec(process.execPath, ['scripts/toolchain.ts', '--only', 'kustomize'], {
      echo: true,
      timeoutMs: 10 * MINUTES,
    })
  return engine
}

async function createCluster(ctx: StepContext) {
  const clusters = await ctx.exec('kind', ['get', 'clusters'])
  const existing = clusters.split('\n').map((s) => s.trim())
  if (existing.includes(clusterName)) ctx.note(`exists already: reused`)
  else
    await ctx.exec('kind', ['create', 'cluster', '--config', clusterConfig, '--wait', '180s'], {
      echo: true,
      timeoutMs: 10 * MINUTES,
    })
  const kubeconfig = await ctx.exec('kind', ['get', 'kubeconfig', '--name', clusterName])
  await ctx.act(`write ${relative(process.cwd(), kubeconfigFile()) || kubeconfigFile()}`, () => {
    mkdirSync(stateDir(), { recursive: true })
    writeFileSync(kubeconfigFile(), kubeconfig, { mode: 0o600 })
  })
  ctx.note(`(kind also merged context kind-${clusterName} into your default kubeconfig)`)
}

/**
 * `kind load docker-image` fails with "content digest not found" when Docker keeps images in its
 * containerd image store (the default of Docker 29 and Docker Desktop): it exports every platform
 * of the image, and a locally built one has content for one only. Then the image goes in as a
 * single-platform archive instead (`docker image save --platform` + `kind load image-archive`).
 */
async function loadBackendImage(ctx: StepContext) {
  if (backendImage.source === 'registry') return
  const image = backendImage.image
  const long = { echo: true, timeoutMs: 30 * MINUTES }
  await ctx.exec('docker', ['build', '--tag', image, '.'], long)
  const direct = await ctx.tryExec(
    'kind',
    ['load', 'docker-image', image, '--name', clusterName],
    long
  )
  if (ctx.dryRun)
    ctx.note(
      'if that fails (Docker\'s containerd image store: "content digest not found"), ' +
        'load a single-platform archive instead:'
    )
  else if (direct.ok) return
  else {
    const lines = direct.output.split('\n')
    ctx.note(
      `kind load docker-image failed (${lines.find((l) => /not found|error/i.test(l)) ?? direct.reason}); loading a single-platform archive instead`
    )
  }
  const inspected = await ctx.exec('docker', [
    'image',
    'inspect',
    '--format',
    '{{.Os}}/{{.Architecture}}',
    image,
  ])
  const platform = inspected.trim() || '<image platform>'
  const archive = join(stateDir(), 'backend-image.tar')
  await ctx.act(`create ${relative(repoRoot, stateDir())}`, () =>
    mkdirSync(stateDir(), { recursive: true })
  )
  try {
    await ctx.exec(
      'docker',
      ['image', 'save', '--platform', platform, '--output', archive, image],
      long
    )
    await ctx.exec('kind', ['load', 'image-archive', archive, '--name', clusterName], long)
  } finally {
    if (!ctx.dryRun) rmSync(archive, { force: true })
  }
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfigFile())
  return kc
}

async function waitForArgoCD(timeoutMs = 600_000) {
  const apps = kubeConfig().makeApiClient(AppsV1Api)
  let last = ''
  const ready = async () => {
    const [deployments, statefulsets] = await Promise.all([
      apps.listNamespacedDeployment({ namespace: 'argocd' }),
      apps.listNamespacedStatefulSet({ namespace: 'argocd' }),
    ])
    const workloads = [...deployments.items, ...statefulsets.items].map((w) => ({
      name: w.metadata!.name!,
      ready: w.status?.readyReplicas ?? 0,
      want: w.spec?.replicas ?? 1,
    }))
    const line = workloads.map((w) => `${w.name} ${w.ready}/${w.want}`).join(' · ')
    if (line !== last) console.log(`    argocd: ${line}`)
    last = line
    return workloads.length && workloads.every((w) => w.ready >= w.want)
      ? met()
      : pending(line || 'no workloads yet')
  }
  await expect('Argo CD ready', ready).within(timeoutMs, { minDelayMs: 250, maxDelayMs: 1000 })
}

async function installArgoCD(ctx: StepContext) {
  // the manifest is committed (tests/repo/argocd-bootstrap.spec.ts keeps it equal to the pinned
  // module's copy): no download
  ctx.note(
    `${vendoredInstallPath} + ${argocdKustomization}/argocd-cm.yaml ` +
      '(resource.customizations.health.argoproj.io_Application)'
  )
  const rendered = await ctx.exec(kustomizeBin(), ['build', argocdKustomization])
  const objects = parseAllDocuments(rendered)
    .map((d) => d.toJS() as KubernetesObject)
    .filter(Boolean)
  await ctx.act(
    `server-side apply the ${ctx.dryRun ? '' : `${objects.length} `}rendered objects ` +
      '(Namespaces and CRDs first)',
    () => serverSideApply(kubeConfig(), objects)
  )
  await ctx.act('wait until every Argo CD Deployment/StatefulSet is ready', () => waitForArgoCD())
}

async function createSecrets(ctx: StepContext, envFile: string) {
  const describe = describeObjects(secretObjects(PROFILE, placeholderInput))
  await ctx.act(`server-side apply: ${describe.join('; ')}`, async () =>
    applySecrets(
      kubeconfigFile(),
      secretObjects(PROFILE, readSecretInput(envFile, PROFILE, { generate: true }))
    )
  )
}

// ---------------------------------------------------------------------------------------------
// Where the git daemon listens on the host (bind) and the address Argo CD's pods are told (host)
// are two settings: with Docker Engine on Linux both are the kind bridge's gateway, but with Docker
// Desktop the bridge lives in a VM the host cannot bind, and pods reach the host as
// host.docker.internal. Rootless Docker has no single right answer: it is configured explicitly.

export type DockerEngine = { version: string; flavour: 'engine' | 'desktop' | 'rootless' }

/** The facts of `docker info --format '{{json .}}'` that decide how the nodes reach the host. */
export function dockerEngineOf(info: {
  ServerVersion?: string
  OperatingSystem?: string
  SecurityOptions?: string[] | null
}): DockerEngine {
  const version = info.ServerVersion ?? 'unknown'
  if ((info.SecurityOptions ?? []).some((o) => /(^|,)name=rootless(,|$)/.test(o)))
    return { version, flavour: 'rootless' }
  if (/Docker Desktop/i.test(info.OperatingSystem ?? '')) return { version, flavour: 'desktop' }
  return { version, flavour: 'engine' }
}

export type GitAddresses = { bind: string[]; host: string; why: string }

/**
 * The git daemon's addresses. ARK_KIND_GIT_BIND (comma-separated) and ARK_KIND_GIT_HOST override
 * either part. Docker Engine: every gateway address of the "kind" network (IPv4 and IPv6),
 * advertised as the IPv4 one — pods cannot reach the host's loopback, and nothing beyond the host
 * and its containers needs the daemon. Docker Desktop:
 * loopback, advertised as host.docker.internal.
 */
export function gitAddresses(
  flavour: DockerEngine['flavour'],
  gateways: () => string[],
  env: NodeJS.ProcessEnv = process.env
): GitAddresses {
  const bindEnv = env.ARK_KIND_GIT_BIND?.split(',')
    .map((a) => a.trim())
    .filter(Boolean)
  const hostEnv = env.ARK_KIND_GIT_HOST?.trim()
  if (bindEnv?.length && hostEnv)
    return { bind: bindEnv, host: hostEnv, why: 'ARK_KIND_GIT_BIND and ARK_KIND_GIT_HOST' }
  if (flavour === 'rootless') {
    throw new Error(
      "rootless Docker: the kind network lives in rootlesskit's namespace, " +
        "so neither its gateway nor the host's loopback is a given. " +
        'Set ARK_KIND_GIT_BIND (where git daemon listens on the host) and ARK_KIND_GIT_HOST ' +
        '(the address pods use), see docs/gitops.md "Git source off Linux"'
    )
  }
  if (flavour === 'desktop')
    return {
      bind: bindEnv ?? ['127.0.0.1'],
      host: hostEnv || 'host.docker.internal',
      why: 'Docker Desktop: pods reach the host as host.docker.internal',
    }
  const all = gateways()
  const v4 = all.find((a) => !a.includes(':'))
  if (!hostEnv && !v4)
    throw new Error(
      `no IPv4 gateway on the "kind" docker network (got "${all.join(' ')}"); ` +
        'set ARK_KIND_GIT_HOST to an address the nodes can reach'
    )
  return {
    bind: bindEnv ?? all,
    host: hostEnv || v4!,
    why: 'Docker Engine: the gateways of the kind bridge',
  }
}

/** The gateway addresses of the "kind" docker network (IPv4 first). */
async function kindGateways(ctx: StepContext): Promise<string[]> {
  const out = await ctx.exec('docker', [
    'network',
    'inspect',
    'kind',
    '--format',
    '{{range .IPAM.Config}}{{.Gateway}} {{end}}',
  ])
  if (ctx.dryRun) return ['<kind network IPv4 gateway>', '<kind network IPv6 gateway>']
  return out
    .split(/\s+/)
    .filter(Boolean)
    .sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')))
}

/**
 * `git daemon` serving the bare repository <base>/agent-ready-k8s (the recipe agreed with the
 * git-source owner, notes/from-local-cluster.md) read-only on every bind address, and the URL Argo
 * CD is given: git://<host>:<port>/agent-ready-k8s.
 */
export function gitDaemonCommand(
  base: string,
  addresses: Pick<GitAddresses, 'bind' | 'host'>,
  port: number
): { args: string[]; url: string } {
  const host =
    addresses.host.includes(':') && !addresses.host.startsWith('[')
      ? `[${addresses.host}]`
      : addresses.host
  return {
    args: [
      'daemon',
      '--reuseaddr',
      '--export-all',
      '--informative-errors',
      `--base-path=${base}`,
      ...addresses.bind.map((a) => `--listen=${a}`),
      `--port=${port}`,
      base,
    ],
    url: `git://${host}:${port}/agent-ready-k8s`,
  }
}

/**
 * An address to probe a listener bound to `bind` on
 * (the wildcard addresses are probed on loopback).
 */
const probeAddress = (bind: string) =>
  bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '::1' : bind

async function serveGitSource(
  ctx: StepContext,
  state: KindState,
  engine: DockerEngine | undefined
): Promise<KindState['git']> {
  const src = await ctx.act(
    `ensureGitSource(${relative(repoRoot, join(stateDir(), 'git'))}) — ` +
      'snapshot of gitops/ and helm/ as branch main',
    () => ensureGitSource(join(stateDir(), 'git')),
    {
      bareRepo: join(stateDir(), 'git', 'agent-ready-k8s'),
      url: '',
      revision: 'main',
      workClone: join(stateDir(), 'git', 'work'),
    }
  )
  const flavour = engine?.flavour ?? 'engine'
  const needGateways =
    flavour === 'engine' && !(process.env.ARK_KIND_GIT_BIND && process.env.ARK_KIND_GIT_HOST)
  const gateways = needGateways ? await kindGateways(ctx) : []
  const addresses = gitAddresses(flavour, () => gateways)
  ctx.note(
    `bind ${addresses.bind.join(', ')} · ` +
      `advertised to Argo CD as ${addresses.host} (${addresses.why})`
  )
  if (ctx.dryRun) {
    ctx.note(
      'Docker Desktop: bind 127.0.0.1, advertised as host.docker.internal · ' +
        'rootless Docker: set ARK_KIND_GIT_BIND and ARK_KIND_GIT_HOST (docs/gitops.md)'
    )
  }
  const { args, url: daemonUrl } = gitDaemonCommand(
    join(stateDir(), 'git'),
    addresses,
    GIT_DAEMON_PORT
  )
  if (state.gitDaemon && isAlive(state.gitDaemon)) {
    ctx.note(`git daemon already running (pid ${state.gitDaemon.pid})`)
  } else {
    const daemon = await ctx.start({
      name: 'git-daemon',
      cmd: 'git',
      args,
      log: join(stateDir(), 'logs', 'git-daemon.log'),
    })
    if (daemon) {
      state.gitDaemon = daemon
      writeKindState(state)
      await waitForPort(GIT_DAEMON_PORT, {
        host: probeAddress(addresses.bind[0]),
        timeoutMs: 10_000,
        proc: daemon,
      })
    }
  }
  ctx.note(`Argo CD reads ${daemonUrl} (branch ${src.revision})`)
  return { ...src, daemonUrl }
}

async function applyProjectsAndRoot(ctx: StepContext, git: NonNullable<KindState['git']>) {
  const root = rootApplication({ repoURL: git.daemonUrl, revision: git.revision, profile: PROFILE })
  await ctx.act(
    'applyGitops: server-side apply gitops/projects/*.yaml (sourceRepos placeholder = the ' +
      `repoURL), then gitops/bootstrap/root-app.yaml with repoURL=${git.daemonUrl} ` +
      `targetRevision=${root.spec.source.targetRevision} profile=${PROFILE}`,
    () =>
      applyGitops({
        kubeconfig: kubeconfigFile(),
        repoURL: git.daemonUrl,
        revision: git.revision,
        profile: PROFILE,
      })
  )
  const names = expectedApplications(PROFILE)
  await ctx.act(
    `waitForApplications: ${names.join(', ')} Synced and Healthy (≤ 20 min, a line per change)`,
    // remote charts, image pulls and the ingress webhook take minutes on a fresh cluster: a sync
    // error may persist for a while and still recover through the retry backoff
    async () => {
      await waitForApplications({
        kubeconfig: kubeconfigFile(),
        names,
        timeoutMs: 20 * MINUTES,
        errorGraceMs: 6 * MINUTES,
      })
    }
  )
}

const urls = {
  'Argo CD':
    'http://argocd.localhost/ in a browser (*.localhost is loopback) · ' +
    "curl -H 'Host: argocd.local' http://127.0.0.1/ (http://argocd.local needs an /etc/hosts entry)",
  'podinfo': "curl -H 'Host: demo.localhost' http://127.0.0.1/",
  'backend API': "curl -H 'Host: api.localhost' http://127.0.0.1/health",
}

function printSummary() {
  console.log('\nready:')
  for (const [name, how] of Object.entries(urls)) console.log(`  ${name.padEnd(12)} ${how}`)
  console.log(
    '  Argo CD login: user admin, password from\n    kubectl ' +
      `--kubeconfig ${relative(process.cwd(), kubeconfigFile()) || kubeconfigFile()} -n argocd ` +
      `get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`
  )
  console.log(`  conformance: npm run conformance   (kubeconfig context kind-${clusterName})`)
}

/** Everything `up` does, in order; each step reuses what a previous `up` left. */
function upPlan(envFile: string): Step[] {
  let engine: DockerEngine | undefined
  const state: KindState = readKindState() ?? {
    version: 1,
    cluster: clusterName,
    kubeconfig: kubeconfigFile(),
    urls,
  }
  return [
    {
      title: 'check Docker, kind and git',
      run: async (ctx) => {
        engine = await preflight(ctx)
      },
    },
    {
      title:
        `kind cluster "${clusterName}" from ${clusterConfig} ` +
        '(Kubernetes 1.34, ports 80/443 on 127.0.0.1)',
      async run(ctx) {
        await createCluster(ctx)
        await ctx.act(`record the cluster in ${relative(repoRoot, stateDir())}/state.json`, () =>
          writeKindState(state)
        )
      },
    },
    {
      title:
        backendImage.source === 'registry'
          ? `backend image ${backendImage.image}: promoted by backend-ci ` +
            '(helm/backend/values-kind.yaml), pulled by the cluster by digest — nothing built here'
          : `backend image ${backendImage.image}: build from the Dockerfile, load into kind`,
      run: loadBackendImage,
    },
    {
      title:
        `Argo CD ${readPins().tools.argocd.version} (pinned) from ${argocdKustomization}: ` +
        'the vendored install manifest, Application health for the sync waves, ' +
        'argocd.local + argocd.localhost ingress, insecure server',
      run: installArgoCD,
    },
    {
      title:
        `Secrets from ${relative(repoRoot, envFile)} ` +
        '(missing keys are generated into it; never printed)',
      run: (ctx) => createSecrets(ctx, envFile),
    },
    {
      title:
        "git source: this checkout's gitops/ + helm/ in a bare repo, " +
        'served by git daemon for the cluster',
      async run(ctx) {
        state.git = await serveGitSource(ctx, state, engine)
        if (!ctx.dryRun) writeKindState(state)
      },
    },
    {
      title:
        'AppProjects and the root app (the one source setting: the git daemon URL), ' +
        'then wait for Synced/Healthy',
      run: (ctx) => applyProjectsAndRoot(ctx, state.git!),
    },
  ]
}

/** What `down` removes: the git daemon, the kind cluster, the state dir. */
function downPlan(): Step[] {
  const state = readKindState()
  const dir = relative(repoRoot, stateDir())
  return [
    {
      title: 'stop the git daemon',
      async run(ctx) {
        const daemon = state?.gitDaemon
        if (daemon)
          await ctx.act(`stop pid ${daemon.pid} (recorded by up)`, () => stopProcess(daemon))
        else if (ctx.dryRun)
          await ctx.act('stop the git daemon recorded in state.json (if any)', () => {})
        else ctx.note('none recorded')
      },
    },
    {
      title: `delete kind cluster "${clusterName}"`,
      async run(ctx) {
        const clusters = await outputOf(ctx, 'kind', ['get', 'clusters'])
        const existing = clusters.split('\n').map((s) => s.trim())
        if (ctx.dryRun || existing.includes(clusterName))
          await ctx.exec('kind', ['delete', 'cluster', '--name', clusterName], {
            echo: true,
            timeoutMs: 5 * MINUTES,
          })
        else ctx.note('no such cluster')
      },
    },
    {
      title: `remove ${dir} (kubeconfig, git source, logs, state.json)`,
      run: (ctx) =>
        ctx.act(`rm -r ${dir}`, () => rmSync(stateDir(), { recursive: true, force: true })),
    },
  ]
}

async function main() {
  const usage = 'usage: node scripts/cluster-kind.ts up|down [--dry-run] [--secrets-file .env]'
  const { values, positionals } = parseCommandLine(
    {
      allowPositionals: true,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'secrets-file': { type: 'string', default: join(repoRoot, '.env') },
      },
    },
    usage
  )
  const dryRun = values['dry-run']!
  process.chdir(repoRoot)
  const command = positionals[0]
  if (command === 'up') {
    await runPlan(upPlan(resolve(values['secrets-file']!)), { dryRun })
    printSummary()
  } else if (command === 'down') await runPlan(downPlan(), { dryRun, onFailure: 'continue' })
  else throw new UsageError(`${usage} (got "${command ?? ''}")`)
  if (dryRun) console.log('\n(dry run: nothing was executed)')
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`\ncluster-kind: ${(e as Error).message}`)
    process.exit(exitStatusOf(e))
  })
}
