/*
 * npm run cluster:local -- up|down --dry-run: the plan, printed without the toolchain and without
 * starting or writing anything. The real lifecycle is tests/cluster/local-cluster.spec.ts.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from '../../scripts/lib/local-state.ts'

function clusterLocal(args: string[], stateDir: string) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      ['scripts/cluster-local.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, ARK_LOCAL_DIR: stateDir } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, out: `${stdout}${stderr}` })
    )
  })
}

/** The indices of the lines matching each pattern, in order; fails naming the first one missing. */
function inOrder(assert: any, lines: string[], patterns: RegExp[]) {
  let at = -1
  for (const p of patterns) {
    const i = lines.findIndex((l, idx) => idx > at && p.test(l))
    assert.isAbove(i, at, `expected ${p} after line ${at}: ${lines[at] ?? '(start)'}`)
    at = i
  }
}

test.group('cluster:local --dry-run', (group) => {
  let stateDir = ''
  group.each.setup(() => {
    stateDir = join(mkdtempSync(join(tmpdir(), 'ark-local-dry-')), 'state')
    return () => rmSync(join(stateDir, '..'), { recursive: true, force: true })
  })

  test('up prints every step, command and undo in order, and creates nothing', async ({
    assert,
  }) => {
    const { code, out } = await clusterLocal(['up', '--dry-run'], stateDir)
    assert.equal(code, 0, out)
    const lines = out.split('\n')
    inOrder(assert, lines, [
      /^# 1\/13 toolchain: kwokctl, kwok, etcd/,
      /^# 2\/13 state: /,
      /^↩ on failure: remove the state in .* \(logs\/ kept\)$/,
      /^# 3\/13 control plane: kwokctl --runtime binary, Kubernetes v1\.34\./,
      /^↩ on failure: stop the control plane/,
      /^\$ kwokctl create cluster --name ark --config \S+\/kwokctl\.yaml/,
      /^# 4\/13 one KWOK node/,
      /^\$ kwokctl scale node --name ark --replicas 1$/,
      /^# 5\/13 Argo CD: CRDs and base config/,
      /^\$ kubectl --kubeconfig \S+ apply --server-side --force-conflicts -k \S+\/crds$/,
      /^\$ kubectl --kubeconfig \S+ patch configmap argocd-cm -n argocd --type merge -p /,
      // the four processes of the one table, each started, then its stop registered
      /^# 6\/13 argocd-redis/,
      /^\$ redis-server --bind 127\.0\.0\.1 --port <argocd-redis port> .* &$/,
      /^↩ on failure: stop argocd-redis$/,
      /^# 7\/13 argocd-repo-server/,
      /^\$ argocd --loglevel info --address 127\.0\.0\.1 --port <argocd-repo-server port> .*--redis 127\.0\.0\.1:<argocd-redis port> --disable-tls &$/,
      /^↩ on failure: stop argocd-repo-server$/,
      /^# 8\/13 argocd-application-controller/,
      /^\$ argocd .*--repo-server 127\.0\.0\.1:<argocd-repo-server port> --repo-server-plaintext .*--self-heal-timeout-seconds 2 &$/,
      /^# 9\/13 argocd-server/,
      /^\$ argocd .*--insecure --disable-auth --address 127\.0\.0\.1 --port <argocd-server port> .* &$/,
      /^→ wait until http:\/\/127\.0\.0\.1:<argocd-server port>\/healthz answers$/,
      /^# 10\/13 git source/,
      /^# 11\/13 AppProjects and the root app \(profile local\)/,
      /^# 12\/13 backend: database agent_ready_local_[0-9a-f]{8}, migrations, then the API/,
      /^↩ on failure: drop database agent_ready_local_/,
      /^\$ node ace migration:run --force$/,
      /^\$ node --import=@poppinss\/ts-exec bin\/server\.ts &$/,
      /^↩ on failure: stop backend$/,
      /^# 13\/13 Applications root, backend/,
    ])
    // argocd-cm gets the kind profile's Application health, read from its file
    const patch = lines.find((l) => l.includes('patch configmap argocd-cm'))!
    const data = JSON.parse(patch.replace(/^.* -p '/, '').replace(/'$/, '')).data
    const bootstrap = parse(
      readFileSync(join(repoRoot, 'gitops/bootstrap/argocd/argocd-cm.yaml'), 'utf8')
    )
    const key = 'resource.customizations.health.argoproj.io_Application'
    assert.equal(data[key], bootstrap.data[key])
    assert.equal(data['timeout.reconciliation'], '5s')
    assert.include(out, '(dry run: nothing was executed)')
    assert.isFalse(existsSync(stateDir), 'a dry run created the state dir')
  })

  test('down prints the recorded processes newest first, then the control plane, and keeps the state', async ({
    assert,
  }) => {
    const proc = (name: string, pid: number) => ({ name, pid, startTime: '1', cmd: name })
    mkdirSync(stateDir, { recursive: true })
    const stateFile = join(stateDir, 'state.json')
    const state = {
      version: 1,
      phase: 'ready',
      stateDir,
      createdAt: new Date().toISOString(),
      cluster: { name: 'ark', kwokWorkdir: join(stateDir, 'kwok'), apiServer: '' },
      kubeconfig: join(stateDir, 'kubeconfig'),
      argocd: { api: '', namespace: 'argocd', repoServer: '', redis: '' },
      backend: { url: '', port: 0, database: 'agent_ready_local_test' },
      // the server up recorded: down drops the database there, whatever this shell's DB_HOST says
      dataStores: {
        postgres: { host: '10.9.8.7', port: 5499, user: 'postgres' },
        redis: { host: '127.0.0.1', port: 6379 },
      },
      git: { bareRepo: '', url: '', revision: '', workClone: '' },
      logDir: join(stateDir, 'logs'),
      // start times no process has: recorded, never signalled
      processes: [
        proc('etcd', 4_000_001),
        proc('kube-apiserver', 4_000_002),
        proc('argocd-redis', 4_000_003),
        proc('argocd-server', 4_000_004),
        proc('backend', 4_000_005),
      ],
    }
    writeFileSync(stateFile, JSON.stringify(state))
    const { code, out } = await clusterLocal(['down', '--dry-run'], stateDir)
    assert.equal(code, 0, out)
    inOrder(assert, out.split('\n'), [
      /^# 1\/6 stop backend \(pid 4000005\)$/,
      /^# 2\/6 stop argocd-server \(pid 4000004\)$/,
      /^# 3\/6 stop argocd-redis \(pid 4000003\)$/,
      /^# 4\/6 stop the control plane: etcd, kube-apiserver$/,
      /^# 5\/6 drop database agent_ready_local_test on 10\.9\.8\.7:5499$/,
      /^# 6\/6 remove the state in /,
    ])
    assert.equal(readFileSync(stateFile, 'utf8'), JSON.stringify(state), 'the state is untouched')
  })

  test('status has nothing to dry-run: a usage error', async ({ assert }) => {
    const { code, out } = await clusterLocal(['status', '--dry-run'], stateDir)
    assert.equal(code, 2, out)
    assert.include(out, '--dry-run applies to up and down')
  })
})
