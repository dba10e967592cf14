/*
 * gitops/bootstrap/argocd renders with the pinned kustomize against the very install manifest it
 * references (taken from the pinned Argo CD Go module, which carries manifests/install.yaml), so a
 * patch that matches nothing or an Ingress pointing at a missing port fails here, not on a cluster.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { readPins, toolPath } from '../../scripts/lib/toolchain.ts'
import { schemaProblems, show } from './support/checks.ts'
import { docsOf } from './support/helm.ts'
import { argocdModuleDir } from './support/argocd-module.ts'
import { kubeStrictProblems } from './support/kube-openapi.ts'

const run = promisify(execFile)
const dir = 'gitops/bootstrap/argocd'

/** manifests/install.yaml of the pinned Argo CD module. */
const upstreamInstallManifest = async () => join(await argocdModuleDir(), 'manifests', 'install.yaml')

test.group('gitops/bootstrap/argocd', () => {
  test('references the install manifest of the Argo CD release the toolchain pins (one version, both profiles)', ({ assert }) => {
    const version = readPins().tools.argocd.version
    assert.match(version, /^v3\.\d+\.\d+$/)
    const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'))
    assert.include(k.resources, `https://raw.githubusercontent.com/argoproj/argo-cd/${version}/manifests/install.yaml`)
  })

  test('renders with the pinned kustomize: insecure server, argocd.local Ingress to a real port, all in argocd', async ({ assert, cleanup }) => {
    const version = readPins().tools.argocd.version
    const work = mkdtempSync(join(tmpdir(), 'ark-argocd-kustomize-'))
    cleanup(() => rmSync(work, { recursive: true, force: true }))
    cpSync(dir, work, { recursive: true })
    cpSync(await upstreamInstallManifest(), join(work, 'install.yaml'))
    const kustomization = readFileSync(join(work, 'kustomization.yaml'), 'utf8')
    writeFileSync(join(work, 'kustomization.yaml'), kustomization.replace(`https://raw.githubusercontent.com/argoproj/argo-cd/${version}/manifests/install.yaml`, 'install.yaml'))
    const { stdout } = await run(toolPath('kustomize'), ['build', work], { maxBuffer: 64 * 1024 * 1024 })
    const docs = docsOf(stdout, `${dir} (kustomize build)`)
    const find = (kind: string, name: string) => docs.find((d) => d.object.kind === kind && d.object.metadata.name === name)?.object

    assert.equal(find('ConfigMap', 'argocd-cmd-params-cm')?.data?.['server.insecure'], 'true')
    const ingress = find('Ingress', 'argocd-server')!
    assert.equal(ingress.spec.rules[0].host, 'argocd.local')
    const backend = ingress.spec.rules[0].http.paths[0].backend.service
    const service = find('Service', backend.name)
    assert.exists(service, `Service ${backend.name}`)
    assert.include(service!.spec.ports.map((p: { name: string }) => p.name), backend.port.name)
    for (const name of ['argocd-server', 'argocd-repo-server', 'argocd-applicationset-controller']) assert.exists(find('Deployment', name), name)
    assert.exists(find('StatefulSet', 'argocd-application-controller'))
    const clusterScoped = new Set(['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'Namespace'])
    const namespaces = new Set(docs.filter((d) => !clusterScoped.has(d.object.kind)).map((d) => d.object.metadata.namespace))
    assert.deepEqual([...namespaces], ['argocd'])
    assert.equal(show(await schemaProblems(docs.filter((d) => d.object.kind !== 'CustomResourceDefinition'))), '')
    assert.equal(show(await kubeStrictProblems(docs)), '')
  }).timeout(180_000)
})
