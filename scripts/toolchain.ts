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
 * Idempotent: a tool whose stamp (its pin + this recipe's version) matches is
 * skipped; a tool already built under another pin-hash folder with the same
 * stamp is copied instead of rebuilt. Build logs: <pin-hash>/logs/<tool>.log.
 */
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { procStartTime } from './lib/supervisor.ts'
import { argocdManifestsDir, readPins, toolchainBinDir, toolchainRoot, type ToolPin } from './lib/toolchain.ts'

/** Bump when the build recipe below changes in a way that changes binaries. */
const RECIPE = 1

/** How each binary proves it runs and has the pinned version. */
const versionArgs: Record<string, string[]> = {
  'kube-apiserver': ['--version'],
  'kube-controller-manager': ['--version'],
  'kube-scheduler': ['--version'],
  kubectl: ['version', '--client'],
  etcd: ['--version'],
  kwok: ['--version'],
  kwokctl: ['--version'],
  argocd: ['version', '--client', '--short'],
  helm: ['version', '--short'],
  kustomize: ['version'],
  actionlint: ['--version'],
}

const binDir = toolchainBinDir()
const pinDir = dirname(binDir)
const stampDir = join(binDir, '.stamps')
const logDir = join(pinDir, 'logs')

function parseArgs(argv: string[]): { only?: string[]; force: boolean } {
  let only: string[] | undefined
  let force = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean)
    else if (a.startsWith('--only=')) only = a.slice(7).split(',').filter(Boolean)
    else if (a === '--force') force = true
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run toolchain [-- --only tool[,tool]] [--force]')
      process.exit(0)
    } else throw new Error(`unknown argument "${a}" (usage: npm run toolchain [-- --only tool[,tool]] [--force])`)
  }
  return { only, force }
}

function stampOf(tool: string, pin: ToolPin): string {
  return JSON.stringify({ recipe: RECIPE, tool, pin }) + '\n'
}

function isCurrent(dir: string, tool: string, pin: ToolPin): boolean {
  const stamp = join(dir, '.stamps', `${tool}.json`)
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== stampOf(tool, pin)) return false
  return pin.binaries.every((b) => existsSync(join(dir, b)))
}

function fill(template: string, version: string): string {
  const semver = version.replace(/^v/, '')
  const [major, minor] = semver.split('.')
  return template.replaceAll('{version}', version).replaceAll('{semver}', semver).replaceAll('{major}', major).replaceAll('{minor}', minor)
}

function ldflags(pin: ToolPin): string {
  return ['-s', '-w', ...(pin.ldflags ?? []).map((x) => `-X ${fill(x, pin.version)}`)].join(' ')
}

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=local: never download another Go; CGO off: static binaries, no C toolchain needed.
  return { ...process.env, GOWORK: 'off', GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod', ...extra }
}

/** Runs a command appending its output to the tool's log; rejects with the log's tail. */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string }): Promise<void> {
  const fd = openSync(opts.log, 'a')
  writeFileSync(fd, `\n$ ${cmd} ${args.join(' ')}\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd] })
    child.on('error', (e) => {
      closeSync(fd)
      reject(e)
    })
    child.on('exit', (code, signal) => {
      closeSync(fd)
      if (code === 0) resolve()
      else reject(new Error(`${cmd} ${args[0]} failed (${signal ?? `exit ${code}`})`))
    })
  })
}

function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return ''
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
}

function goModDir(mod: string, version: string, log: string): { dir: string; gomod: string } {
  const r = spawnSync('go', ['mod', 'download', '-json', `${mod}@${version}`], { env: goEnv(), encoding: 'utf8', cwd: pinDir })
  writeFileSync(log, r.stdout + r.stderr, { flag: 'a' })
  if (r.status !== 0) throw new Error(`go mod download ${mod}@${version} failed`)
  const info = JSON.parse(r.stdout) as { Dir: string; GoMod: string }
  return { dir: info.Dir, gomod: info.GoMod }
}

/** The replace directives the wrapper must carry for this module to build as a dependency. */
function wrapperReplaces(tool: string, pin: ToolPin, log: string): string[] {
  const { gomod } = goModDir(pin.module, pin.version, log)
  const text = readFileSync(gomod, 'utf8')
  if (tool === 'kubernetes') {
    // k8s.io/kubernetes points its staging modules at ./staging/src/...: use their tagged versions.
    const staged = [...text.matchAll(/^\s*(k8s\.io\/[^\s]+)\s+=>\s+\.\/staging\/src\//gm)].map((m) => m[1])
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

async function buildTool(tool: string, pin: ToolPin, log: string, outDir: string): Promise<void> {
  const flags = ldflags(pin)
  if (pin.build === 'install') {
    for (const bin of pin.binaries) {
      await run('go', ['install', '-v', '-trimpath', '-ldflags', flags, `${pin.packages[bin]}@${pin.version}`], {
        cwd: pinDir,
        env: goEnv({ GOBIN: outDir, GOFLAGS: '' }),
        log,
      })
    }
    return
  }
  const src = join(pinDir, 'src', tool)
  mkdirSync(src, { recursive: true })
  const replaces = wrapperReplaces(tool, pin, log)
  const goVersion = readPins().go.minimum
  writeFileSync(
    join(src, 'go.mod'),
    `module ark.local/toolchain/${tool}\n\ngo ${goVersion}\n\nrequire ${pin.module} ${pin.version}\n` +
      (replaces.length ? `\nreplace (\n${replaces.map((r) => `\t${r}`).join('\n')}\n)\n` : ''),
  )
  const pkgs = pin.binaries.map((b) => pin.packages[b])
  writeFileSync(join(src, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport (\n${pkgs.map((p) => `\t_ "${p}"`).join('\n')}\n)\n`)
  await run('go', ['mod', 'tidy'], { cwd: src, env: goEnv(), log })
  if (pin.binaries.length === 1) {
    await run('go', ['build', '-v', '-trimpath', '-ldflags', flags, '-o', join(outDir, pin.binaries[0]), pkgs[0]], { cwd: src, env: goEnv(), log })
  } else {
    await run('go', ['build', '-v', '-trimpath', '-ldflags', flags, '-o', outDir + '/', ...pkgs], { cwd: src, env: goEnv(), log })
  }
  // go build names a multi-package output after the last path element; rename to the pinned binary name.
  for (const bin of pin.binaries) {
    const produced = join(outDir, pin.packages[bin].split('/').pop()!)
    if (!existsSync(join(outDir, bin)) && existsSync(produced)) renameSync(produced, join(outDir, bin))
  }
}

/** Runs each binary's version command; returns the first line, throws if the pinned version is absent. */
function checkBinary(path: string, bin: string, pin: ToolPin): string {
  const r = spawnSync(path, versionArgs[bin] ?? ['--version'], { encoding: 'utf8', timeout: 20_000 })
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
  if (r.status !== 0) throw new Error(`${bin} ${(versionArgs[bin] ?? []).join(' ')} failed: ${out.slice(0, 500)}`)
  const semver = pin.version.replace(/^v/, '')
  if (!out.includes(semver)) throw new Error(`${bin} reports "${out.split('\n')[0]}", expected version ${pin.version}`)
  return out.split('\n')[0]
}

/** A tool already built with the same stamp under another pin-hash folder is reused, not rebuilt. */
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
  const { only, force } = parseArgs(process.argv.slice(2))
  const pins = readPins()
  const names = only ?? Object.keys(pins.tools)
  for (const n of names) {
    if (!pins.tools[n]) throw new Error(`unknown tool "${n}"; pinned tools: ${Object.keys(pins.tools).join(', ')}`)
  }
  const goCheck = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' })
  if (goCheck.status !== 0) throw new Error('Go is not installed (need go >= ' + pins.go.minimum + ')')
  mkdirSync(stampDir, { recursive: true })
  mkdirSync(logDir, { recursive: true })
  await takeLock()
  console.log(`toolchain: ${binDir} (${goCheck.stdout.trim()})`)
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
      if (tool === 'argocd') shareArgocdManifests(pin)
      console.log(`${tag}: up to date`)
      continue
    }
    const log = join(logDir, `${tool}.log`)
    writeFileSync(log, `# ${new Date().toISOString()} building ${tool} ${pin.module}@${pin.version}\n`)
    const reuse = force ? undefined : findReusable(tool, pin)
    const outDir = join(pinDir, 'out', tool)
    rmSync(outDir, { recursive: true, force: true })
    mkdirSync(outDir, { recursive: true })
    if (reuse) {
      console.log(`${tag}: same pin already built in ${reuse}, copying`)
      for (const b of pin.binaries) copyFileSync(join(reuse, b), join(outDir, b))
    } else {
      console.log(`${tag}: building (log: ${log})`)
      // Heartbeat with the log's last line so a long Go build visibly progresses.
      const beat = setInterval(() => {
        const last = tail(log, 1).slice(0, 140)
        console.log(`    ${tool}: ${fmt(Date.now() - t0)} … ${last}`)
      }, 30_000)
      try {
        await buildTool(tool, pin, log, outDir)
      } catch (e) {
        console.error(`\n✗ ${tool} ${pin.version}: ${(e as Error).message}\n--- last lines of ${log} ---\n${tail(log)}\n---`)
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
      console.error(`\n✗ ${tool} ${pin.version}: built, but its version check failed: ${(e as Error).message}`)
      process.exitCode = 1
      return
    }
    if (tool === 'argocd') {
      linkArgocdComponents()
      shareArgocdManifests(pin)
    }
    writeFileSync(join(stampDir, `${tool}.json`), stampOf(tool, pin))
    timings[tool] = Date.now() - t0
    console.log(`${tag}: built in ${fmt(timings[tool])}`)
  }
  if (Object.keys(timings).length) console.log(`built: ${Object.entries(timings).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`)
  console.log(`toolchain ready in ${fmt(Date.now() - started)}: ${binDir}`)
}

/** One toolchain run per pin folder at a time: a second one waits, then finds the tools built. */
async function takeLock(): Promise<void> {
  const lock = join(pinDir, 'lock')
  const mine = JSON.stringify({ pid: process.pid, startTime: procStartTime(process.pid) })
  let said = false
  for (;;) {
    try {
      writeFileSync(lock, mine, { flag: 'wx' })
      const release = () => {
        try {
          if (readFileSync(lock, 'utf8') === mine) rmSync(lock)
        } catch {}
      }
      process.on('exit', release)
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130))
      return
    } catch {
      let holder: { pid?: number; startTime?: string } = {}
      try {
        holder = JSON.parse(readFileSync(lock, 'utf8'))
      } catch {}
      if (!holder.pid || procStartTime(holder.pid) !== holder.startTime) {
        rmSync(lock, { force: true }) // its owner is gone
        continue
      }
      if (!said) console.log(`toolchain: another build (pid ${holder.pid}) is running in ${pinDir}; waiting for it`)
      said = true
      await new Promise((r) => setTimeout(r, 2000))
    }
  }
}

/** The local cluster applies Argo CD's own CRDs and base config, from the same pinned module. */
function shareArgocdManifests(pin: ToolPin): void {
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
  for (const name of ['argocd-server', 'argocd-repo-server', 'argocd-application-controller', 'argocd-cmp-server', 'argocd-git-ask-pass']) {
    const p = join(binDir, name)
    rmSync(p, { force: true })
    spawnSync('ln', ['-s', 'argocd', p])
    if (!existsSync(p) || !statSync(p).isFile()) throw new Error(`could not link ${p}`)
  }
}

main().catch((e) => {
  console.error(`toolchain: ${(e as Error).message}`)
  process.exit(1)
})
