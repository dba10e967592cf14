/*
 * npm run cluster:up / cluster:down. No Docker runs here, so: the --dry-run plan (every command, in
 * order, nothing executed) and the real preflight's refusal when Docker is missing.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gitDaemonCommand } from '../../scripts/cluster-kind.ts'
import { ensureGitSource, headRevision } from '../../scripts/lib/git-source.ts'
import { freePort, startProcess, stopProcess, waitForPort } from '../../scripts/lib/supervisor.ts'

const run = promisify(execFile)

async function kind(args: string[], stateDir: string, path = process.env.PATH) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/cluster-kind.ts', ...args], { env: { ...process.env, PATH: path, ARK_KIND_DIR: stateDir } })
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

/** The plan's command and action lines, in order. */
const planLines = (out: string) => out.split('\n').filter((l) => l.startsWith('$ ') || l.startsWith('→ '))

/** Asserts that each pattern matches a later line than the previous one. */
function assertInOrder(assert: any, lines: string[], patterns: RegExp[]) {
  let at = -1
  for (const p of patterns) {
    const i = lines.findIndex((l, idx) => idx > at && p.test(l))
    assert.isAbove(i, at, `expected ${p} after line ${at}: ${lines[at] ?? '(start)'}\n${lines.join('\n')}`)
    at = i
  }
}

test.group('cluster:up / cluster:down (kind)', (group) => {
  let stateDir = ''
  group.each.setup(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'ark-kind-'))
    rmSync(stateDir, { recursive: true })
    return () => rmSync(stateDir, { recursive: true, force: true })
  })

  test('up --dry-run prints every step in order and executes nothing', async ({ assert }) => {
    const { code, out } = await kind(['up', '--dry-run'], stateDir)
    assert.equal(code, 0, out)
    assertInOrder(assert, planLines(out), [
      /^\$ docker info/,
      /^\$ kind version/,
      /^\$ kind create cluster --config gitops\/bootstrap\/kind\/cluster\.yaml/,
      /^\$ kind get kubeconfig --name agent-ready-k8s$/,
      /^\$ docker build --tag agent-ready-k8s\/backend:1\.0\.0 \.$/,
      /^\$ kind load docker-image agent-ready-k8s\/backend:1\.0\.0 --name agent-ready-k8s$/,
      /^\$ kustomize build gitops\/bootstrap\/argocd$/,
      /^→ server-side apply the rendered objects/,
      /^→ wait until every Argo CD Deployment\/StatefulSet is ready/,
      /^→ server-side apply: .*Secret demo-platform\/postgresql-auth keys: postgres-password, password.*Secret tenant-backend\/backend-secrets/,
      /^→ ensureGitSource\(/,
      /^\$ docker network inspect kind/,
      /^\$ git daemon .*--export-all .*--listen=<kind network gateway> --port=9418/,
      /^→ applyGitops: .*gitops\/projects\/\*\.yaml.*root-app\.yaml with repoURL=git:\/\/<kind network gateway>:9418\/agent-ready-k8s targetRevision=main profile=kind/,
      /^→ waitForApplications: root, ingress-nginx, postgresql, redis, podinfo, backend Synced and Healthy/,
    ])
    for (const host of ['argocd.local', 'demo.localhost', 'api.localhost']) assert.include(out, `curl -H 'Host: ${host}' http://127.0.0.1/`)
    assert.include(out, 'argocd-initial-admin-secret')
    assert.include(out, 'dry run: nothing was executed')
    assert.isFalse(existsSync(stateDir), 'dry-run created no state')
  })

  test('down --dry-run prints its steps in order', async ({ assert }) => {
    const { code, out } = await kind(['down', '--dry-run'], stateDir)
    assert.equal(code, 0, out)
    assertInOrder(assert, planLines(out), [/^→ stop the git daemon/, /^\$ kind delete cluster --name agent-ready-k8s$/, /^→ rm -r /])
    assert.isFalse(existsSync(stateDir))
  })

  test('up without Docker stops at the preflight with a clear message and creates nothing', async ({ assert, cleanup }) => {
    // a PATH with a shell and git but no docker/kind, even on a machine that has them
    const bin = mkdtempSync(join(tmpdir(), 'ark-nodocker-bin-'))
    cleanup(() => rmSync(bin, { recursive: true, force: true }))
    for (const tool of ['bash', 'sh', 'git']) {
      const found = ['/bin', '/usr/bin', '/usr/local/bin'].map((d) => join(d, tool)).find((p) => existsSync(p))
      if (found) symlinkSync(found, join(bin, tool))
    }
    const { code, out } = await kind(['up'], stateDir, bin)
    assert.equal(code, 1)
    assert.match(out, /Docker is not available .* use the local profile, which needs no Docker: npm run cluster:local -- up/)
    assert.notInclude(out, 'kind create cluster')
    assert.isFalse(existsSync(stateDir))
  })

  test('the git daemon cluster:up starts really serves the git source (on loopback here)', async ({ assert, cleanup }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ark-kind-git-'))
    const src = await ensureGitSource(join(dir, 'git'))
    const port = await freePort('127.0.0.1')
    const { args, url } = gitDaemonCommand(join(dir, 'git'), '127.0.0.1', port)
    const daemon = startProcess({ name: 'git-daemon', cmd: 'git', args, log: join(dir, 'git-daemon.log') })
    cleanup(async () => {
      await stopProcess(daemon)
      rmSync(dir, { recursive: true, force: true })
    })
    await waitForPort(port, { host: '127.0.0.1', timeoutMs: 10_000, proc: daemon })
    assert.equal(url, `git://127.0.0.1:${port}/agent-ready-k8s`)
    const { stdout } = await run('git', ['ls-remote', url, 'refs/heads/main'])
    assert.equal(stdout.split(/\s+/)[0], await headRevision(src))
    await run('git', ['clone', '--quiet', '--depth', '1', url, join(dir, 'clone')])
    assert.isTrue(existsSync(join(dir, 'clone', 'gitops', 'bootstrap', 'root-app.yaml')))
    assert.isTrue(existsSync(join(dir, 'clone', 'helm', 'backend', 'Chart.yaml')))
  })

  test('an unknown command is refused with the usage', async ({ assert }) => {
    const { code, out } = await kind(['sideways'], stateDir)
    assert.equal(code, 1)
    assert.include(out, 'usage: node scripts/cluster-kind.ts up|down')
  })
})
