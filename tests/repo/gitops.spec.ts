/*
 * Offline validation of everything Argo CD reads (gitops/, helm/backend) with the real helm binary
 * of the pinned toolchain: schemas, lint, projects, pins, the app-of-apps per profile, secrets.
 * tests/repo/gitops-broken.spec.ts runs the same validators over broken copies.
 */
import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import {
  applicationPinProblems,
  chartPinProblems,
  clusterScopeProblems,
  gitopsManifests,
  latestTagProblems,
  lintProblems,
  committedSourceURL,
  loadProjects,
  projectProblems,
  renderedImageProblems,
  schemaProblems,
  show,
  sourcePermitted,
  sourceSettingForms,
  walk,
} from './lib/checks.ts'
import { backendRenderings, docsOf, renderApps, template, type Doc } from './lib/helm.ts'
import { secretProblems } from './lib/secret-scan.ts'
import { crdProblems } from './lib/argocd-module.ts'
import { kubeStrictProblems } from './lib/kube-openapi.ts'
import { ensureGitSource } from '../../scripts/lib/git-source.ts'
import { SOURCE_REPO_PLACEHOLDER } from '../../scripts/lib/gitops-apply.ts'
import { readPins } from '../../scripts/lib/toolchain.ts'

const root = process.cwd()
const read = (f: string) => readFileSync(f, 'utf8')

/**
 * What the roadmap asks each profile to run (not read from values.yaml: that is what is tested).
 */
const expectedApps = {
  kind: ['backend', 'ingress-nginx', 'podinfo', 'postgresql', 'redis'],
  local: ['backend', 'hello'],
}

async function backendDocs(): Promise<Doc[]> {
  const all: Doc[] = []
  for (const r of backendRenderings)
    all.push(...(await template(root, 'helm/backend', 'backend', r.args, r.label)))
  return all
}

const rootApp = () =>
  docsOf(read('gitops/bootstrap/root-app.yaml'), 'gitops/bootstrap/root-app.yaml')

test.group('gitops · schemas and lint', () => {
  test('every YAML under gitops/ matches the Kubernetes / Argo CD schemas', async ({ assert }) => {
    const docs = gitopsManifests(root)
    const kinds = docs.map((d) => d.object.kind)
    assert.includeMembers(kinds, [
      'AppProject',
      'Application',
      'Kustomization',
      'Cluster',
      'Ingress',
      'ConfigMap',
    ])
    assert.equal(kinds.filter((k) => k === 'AppProject').length, 3)
    assert.equal(show(await schemaProblems(docs)), '')
  })

  test('every helm template output (backend: defaults, kind, local; apps: kind, local) matches the schemas', async ({
    assert,
  }) => {
    const docs = [
      ...(await backendDocs()),
      ...(await renderApps(root, 'kind')),
      ...(await renderApps(root, 'local')),
    ]
    assert.isAbove(docs.length, 15)
    assert.equal(show(await schemaProblems(docs)), '')
  })

  test("Kubernetes objects (gitops/ YAML, backend renderings) match Kubernetes 1.34's OpenAPI strictly (unknown fields too)", async ({
    assert,
  }) => {
    const docs = [...gitopsManifests(root), ...(await backendDocs())]
    assert.equal(show(await kubeStrictProblems(docs)), '')
  }).timeout(180_000)

  test("Argo CD objects (projects, root app, rendered Applications) match the pinned release's CRDs strictly", async ({
    assert,
  }) => {
    const docs = [
      ...gitopsManifests(root),
      ...(await renderApps(root, 'kind')),
      ...(await renderApps(root, 'local')),
    ]
    assert.isAbove(docs.filter((d) => d.object.apiVersion === 'argoproj.io/v1alpha1').length, 8)
    assert.equal(show(await crdProblems(docs)), '')
  }).timeout(180_000)

  test('helm lint --strict passes for both charts and every profile', async ({ assert }) => {
    const src = [
      '--set',
      'source.repoURL=file:///srv/agent-ready-k8s.git',
      '--set',
      'source.targetRevision=main',
    ]
    const problems = await lintProblems(root, [
      { chart: 'helm/backend', args: [] },
      { chart: 'helm/backend', args: ['-f', 'helm/backend/values-kind.yaml'] },
      { chart: 'helm/backend', args: ['-f', 'helm/backend/values-local.yaml'] },
      { chart: 'helm/hello', args: ['-f', 'helm/hello/values-local.yaml'] },
      { chart: 'gitops/apps', args: [...src, '--set', 'profile=kind'] },
      { chart: 'gitops/apps', args: [...src, '--set', 'profile=local'] },
    ])
    assert.equal(show(problems), '')
  })
})

test.group('gitops · app-of-apps', () => {
  for (const profile of ['kind', 'local'] as const) {
    test(`the root app renders exactly the ${profile} profile's Applications`, async ({
      assert,
    }) => {
      const all = await renderApps(root, profile, 'git://10.0.0.1/agent-ready-k8s.git')
      // Applications, and the namespaces the root app creates for them (tested below)
      assert.sameMembers([...new Set(all.map((d) => d.object.kind))], ['Application', 'Namespace'])
      const docs = all.filter((d) => d.object.kind === 'Application')
      assert.deepEqual(docs.map((d) => d.object.metadata.name).sort(), expectedApps[profile])
      for (const { object: app } of docs) {
        const name = app.metadata.name
        assert.equal(app.metadata.namespace, 'argocd', name)
        assert.deepEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: true }, name)
        assert.isAbove(app.spec.syncPolicy.retry.limit, 0, name)
        assert.match(app.spec.syncPolicy.retry.backoff.duration, /^\d+s$/, name)
        assert.isAbove(app.spec.syncPolicy.retry.backoff.factor, 1, name)
      }
      // the in-repo app reads from the one source setting, nothing else
      const backend = docs.find((d) => d.object.metadata.name === 'backend')!.object
      assert.equal(backend.spec.source.repoURL, 'git://10.0.0.1/agent-ready-k8s.git')
      assert.equal(backend.spec.source.targetRevision, 'main')
      assert.deepEqual(backend.spec.source.helm.valueFiles, [`values-${profile}.yaml`])
      // podinfo: the remote chart plus tenant-demo's plain
      // manifests from this repository, same source setting
      const podinfo = docs.find((d) => d.object.metadata.name === 'podinfo')?.object
      if (podinfo) {
        assert.deepEqual(
          podinfo.spec.sources.map((s: { chart?: string; path?: string }) => s.chart ?? s.path),
          ['podinfo', 'gitops/apps/extras/podinfo']
        )
        assert.deepInclude(podinfo.spec.sources[1], {
          repoURL: 'git://10.0.0.1/agent-ready-k8s.git',
          targetRevision: 'main',
        })
      }
    })
  }

  test('an unknown profile or a missing source setting fails rendering with a clear message', async ({
    assert,
  }) => {
    await assert.rejects(() => renderApps(root, 'production'), /profile/)
    await assert.rejects(
      () => template(root, 'gitops/apps', 'root', ['--set', 'profile=local'], 'no source'),
      /source\.repoURL is empty/
    )
  })

  test('the root app passes its own repoURL/targetRevision down; no other file names the repository', ({
    assert,
  }) => {
    const [{ object: app }] = rootApp()
    assert.equal(app.spec.source.path, 'gitops/apps')
    const params = Object.fromEntries(
      app.spec.source.helm.parameters.map((p: { name: string; value: string }) => [p.name, p.value])
    )
    assert.deepEqual(params, {
      'source.repoURL': '$ARGOCD_APP_SOURCE_REPO_URL',
      'source.targetRevision': '$ARGOCD_APP_SOURCE_TARGET_REVISION',
      'profile': 'kind',
    })
    const url = app.spec.source.repoURL as string
    const naming = [...walk(root, 'gitops'), ...walk(root, 'helm')].filter((f) =>
      read(f).includes(url.replace(/\.git$/, ''))
    )
    assert.deepEqual(naming, ['gitops/bootstrap/root-app.yaml'])
  })
})

test.group('gitops · projects and pins', () => {
  test('every Application (root and both profiles) is allowed by its AppProject: destination and source', async ({
    assert,
  }) => {
    const apps = [
      ...rootApp(),
      ...(await renderApps(root, 'kind')),
      ...(await renderApps(root, 'local')),
    ]
    assert.equal(show(projectProblems(root, apps)), '')
  })

  test('the local git source (scripts/lib/git-source.ts) produces a URL the projects allow', async ({
    assert,
    cleanup,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ark-git-source-'))
    cleanup(() => rmSync(dir, { recursive: true, force: true }))
    const src = await ensureGitSource(dir)
    assert.match(src.url, /^file:\/\//)
    const apps = [...rootApp(), ...(await renderApps(root, 'local', src.url))]
    assert.equal(show(projectProblems(root, apps, [src.url])), '')
  })

  test('the charts only render cluster-scoped objects their project allows', async ({ assert }) => {
    assert.equal(show(clusterScopeProblems(root, 'tenant-apps', await backendDocs())), '')
  })

  test("AppProjects are the roadmap's: platform, infrastructure, tenant-apps, each confined", ({
    assert,
  }) => {
    const projects = loadProjects(root)
    assert.deepEqual([...projects.keys()].sort(), ['infrastructure', 'platform', 'tenant-apps'])
    const spec = (p: string) => projects.get(p)!.object.spec
    const ns = (p: string) => spec(p).destinations.map((d: { namespace: string }) => d.namespace)
    assert.deepEqual(ns('platform'), ['ingress-nginx', 'cert-manager', 'argocd'])
    assert.deepEqual(ns('infrastructure'), ['demo-platform'])
    assert.deepEqual(ns('tenant-apps'), ['tenant-*'])
    // no cluster-scoped object at all for data services and tenants: not even a Namespace
    assert.deepEqual(spec('infrastructure').clusterResourceWhitelist, [])
    assert.deepEqual(spec('tenant-apps').clusterResourceWhitelist, [])
    // the platform names each cluster-scoped kind it needs: no wildcard
    const platformKinds = spec('platform').clusterResourceWhitelist.map(
      (r: { group: string; kind: string }) => `${r.group}/${r.kind}`
    )
    assert.includeMembers(platformKinds, [
      '/Namespace',
      'rbac.authorization.k8s.io/ClusterRole',
      'networking.k8s.io/IngressClass',
    ])
    for (const k of platformKinds) assert.notMatch(k, /[*?]/, k)
  })

  test('each project names exactly the configured repository and the pinned chart repositories: no pattern, no fork', ({
    assert,
  }) => {
    const charts = parse(read('gitops/apps/values.yaml')).apps
    const chartRepos = (project: string) =>
      Object.values(charts as Record<string, any>)
        .filter((a) => a.project === project && a.chart)
        .map((a) => a.chart.repoURL)
        .sort()
    for (const url of [committedSourceURL(root), ...sourceSettingForms]) {
      // the committed files carry the placeholder, never
      // a URL: root-app.yaml is the one source setting
      for (const name of ['platform', 'tenant-apps'])
        assert.include(read(loadProjects(root, url).get(name)!.file), SOURCE_REPO_PLACEHOLDER, name)
      const projects = loadProjects(root, url)
      for (const [name, { object }] of projects) {
        for (const repo of object.spec.sourceRepos)
          assert.notMatch(repo, /[*?[]/, `${name}: ${repo}`)
        const inRepo = name === 'infrastructure' ? [] : [url]
        assert.deepEqual(
          [...object.spec.sourceRepos].sort(),
          [...chartRepos(name), ...inRepo].sort(),
          `${name} for ${url}`
        )
      }
      // a fork, another git host or another local path is refused
      const tenant = projects.get('tenant-apps')!.object
      for (const other of [
        'https://github.com/attacker/agent-ready-k8s.git',
        'git://evil.example/agent-ready-k8s',
        'file:///tmp/agent-ready-k8s',
      ]) {
        if (other !== url)
          assert.isFalse(sourcePermitted(tenant, other), `${other} allowed for ${url}`)
      }
    }
  })

  test('the root app creates the non-platform namespaces with Pod Security labels; only platform apps create their own', async ({
    assert,
  }) => {
    const expected = {
      kind: {
        'demo-platform': 'baseline',
        'tenant-backend': 'restricted',
        'tenant-demo': 'restricted',
      },
      local: { 'tenant-backend': 'restricted', 'tenant-hello': 'restricted' },
    }
    for (const profile of ['kind', 'local'] as const) {
      const docs = await renderApps(root, profile)
      const namespaces = docs.filter((d) => d.object.kind === 'Namespace').map((d) => d.object)
      const levels = Object.fromEntries(
        namespaces.map((n) => [
          n.metadata.name,
          n.metadata.labels['pod-security.kubernetes.io/enforce'],
        ])
      )
      assert.deepEqual(levels, expected[profile], profile)
      for (const n of namespaces)
        assert.equal(n.metadata.annotations['argocd.argoproj.io/sync-wave'], '-3')
      for (const { object: app } of docs.filter((d) => d.object.kind === 'Application')) {
        const creates = (app.spec.syncPolicy.syncOptions ?? []).includes('CreateNamespace=true')
        assert.equal(creates, app.spec.project === 'platform', `${profile}/${app.metadata.name}`)
      }
    }
  })

  test('a Namespace or ClusterRole in a tenant or infrastructure chart is refused by its project (offline twin of the live Block 1 check)', ({
    assert,
  }) => {
    const sneaky: Doc[] = [
      {
        file: 'probe.yaml',
        object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } },
      },
      {
        file: 'probe.yaml',
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'probe' },
        },
      },
    ]
    for (const project of ['tenant-apps', 'infrastructure'])
      assert.lengthOf(clusterScopeProblems(root, project, sneaky), 2, project)
  })

  test("every chart version is pinned, to the roadmap's versions", async ({ assert }) => {
    assert.equal(show(chartPinProblems(root)), '')
    assert.equal(show(applicationPinProblems(await renderApps(root, 'kind'))), '')
    const apps = parse(read('gitops/apps/values.yaml')).apps
    const versions = Object.fromEntries(
      Object.entries(apps)
        .filter(([, a]: any) => a.chart)
        .map(([n, a]: any) => [n, a.chart.version])
    )
    assert.deepEqual(versions, {
      'ingress-nginx': '4.11.3',
      'postgresql': '18.0.15',
      'redis': '23.1.3',
      'podinfo': '6.9.2',
    })
    assert.equal(parse(read('helm/backend/Chart.yaml')).version, '0.1.0')
  })

  test('no ":latest" anywhere in gitops/, helm/ or the Dockerfile; every rendered image pinned', async ({
    assert,
  }) => {
    const files = [...walk(root, 'gitops'), ...walk(root, 'helm'), 'Dockerfile']
    assert.equal(show(latestTagProblems(root, files)), '')
    assert.equal(show(renderedImageProblems(await backendDocs())), '')
  })

  test('bitnami charts pull pinned images that exist today (bitnamilegacy, allowInsecureImages)', ({
    assert,
  }) => {
    for (const app of ['postgresql', 'redis']) {
      const v = parse(read(`gitops/apps/values/${app}/kind.yaml`))
      assert.equal(v.global.security.allowInsecureImages, true, app)
      assert.equal(v.image.registry, 'docker.io', app)
      assert.equal(v.image.repository, `bitnamilegacy/${app}`, app)
      assert.match(v.image.tag, /^\d+\.\d+\.\d+-debian-12-r\d+$/, app)
    }
  })

  test("bootstrap is pinned: Argo CD manifest of the toolchain's release, kind node for Kubernetes 1.34 by digest", ({
    assert,
  }) => {
    const k = parse(read('gitops/bootstrap/argocd/kustomization.yaml'))
    assert.include(k.resources, 'argocd-install.yaml')
    assert.include(
      read('gitops/bootstrap/argocd/argocd-install.yaml').split('\n')[0],
      `(${readPins().tools.argocd.version})`
    )
    assert.equal(k.namespace, 'argocd')
    const cm = parse(read('gitops/bootstrap/argocd/argocd-cmd-params-cm.yaml'))
    assert.equal(cm.data['server.insecure'], 'true')
    const ingress = parse(read('gitops/bootstrap/argocd/ingress.yaml'))
    assert.deepEqual(
      ingress.spec.rules.map((r: { host: string }) => r.host),
      ['argocd.local', 'argocd.localhost']
    )
    const kind = parse(read('gitops/bootstrap/kind/cluster.yaml'))
    const [node] = kind.nodes
    assert.match(node.image, /^kindest\/node:v1\.34\.\d+@sha256:[a-f0-9]{64}$/)
    assert.deepEqual(
      node.extraPortMappings.map((m: { hostPort: number }) => m.hostPort),
      [80, 443]
    )
    assert.include(node.kubeadmConfigPatches[0], 'ingress-ready=true')
  })
})

test.group('repository · secrets', () => {
  test('no plaintext secret in any committed file', ({ assert }) => {
    const files = execFileSync(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      { cwd: root, encoding: 'utf8' }
    )
      .split('\0')
      .filter(Boolean)
    assert.isAbove(files.length, 50)
    assert.equal(show(secretProblems(root, files)), '')
  })
})
