/*
 * The validators of gitops.spec.ts must catch what they claim to: each test breaks one thing in a
 * copy of gitops/ + helm/ (temp dir) and expects a failure that names the broken file.
 */
import { test } from '@japa/runner'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import {
  applicationPinProblems,
  chartPinProblems,
  gitopsManifests,
  latestTagProblems,
  lintProblems,
  projectProblems,
  schemaProblems,
  show,
  walk,
} from './lib/checks.ts'
import { docsOf, renderApps, template } from './lib/helm.ts'
import { secretProblems } from './lib/secret-scan.ts'
import { crdProblems } from './lib/argocd-module.ts'
import { kubeStrictProblems } from './lib/kube-openapi.ts'

/** A copy of gitops/ and helm/ in a temp dir, removed after the test. */
function brokenCopy(cleanup: (fn: () => void) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'ark-broken-'))
  for (const folder of ['gitops', 'helm']) cpSync(folder, join(dir, folder), { recursive: true })
  cleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function editYaml(dir: string, file: string, edit: (doc: any) => void) {
  const doc = parse(readFileSync(join(dir, file), 'utf8'))
  edit(doc)
  writeFileSync(join(dir, file), stringify(doc))
}

const filesOf = (dir: string) => [...walk(dir, 'gitops'), ...walk(dir, 'helm')]

test.group('gitops validators catch broken trees', () => {
  test('the unbroken copy passes every validator (the baseline of the tests below)', async ({
    assert,
    cleanup,
  }) => {
    const dir = brokenCopy(cleanup)
    const apps = [
      ...docsOf(
        readFileSync(join(dir, 'gitops/bootstrap/root-app.yaml'), 'utf8'),
        'gitops/bootstrap/root-app.yaml'
      ),
      ...(await renderApps(dir, 'kind')),
    ]
    assert.equal(show(projectProblems(dir, apps)), '')
    assert.equal(show(chartPinProblems(dir)), '')
    assert.equal(show(secretProblems(dir, filesOf(dir))), '')
    assert.equal(show(latestTagProblems(dir, filesOf(dir))), '')
  })

  test('an Application pointing at a namespace its project does not allow', async ({
    assert,
    cleanup,
  }) => {
    const dir = brokenCopy(cleanup)
    editYaml(dir, 'gitops/apps/values.yaml', (v) => (v.apps.backend.namespace = 'default'))
    const problems = projectProblems(dir, await renderApps(dir, 'local'))
    assert.lengthOf(problems, 1)
    assert.match(problems[0].file, /^gitops\/apps\/values\.yaml/)
    assert.include(
      problems[0].message,
      'namespace "default" is not allowed by AppProject ' +
        'tenant-apps (gitops/projects/tenant-apps.yaml)'
    )
  })

  test('the root Application sent to a namespace its project does not allow', async ({
    assert,
    cleanup,
  }) => {
    const dir = brokenCopy(cleanup)
    editYaml(
      dir,
      'gitops/bootstrap/root-app.yaml',
      (a) => (a.spec.destination.namespace = 'kube-system')
    )
    const file = 'gitops/bootstrap/root-app.yaml'
    const problems = projectProblems(dir, docsOf(readFileSync(join(dir, file), 'utf8'), file))
    assert.deepEqual(
      problems.map((p) => p.file),
      [file]
    )
    assert.include(problems[0].message, 'namespace "kube-system"')
  })

  test('a source repository the project does not list', async ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    editYaml(
      dir,
      'gitops/apps/values.yaml',
      (v) => (v.apps.podinfo.chart.repoURL = 'https://charts.example.org/podinfo')
    )
    const problems = projectProblems(dir, await renderApps(dir, 'kind'))
    assert.lengthOf(problems, 1)
    assert.include(
      problems[0].message,
      'source https://charts.example.org/podinfo is not in sourceRepos of AppProject tenant-apps'
    )
  })

  test('an unpinned chart version', async ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    editYaml(dir, 'gitops/apps/values.yaml', (v) => (v.apps.postgresql.chart.version = '18.x'))
    const problems = chartPinProblems(dir)
    assert.deepEqual(
      problems.map((p) => p.file),
      ['gitops/apps/values.yaml']
    )
    assert.include(
      problems[0].message,
      'app postgresql: chart oci://registry-1.docker.io/bitnamicharts/postgresql ' +
        'version "18.x" is not pinned'
    )
    // and the chart's schema refuses to render it at all
    await assert.rejects(() => renderApps(dir, 'kind'), /version/)
  })

  test('an Application with a floating chart revision', ({ assert }) => {
    const app = {
      kind: 'Application',
      metadata: { name: 'podinfo' },
      spec: {
        source: {
          repoURL: 'https://stefanprodan.github.io/podinfo',
          chart: 'podinfo',
          targetRevision: '6.*',
        },
      },
    }
    const problems = applicationPinProblems([
      { file: 'gitops/apps/values.yaml (rendered)', object: app },
    ])
    assert.deepEqual(
      problems.map((p) => p.file),
      ['gitops/apps/values.yaml (rendered)']
    )
  })

  test('a password in a values file', ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    editYaml(
      dir,
      'gitops/apps/values/postgresql/kind.yaml',
      (v) => (v.auth.password = 'Sup3rS3cretPassw0rd')
    )
    editYaml(
      dir,
      'helm/backend/values-kind.yaml',
      (v) => (v.config = { extraEnv: { DB_PASSWORD: 'hunter2hunter2' } })
    )
    const problems = secretProblems(dir, filesOf(dir))
    assert.deepEqual(problems.map((p) => p.file).sort(), [
      'gitops/apps/values/postgresql/kind.yaml',
      'helm/backend/values-kind.yaml',
    ])
    assert.include(
      problems.find((p) => p.file.includes('postgresql'))!.message,
      '"password" is set to a literal value'
    )
  })

  test('a password smuggled into the backend chart is also refused by its schema', async ({
    assert,
    cleanup,
  }) => {
    const dir = brokenCopy(cleanup)
    editYaml(
      dir,
      'helm/backend/values-local.yaml',
      (v) => (v.config = { extraEnv: { JWT_SECRET: 'x'.repeat(40) } })
    )
    const problems = await lintProblems(dir, [
      { chart: 'helm/backend', args: ['-f', 'helm/backend/values-local.yaml'] },
    ])
    assert.lengthOf(problems, 1)
    assert.match(problems[0].message, /values-local\.yaml[\s\S]*invalid propertyName 'JWT_SECRET'/)
  })

  test('a committed Secret, a credential in a URL and a token shape', ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    writeFileSync(
      join(dir, 'gitops/bootstrap/leak.yaml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\nstringData:\n  key: value\n'
    )
    editYaml(
      dir,
      'gitops/apps/values/podinfo/kind.yaml',
      // secret-scan: allow — the deliberately leaked fixture
      (v) => (v.cache = 'tcp://:plaintextpass@redis-master:6379')
    )
    writeFileSync(join(dir, 'helm/backend/notes.md'), `token ${'ghp_'}${'a1B2'.repeat(9)}\n`)
    const files = secretProblems(dir, filesOf(dir))
      .map((p) => p.file)
      .sort()
    assert.deepEqual(files, [
      'gitops/apps/values/podinfo/kind.yaml',
      'gitops/bootstrap/leak.yaml',
      'helm/backend/notes.md',
    ])
  })

  test('a ":latest" image tag', ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    editYaml(dir, 'gitops/apps/values/podinfo/kind.yaml', (v) => (v.image.tag = 'latest'))
    const problems = latestTagProblems(dir, filesOf(dir))
    assert.deepEqual(
      problems.map((p) => p.file),
      ['gitops/apps/values/podinfo/kind.yaml']
    )
  })

  test('a manifest that does not match its schema', async ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    editYaml(
      dir,
      'gitops/projects/tenant-apps.yaml',
      (p) => (p.spec.sourceRepos = 'https://stefanprodan.github.io/podinfo')
    )
    const problems = await schemaProblems(gitopsManifests(dir))
    assert.deepEqual(
      problems.map((p) => p.file),
      ['gitops/projects/tenant-apps.yaml']
    )
    assert.include(problems[0].message, 'sourceRepos must be array')
  })

  test('a typo in an Argo CD field (which the API server would silently drop)', async ({
    assert,
    cleanup,
  }) => {
    const dir = brokenCopy(cleanup)
    const tpl = join(dir, 'gitops/apps/templates/applications.yaml')
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('    syncOptions:', '    syncOptons:'))
    editYaml(dir, 'gitops/projects/platform.yaml', (p) => (p.spec.destinations[0].namespaces = 'x'))
    // kind: ingress-nginx (a platform app) is the one with syncOptions (CreateNamespace)
    const problems = await crdProblems([
      ...gitopsManifests(dir),
      ...(await renderApps(dir, 'kind')),
    ])
    assert.deepEqual(
      problems.map((p) => p.file),
      ['gitops/projects/platform.yaml', 'gitops/apps/values.yaml (rendered for profile kind)']
    )
    assert.include(problems[0].message, '/spec/destinations/0 has unknown field "namespaces"')
    assert.include(problems[1].message, '/spec/syncPolicy has unknown field "syncOptons"')
  }).timeout(180_000)

  test('a typo in a Kubernetes field of a chart template', async ({ assert, cleanup }) => {
    const dir = brokenCopy(cleanup)
    const tpl = join(dir, 'helm/backend/templates/deployment.yaml')
    writeFileSync(
      tpl,
      readFileSync(tpl, 'utf8').replace('          livenessProbe:', '          livenesProbe:')
    )
    const problems = await kubeStrictProblems(await template(dir, 'helm/backend', 'backend'))
    assert.deepEqual(
      problems.map((p) => p.file),
      ['helm/backend (helm template, defaults)']
    )
    assert.include(
      problems[0].message,
      '/spec/template/spec/containers/0 has unknown field "livenesProbe"'
    )
  }).timeout(180_000)

  test('a typo in the backend values is rejected by values.schema.json', async ({
    assert,
    cleanup,
  }) => {
    const dir = brokenCopy(cleanup)
    editYaml(dir, 'helm/backend/values-kind.yaml', (v) => (v.replicaCont = 3))
    const problems = await lintProblems(dir, [
      { chart: 'helm/backend', args: ['-f', 'helm/backend/values-kind.yaml'] },
    ])
    assert.lengthOf(problems, 1)
    assert.equal(problems[0].file, 'helm/backend')
    assert.match(problems[0].message, /replicaCont/)
  })
})
