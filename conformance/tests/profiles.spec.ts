/*
 * Profile resolution against this checkout's real GitOps catalogue
 * (gitops/apps/values.yaml, gitops/projects/), with state files as
 * cluster:local and cluster:up write them.
 */
import { test } from '@japa/runner'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import { parseArgs } from '../lib/cli.ts'
import { loadProfile, ProfileUnavailable } from '../lib/load-profile.ts'
import { readCatalogue, readProfileTable } from '../lib/profile.ts'

function withEnv<T>(env: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  for (const [k, v] of Object.entries(env))
    v === undefined ? delete process.env[k] : (process.env[k] = v)
  try {
    return fn()
  } finally {
    for (const [k, v] of Object.entries(saved))
      v === undefined ? delete process.env[k] : (process.env[k] = v)
  }
}

const localState = (phase: string) => ({
  version: 1,
  phase,
  stateDir: '/x',
  createdAt: new Date().toISOString(),
  cluster: { name: 'ark', kwokWorkdir: '/x/kwok', apiServer: 'https://127.0.0.1:6443' },
  kubeconfig: '/x/kubeconfig',
  argocd: {
    api: 'http://127.0.0.1:8080',
    namespace: 'argocd',
    repoServer: '127.0.0.1:8081',
    redis: '127.0.0.1:6380',
  },
  backend: { url: 'http://127.0.0.1:3333', port: 3333, database: 'agent_ready_local' },
  git: {
    bareRepo: '/x/git/agent-ready-k8s',
    url: 'file:///x/git/agent-ready-k8s',
    revision: 'main',
    workClone: repoRoot,
  },
  logDir: '/x/logs',
  processes: [],
})

test.group('profiles', (group) => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-profile-'))
  group.teardown(() => rmSync(dir, { recursive: true, force: true }))

  test('local: every Block 7 test targets the backend with values-local.yaml; podinfo and the Argo CD UI are skipped with the reason', ({
    assert,
  }) => {
    writeFileSync(join(dir, 'state.json'), JSON.stringify(localState('ready')))
    const p = withEnv(
      {
        ARK_LOCAL_DIR: dir,
        DB_HOST: undefined,
        REDIS_HOST: undefined,
        ARK_CONVERGENCE_MS: undefined,
      },
      () => loadProfile('local')
    )
    assert.includeMembers(
      p.apps.map((a) => a.name),
      ['backend']
    )
    assert.deepInclude(p.gitops.autoSync, {
      app: 'backend',
      valuesFile: 'helm/backend/values-local.yaml',
      key: ['replicaCount'],
      baseline: 2,
      changed: 3,
    })
    assert.deepInclude(p.gitops.selfHeal, { app: 'backend', baseline: 2, drift: 5 })
    assert.deepInclude(p.gitops.prune, {
      app: 'backend',
      namespace: 'tenant-backend',
      configMap: 'test-config',
      manifest: 'helm/backend/templates/zz-conformance-test-config.yaml',
    })
    assert.deepInclude(p.gitops.rollback, {
      app: 'backend',
      key: ['resources', 'limits', 'memory'],
      baseline: '256Mi',
      changed: '128Mi',
    })
    assert.deepEqual(p.backend.endpoint, { ok: true, value: { url: 'http://127.0.0.1:3333' } })
    assert.equal(p.backend.version, '0.1.0')
    assert.deepEqual(p.backend.migrations, {
      kind: 'step',
      command: 'node ace migration:run --force',
      exitCode: null,
      log: '/x/logs/backend-migrations.log',
    })
    assert.isFalse(p.argocdUi.ok)
    assert.include((p.argocdUi as { reason: string }).reason, 'placeholder page')
    assert.isFalse(p.argocdUiLocalhost.ok)
    assert.isFalse(p.podinfo.ok)
    assert.include((p.podinfo as { reason: string }).reason, 'cannot fetch remote charts')
    assert.deepEqual(p.declaredProjects.map((x) => x.metadata.name).sort(), [
      'infrastructure',
      'platform',
      'tenant-apps',
    ])
    assert.deepEqual(p.database, {
      ok: true,
      value: {
        kind: 'direct',
        host: '127.0.0.1',
        port: 5432,
        user: 'postgres',
        password: undefined,
        database: 'agent_ready_local',
      },
    })
  })

  test('local: PostgreSQL and Redis are the ones cluster:local recorded, whatever this shell says', ({
    assert,
  }) => {
    const dataStores = {
      postgres: { host: '10.0.0.5', port: 5433, user: 'ark', password: 'pg-secret' },
      redis: { host: '10.0.0.6', port: 6380, password: 'redis-secret' },
    }
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...localState('ready'), dataStores }))
    const p = withEnv(
      { ARK_LOCAL_DIR: dir, DB_HOST: 'elsewhere', DB_PORT: '1', REDIS_HOST: 'elsewhere' },
      () => loadProfile('local')
    )
    assert.deepEqual(p.database, {
      ok: true,
      value: { kind: 'direct', ...dataStores.postgres, database: 'agent_ready_local' },
    })
    assert.deepEqual(p.redis, { ok: true, value: { kind: 'direct', ...dataStores.redis } })
  })

  test('local: a cluster still starting, or none, is refused with the command to run', ({
    assert,
  }) => {
    writeFileSync(join(dir, 'state.json'), JSON.stringify(localState('starting')))
    assert.throws(
      () => withEnv({ ARK_LOCAL_DIR: dir }, () => loadProfile('local')),
      /is "starting", not ready/
    )
    const empty = mkdtempSync(join(tmpdir(), 'conformance-none-'))
    try {
      const error = (() => {
        try {
          withEnv({ ARK_LOCAL_DIR: empty }, () => loadProfile('local'))
        } catch (e) {
          return e
        }
      })()
      assert.instanceOf(error, ProfileUnavailable)
      assert.include((error as Error).message, 'npm run cluster:local -- up')
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  test('kind: every app, ingress by Host header on 127.0.0.1:80, git source from cluster:up', ({
    assert,
  }) => {
    writeFileSync(
      join(dir, 'state.json'),
      JSON.stringify({
        version: 1,
        cluster: 'ark',
        kubeconfig: '/nonexistent/kubeconfig',
        git: {
          bareRepo: '/k/git/agent-ready-k8s',
          url: 'file:///k/git/agent-ready-k8s',
          daemonUrl: 'git://172.18.0.1/agent-ready-k8s',
          revision: 'main',
          workClone: repoRoot,
        },
      })
    )
    const p = withEnv(
      {
        ARK_KIND_DIR: dir,
        KUBECONFIG: undefined,
        ARK_GIT_URL: undefined,
        ARK_GIT_WORKCLONE: undefined,
        ARK_GIT_BARE: undefined,
        ARK_ARGOCD_HOST: undefined,
        ARK_INGRESS_URL: undefined,
      },
      () => loadProfile('kind')
    )
    assert.deepEqual(
      p.apps.map((a) => a.name),
      ['ingress-nginx', 'postgresql', 'redis', 'podinfo', 'backend']
    )
    assert.deepEqual(
      p.apps.map((a) => a.project),
      ['platform', 'infrastructure', 'infrastructure', 'tenant-apps', 'tenant-apps']
    )
    // the roadmap's own Block 7 targets
    assert.deepInclude(p.gitops.autoSync, {
      app: 'podinfo',
      sourceApp: 'root',
      valuesFile: 'gitops/apps/values/podinfo/kind.yaml',
      baseline: 2,
      changed: 3,
    })
    assert.deepEqual(p.gitops.autoSync.workload, {
      kind: 'Deployment',
      namespace: 'tenant-demo',
      name: 'podinfo',
    })
    assert.deepInclude(p.gitops.selfHeal, { app: 'podinfo', drift: 5, baseline: 2 })
    assert.deepInclude(p.gitops.prune, { namespace: 'tenant-demo', configMap: 'test-config' })
    assert.deepInclude(p.gitops.rollback, {
      app: 'redis',
      pod: 'redis-master-0',
      key: ['master', 'resources', 'limits', 'memory'],
      baseline: '256Mi',
      changed: '128Mi',
    })
    assert.deepEqual(p.backend.migrations, { kind: 'init-container', container: 'migrate' })
    assert.equal(p.backend.podSelector, 'app=backend')
    assert.equal(p.git.url, 'git://172.18.0.1/agent-ready-k8s')
    assert.isNull(p.kubeconfig) // recorded file missing: fall back to the current context
    assert.deepEqual(p.podinfo, {
      ok: true,
      value: { url: 'http://127.0.0.1:80', host: 'demo.localhost' },
    })
    assert.deepEqual(p.backend.endpoint, {
      ok: true,
      value: { url: 'http://127.0.0.1:80', host: 'api.localhost' },
    })
    assert.deepEqual(p.argocdApi, {
      ok: true,
      value: { url: 'http://127.0.0.1:80', host: 'argocd.local' },
    })
    assert.deepEqual(p.argocdUiLocalhost, {
      ok: true,
      value: { url: 'http://127.0.0.1:80', host: 'argocd.localhost' },
    })
    assert.equal(p.database.ok && p.database.value.kind, 'pod')
  })

  test('kind without a recorded git source names cluster:up', ({ assert }) => {
    const empty = mkdtempSync(join(tmpdir(), 'conformance-none-'))
    try {
      assert.throws(
        () =>
          withEnv(
            {
              ARK_KIND_DIR: empty,
              ARK_GIT_WORKCLONE: undefined,
              ARK_GIT_BARE: undefined,
              ARK_GIT_URL: undefined,
            },
            () => loadProfile('kind')
          ),
        /npm run cluster:up/
      )
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  test('catalogue errors name the file and the profiles', ({ assert }) => {
    assert.throws(
      () => readCatalogue(repoRoot, 'staging'),
      /has no profile "staging" \(profiles: kind, local\)/
    )
    assert.throws(
      () => loadProfile('staging'),
      /no profile "staging" \(profiles: kind, local, local-hello\)/
    )
  })

  test('command line: --profile, --keep and suite names; Japa filters go on to Japa; unknown options are refused', ({
    assert,
  }) => {
    const parsed = (argv: string[]) => withEnv({ ARK_PROFILE: undefined }, () => parseArgs(argv))
    assert.deepEqual(parsed(['--profile', 'local', '--files', 'x']), {
      profile: 'local',
      profileGiven: true,
      keep: false,
      suites: ['checks'],
      rest: ['--files=x'],
    })
    assert.deepEqual(parsed(['framework', 'self', '--profile=local', '--keep', '--bail']), {
      profile: 'local',
      profileGiven: true,
      keep: true,
      suites: ['framework', 'self'],
      rest: ['--bail'],
    })
    assert.deepEqual(parsed([]), {
      profile: 'kind',
      profileGiven: false,
      keep: false,
      suites: ['checks'],
      rest: [],
    })
    assert.deepEqual(withEnv({ ARK_PROFILE: 'local' }, () => parseArgs([])).profileGiven, true)
    assert.throws(
      () => parsed(['--profile', 'prod']),
      /--profile must be one of kind, local, local-hello, got "prod"/
    )
    assert.throws(
      () => withEnv({ ARK_PROFILE: 'prod' }, () => parseArgs([])),
      /ARK_PROFILE must be one of kind, local, local-hello, got "prod"/
    )
    assert.throws(
      () => parsed(['--dry-run']),
      /Unknown option '--dry-run'[\s\S]*usage: npm run conformance/
    )
    assert.throws(() => parsed(['chekcs']), /unknown suite "chekcs"/)
    assert.throws(() => parsed(['--profile']), /argument missing/)
  })

  test('a profile table with a missing or inconsistent field is refused, naming the file and the field', ({
    assert,
  }) => {
    const tables = mkdtempSync(join(tmpdir(), 'conformance-tables-'))
    try {
      writeFileSync(
        join(tables, 'broken.yaml'),
        'cluster: local\napps: local\ngitops:\n  autoSync: { app: backend }\n'
      )
      assert.throws(
        () => readProfileTable('broken', tables),
        /broken\.yaml: gitops\.selfHeal\.app is missing/
      )
      writeFileSync(
        join(tables, 'same.yaml'),
        readFileSync(join(repoRoot, 'conformance/profiles/local.yaml'), 'utf8').replace(
          'changed: 3',
          'changed: 2'
        )
      )
      assert.throws(
        () => readProfileTable('same', tables),
        /same\.yaml: gitops\.autoSync needs baseline and a different changed value/
      )
    } finally {
      rmSync(tables, { recursive: true, force: true })
    }
  })
})
