/*
 * gitops/bootstrap/argocd: the vendored install manifest is byte for byte the pinned Argo CD
 * module's manifests/install.yaml (so a pin bump cannot forget it), the Application health
 * customization is valid Lua that reports a child Application's own health, and the kustomization
 * renders with the pinned kustomize into objects the Kubernetes OpenAPI and Argo CD accept.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { readPins, toolPath } from '../../scripts/lib/toolchain.ts'
import {
  upstreamInstall,
  upstreamMarker,
  vendoredInstall,
  vendoredInstallPath,
} from '../../scripts/vendor-argocd-install.ts'
import { schemaProblems, show } from './lib/checks.ts'
import { docsOf } from './lib/helm.ts'
import { kubeStrictProblems } from './lib/kube-openapi.ts'
import { luaSyntaxError, runHealthScript } from './lib/lua.ts'

const run = promisify(execFile)
const dir = 'gitops/bootstrap/argocd'
const healthKey = 'resource.customizations.health.argoproj.io_Application'

/**
 * Why the committed bytes are not the vendored form
 * of the module's install.yaml ('' when they are).
 */
function vendoredProblems(committed: Buffer, version: string, upstream: string): string {
  const expected = Buffer.from(vendoredInstall(version, upstream))
  if (committed.equals(expected)) return ''
  const marker = Buffer.from(`${upstreamMarker(version)}\n`)
  const at = committed.indexOf(marker)
  if (at < 0)
    return (
      `${vendoredInstallPath} has no "${upstreamMarker(version)}" line: it is ` +
      `not the vendored ${version} (run node scripts/vendor-argocd-install.ts)`
    )
  const body = committed.subarray(at + marker.length)
  const want = Buffer.from(upstream)
  if (!body.equals(want)) {
    let i = 0
    while (i < Math.min(body.length, want.length) && body[i] === want[i]) i++
    const line = body.subarray(0, i).toString().split('\n').length
    return (
      `${vendoredInstallPath} differs from the module's manifests/install.yaml at ` +
      `line ${line} of the upstream part (run node scripts/vendor-argocd-install.ts)`
    )
  }
  return (
    `${vendoredInstallPath}: the header differs from what ` +
    'scripts/vendor-argocd-install.ts writes (run it)'
  )
}

const healthScript = () =>
  parse(readFileSync(join(dir, 'argocd-cm.yaml'), 'utf8')).data[healthKey] as string

test.group('gitops/bootstrap/argocd · vendored install manifest', () => {
  test("is the pinned module's manifests/install.yaml byte for byte, under the bootstrap header", async ({
    assert,
  }) => {
    const version = readPins().tools.argocd.version
    assert.match(version, /^v3\.\d+\.\d+$/)
    const committed = readFileSync(vendoredInstallPath)
    assert.equal(vendoredProblems(committed, version, await upstreamInstall(version)), '')
    const header = committed.subarray(0, committed.indexOf(upstreamMarker(version))).toString()
    for (const phrase of [
      `Argo CD Installation Manifest (${version})`,
      'documents the Argo CD bootstrap for disaster recovery',
      'Argo CD is NOT managed by itself',
      'kubectl create namespace argocd',
      `kubectl apply -n argocd --server-side --force-conflicts -f ${vendoredInstallPath}`,
      'docs/boot-routine.md',
    ]) {
      assert.include(header, phrase)
    }
  }).timeout(120_000)

  test('the comparison fails on a changed byte, a missing header and another release', async ({
    assert,
  }) => {
    const version = readPins().tools.argocd.version
    const upstream = await upstreamInstall(version)
    const good = Buffer.from(vendoredInstall(version, upstream))
    const tampered = Buffer.from(good)
    const at = good.indexOf('replicas: 1')
    tampered[at + 'replicas: '.length] = '2'.charCodeAt(0)
    assert.match(
      vendoredProblems(tampered, version, upstream),
      /differs from the module's manifests\/install.yaml at line \d+/
    )
    assert.match(vendoredProblems(Buffer.from(upstream), version, upstream), /has no ".*" line/)
    assert.match(
      vendoredProblems(Buffer.from(vendoredInstall('v3.1.0', upstream)), version, upstream),
      /has no ".*v3\.2\.\d+.*" line/
    )
    assert.match(
      vendoredProblems(
        Buffer.from(good.toString().replace('(bootstrap paradox)', '(paradox)')),
        version,
        upstream
      ),
      /header differs/
    )
  }).timeout(120_000)

  test('the kustomization uses the vendored file and fetches nothing', ({ assert }) => {
    const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))
    assert.include(k.resources, 'argocd-install.yaml')
    assert.deepEqual(
      k.resources.filter((r: string) => /^[a-z]+:\/\//.test(r)),
      []
    )
    assert.includeMembers(
      k.patches.map((p: { path: string }) => p.path),
      ['argocd-cmd-params-cm.yaml', 'argocd-cm.yaml']
    )
  })
})

test.group('gitops/bootstrap/argocd · Application health for sync waves', () => {
  test('argocd-cm carries the health check of argoproj.io/Application, and it is valid Lua', ({
    assert,
  }) => {
    const script = healthScript()
    assert.isString(script)
    assert.isUndefined(luaSyntaxError(script))
    // the check itself can fail: a broken script is reported with the parser's message
    assert.match(luaSyntaxError(script.replace(' then\n', '\n')) ?? '', /'then' expected/)
  })

  test("reports a child Application's own health; Progressing until it has one", ({ assert }) => {
    const script = healthScript()
    assert.deepEqual(runHealthScript(script, { metadata: { name: 'postgresql' } }), {
      status: 'Progressing',
      message: '',
    })
    assert.deepEqual(runHealthScript(script, { status: { sync: { status: 'Synced' } } }), {
      status: 'Progressing',
      message: '',
    })
    assert.deepEqual(runHealthScript(script, { status: { health: { status: 'Healthy' } } }), {
      status: 'Healthy',
      message: '',
    })
    assert.deepEqual(
      runHealthScript(script, {
        status: { health: { status: 'Degraded', message: 'Deployment backend: 0/2 ready' } },
      }),
      {
        status: 'Degraded',
        message: 'Deployment backend: 0/2 ready',
      }
    )
  })
})

test.group('gitops/bootstrap/argocd · rendered', () => {
  test('renders with the pinned kustomize: insecure server, Application health, argocd.local + argocd.localhost Ingress to a real port, all in argocd', async ({
    assert,
  }) => {
    const { stdout } = await run(toolPath('kustomize'), ['build', dir], {
      maxBuffer: 64 * 1024 * 1024,
    })
    const docs = docsOf(stdout, `${dir} (kustomize build)`)
    const find = (kind: string, name: string) =>
      docs.find((d) => d.object.kind === kind && d.object.metadata.name === name)?.object

    assert.equal(find('ConfigMap', 'argocd-cmd-params-cm')?.data?.['server.insecure'], 'true')
    const cm = find('ConfigMap', 'argocd-cm')!
    assert.equal(cm.data[healthKey], healthScript())
    assert.exists(
      cm.data['resource.exclusions'],
      'the upstream argocd-cm data is kept (a merge, not a replacement)'
    )
    const ingress = find('Ingress', 'argocd-server')!
    assert.deepEqual(
      ingress.spec.rules.map((r: { host: string }) => r.host),
      ['argocd.local', 'argocd.localhost']
    )
    for (const rule of ingress.spec.rules) {
      const backend = rule.http.paths[0].backend.service
      const service = find('Service', backend.name)
      assert.exists(service, `Service ${backend.name}`)
      assert.include(
        service!.spec.ports.map((p: { name: string }) => p.name),
        backend.port.name
      )
    }
    for (const name of ['argocd-server', 'argocd-repo-server', 'argocd-applicationset-controller'])
      assert.exists(find('Deployment', name), name)
    assert.exists(find('StatefulSet', 'argocd-application-controller'))
    const clusterScoped = new Set([
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
      'Namespace',
    ])
    const namespaces = new Set(
      docs.filter((d) => !clusterScoped.has(d.object.kind)).map((d) => d.object.metadata.namespace)
    )
    assert.deepEqual([...namespaces], ['argocd'])
    assert.equal(
      show(await schemaProblems(docs.filter((d) => d.object.kind !== 'CustomResourceDefinition'))),
      ''
    )
    assert.equal(show(await kubeStrictProblems(docs)), '')
  }).timeout(180_000)
})
