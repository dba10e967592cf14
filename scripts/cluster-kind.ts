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
import {
  AppsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node'
import { parse, parseAllDocuments } from 'yaml'
import { $ } from 'zx'
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
import { isAlive, startProcess, stopProcess, waitForPort } from './lib/supervisor.ts'
import { readPins, toolchainBinDir } from './lib/toolchain.ts'
import { vendoredInstallPath } from './vendor-argocd-install.ts'

const PROFILE = 'kind'
const clusterConfig = 'gitops/bootstrap/kind/cluster.yaml'
const argocdKustomization = 'gitops/bootstrap/argocd'
const clusterName: string = parse(readFileSync(join(repoRoot, clusterConfig), 'utf8')).name

// what the kind values deploy: a promoted registry digest (pulled by the cluster) or a local build
const backendImage = readBackendImage(repoRoot, 'helm/backend/values-kind.yaml')
const GIT_DAEMON_PORT = 9418

const stateDir = kindDir
const kubeconfigFile = () => join(stateDir(), 'kubeconfig')
const readState = () => readKindState()
const writeState = (s: KindState) => writeKindState(s)

// ---------------------------------------------------------------------------------------------
// A plan is a list of steps; dry-run prints it, a real run executes it with progress.

const t0 = Date.now()
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`
let dryRun = false
let stepNo = 0

function step(title: string) {
  stepNo++
  console.log(dryRun ? `\n# ${stepNo}. ${title}` : `\n[${elapsed()}] ${stepNo}. ${title}`)
}

const shellQuote = (bin: string, args: string[]) =>
  [bin === kustomizeBin() ? 'kustomize' : bin, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ')

/**
 * Runs (or, in dry-run, prints) an external command and
 * reports how it ended; never throws on a failed exit.
 */
async function tryCmd(
  bin: string,
  args: string[],
  opts: { quiet?: boolean; input?: string } = {}
): Promise<{ ok: boolean; stdout: string; error: string }> {
  console.log(`$ ${shellQuote(bin, args)}`)
  if (dryRun) return { ok: true, stdout: '', error: '' }
  const out = await $({
    quiet: opts.quiet ?? false,
    input: opts.input,
    nothrow: true,
  })`${bin} ${args}`
  return {
    ok: out.exitCode === 0,
    stdout: out.exitCode === 0 ? out.stdout : '',
    error: `exit ${out.exitCode}: ${out.stderr.trim() || out.stdout.trim()}`,
  }
}

/** Runs (or, in dry-run, prints) an external command; returns stdout. */
async function cmd(
  bin: string,
  args: string[],
  opts: { quiet?: boolean; input?: string; allowFail?: boolean } = {}
): Promise<string> {
  const r = await tryCmd(bin, args, opts)
  if (!r.ok && !opts.allowFail) throw new Error(`${shellQuote(bin, args)} failed (${r.error})`)
  return r.stdout
}

/** An in-process action (Kubernetes API call, git helper) — printed the same way in dry-run. */
async function action<T>(description: string, fn: () => Promise<T>, dryValue: T): Promise<T> {
  console.log(`→ ${description}`)
  return dryRun ? dryValue : fn()
}

const kustomizeBin = () => join(toolchainBinDir(), 'kustomize')

// ---------------------------------------------------------------------------------------------

async function preflight() {
  step('check Docker, kind and git')
  const info = await cmd('docker', ['info', '--format', '{{json .}}'], {
    quiet: true,
    allowFail: true,
  })
  if (!dryRun && !info.trim()) {
    throw new Error(
      'Docker is not available ("docker info" failed). Install Docker and start it — ' +
        'or use the local profile, which needs no Docker: npm run cluster:local -- up'
    )
  }
  if (!dryRun) {
    dockerEngine = dockerEngineOf(JSON.parse(info))
    console.log(`  Docker ${dockerEngine.version} (${dockerEngine.flavour})`)
    // rootless Docker needs the git addresses set explicitly: say so before creating anything
    if (dockerEngine.flavour === 'rootless') gitAddresses(dockerEngine.flavour, () => [])
  }
  const kind = await cmd('kind', ['version'], { quiet: true, allowFail: true })
  if (!dryRun && !kind.trim()) {
    throw new Error(
      'kind is not installed: see https://kind.sigs.k8s.io/docs/user/quick-start/#installation ' +
        '(v0.30.0 or newer runs Kubernetes 1.34 nodes)'
    )
  }
  await cmd('git', ['--version'], { quiet: true })
  if (!existsSync(kustomizeBin()))
    await cmd(process.execPath, ['scripts/toolchain.ts', '--only', 'kustomize'])
}

async function createCluster() {
  step(
    `kind cluster "${clusterName}" from ${clusterConfig} ` +
      '(Kubernetes 1.34, ports 80/443 on 127.0.0.1)'
  )
  const clusters = await cmd('kind', ['get', 'clusters'], { quiet: true })
  const existing = clusters.split('\n').map((s) => s.trim())
  if (existing.includes(clusterName)) console.log(`  exists already: reused`)
  else await cmd('kind', ['create', 'cluster', '--config', clusterConfig, '--wait', '180s'])
  const kubeconfig = await cmd('kind', ['get', 'kubeconfig', '--name', clusterName], {
    quiet: true,
  })
  if (!dryRun) {
    mkdirSync(stateDir(), { recursive: true })
    writeFileSync(kubeconfigFile(), kubeconfig, { mode: 0o600 })
  }
  console.log(
    `  kubeconfig: ${relative(process.cwd(), kubeconfigFile()) || kubeconfigFile()} ` +
      `(kind also merged context kind-${clusterName} into your default kubeconfig)`
  )
}

/**
 * `kind load docker-image` fails with "content digest not found" when Docker keeps images in its
 * containerd image store (the default of Docker 29 and Docker Desktop): it exports every platform
 * of the image, and a locally built one has content for one only. Then the image goes in as a
 * single-platform archive instead (`docker image save --platform` + `kind load image-archive`).
 */
async function loadBackendImage() {
  if (backendImage.source === 'registry') {
    step(
      `backend image ${backendImage.image}: promoted by backend-ci ` +
        '(helm/backend/values-kind.yaml), pulled by the cluster by digest — nothing built here'
    )
    return
  }
  const image = backendImage.image
  step(`backend image ${image}: build from the Dockerfile, load into kind`)
  await cmd('docker', ['build', '--tag', image, '.'])
  const direct = await tryCmd('kind', ['load', 'docker-image', image, '--name', clusterName])
  if (dryRun)
    console.log(
      '  if that fails (Docker\'s containerd image store: "content digest not found"), ' +
        'load a single-platform archive instead:'
    )
  else if (direct.ok) return
  else {
    const lines = direct.error.split('\n')
    const cause = lines.find((l) => /not found|error/i.test(l)) ?? lines[0]
    console.log(
      `  kind load docker-image failed (${cause}); loading a single-platform archive instead`
    )
  }
  const inspected = await cmd(
    'docker',
    ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', image],
    { quiet: true }
  )
  const platform = inspected.trim() || '<image platform>'
  const archive = join(stateDir(), 'backend-image.tar')
  if (!dryRun) mkdirSync(stateDir(), { recursive: true })
  try {
    await cmd('docker', ['image', 'save', '--platform', platform, '--output', archive, image])
    await cmd('kind', ['load', 'image-archive', archive, '--name', clusterName])
  } finally {
    if (!dryRun) rmSync(archive, { force: true })
  }
}

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromFile(kubeconfigFile())
  return kc
}

/** Server-side apply in dependency order: Namespaces and CRDs first. */
async function serverSideApply(objects: KubernetesObject[]) {
  const rank = (o: KubernetesObject) =>
    o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2
  const client = KubernetesObjectApi.makeApiClient(kubeConfig())
  for (const obj of [...objects].sort((a, b) => rank(a) - rank(b))) {
    try {
      await client.patch(
        obj,
        undefined,
        undefined,
        'agent-ready-k8s',
        true,
        PatchStrategy.ServerSideApply
      )
    } catch (e) {
      const body = (e as { body?: unknown }).body
      const cause = typeof body === 'string' ? body : (e as Error).message
      throw new Error(
        `applying ${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}: ${cause}`
      )
    }
  }
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

async function installArgoCD() {
  step(
    `Argo CD ${readPins().tools.argocd.version} (pinned) ` +
      `from ${argocdKustomization}: the vendored install manifest, Application health ` +
      'for the sync waves, argocd.local + argocd.localhost ingress, insecure server'
  )
  // the manifest is committed (tests/repo/argocd-bootstrap.spec.ts
  // keeps it equal to the pinned module's copy): no download
  console.log(
    `  ${vendoredInstallPath} + ${argocdKustomization}/argocd-cm.yaml ` +
      '(resource.customizations.health.argoproj.io_Application)'
  )
  const rendered = await cmd(kustomizeBin(), ['build', argocdKustomization], { quiet: true })
  const objects = parseAllDocuments(rendered)
    .map((d) => d.toJS() as KubernetesObject)
    .filter(Boolean)
  await action(
    `server-side apply the ${dryRun ? '' : `${objects.length} `}rendered ` +
      'objects (Namespaces and CRDs first)',
    () => serverSideApply(objects),
    undefined
  )
  await action(
    'wait until every Argo CD Deployment/StatefulSet is ready',
    () => waitForArgoCD(),
    undefined
  )
}

async function createSecrets(envFile: string) {
  step(
    `Secrets from ${relative(repoRoot, envFile)} ` +
      '(missing keys are generated into it; never printed)'
  )
  const describe = describeObjects(secretObjects(PROFILE, placeholderInput))
  await action(
    `server-side apply: ${describe.join('; ')}`,
    async () =>
      applySecrets(
        kubeconfigFile(),
        secretObjects(PROFILE, readSecretInput(envFile, PROFILE, { generate: true }))
      ),
    undefined
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

let dockerEngine: DockerEngine | undefined

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
async function kindGateways(): Promise<string[]> {
  const out = await cmd(
    'docker',
    ['network', 'inspect', 'kind', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}'],
    { quiet: true }
  )
  if (dryRun) return ['<kind network IPv4 gateway>', '<kind network IPv6 gateway>']
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

async function serveGitSource(state: KindState): Promise<KindState['git']> {
  step(
    "git source: this checkout's gitops/ + helm/ in a " +
      'bare repo, served by git daemon for the cluster'
  )
  const src = await action(
    `ensureGitSource(${relative(repoRoot, join(stateDir(), 'git'))}) ` +
      '— snapshot of gitops/ and helm/ as branch main',
    () => ensureGitSource(join(stateDir(), 'git')),
    {
      bareRepo: join(stateDir(), 'git', 'agent-ready-k8s'),
      url: '',
      revision: 'main',
      workClone: join(stateDir(), 'git', 'work'),
    }
  )
  let gateways: string[] = []
  const needGateways =
    (dockerEngine?.flavour ?? 'engine') === 'engine' &&
    !(process.env.ARK_KIND_GIT_BIND && process.env.ARK_KIND_GIT_HOST)
  if (needGateways) gateways = await kindGateways()
  const addresses = gitAddresses(dockerEngine?.flavour ?? 'engine', () => gateways)
  console.log(
    `  bind ${addresses.bind.join(', ')} · advertised ` +
      `to Argo CD as ${addresses.host} (${addresses.why})`
  )
  if (dryRun) {
    console.log(
      '  Docker Desktop: bind 127.0.0.1, advertised as host.docker.internal · ' +
        'rootless Docker: set ARK_KIND_GIT_BIND and ARK_KIND_GIT_HOST (docs/gitops.md)'
    )
  }
  const { args, url: daemonUrl } = gitDaemonCommand(
    join(stateDir(), 'git'),
    addresses,
    GIT_DAEMON_PORT
  )
  if (state.gitDaemon && isAlive(state.gitDaemon)) {
    console.log(`  git daemon already running (pid ${state.gitDaemon.pid})`)
  } else {
    console.log(`$ git ${args.join(' ')} &`)
    if (!dryRun) {
      state.gitDaemon = startProcess({
        name: 'git-daemon',
        cmd: 'git',
        args,
        log: join(stateDir(), 'logs', 'git-daemon.log'),
      })
      writeState(state)
      await waitForPort(GIT_DAEMON_PORT, {
        host: probeAddress(addresses.bind[0]),
        timeoutMs: 10_000,
        proc: state.gitDaemon,
      })
    }
  }
  console.log(`  Argo CD reads ${daemonUrl} (branch ${src.revision})`)
  return { ...src, daemonUrl }
}

async function applyProjectsAndRoot(git: NonNullable<KindState['git']>) {
  step(
    'AppProjects and the root app (the one source setting: ' +
      'the git daemon URL), then wait for Synced/Healthy'
  )
  const root = rootApplication({ repoURL: git.daemonUrl, revision: git.revision, profile: PROFILE })
  await action(
    'applyGitops: server-side apply gitops/projects/*.yaml (sourceRepos placeholder = ' +
      `the repoURL), then gitops/bootstrap/root-app.yaml with repoURL=${git.daemonUrl} ` +
      `targetRevision=${root.spec.source.targetRevision} profile=${PROFILE}`,
    () =>
      applyGitops({
        kubeconfig: kubeconfigFile(),
        repoURL: git.daemonUrl,
        revision: git.revision,
        profile: PROFILE,
      }),
    undefined
  )
  const names = expectedApplications(PROFILE)
  await action(
    `waitForApplications: ${names.join(', ')} Synced and Healthy (≤ 20 min, a line per change)`,
    // remote charts, image pulls and the ingress webhook take minutes on a fresh cluster: a sync
    // error may persist for a while and still recover through the retry backoff
    () =>
      waitForApplications({
        kubeconfig: kubeconfigFile(),
        names,
        timeoutMs: 20 * 60_000,
        errorGraceMs: 6 * 60_000,
      }).then(() => undefined),
    undefined
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
  step('ready')
  for (const [name, how] of Object.entries(urls)) console.log(`  ${name.padEnd(12)} ${how}`)
  console.log(
    '  Argo CD login: user admin, password from\n    kubectl ' +
      `--kubeconfig ${relative(process.cwd(), kubeconfigFile()) || kubeconfigFile()} -n argocd ` +
      `get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`
  )
  console.log(`  conformance: npm run conformance   (kubeconfig context kind-${clusterName})`)
}

async function up(envFile: string) {
  await preflight()
  await createCluster()
  const state: KindState = readState() ?? {
    version: 1,
    cluster: clusterName,
    kubeconfig: kubeconfigFile(),
    urls,
  }
  if (!dryRun) writeState(state)
  await loadBackendImage()
  await installArgoCD()
  await createSecrets(envFile)
  state.git = await serveGitSource(state)
  if (!dryRun) writeState(state)
  await applyProjectsAndRoot(state.git!)
  printSummary()
}

async function down() {
  const state = readState()
  step('stop the git daemon')
  if (state?.gitDaemon)
    await action(
      `stop pid ${state.gitDaemon.pid} (recorded by up)`,
      () => stopProcess(state.gitDaemon!),
      undefined
    )
  else
    console.log(
      dryRun ? '→ stop the git daemon recorded in state.json (if any)' : '  none recorded'
    )
  step(`delete kind cluster "${clusterName}"`)
  const clusters = await cmd('kind', ['get', 'clusters'], { quiet: true, allowFail: true })
  const existing = clusters.split('\n').map((s) => s.trim())
  if (dryRun || existing.includes(clusterName))
    await cmd('kind', ['delete', 'cluster', '--name', clusterName])
  else console.log('  no such cluster')
  step(`remove ${relative(repoRoot, stateDir())} (kubeconfig, git source, logs, state.json)`)
  await action(
    `rm -r ${relative(repoRoot, stateDir())}`,
    async () => rmSync(stateDir(), { recursive: true, force: true }),
    undefined
  )
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
  dryRun = values['dry-run']!
  process.chdir(repoRoot)
  const command = positionals[0]
  if (command === 'up') await up(resolve(values['secrets-file']!))
  else if (command === 'down') await down()
  else throw new UsageError(`${usage} (got "${command ?? ''}")`)
  if (dryRun) console.log('\n(dry run: nothing was executed)')
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`\ncluster-kind: ${(e as Error).message}`)
    process.exit(exitStatusOf(e))
  })
}
