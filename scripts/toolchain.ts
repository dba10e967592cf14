#!/usr/bin/env node
/*
 * npm run toolchain [-- --only tool[,tool]] [--force]
 *
 * Builds every tool pinned in scripts/toolchain/pins.json from the Go module
 * proxy into toolchainBinDir() (see scripts/lib/toolchain.ts), then checks each
 * binary by running its version command.
 *  - "install" tools: `go install <pkg>@<version>` with GOBIN.
 *  - "wrapper" tools (kubernetes, etcd, argocd): a throwaway main module that
 *    requires the pinned module, carrying the replaces that module's own go.mod
 *    relies on; each wrapper is its own module (GOWORK=off) so Kubernetes
 *    versions never mix.
 *  - "debian" tools (shellcheck): `apt-get download` of the pinned package
 *    version, unpacked with `dpkg-deb -x`; no root, nothing installed system-wide.
 * Idempotent: a tool whose stamp (its pin + this recipe's version) matches is
 * skipped; a tool already built under another pin-hash folder with the same
 * stamp is copied instead of rebuilt. Build logs: <pin-hash>/logs/<tool>.log.
 * Progress: each build says how long it should take (the last build of that
 * tool on this machine, from its stamp, else the documented cold figure) and
 * reports the elapsed time every 30 s.
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { loadavg, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { exitStatusOf, parseCommandLine } from './lib/cli.ts'
import { expect, met, pending, type Outcome } from './lib/expect.ts'
import { goProblem } from './lib/prerequisites.ts'
import { tailFile } from './lib/log-tail.ts'
import { tryRun } from './lib/run.ts'
import { procStartTime } from './lib/supervisor.ts'
import {
  argocdManifestsDir,
  readPins,
  toolchainBinDir,
  toolchainRoot,
  type DebianToolPin,
  type GoToolPin,
  type ToolPin,
} from './lib/toolchain.ts'

/** Bump when the build recipe below changes in a way that changes binaries. */
const RECIPE = 1

/**
 * Cold build time per tool (empty Go build cache, full build in pins.json order, load ~3), as
 * measured in docs/local-cluster.md: the estimate until this machine has built the tool once.
 */
const COLD_SECONDS: Record<string, number> = {
  'kubernetes': 442,
  'etcd': 36,
  'kwok': 117,
  'argocd': 276,
  'helm': 74,
  'kustomize': 11,
  'helm-docs': 92,
  'actionlint': 4,
  'shellcheck': 30,
}

/** How each binary proves it runs and has the pinned version. */
const versionArgs: Record<string, string[]> = {
  'kube-apiserver': ['--version'],
  'kube-controller-manager': ['--version'],
  'kube-scheduler': ['--version'],
  'kubectl': ['version', '--client'],
  'etcd': ['--version'],
  'kwok': ['--version'],
  'kwokctl': ['--version'],
  'argocd': ['version', '--client', '--short'],
  'helm': ['version', '--short'],
  'kustomize': ['version'],
  'actionlint': ['--version'],
  'helm-docs': ['--version'],
}

const binDir = toolchainBinDir()
const pinDir = dirname(binDir)
const stampDir = join(binDir, '.stamps')
const logDir = join(pinDir, 'logs')

const usage = 'usage: npm run toolchain [-- --only tool[,tool]] [--force]'

function parseArgs(): { only?: string[]; force: boolean; help: boolean } {
  const { values } = parseCommandLine(
    {
      options: {
        only: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    usage
  )
  return { only: values.only?.split(',').filter(Boolean), force: values.force, help: values.help }
}

/** What a stamp records: the identity of the build, plus how long it took and when. */
type Stamp = { recipe: number; tool: string; pin: ToolPin; durationMs?: number; builtAt?: string }

/**
 * The part of a stamp that must match for a binary to be current (the timing is not part of it).
 */
const identity = (s: Pick<Stamp, 'recipe' | 'tool' | 'pin'>) =>
  JSON.stringify({ recipe: s.recipe, tool: s.tool, pin: s.pin })

function readStamp(dir: string, tool: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, '.stamps', `${tool}.json`), 'utf8')) as Stamp
  } catch {
    return undefined
  }
}

function isCurrent(dir: string, tool: string, pin: ToolPin): boolean {
  const stamp = readStamp(dir, tool)
  if (!stamp || identity(stamp) !== identity({ recipe: RECIPE, tool, pin })) return false
  return pin.binaries.every((b) => existsSync(join(dir, b)))
}

/**
 * How long building `tool` should take here: its newest stamp with
 * a duration (any pin folder), else the documented cold figure.
 */
function expectedBuild(tool: string): { ms: number; source: string } {
  const root = toolchainRoot()
  let newest: Stamp | undefined
  for (const d of existsSync(root) ? readdirSync(root) : []) {
    const stamp = readStamp(join(root, d, 'bin'), tool)
    if (stamp?.durationMs && stamp.builtAt && (!newest || stamp.builtAt > newest.builtAt!))
      newest = stamp
  }
  if (newest)
    return {
      ms: newest.durationMs!,
      source: `its last build on this machine, ${newest.builtAt!.slice(0, 16).replace('T', ' ')}`,
    }
  return {
    ms: (COLD_SECONDS[tool] ?? 60) * 1000,
    source: 'documented cold build, docs/local-cluster.md',
  }
}

const load = () => loadavg()[0].toFixed(1)

function fill(template: string, version: string): string {
  const semver = version.replace(/^v/, '')
  const [major, minor] = semver.split('.')
  return template
    .replaceAll('{version}', version)
    .replaceAll('{semver}', semver)
    .replaceAll('{major}', major)
    .replaceAll('{minor}', minor)
}

function ldflags(pin: GoToolPin): string {
  return ['-s', '-w', ...(pin.ldflags ?? []).map((x) => `-X ${fill(x, pin.version)}`)].join(' ')
}

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=local: never download another Go; CGO off: static binaries, no C toolchain needed.
  return {
    ...process.env,
    GOWORK: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=mod',
    ...extra,
  }
}

/** Runs a build command, its output appended to the tool's log as it comes (for the heartbeat). */
async function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; log: string }
): Promise<void> {
  // no timeout: a cold build takes up to 40 min under load, and the heartbeat shows it progressing
  const r = await tryRun(cmd, args, { ...opts, timeoutMs: 0 })
  // the caller prints the log's last lines
  if (!r.ok) throw new Error(`${cmd} ${args[0]} failed (${r.reason})`)
}

function describe(pin: ToolPin): string {
  return pin.build === 'debian'
    ? `Debian package ${pin.package}=${pin.version}`
    : `${pin.module}@${pin.version}`
}

function goModDir(mod: string, version: string, log: string): { dir: string; gomod: string } {
  const r = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], {
    env: goEnv(),
    encoding: 'utf8',
    cwd: pinDir,
  })
  writeFileSync(log, r.stdout + r.stderr, { flag: 'a' })
  if (r.status !== 0) throw new Error(`go mod download ${mod}@${version} failed`)
  const info = JSON.parse(r.stdout) as { Dir: string; GoMod: string }
  return { dir: info.Dir, gomod: info.GoMod }
}

/** The replace directives the wrapper must carry for this module to build as a dependency. */
function wrapperReplaces(tool: string, pin: GoToolPin, log: string): string[] {
  const { gomod } = goModDir(pin.module, pin.version, log)
  const text = readFileSync(gomod, 'utf8')
  if (tool === 'kubernetes') {
    // k8s.io/kubernetes points its staging modules at ./staging/src/...: use their tagged versions.
    const staged = [...text.matchAll(/^\s*(k8s\.io\/[^\s]+)\s+=>\s+\.\/staging\/src\//gm)].map(
      (m) => m[1]
    )
    if (!pin.stagingVersion) throw new Error('kubernetes pin needs "stagingVersion"')
    return staged.map((m) => `${m} => ${m} ${pin.stagingVersion}`)
  }
  // Otherwise copy the module's own replaces, minus local paths (absent from module zips).
  const out: string[] = []
  const block = /^replace\s*\(([\s\S]*?)^\)/gm
  for (const m of text.matchAll(block)) out.push(...m[1].split('\n'))
  for (const m of text.matchAll(/^replace\s+([^(].*)$/gm)) out.push(m[1])
  return out
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter((l) => l.includes('=>') && !/=>\s*\.{1,2}\//.test(l))
}

/**
 * Fetches the pinned Debian package and unpacks its binaries into outDir. The machine's package
 * lists are tried first (reading them needs no root); a fresh machine may have none, and updating
 * them needs root, so the fallback keeps its own lists in the cache.
 */
async function fetchDebian(
  tool: string,
  pin: DebianToolPin,
  log: string,
  outDir: string
): Promise<void> {
  const work = join(pinDir, 'debian', tool)
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const spec = `${pin.package}=${pin.version}`
  // apt drops to the user "_apt" when run as root,
  // which cannot write into this cache: stay who we are
  const asUs = ['-o', `APT::Sandbox::User=${userInfo().username}`]
  const opts = { cwd: work, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, log }
  try {
    await run('apt-get', [...asUs, '-q', 'download', spec], opts)
  } catch {
    const lists = join(pinDir, 'apt', 'lists')
    const cache = join(pinDir, 'apt', 'cache')
    for (const d of [join(lists, 'partial'), join(cache, 'archives', 'partial')])
      mkdirSync(d, { recursive: true })
    const own = [
      ...asUs,
      '-o',
      `Dir::State::Lists=${lists}`,
      '-o',
      `Dir::Cache=${cache}`,
      '-o',
      'Debug::NoLocking=1',
    ]
    await run('apt-get', [...own, '-q', 'update'], opts)
    await run('apt-get', [...own, '-q', 'download', spec], opts)
  }
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'))
  if (!deb) throw new Error(`apt-get download ${spec} left no .deb in ${work}`)
  await run('dpkg-deb', ['-x', deb, 'root'], opts)
  for (const bin of pin.binaries) {
    copyFileSync(join(work, 'root', pin.packages[bin]), join(outDir, bin))
    chmodSync(join(outDir, bin), 0o755)
  }
}

async function buildTool(tool: string, pin: ToolPin, log: string, outDir: string): Promise<void> {
  if (pin.build === 'debian') return fetchDebian(tool, pin, log, outDir)
  const flags = ldflags(pin)
  if (pin.build === 'install') {
    for (const bin of pin.binaries) {
      await run(
        'go',
        ['install', '-v', '-trimpath', '-ldflags', flags, `${pin.packages[bin]}@${pin.version}`],
        {
          cwd: pinDir,
          env: goEnv({ GOBIN: outDir, GOFLAGS: '' }),
          log,
        }
      )
    }
    return
  }
  const src = join(pinDir, 'src', tool)
  mkdirSync(src, { recursive: true })
  const replaces = wrapperReplaces(tool, pin, log)
  const goVersion = readPins().go.minimum
  writeFileSync(
    join(src, 'go.mod'),
    `module ark.local/toolchain/${tool}\n\ngo ${goVersion}\n` +
      `\nrequire ${pin.module} ${pin.version}\n` +
      (replaces.length ? `\nreplace (\n${replaces.map((r) => `\t${r}`).join('\n')}\n)\n` : '')
  )
  const pkgs = pin.binaries.map((b) => pin.packages[b])
  writeFileSync(
    join(src, 'tools.go'),
    '//go:build tools\n\npackage tools\n\nimport ' +
      `(\n${pkgs.map((p) => `\t_ "${p}"`).join('\n')}\n)\n`
  )
  await run('go', ['mod', 'tidy'], { cwd: src, env: goEnv(), log })
  if (pin.binaries.length === 1) {
    await run(
      'go',
      ['build', '-v', '-trimpath', '-ldflags', flags, '-o', join(outDir, pin.binaries[0]), pkgs[0]],
      { cwd: src, env: goEnv(), log }
    )
  } else {
    await run('go', ['build', '-v', '-trimpath', '-ldflags', flags, '-o', outDir + '/', ...pkgs], {
      cwd: src,
      env: goEnv(),
      log,
    })
  }
  // go build names a multi-package output after the last
  // path element; rename to the pinned binary name.
  for (const bin of pin.binaries) {
    const produced = join(outDir, pin.packages[bin].split('/').pop()!)
    if (!existsSync(join(outDir, bin)) && existsSync(produced))
      renameSync(produced, join(outDir, bin))
  }
}

/**
 * Runs each binary's version command; returns the
 * first line, throws if the pinned version is absent.
 */
function checkBinary(path: string, bin: string, pin: ToolPin): string {
  const r = spawnSync(path, versionArgs[bin] ?? ['--version'], {
    encoding: 'utf8',
    timeout: 20_000,
  })
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
  if (r.status !== 0)
    throw new Error(
      `${bin} ${(versionArgs[bin] ?? []).join(' ')} ` +
        `failed: ${out.slice(0, 500) || r.error?.message}`
    )
  // a Debian version is upstream-revision (0.9.0-1): the binary knows only the upstream part
  const semver =
    pin.build === 'debian' ? pin.version.replace(/-[^-]+$/, '') : pin.version.replace(/^v/, '')
  if (!out.includes(semver))
    throw new Error(`${bin} reports "${out.split('\n')[0]}", expected version ${pin.version}`)
  return out.split('\n').find((l) => l.includes(semver))!
}

/**
 * A tool already built with the same stamp under another pin-hash folder is reused, not rebuilt.
 */
function findReusable(tool: string, pin: ToolPin): string | undefined {
  const root = toolchainRoot()
  if (!existsSync(root)) return undefined
  for (const d of readdirSync(root)) {
    const dir = join(root, d, 'bin')
    if (dir !== binDir && existsSync(dir) && isCurrent(dir, tool, pin)) return dir
  }
  return undefined
}

function fmt(ms: number): string {
  const s = Math.round(ms / 1000)
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

async function main(): Promise<void> {
  const { only, force, help } = parseArgs()
  if (help) return void console.log(usage)
  const pins = readPins()
  const names = only ?? Object.keys(pins.tools)
  for (const n of names) {
    if (!pins.tools[n])
      throw new Error(`unknown tool "${n}"; pinned tools: ${Object.keys(pins.tools).join(', ')}`)
  }
  const toBuild = names.filter(
    (t) => force || (!isCurrent(binDir, t, pins.tools[t]) && !findReusable(t, pins.tools[t]))
  )
  // Go only matters when something is compiled: a warm cache and shellcheck need none
  const goMissing = toBuild.some((t) => pins.tools[t].build !== 'debian') ? goProblem() : undefined
  if (goMissing) throw new Error(`${goMissing.what}: ${goMissing.fix}`)
  mkdirSync(stampDir, { recursive: true })
  mkdirSync(logDir, { recursive: true })
  await takeLock()
  console.log(`toolchain: ${binDir}`)
  if (toBuild.length) {
    const plan = toBuild.map((t) => ({ tool: t, ...expectedBuild(t) }))
    const total = plan.reduce((sum, p) => sum + p.ms, 0)
    console.log(
      `to build: ${plan.map((p) => `${p.tool} ~${fmt(p.ms)}`).join(', ')} — ` +
        `about ${fmt(total)} in all at the pace measured (load now ${load()}; 2 cores)`
    )
  }
  const started = Date.now()
  const timings: Record<string, number> = {}
  let i = 0
  for (const tool of names) {
    i++
    const pin = pins.tools[tool]
    const tag = `[${i}/${names.length}] ${tool} ${pin.version}`
    const t0 = Date.now()
    if (!force && isCurrent(binDir, tool, pin)) {
      for (const b of pin.binaries) checkBinary(join(binDir, b), b, pin)
      if (pin.build !== 'debian' && tool === 'argocd') shareArgocdManifests(pin)
      console.log(`${tag}: up to date`)
      continue
    }
    const log = join(logDir, `${tool}.log`)
    writeFileSync(log, `# ${new Date().toISOString()} building ${tool} ${describe(pin)}\n`)
    const reuse = force ? undefined : findReusable(tool, pin)
    const outDir = join(pinDir, 'out', tool)
    rmSync(outDir, { recursive: true, force: true })
    mkdirSync(outDir, { recursive: true })
    let expected: { ms: number; source: string } | undefined
    if (reuse) {
      console.log(`${tag}: same pin already built in ${reuse}, copying`)
      for (const b of pin.binaries) copyFileSync(join(reuse, b), join(outDir, b))
    } else {
      expected = expectedBuild(tool)
      console.log(
        `${tag}: ${pin.build === 'debian' ? 'fetching' : 'building'}, ` +
          `expect ~${fmt(expected.ms)} (${expected.source}) · log: ${log}`
      )
      // Heartbeat: elapsed against the estimate, the load
      // that explains a slower pace, the log's last line.
      const beat = setInterval(() => {
        const took = Date.now() - t0
        const left = expected!.ms - took
        const pace = left > 0 ? `~${fmt(left)} left` : `${fmt(-left)} over the estimate`
        console.log(
          `    ${tool}: ${fmt(took)} of ~${fmt(expected!.ms)} ` +
            `(${pace}, load ${load()}) … ${tailFile(log, 1).slice(0, 120)}`
        )
      }, 30_000)
      try {
        await buildTool(tool, pin, log, outDir)
      } catch (e) {
        console.error(
          `\n✗ ${tool} ${pin.version}: ${(e as Error).message}\n` +
            `--- last lines of ${log} ---\n${tailFile(log, 25)}\n---`
        )
        process.exitCode = 1
        return
      } finally {
        clearInterval(beat)
      }
    }
    try {
      for (const b of pin.binaries) {
        const line = checkBinary(join(outDir, b), b, pin)
        renameSync(join(outDir, b), join(binDir, b))
        console.log(`    ${b}: ${line}`)
      }
    } catch (e) {
      console.error(
        `\n✗ ${tool} ${pin.version}: built, but its version check failed: ${(e as Error).message}`
      )
      process.exitCode = 1
      return
    }
    if (pin.build !== 'debian' && tool === 'argocd') {
      linkArgocdComponents()
      shareArgocdManifests(pin)
    }
    if (!reuse) timings[tool] = Date.now() - t0
    // a copy says nothing about build time: keep the duration of the build it was copied from
    const durationMs = reuse ? readStamp(reuse, tool)?.durationMs : timings[tool]
    const builtAt = reuse ? readStamp(reuse, tool)?.builtAt : new Date().toISOString()
    const stamp: Stamp = { recipe: RECIPE, tool, pin, durationMs, builtAt }
    writeFileSync(join(stampDir, `${tool}.json`), JSON.stringify(stamp) + '\n')
    console.log(
      `${tag}: ${reuse ? 'copied' : 'built'} ` +
        `in ${fmt(Date.now() - t0)}${expected ? ` (expected ~${fmt(expected.ms)})` : ''}`
    )
  }
  if (Object.keys(timings).length)
    console.log(
      `built: ${Object.entries(timings)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ')}`
    )
  console.log(`toolchain ready in ${fmt(Date.now() - started)}: ${binDir}`)
}

/** One toolchain run per pin folder at a time: a second one waits, then finds the tools built. */
async function takeLock(): Promise<void> {
  const lock = join(pinDir, 'lock')
  const mine = JSON.stringify({ pid: process.pid, startTime: procStartTime(process.pid) })
  let said = false
  const taken = (): Outcome<undefined> => {
    try {
      writeFileSync(lock, mine, { flag: 'wx' })
      return met()
    } catch {
      let holder: { pid?: number; startTime?: string } = {}
      try {
        holder = JSON.parse(readFileSync(lock, 'utf8'))
      } catch {}
      if (!holder.pid || procStartTime(holder.pid) !== holder.startTime) {
        rmSync(lock, { force: true }) // its owner is gone
        return pending('a stale lock was removed')
      }
      if (!said)
        console.log(
          `toolchain: another build (pid ${holder.pid}) is running in ${pinDir}; waiting for it`
        )
      said = true
      return pending(`another build (pid ${holder.pid}) holds ${lock}`)
    }
  }
  // a cold build of every tool takes ~20 min on a busy machine: wait for it as long as it may take
  await expect('the toolchain build lock', taken).within(3 * 60 * 60_000, { maxDelayMs: 2000 })
  const release = () => {
    try {
      if (readFileSync(lock, 'utf8') === mine) rmSync(lock)
    } catch {}
  }
  process.on('exit', release)
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130))
}

/** The local cluster applies Argo CD's own CRDs and base config, from the same pinned module. */
function shareArgocdManifests(pin: GoToolPin): void {
  const dest = argocdManifestsDir()
  if (existsSync(join(dest, 'crds')) && existsSync(join(dest, 'config'))) return
  const { dir } = goModDir(pin.module, pin.version, join(logDir, 'argocd.log'))
  rmSync(dest, { recursive: true, force: true })
  cpSync(join(dir, 'manifests', 'crds'), join(dest, 'crds'), { recursive: true })
  cpSync(join(dir, 'manifests', 'base', 'config'), join(dest, 'config'), { recursive: true })
  spawnSync('chmod', ['-R', 'u+w', dest]) // module cache files are read-only
}

/** Argo CD is one multi-call binary; the component is picked by argv[0]. */
function linkArgocdComponents(): void {
  for (const name of [
    'argocd-server',
    'argocd-repo-server',
    'argocd-application-controller',
    'argocd-cmp-server',
    'argocd-git-ask-pass',
  ]) {
    const p = join(binDir, name)
    rmSync(p, { force: true })
    spawnSync('ln', ['-s', 'argocd', p])
    if (!existsSync(p) || !statSync(p).isFile()) throw new Error(`could not link ${p}`)
  }
}

main().catch((e) => {
  console.error(`toolchain: ${(e as Error).message}`)
  process.exit(exitStatusOf(e))
})
