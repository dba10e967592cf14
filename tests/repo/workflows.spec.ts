/*
 * The GitHub Actions workflows, checked offline: actionlint (pinned in the
 * toolchain, with the toolchain's shellcheck for the run: scripts), every `uses:` pinned to a
 * full commit SHA with its version in a comment, pinned images, and the
 * permissions/concurrency shape docs/ci.md promises.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { readPins, toolPath } from '../../scripts/lib/toolchain.ts'

const WORKFLOWS = '.github/workflows'

type Workflow = {
  on: unknown
  permissions?: unknown
  concurrency?: unknown
  env?: Record<string, string>
  jobs: Record<string, Job>
}
type Job = {
  name?: string
  permissions?: Record<string, string> | string
  steps?: { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[]
  uses?: string
  services?: Record<string, { image: string }>
  container?: string | { image: string }
  needs?: string | string[]
  if?: string
}

async function workflowFiles(): Promise<string[]> {
  const names = await readdir(WORKFLOWS)
  return names.filter((f) => /\.ya?ml$/.test(f)).map((f) => join(WORKFLOWS, f))
}

async function load(file: string): Promise<Workflow> {
  return parse(await readFile(file, 'utf8')) as Workflow
}

function actionlint(files: string[]): Promise<{ code: number; output: string }> {
  // the pinned shellcheck (Debian package unpacked by npm run toolchain), never one from PATH
  const args = [
    '-no-color',
    '-oneline',
    '-shellcheck',
    toolPath('shellcheck'),
    '-pyflakes=',
    ...files,
  ]
  return new Promise((resolve) => {
    execFile(toolPath('actionlint'), args, (error, stdout, stderr) => {
      resolve({
        code: error ? Number((error as { code?: number }).code ?? 1) : 0,
        output: `${stdout}${stderr}`.trim(),
      })
    })
  })
}

/**
 * Every `uses:` of a workflow that is not pinned: remote actions and reusable
 * workflows must name a 40-hex commit and carry a `# vX.Y.Z` comment saying
 * which release that commit is; docker:// actions must name a sha256 digest.
 * Local actions (./path) are part of the commit itself.
 */
function unpinnedUses(source: string): string[] {
  const workflow = parse(source) as Workflow
  const uses: string[] = []
  for (const job of Object.values(workflow.jobs ?? {})) {
    if (job.uses) uses.push(job.uses)
    for (const step of job.steps ?? []) if (step.uses) uses.push(step.uses)
  }
  const lines = source.split('\n')
  const problems: string[] = []
  for (const ref of uses) {
    if (ref.startsWith('./')) continue
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[a-f0-9]{64}$/.test(ref))
        problems.push(`${ref}: docker action not pinned by digest`)
      continue
    }
    const at = ref.lastIndexOf('@')
    const revision = at < 0 ? '' : ref.slice(at + 1)
    if (!/^[a-f0-9]{40}$/.test(revision)) {
      problems.push(`${ref}: not pinned to a full 40-hex commit SHA`)
      continue
    }
    const line =
      lines.find((l) => new RegExp(`uses:\\s*['"]?${escapeRegExp(ref)}['"]?`).test(l)) ?? ''
    if (!/#\s*v\d+(\.\d+)*\b/.test(line))
      problems.push(`${ref}: no "# vX.Y.Z" comment naming the release of that commit`)
  }
  return problems
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

const SIGNING_PACKAGE = 'scripts/signing'

/** Jobs holding a write permission that could run on anything but a push event. */
function writeJobsNotLimitedToPush(workflow: Workflow): string[] {
  const problems: string[] = []
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const writes = Object.entries(
      typeof job.permissions === 'object' ? job.permissions : {}
    ).filter(([, level]) => level === 'write')
    // push only; narrowing further to one ref (promote: main) is allowed, widening is not
    if (
      writes.length > 0 &&
      !/^github\.event_name == 'push'( && github\.ref == '[^']+')?$/.test(job.if ?? '')
    ) {
      for (const [scope] of writes)
        problems.push(`${id}: ${scope}: write (if: ${job.if ?? 'none'})`)
    }
  }
  return problems
}

const WRITE_ON_PULL_REQUEST = [
  'on: [push, pull_request]',
  'jobs:',
  '  publish:',
  '    runs-on: ubuntu-24.04',
  '    permissions: { packages: write }',
  '    steps: [{ run: echo }]',
  '  sign:',
  "    if: github.event_name != 'pull_request'",
  '    runs-on: ubuntu-24.04',
  '    permissions: { id-token: write, contents: read }',
  '    steps: [{ run: echo }]',
  '  read:',
  '    runs-on: ubuntu-24.04',
  '    permissions: { contents: read }',
  '    steps: [{ run: echo }]',
  '',
].join('\n')

/**
 * What is wrong with the way a job installs packages: only
 * `npm ci` of scripts/signing with --ignore-scripts is fine.
 */
function signJobInstallProblems(job: Job): string[] {
  const problems: string[] = []
  let signingInstalled = false
  for (const line of (job.steps ?? [])
    .flatMap((s) => (s.run ?? '').split('\n'))
    .map((l) => l.trim())) {
    if (!/\b(npm|npx|pnpm|yarn)\s+(ci|install|i|add|exec)\b/.test(line)) continue
    if (!/^npm ci --prefix scripts\/signing\b/.test(line)) {
      problems.push(`${line}: installs more than ${SIGNING_PACKAGE}`)
    } else if (!/\s--ignore-scripts\b/.test(line)) {
      problems.push(`${line}: install scripts are not off (--ignore-scripts)`)
    } else {
      signingInstalled = true
    }
  }
  if (!signingInstalled && problems.length === 0) problems.push(`no npm ci of ${SIGNING_PACKAGE}`)
  return problems
}

/** The npm packages a script imports, following its relative imports (node: built-ins excluded). */
async function bareImports(entries: string[]): Promise<string[]> {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const queue = [...entries]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const source = await readFile(file, 'utf8')
    for (const [, specifier] of source.matchAll(
      /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm
    )) {
      if (specifier.startsWith('.')) queue.push(join(dirname(file), specifier))
      else if (!specifier.startsWith('node:'))
        packages.add(
          specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/')
        )
    }
  }
  return [...packages].sort()
}

test.group('GitHub Actions workflows', () => {
  test('the expected workflows exist', async ({ assert }) => {
    const files = await workflowFiles()
    assert.includeMembers(files, [
      join(WORKFLOWS, 'backend-ci.yml'),
      join(WORKFLOWS, 'conformance.yml'),
    ])
  })

  test('every workflow passes actionlint (with shellcheck on run: scripts)', async ({ assert }) => {
    const result = await actionlint(await workflowFiles())
    assert.equal(result.code, 0, result.output)
    assert.equal(result.output, '')
  })

  test('actionlint really lints: a broken workflow is reported', async ({ assert }) => {
    const dir = await mkdtemp(join(tmpdir(), 'ark-actionlint-'))
    try {
      const broken = join(dir, 'broken.yml')
      await writeFile(
        broken,
        [
          'on: push',
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-24.04',
          '    needs: missing-job',
          '    steps:',
          '      - run: echo "${{ github.nonexistent_context_field.x }}" $UNQUOTED',
          '',
        ].join('\n')
      )
      const result = await actionlint([broken])
      assert.notEqual(result.code, 0)
      assert.include(result.output, 'missing-job')
      assert.include(result.output, 'shellcheck')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('every uses: is pinned to a 40-hex commit SHA with its release in a comment', async ({
    assert,
  }) => {
    for (const file of await workflowFiles()) {
      assert.deepEqual(unpinnedUses(await readFile(file, 'utf8')), [], file)
    }
  })

  test('the pin check rejects tags, branches, short SHAs and pins without a release comment', ({
    assert,
  }) => {
    const fixture = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      '      - uses: actions/checkout@v5.0.0',
      '      - uses: actions/setup-node@main',
      '      - uses: docker/login-action@74a5d14',
      '      - uses: actions/upload-artifact@b7c566a772e6b6bfb58ed0dc250532a479d7789f',
      '      - uses: docker://alpine:3.22',
      '      - uses: ./.github/actions/local',
      '      - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3',
      '  b:',
      '    uses: acme/workflows/.github/workflows/x.yml@v1',
      '',
    ].join('\n')
    assert.sameMembers(unpinnedUses(fixture), [
      'acme/workflows/.github/workflows/x.yml@v1: not pinned to a full 40-hex commit SHA',
      'actions/checkout@v5.0.0: not pinned to a full 40-hex commit SHA',
      'actions/setup-node@main: not pinned to a full 40-hex commit SHA',
      'docker/login-action@74a5d14: not pinned to a full 40-hex commit SHA',
      'actions/upload-artifact@b7c566a772e6b6bfb58ed0dc250532a479d7789f: ' +
        'no "# vX.Y.Z" comment naming the release of that commit',
      'docker://alpine:3.22: docker action not pinned by digest',
    ])
  })

  test('container images are pinned: versioned service images, kind node image by digest', async ({
    assert,
  }) => {
    for (const file of await workflowFiles()) {
      const workflow = await load(file)
      for (const [id, job] of Object.entries(workflow.jobs)) {
        const images = [
          ...Object.values(job.services ?? {}).map((s) => s.image),
          ...(job.container
            ? [typeof job.container === 'string' ? job.container : job.container.image]
            : []),
        ]
        for (const image of images) {
          const pinned =
            /@sha256:[a-f0-9]{64}$/.test(image) || /^[^@]+:(?!latest$)[\w.-]*\d[\w.-]*$/.test(image)
          assert.isTrue(
            pinned,
            `${file} job ${id}: image ${image} is neither a versioned tag nor a digest`
          )
        }
      }
    }
    // kind: a pinned release, and the node image from
    // the one kind config (by digest, Kubernetes 1.34)
    const conformance = await load(join(WORKFLOWS, 'conformance.yml'))
    assert.match(conformance.env!.KIND_VERSION, /^v\d+\.\d+\.\d+$/)
    const kindStep = conformance.jobs.kind.steps!.find((s) =>
      s.uses?.startsWith('helm/kind-action@')
    )!
    assert.equal(kindStep.with!.config, '${{ env.KIND_CONFIG }}')
    assert.notProperty(kindStep.with!, 'node_image')
    const kindConfig = parse(await readFile(conformance.env!.KIND_CONFIG, 'utf8')) as {
      name: string
      nodes: { image: string }[]
    }
    assert.equal(kindConfig.name, conformance.env!.KIND_CLUSTER_NAME)
    for (const node of kindConfig.nodes)
      assert.match(node.image, /^kindest\/node:v1\.34\.\d+@sha256:[a-f0-9]{64}$/)
  })

  test('the kind job builds its tools on the Go pins.json requires, with a module/build cache', async ({
    assert,
  }) => {
    const workflow = await load(join(WORKFLOWS, 'conformance.yml'))
    const kind = workflow.jobs.kind.steps!
    const setupGo = kind.find((s) => s.uses?.startsWith('actions/setup-go@'))
    assert.exists(setupGo, 'the kind job has no actions/setup-go')
    assert.equal(setupGo!.with!['go-version'], readPins().go.minimum)
    assert.equal(setupGo!.with!.cache, true)
    assert.equal(setupGo!.with!['cache-dependency-path'], 'scripts/toolchain/pins.json')
    const at = (pred: (s: { uses?: string; run?: string }) => boolean) => kind.findIndex(pred)
    assert.isBelow(
      at((s) => s.uses?.startsWith('actions/setup-go@') ?? false),
      at((s) => s.run === 'npm run cluster:up')
    )
    // kind-action on its node24 release (v1.13.0 was the first)
    const kindAction = kind.find((s) => s.uses?.startsWith('helm/kind-action@'))!
    const workflowText = await readFile(join(WORKFLOWS, 'conformance.yml'), 'utf8')
    assert.match(
      workflowText.split('\n').find((l) => l.includes(kindAction.uses!))!,
      /# v1\.(1[3-9]|[2-9]\d)\.\d+/
    )
  })

  test('least privilege: nothing at the top, each job states its permissions, only sign gets id-token', async ({
    assert,
  }) => {
    for (const file of await workflowFiles()) {
      const workflow = await load(file)
      assert.deepEqual(workflow.permissions, {}, `${file}: top-level permissions must be {}`)
      assert.exists(workflow.concurrency, `${file}: no concurrency group`)
      for (const [id, job] of Object.entries(workflow.jobs)) {
        assert.isObject(job.permissions, `${file} job ${id}: no permissions block`)
        const permissions = job.permissions as Record<string, string>
        for (const [scope, level] of Object.entries(permissions)) {
          if (level === 'write') {
            const allowed: Record<string, string[]> = {
              'id-token': ['sign'],
              'packages': ['build-and-push', 'sign'],
              'checks': ['kind', 'local'],
              'contents': ['promote'],
            }
            assert.include(
              allowed[scope] ?? [],
              id,
              `${file} job ${id}: ${scope}: write is not needed there`
            )
          }
        }
      }
    }
    const ci = await load(join(WORKFLOWS, 'backend-ci.yml'))
    assert.deepEqual(Object.keys(ci.jobs), ['test', 'build', 'build-and-push', 'sign', 'promote'])
    assert.equal((ci.jobs.sign.permissions as Record<string, string>)['id-token'], 'write')
    assert.deepEqual(writeJobsNotLimitedToPush(ci), [])
    // push events come only from main and release tags
    assert.deepEqual((ci.on as { push: { branches: string[] } }).push.branches, ['main'])
  })

  test('write permissions are granted only to jobs that run on push events alone', ({ assert }) => {
    assert.deepEqual(writeJobsNotLimitedToPush(parse(WRITE_ON_PULL_REQUEST) as Workflow), [
      'publish: packages: write (if: none)',
      "sign: id-token: write (if: github.event_name != 'pull_request')",
    ])
  })

  test('the sign job installs only the signing packages, with install scripts off', async ({
    assert,
  }) => {
    const ci = await load(join(WORKFLOWS, 'backend-ci.yml'))
    assert.deepEqual(signJobInstallProblems(ci.jobs.sign), [])
    const manifest = JSON.parse(await readFile(join(SIGNING_PACKAGE, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    // exactly what the two CLIs import, at the versions the root lockfile (and so every test) uses
    assert.sameMembers(
      Object.keys(manifest.dependencies),
      await bareImports(['scripts/sign-image.ts', 'scripts/verify-image.ts'])
    )
    const rootLock = JSON.parse(await readFile('package-lock.json', 'utf8')) as {
      packages: Record<string, { version: string }>
    }
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      assert.equal(
        version,
        rootLock.packages[`node_modules/${name}`]?.version,
        `${SIGNING_PACKAGE}: ${name} must be the root lockfile's version`
      )
    }
    const lock = JSON.parse(await readFile(join(SIGNING_PACKAGE, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string> }>
    }
    assert.deepEqual(
      lock.packages[''].dependencies,
      manifest.dependencies,
      `${SIGNING_PACKAGE}/package-lock.json is stale: npm ` +
        `install --package-lock-only --prefix ${SIGNING_PACKAGE}`
    )
  })

  test('the sign-job install check refuses a full npm ci and install scripts', ({ assert }) => {
    const job = (run: string): Job => ({ steps: [{ run }] })
    assert.deepEqual(signJobInstallProblems(job('npm ci --no-audit --no-fund')), [
      'npm ci --no-audit --no-fund: installs more than scripts/signing',
    ])
    assert.deepEqual(signJobInstallProblems(job('npm ci --prefix scripts/signing --no-audit')), [
      'npm ci --prefix scripts/signing --no-audit: install scripts are not off (--ignore-scripts)',
    ])
    assert.deepEqual(signJobInstallProblems(job('npm install sigstore')), [
      'npm install sigstore: installs more than scripts/signing',
    ])
    assert.deepEqual(signJobInstallProblems(job('echo nothing')), ['no npm ci of scripts/signing'])
  })

  test('backend-ci signs with sign-image and verifies against the workflow identity', async ({
    assert,
  }) => {
    const ci = await load(join(WORKFLOWS, 'backend-ci.yml'))
    const runs = (ci.jobs.sign.steps ?? []).map((s) => s.run ?? '').join('\n')
    assert.include(runs, 'npm run sign-image -- "$IMAGE_REF"')
    assert.include(runs, 'npm run verify-image -- "$IMAGE_REF"')
    assert.include(runs, '--certificate-oidc-issuer https://token.actions.githubusercontent.com')
    const testRuns = ci.jobs.test.steps!.map((s) => s.run).filter(Boolean)
    assert.isBelow(
      testRuns.indexOf('npm run toolchain -- --only helm,actionlint'),
      testRuns.indexOf('npm test')
    )
    assert.isAtLeast(testRuns.indexOf('npm run toolchain -- --only helm,actionlint'), 0)
    const pushOf = (job: Job) =>
      job.steps!.find((s) => s.uses?.startsWith('docker/build-push-action@'))!.with!.push
    assert.equal(pushOf(ci.jobs['build-and-push']), true)
    assert.equal(pushOf(ci.jobs.build), false)
    assert.equal(ci.jobs.build.if, "github.event_name == 'pull_request'")
    assert.include(
      String(
        ci.jobs['build-and-push'].steps!.find((s) => s.uses?.startsWith('docker/metadata-action@'))!
          .with!.tags
      ),
      'prefix=main-'
    )
  })

  test('backend-ci promotes the verified image to the kind values: main pushes only, after sign, the one writer', async ({
    assert,
  }) => {
    const ci = await load(join(WORKFLOWS, 'backend-ci.yml'))
    const promote = ci.jobs.promote as Job & {
      env?: Record<string, string>
      concurrency?: { 'group': string; 'cancel-in-progress': boolean }
    }
    assert.sameMembers([promote.needs].flat() as string[], ['build-and-push', 'sign'])
    assert.equal(promote.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'")
    assert.deepEqual(promote.permissions, { contents: 'write' })
    assert.equal(promote.concurrency?.['cancel-in-progress'], false)
    assert.equal(promote.env?.TAG, 'main-${{ github.sha }}')
    assert.equal(promote.env?.DIGEST, '${{ needs.build-and-push.outputs.digest }}')
    const script = promote.steps!.map((s) => s.run ?? '').join('\n')
    assert.include(script, 'node scripts/promote-image.ts "$IMAGE" --tag "$TAG" --digest "$DIGEST"')
    assert.include(script, 'git push --quiet origin HEAD:main')
    // no package install in the job that holds a write token
    assert.notMatch(script, /npm (ci|install)/)
    // the only job that keeps a token in the checkout
    for (const [id, job] of Object.entries(ci.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('actions/checkout@'))
          assert.equal(
            step.with?.['persist-credentials'],
            id === 'promote',
            `job ${id}: persist-credentials`
          )
      }
    }
  })

  test('conformance uploads its reports and publishes the JUnit even when checks fail', async ({
    assert,
  }) => {
    const conformance = await load(join(WORKFLOWS, 'conformance.yml'))
    assert.sameMembers(Object.keys(conformance.jobs), ['kind', 'local'])
    for (const [id, job] of Object.entries(conformance.jobs)) {
      const steps = job.steps ?? []
      const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
      assert.equal(
        upload?.with?.path,
        'reports/conformance/',
        `${id}: reports/conformance/ is not uploaded`
      )
      assert.equal(upload?.if, '${{ !cancelled() }}', `${id}: upload must run when the suite fails`)
      const junit = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report@'))
      assert.equal(junit?.with?.report_paths, 'reports/conformance/junit.xml')
      assert.equal(junit?.if, '${{ !cancelled() }}')
    }
    const local = conformance.jobs.local.steps!.map((s) => s.run).filter(Boolean)
    assert.deepEqual(local.slice(-4), [
      'npm run toolchain',
      'npm run cluster:local -- up',
      'npm run conformance -- --profile local',
      'npm run cluster:local -- down',
    ])
    assert.equal(
      conformance.jobs.local.steps!.find((s) => s.run === 'npm run cluster:local -- down')!.if,
      'always()'
    )
  })
})
