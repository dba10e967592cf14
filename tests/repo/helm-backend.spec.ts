/*
 * The backend chart renders what the roadmap (Block 10) and the API contract ask for, with the real
 * helm binary: defaults, kind values and local values.
 */
import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { renderChartReadme, undescribedValues } from '../../scripts/lib/chart-readme.ts'
import { undocumentedKnobs } from './lib/checks.ts'
import { template, type Doc } from './lib/helm.ts'

const root = process.cwd()
const byKind = (docs: Doc[], kind: string) =>
  docs
    .filter((d) => d.object.kind === kind && !d.object.metadata?.annotations?.['helm.sh/hook'])
    .map((d) => d.object)
const one = (docs: Doc[], kind: string) => {
  const found = byKind(docs, kind)
  if (found.length !== 1) throw new Error(`expected one ${kind}, got ${found.length}`)
  return found[0]
}

test.group('helm/backend', (group) => {
  let defaults: Doc[] = []
  let local: Doc[] = []
  let kind: Doc[] = []
  group.setup(async () => {
    defaults = await template(root, 'helm/backend', 'backend')
    kind = await template(
      root,
      'helm/backend',
      'backend',
      ['-f', 'helm/backend/values-kind.yaml'],
      'kind'
    )
    local = await template(
      root,
      'helm/backend',
      'backend',
      ['-f', 'helm/backend/values-local.yaml'],
      'local'
    )
  })

  test('Deployment: 2 replicas, migration init container, probes, resources', ({ assert }) => {
    for (const docs of [defaults, kind, local]) {
      const spec = one(docs, 'Deployment').spec
      assert.equal(spec.replicas, 2)
      const pod = spec.template.spec
      assert.deepEqual(
        pod.initContainers.map((c: any) => c.command),
        [['node', 'ace', 'migration:run', '--force']]
      )
      const [api] = pod.containers
      assert.equal(api.ports[0].containerPort, 8000)
      assert.deepEqual(api.livenessProbe.httpGet, { path: '/health', port: 'http' })
      assert.deepEqual(api.readinessProbe.httpGet, { path: '/ready', port: 'http' })
      assert.deepEqual(api.resources, {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '256Mi' },
      })
      assert.notInclude(api.image, ':latest')
    }
  })

  test('every container is non-root, read-only, without privilege escalation or capabilities; /tmp is writable', ({
    assert,
  }) => {
    const pod = one(defaults, 'Deployment').spec.template.spec
    assert.isTrue(pod.securityContext.runAsNonRoot)
    assert.isAbove(pod.securityContext.runAsUser, 0)
    for (const c of [...pod.initContainers, ...pod.containers]) {
      assert.isTrue(c.securityContext.runAsNonRoot, c.name)
      assert.isTrue(c.securityContext.readOnlyRootFilesystem, c.name)
      assert.isFalse(c.securityContext.allowPrivilegeEscalation, c.name)
      assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name)
      assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }], c.name)
    }
    assert.deepEqual(pod.volumes[0].emptyDir, { sizeLimit: '64Mi' })
    assert.isFalse(pod.automountServiceAccountToken)
  })

  test('ConfigMap carries the non-secret settings; PORT is the container port', ({ assert }) => {
    const data = one(defaults, 'ConfigMap').data
    assert.containsSubset(data, {
      PORT: '8000',
      HOST: '0.0.0.0',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DB_PORT: '5432',
      DB_USER: 'demouser',
      DB_DATABASE: 'demodb',
      REDIS_PORT: '6379',
    })
    assert.equal(data.DB_HOST, 'postgresql.demo-platform.svc.cluster.local')
    assert.equal(data.REDIS_HOST, 'redis-master.demo-platform.svc.cluster.local')
    for (const key of Object.keys(data)) assert.notMatch(key, /PASSWORD|SECRET|APP_KEY/)
  })

  test('secrets only by reference to existing Secrets; the chart renders no Secret', ({
    assert,
  }) => {
    assert.lengthOf(byKind(defaults, 'Secret'), 0)
    const pod = one(defaults, 'Deployment').spec.template.spec
    for (const c of [...pod.initContainers, ...pod.containers]) {
      const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]))
      for (const name of ['APP_KEY', 'JWT_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD']) {
        assert.isUndefined(env[name].value, `${c.name} ${name}`)
        assert.equal(env[name].valueFrom.secretKeyRef.name, 'backend-secrets', `${c.name} ${name}`)
      }
      assert.deepEqual(c.envFrom, [{ configMapRef: { name: 'backend' } }])
    }
  })

  test('Service: ClusterIP 8000 to the container port', ({ assert }) => {
    const svc = one(defaults, 'Service').spec
    assert.equal(svc.type, 'ClusterIP')
    assert.deepEqual(svc.ports, [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }])
  })

  test('Ingress at api.localhost on kind; none on the local profile (no controller there)', ({
    assert,
  }) => {
    for (const docs of [defaults, kind]) {
      const ing = one(docs, 'Ingress').spec
      assert.equal(ing.ingressClassName, 'nginx')
      assert.equal(ing.rules[0].host, 'api.localhost')
      assert.deepEqual(ing.rules[0].http.paths[0].backend.service, {
        name: 'backend',
        port: { name: 'http' },
      })
    }
    assert.lengthOf(byKind(local, 'Ingress'), 0)
    // nothing else that needs a controller the local profile lacks
    for (const k of ['PersistentVolumeClaim', 'StatefulSet']) assert.lengthOf(byKind(local, k), 0)
    assert.notEqual(one(local, 'Service').spec.type, 'LoadBalancer')
  })

  test('helm test pods GET /health and /ready through the Service; tests.mustFail adds one that must fail', async ({
    assert,
  }) => {
    const hooks = (docs: Doc[]) =>
      docs
        .filter((d) => d.object.metadata?.annotations?.['helm.sh/hook'] === 'test')
        .map((d) => d.object)
    const url = (pod: any) => pod.spec.containers[0].command.at(-1)
    const pods = hooks(defaults)
    assert.deepEqual(
      pods.map((p) => p.metadata.name),
      ['backend-test-health', 'backend-test-ready']
    )
    assert.deepEqual(pods.map(url), ['http://backend:8000/health', 'http://backend:8000/ready'])
    for (const pod of pods) {
      assert.equal(pod.kind, 'Pod')
      assert.equal(pod.spec.restartPolicy, 'Never')
      // wget exits non-zero on a refused connection, a timeout or any non-2xx answer: the pod fails
      assert.deepEqual(pod.spec.containers[0].command.slice(0, 6), [
        'wget',
        '-q',
        '-O',
        '-',
        '-T',
        '5',
      ])
      assert.notMatch(pod.spec.containers[0].image, /:latest$|^[^:]+$/)
    }
    // The proof that `helm test` can fail: a pod that GETs a path the API answers 404 (the backend
    // tests prove that path is a JSON 404), rendered only on request.
    const failing = hooks(
      await template(root, 'helm/backend', 'backend', ['--set', 'tests.mustFail=true'], 'mustFail')
    )
    assert.deepEqual(failing.map(url), [
      'http://backend:8000/health',
      'http://backend:8000/ready',
      'http://backend:8000/helm-test-must-fail',
    ])
    assert.lengthOf(
      hooks(
        await template(
          root,
          'helm/backend',
          'backend',
          ['--set', 'tests.enabled=false'],
          'no tests'
        )
      ),
      0
    )
  })

  test('README.md is what the pinned helm-docs renders from values.yaml, and every value is described', ({
    assert,
  }) => {
    const rendered = renderChartReadme('helm/backend')
    assert.equal(
      readFileSync('helm/backend/README.md', 'utf8'),
      rendered,
      'helm/backend/README.md is stale: run npm run chart-readme'
    )
    assert.deepEqual(undescribedValues(rendered), [])
    // …and both checks notice: a new knob without a `# --`
    // comment changes the README and has no description.
    const copy = mkdtempSync(join(tmpdir(), 'chart-readme-'))
    try {
      cpSync('helm/backend', copy, { recursive: true })
      writeFileSync(
        join(copy, 'values.yaml'),
        `${readFileSync('helm/backend/values.yaml', 'utf8')}\nsurprise:\n  knob: 1\n`
      )
      const changed = renderChartReadme(copy)
      assert.notEqual(changed, rendered)
      assert.deepEqual(undescribedValues(changed), ['surprise.knob'])
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })

  test('every knob of the apps catalogue values is documented', ({ assert }) => {
    assert.deepEqual(undocumentedKnobs(readFileSync('gitops/apps/values.yaml', 'utf8')), [])
  })

  test('NetworkPolicy: ingress only from the ingress controller (and the chart test pod), egress only DNS, PostgreSQL, Redis', async ({
    assert,
  }) => {
    for (const docs of [defaults, kind, local]) {
      const policy = one(docs, 'NetworkPolicy').spec
      assert.deepEqual(
        policy.podSelector.matchLabels,
        one(docs, 'Deployment').spec.selector.matchLabels
      )
      assert.sameMembers(policy.policyTypes, ['Ingress', 'Egress'])
      assert.deepEqual(policy.ingress[0], {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
          },
        ],
        ports: [{ port: 'http', protocol: 'TCP' }],
      })
      const peer = (namespace: string, podLabels: Record<string, string>) => [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          podSelector: { matchLabels: podLabels },
        },
      ]
      assert.deepEqual(policy.egress, [
        {
          to: peer('kube-system', { 'k8s-app': 'kube-dns' }),
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
        {
          to: peer('demo-platform', { 'app.kubernetes.io/name': 'postgresql' }),
          ports: [{ port: 5432, protocol: 'TCP' }],
        },
        {
          to: peer('demo-platform', { 'app.kubernetes.io/name': 'redis' }),
          ports: [{ port: 6379, protocol: 'TCP' }],
        },
      ])
    }
    // the namespaces are the catalogue's: where ingress-nginx, PostgreSQL and Redis really run
    const apps = (
      parse(readFileSync('gitops/apps/values.yaml', 'utf8')) as {
        apps: Record<string, { namespace: string }>
      }
    ).apps
    const values = parse(readFileSync('helm/backend/values.yaml', 'utf8')).networkPolicy
    assert.equal(values.ingressNamespace, apps['ingress-nginx'].namespace)
    assert.equal(values.postgresql.namespace, apps.postgresql.namespace)
    assert.equal(values.redis.namespace, apps.redis.namespace)
    // the second ingress rule admits exactly the helm test pod, and only while tests render
    const testPod = defaults.find(
      (d) => d.object.metadata?.annotations?.['helm.sh/hook'] === 'test'
    )!.object
    assert.deepEqual(one(defaults, 'NetworkPolicy').spec.ingress[1].from, [
      { podSelector: { matchLabels: testPod.metadata.labels } },
    ])
    const noTests = await template(root, 'helm/backend', 'backend', [
      '--set',
      'tests.enabled=false',
    ])
    assert.lengthOf(one(noTests, 'NetworkPolicy').spec.ingress, 1)
    const disabled = await template(root, 'helm/backend', 'backend', [
      '--set',
      'networkPolicy.enabled=false',
    ])
    assert.lengthOf(byKind(disabled, 'NetworkPolicy'), 0)
  })

  test('the helm test pod is not selected by the Service, the PodDisruptionBudget or the NetworkPolicy', ({
    assert,
  }) => {
    const testPod = defaults.find(
      (d) => d.object.metadata?.annotations?.['helm.sh/hook'] === 'test'
    )!.object
    const matches = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => testPod.metadata.labels[k] === v)
    assert.isFalse(matches(one(defaults, 'Service').spec.selector))
    assert.isFalse(matches(one(defaults, 'PodDisruptionBudget').spec.selector.matchLabels))
    assert.isFalse(matches(one(defaults, 'NetworkPolicy').spec.podSelector.matchLabels))
  })

  test('PodDisruptionBudget (minAvailable 1) only with more than one replica', async ({
    assert,
  }) => {
    for (const docs of [defaults, kind, local]) {
      const pdb = one(docs, 'PodDisruptionBudget').spec
      assert.equal(pdb.minAvailable, 1)
      assert.deepEqual(pdb.selector.matchLabels, one(docs, 'Deployment').spec.selector.matchLabels)
    }
    const single = await template(root, 'helm/backend', 'backend', ['--set', 'replicaCount=1'])
    assert.lengthOf(byKind(single, 'PodDisruptionBudget'), 0)
  })

  test('Redis database and trusted proxies: its own DB index; kind trusts exactly its pod network', ({
    assert,
  }) => {
    assert.containsSubset(one(defaults, 'ConfigMap').data, { REDIS_DB: '1', TRUSTED_PROXIES: '' })
    assert.equal(one(local, 'ConfigMap').data.TRUSTED_PROXIES, '')
    const cluster = parse(readFileSync('gitops/bootstrap/kind/cluster.yaml', 'utf8')) as {
      networking: { podSubnet: string }
    }
    assert.equal(one(kind, 'ConfigMap').data.TRUSTED_PROXIES, cluster.networking.podSubnet)
  })

  test('Node options: NODE_OPTIONS from config.nodeOptions (flags Node accepts there), measured for the memory limit beside it', ({
    assert,
  }) => {
    const values = parse(readFileSync('helm/backend/values.yaml', 'utf8'))
    for (const docs of [defaults, kind, local]) {
      assert.equal(one(docs, 'ConfigMap').data.NODE_OPTIONS, values.config.nodeOptions)
    }
    // Node takes only some flags from NODE_OPTIONS and refuses to start on the others
    execFileSync(process.execPath, ['-e', '0'], {
      env: { ...process.env, NODE_OPTIONS: values.config.nodeOptions },
    })
    // the semi-space size was chosen by npm run bench:api under this limit (docs/backend.md)
    assert.deepEqual(
      [values.config.nodeOptions, values.resources.limits.memory],
      ['--max-semi-space-size=16 --max-old-space-size=160', '256Mi'],
      'config.nodeOptions and resources.limits.memory go together: ' +
        're-measure with npm run bench:api when changing either'
    )
  })

  test('values.schema.json refuses privileged containers, a writable root filesystem, added capabilities and root pods', async ({
    assert,
  }) => {
    for (const [setting, field] of [
      ['securityContext.privileged=true', /privileged/],
      ['securityContext.readOnlyRootFilesystem=false', /readOnlyRootFilesystem/],
      ['securityContext.readOnlyRootFilesystem=null', /readOnlyRootFilesystem/],
      ['securityContext.capabilities.add={NET_ADMIN}', /capabilities/],
      ['securityContext.capabilities.drop={NET_RAW}', /capabilities/],
      ['podSecurityContext.runAsNonRoot=false', /runAsNonRoot/],
      ['config.redis.db=16', /db/],
      ['config.trustedProxies=everyone', /trustedProxies/],
      ['config.nodeOptions=--require=/tmp/hook.js', /nodeOptions/],
      ['config.nodeOptions=--max-semi-space-size=16;id', /nodeOptions/],
      ['podDisruptionBudget.minAvailable=0', /minAvailable/],
    ] as const) {
      await assert.rejects(
        () => template(root, 'helm/backend', 'backend', ['--set', setting]),
        field
      )
    }
  })

  test('values.schema.json refuses typos, "latest", and credentials or the chart\'s own names in extraEnv', async ({
    assert,
  }) => {
    await assert.rejects(
      () => template(root, 'helm/backend', 'backend', ['--set', 'replicaCont=3']),
      /additional properties 'replicaCont' not allowed/
    )
    await assert.rejects(
      () => template(root, 'helm/backend', 'backend', ['--set', 'image.tag=latest']),
      /image\/tag/
    )
    await assert.rejects(
      () =>
        template(root, 'helm/backend', 'backend', ['--set', 'config.extraEnv.REDIS_PASSWORD=x']),
      /REDIS_PASSWORD/
    )
    // a name the ConfigMap already has would be a duplicate key: invalid YAML for Argo CD
    for (const name of ['NODE_OPTIONS', 'PORT', 'TRUSTED_PROXIES']) {
      await assert.rejects(
        () => template(root, 'helm/backend', 'backend', ['--set', `config.extraEnv.${name}=x`]),
        new RegExp(name)
      )
    }
    const extra = await template(root, 'helm/backend', 'backend', [
      '--set',
      'config.extraEnv.FEATURE_FLAG=on',
    ])
    assert.equal(one(extra, 'ConfigMap').data.FEATURE_FLAG, 'on')
    await assert.rejects(
      () =>
        template(root, 'helm/backend', 'backend', ['--set', 'securityContext.runAsNonRoot=false']),
      /runAsNonRoot/
    )
  })
})
