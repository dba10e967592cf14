/*
 * No Docker engine runs here, so this performs the image's production build without one: the
 * Dockerfile's own build-stage and prod-deps commands (read from the Dockerfile) in temp dirs, the
 * runtime layout (/app/node_modules + /app/backend = build output, node in /usr/local/bin) in a
 * tree of its own that the image's user can read wherever the checkout lives (even in a directory
 * only its owner can enter), the chart's migration init command, then the image's CMD — and GET
 * /health must answer. Real PostgreSQL and Redis on 127.0.0.1.
 */
import { test } from '@japa/runner'
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import { parseDockerfile, type Stage } from '../../scripts/lib/dockerfile.ts'
import { portInUse } from '../../scripts/lib/supervisor.ts'
import { dropDatabase, ensureDatabase } from '../../scripts/lib/postgres.ts'

/** The server the built image is started against (the same as its DB_HOST/DB_PORT below). */
const pgAt = { host: '127.0.0.1', port: 5432, user: 'postgres' }

const root = process.cwd()
const run = promisify(execFile)
const dockerfile = parseDockerfile(readFileSync('Dockerfile', 'utf8'))
const stage = (name: string): Stage => {
  const s = dockerfile.stages.find((x) => x.name === name)
  if (!s) throw new Error(`Dockerfile has no stage "${name}"`)
  return s
}
/** A port nobody else here uses (the contract's 3333 and the image's 8000 may be taken). */
const PORT = 38000

/** The directory in a temp tree that stands for the image's path under /app. */
const inTree = (tree: string, imagePath: string) => join(tree, relative('/app', imagePath))

/**
 * Where the node:*-slim image keeps node, and its PATH (the
 * host's node and the checkout are not in the image).
 */
const IMAGE_NODE = '/usr/local/bin/node'
const IMAGE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** The image's user must be able to walk down to its files: every ancestor of `dir` must be o+x. */
function assertReachableByOthers(dir: string): void {
  for (let d = resolve(dir); d !== dirname(d); d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0)
      throw new Error(
        `${d} is not traversable by other users; set TMPDIR to a ` +
          `directory they can reach (the image's user must read its files)`
      )
  }
}

/**
 * Children inherit the environment (npm needs the machine's CA/proxy settings) with the project's
 * Node 24 first on PATH (the shell may have another node); `extra` overrides.
 */
const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: [dirname(process.execPath), join(root, 'node_modules/.bin'), process.env.PATH ?? ''].join(
    delimiter
  ),
  ...extra,
})

/** The image runs as USER 1000:1000 over root-owned read-only files; as root we can do the same. */
const imageUser = () => (process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {})

async function sh(
  cwd: string,
  command: string,
  env = childEnv(),
  user: { uid?: number; gid?: number } = {}
): Promise<void> {
  try {
    await run('sh', ['-c', command], { cwd, env, maxBuffer: 64 * 1024 * 1024, ...user })
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string }
    throw new Error(
      `"${command}" failed in ${cwd}:\n${(err.stdout ?? '') + (err.stderr ?? '') || err.message}`
    )
  }
}

/**
 * Files of the build context the Dockerfile copies: the manifests
 * and backend/ (working tree, as `docker build .` sees it).
 */
function copyContext(to: string, backend: boolean) {
  const files = execFileSync(
    'git',
    [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      'package.json',
      'package-lock.json',
      backend ? 'backend' : 'backend/package.json',
    ],
    {
      cwd: root,
      encoding: 'utf8',
    }
  )
    .split('\0')
    .filter((f) => f && existsSync(join(root, f)))
  for (const f of files) {
    mkdirSync(dirname(join(to, f)), { recursive: true })
    cpSync(join(root, f), join(to, f))
  }
}

async function waitForHealth(
  child: ChildProcess,
  output: () => string
): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${child.exitCode}:\n${output()}`)
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/health`, {
        signal: AbortSignal.timeout(1000),
      })
      return { status: res.status, body: await res.json() }
    } catch {
      if (Date.now() > deadline)
        throw new Error(`no answer on 127.0.0.1:${PORT}/health within 30 s:\n${output()}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

test.group('Dockerfile', () => {
  test('multi-stage, Node 24 slim pinned, non-root, EXPOSE 8000, HEALTHCHECK on /health', ({
    assert,
  }) => {
    assert.deepEqual(
      dockerfile.stages.map((s) => s.name),
      ['deps', 'build', 'prod-deps', 'runtime']
    )
    assert.match(stage('deps').runs[0].command, /^npm ci\b/)
    assert.deepEqual(
      stage('build').runs.map((r) => [r.workdir, r.command]),
      [['/app/backend', 'node ace build']]
    )
    assert.match(stage('prod-deps').runs[0].command, /^npm ci --omit=dev\b/)
    const runtime = stage('runtime')
    assert.match(runtime.from, /^node:24\.\d+\.\d+-[a-z]+-slim(@sha256:[a-f0-9]{64})?$/)
    assert.equal(
      runtime.from.split('-')[0],
      `node:${JSON.parse(readFileSync('package.json', 'utf8')).devDependencies.node}`
    )
    assert.notMatch(runtime.user ?? 'root', /^(root|0)(:|$)/)
    assert.deepEqual(runtime.expose, ['8000'])
    assert.equal(runtime.env.PORT, '8000')
    assert.include(runtime.healthcheck ?? '', '/health')
    assert.deepEqual(runtime.cmd, ['node', '--no-allocation-site-pretenuring', 'bin/server.js'])
    assert.equal(runtime.workdir, '/app/backend')
  })

  test('.dockerignore keeps secrets and host build output out of the context', ({ assert }) => {
    const ignored = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .map((l) => l.trim())
    assert.includeMembers(ignored, ['**/node_modules', '**/build', '**/.env', '**/.env.*', '.git'])
  })

  test('the production build runs and the built server answers /health as the image would (non-root, read-only files)', async ({
    assert,
    cleanup,
  }) => {
    // another server on the port would answer /health in our place
    assert.isFalse(
      await portInUse(PORT),
      `127.0.0.1:${PORT} is already in use; this test needs it free`
    )
    const buildTree = mkdtempSync(join(tmpdir(), 'ark-image-build-'))
    const prodTree = mkdtempSync(join(tmpdir(), 'ark-image-prod-'))
    // the image's filesystem: /app and /usr/local/bin/node, nothing from the checkout
    const imageRoot = mkdtempSync(join(tmpdir(), 'ark-image-root-'))
    const runtimeTree = join(imageRoot, 'app')
    const writableTmp = mkdtempSync(join(tmpdir(), 'ark-image-tmp-')) // the chart's /tmp emptyDir
    const database = `ark_image_test_${process.pid}`
    let server: ChildProcess | undefined
    cleanup(async () => {
      server?.kill('SIGTERM')
      await dropDatabase(database, pgAt).catch(() => {})
      await run('chmod', ['-R', 'u+w', imageRoot]).catch(() => {})
      for (const d of [buildTree, prodTree, imageRoot, writableTmp])
        rmSync(d, { recursive: true, force: true })
    })

    // deps: the checkout's node_modules is `npm ci` of the same package-lock.json (saves ~30 s)
    copyContext(buildTree, true)
    symlinkSync(join(root, 'node_modules'), join(buildTree, 'node_modules'))
    // build stage, its own commands
    for (const r of stage('build').runs) await sh(inTree(buildTree, r.workdir), r.command)
    assert.isTrue(
      existsSync(join(buildTree, 'backend/build/bin/server.js')),
      'node ace build wrote build/bin/server.js'
    )

    // prod-deps stage, its own commands, on the manifests alone
    copyContext(prodTree, false)
    for (const r of stage('prod-deps').runs) await sh(inTree(prodTree, r.workdir), r.command)

    // runtime layout: /app/node_modules (production only) + /app/backend (the build output) + node
    mkdirSync(runtimeTree)
    renameSync(join(prodTree, 'node_modules'), join(runtimeTree, 'node_modules'))
    renameSync(join(buildTree, 'backend/build'), join(runtimeTree, 'backend'))
    const runtime = stage('runtime')
    const workdir = inTree(runtimeTree, runtime.workdir)
    // readOnlyRootFilesystem + non-root: the app's files are read-only to the user it runs as
    await run('chmod', ['-R', 'a+rX,a-w', runtimeTree])
    const node = join(imageRoot, IMAGE_NODE)
    mkdirSync(dirname(node), { recursive: true })
    try {
      // the same Node 24 the image pins, without copying 130 MB (its mode stays 755)
      linkSync(process.execPath, node)
    } catch {
      copyFileSync(process.execPath, node)
    }
    await run('chmod', ['755', imageRoot]) // mkdtemp made it 0700
    assertReachableByOthers(imageRoot)
    await run('chmod', ['1777', writableTmp])

    await dropDatabase(database, pgAt)
    await ensureDatabase(database, pgAt)
    const env = childEnv({
      ...runtime.env,
      PATH: [dirname(node), ...IMAGE_PATH].join(delimiter),
      PORT: String(PORT),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      APP_KEY: randomBytes(24).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      DB_HOST: '127.0.0.1',
      DB_PORT: '5432',
      DB_USER: 'postgres',
      DB_PASSWORD: '',
      DB_DATABASE: database,
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '6379',
      REDIS_PASSWORD: '',
      TMPDIR: writableTmp,
      HOME: writableTmp,
    })
    // the chart's migration init container runs this in the image's WORKDIR
    await sh(workdir, 'node ace migration:run --force', env, imageUser())

    const [cmd, ...args] = runtime.cmd!
    let output = ''
    server = spawn(cmd === 'node' ? node : cmd, args, {
      cwd: workdir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...imageUser(),
    })
    server.stdout!.on('data', (d) => (output += d))
    server.stderr!.on('data', (d) => (output += d))
    const health = await waitForHealth(server, () => output)
    assert.equal(health.status, 200)
    assert.deepEqual(health.body, { status: 'healthy' })
    const uid = imageUser().uid
    if (uid !== undefined)
      assert.match(
        readFileSync(`/proc/${server.pid}/status`, 'utf8'),
        new RegExp(`\\nUid:\\s+${uid}\\s`),
        'runs as the image user'
      )
  }).timeout(300_000)
})
