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
import { dockerEngineOf, gitAddresses, gitDaemonCommand } from '../../scripts/cluster-kind.ts'
import { backendImagePlan, signerIdentityPattern } from '../../scripts/lib/backend-image.ts'
import { ensureGitSource, headRevision } from '../../scripts/lib/git-source.ts'
import { freePort, startProcess, stopProcess, waitForPort } from '../../scripts/lib/supervisor.ts'

const run = promisify(execFile)

async function kind(args: string[], stateDir: string, path = process.env.PATH) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/cluster-kind.ts', ...args], {
      env: { ...process.env, PATH: path, ARK_KIND_DIR: stateDir },
    })
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

/** The plan's command and action lines, in order. */
const planLines = (out: string) =>
  out.split('\n').filter((l) => l.startsWith('$ ') || l.startsWith('→ '))

/** Asserts that each pattern matches a later line than the previous one. */
function assertInOrder(assert: any, lines: string[], patterns: RegExp[]) {
  let at = -1
  for (const p of patterns) {
    const i = lines.findIndex((l, idx) => idx > at && p.test(l))
    assert.isAbove(
      i,
      at,
      `expected ${p} after line ${at}: ${lines[at] ?? '(start)'}\n${lines.join('\n')}`
    )
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
      /^\$ docker build --tag agent-ready-k8s\/backend:0\.1\.0 \.$/,
      /^\$ kind load docker-image agent-ready-k8s\/backend:0\.1\.0 --name agent-ready-k8s$/,
      // the fallback for Docker's containerd image store: a single-platform archive
      /^\$ docker image inspect --format '\{\{\.Os\}\}\/\{\{\.Architecture\}\}' agent-ready-k8s\/backend:0\.1\.0$/,
      /^\$ docker image save --platform .* --output \S+\/backend-image\.tar agent-ready-k8s\/backend:0\.1\.0$/,
      /^\$ kind load image-archive \S+\/backend-image\.tar --name agent-ready-k8s$/,
      /^\$ kustomize build gitops\/bootstrap\/argocd$/,
      /^→ server-side apply the rendered objects/,
      /^→ wait until every Argo CD Deployment\/StatefulSet is ready/,
      /^→ server-side apply: .*Secret demo-platform\/postgresql-auth keys: postgres-password, password.*Secret tenant-backend\/backend-secrets/,
      /^→ ensureGitSource\(/,
      /^\$ docker network inspect kind/,
      /^\$ git daemon .*--export-all .*--listen=<kind network IPv4 gateway> --listen=<kind network IPv6 gateway> --port=9418/,
      /^→ applyGitops: .*gitops\/projects\/\*\.yaml.*root-app\.yaml with repoURL=git:\/\/<kind network IPv4 gateway>:9418\/agent-ready-k8s targetRevision=main profile=kind/,
      /^→ waitForApplications: root, ingress-nginx, postgresql, redis, podinfo, backend Synced and Healthy/,
    ])
    assert.match(
      out,
      /if that fails \(Docker's containerd image store: "content digest not found"\)/
    )
    assert.match(
      out,
      /gitops\/bootstrap\/argocd\/argocd-install\.yaml \+ gitops\/bootstrap\/argocd\/argocd-cm\.yaml \(resource\.customizations\.health\.argoproj\.io_Application\)/
    )
    assert.match(
      out,
      /bind <kind network IPv4 gateway>, <kind network IPv6 gateway> · advertised to Argo CD as <kind network IPv4 gateway>/
    )
    assert.match(
      out,
      /Docker Desktop: bind 127\.0\.0\.1, advertised as host\.docker\.internal · rootless Docker: set ARK_KIND_GIT_BIND and ARK_KIND_GIT_HOST/
    )
    for (const host of ['argocd.local', 'demo.localhost', 'api.localhost'])
      assert.include(out, `curl -H 'Host: ${host}' http://127.0.0.1/`)
    assert.include(out, 'http://argocd.localhost/')
    assert.match(
      out,
      /user admin, password from\n\s+kubectl .* -n argocd get secret argocd-initial-admin-secret -o jsonpath='\{\.data\.password\}' \| base64 -d/
    )
    assert.include(out, 'dry run: nothing was executed')
    assert.isFalse(existsSync(stateDir), 'dry-run created no state')
  })

  test('down --dry-run prints its steps in order', async ({ assert }) => {
    const { code, out } = await kind(['down', '--dry-run'], stateDir)
    assert.equal(code, 0, out)
    assertInOrder(assert, planLines(out), [
      /^→ stop the git daemon/,
      /^\$ kind delete cluster --name agent-ready-k8s$/,
      /^→ rm -r /,
    ])
    assert.isFalse(existsSync(stateDir))
  })

  test('up without Docker stops at the preflight with a clear message and creates nothing', async ({
    assert,
    cleanup,
  }) => {
    // a PATH with a shell and git but no docker/kind, even on a machine that has them
    const bin = mkdtempSync(join(tmpdir(), 'ark-nodocker-bin-'))
    cleanup(() => rmSync(bin, { recursive: true, force: true }))
    for (const tool of ['bash', 'sh', 'git']) {
      const found = ['/bin', '/usr/bin', '/usr/local/bin']
        .map((d) => join(d, tool))
        .find((p) => existsSync(p))
      if (found) symlinkSync(found, join(bin, tool))
    }
    const { code, out } = await kind(['up'], stateDir, bin)
    assert.equal(code, 1)
    assert.match(
      out,
      /Docker is not available .* use the local profile, which needs no Docker: npm run cluster:local -- up/
    )
    assert.notInclude(out, 'kind create cluster')
    assert.isFalse(existsSync(stateDir))
  })

  test('the git daemon cluster:up starts really serves the git source (on loopback here)', async ({
    assert,
    cleanup,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ark-kind-git-'))
    const src = await ensureGitSource(join(dir, 'git'))
    const port = await freePort('127.0.0.1')
    const { args, url } = gitDaemonCommand(
      join(dir, 'git'),
      { bind: ['127.0.0.1'], host: '127.0.0.1' },
      port
    )
    const daemon = startProcess({
      name: 'git-daemon',
      cmd: 'git',
      args,
      log: join(dir, 'git-daemon.log'),
    })
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

  test('the git daemon binds one set of addresses and advertises another', ({ assert }) => {
    const { args, url } = gitDaemonCommand(
      '/srv/git',
      { bind: ['172.18.0.1', 'fc00:f853:ccd:e793::1'], host: 'host.docker.internal' },
      9418
    )
    assert.includeMembers(args, [
      '--listen=172.18.0.1',
      '--listen=fc00:f853:ccd:e793::1',
      '--port=9418',
      '--base-path=/srv/git',
    ])
    assert.equal(url, 'git://host.docker.internal:9418/agent-ready-k8s')
    assert.equal(
      gitDaemonCommand('/srv/git', { bind: ['::'], host: 'fc00::1' }, 9418).url,
      'git://[fc00::1]:9418/agent-ready-k8s'
    )
  })

  test('an unknown command is refused with the usage', async ({ assert }) => {
    const { code, out } = await kind(['sideways'], stateDir)
    assert.equal(code, 2) // a usage error, like every script's (scripts/lib/cli.ts)
    assert.include(out, 'usage: node scripts/cluster-kind.ts up|down')
  })
})

test.group('cluster:up · where the git daemon listens, and what Argo CD is told', () => {
  const gateways = () => ['172.18.0.1', 'fc00:f853:ccd:e793::1']
  const none = () => {
    throw new Error('the kind network is not consulted here')
  }

  test('Docker flavour from docker info: Engine, Desktop, rootless', ({ assert }) => {
    assert.deepEqual(
      dockerEngineOf({
        ServerVersion: '29.1.3',
        OperatingSystem: 'Ubuntu 24.04.3 LTS',
        SecurityOptions: ['name=apparmor', 'name=seccomp,profile=builtin', 'name=cgroupns'],
      }),
      { version: '29.1.3', flavour: 'engine' }
    )
    assert.deepEqual(
      dockerEngineOf({
        ServerVersion: '28.4.0',
        OperatingSystem: 'Docker Desktop',
        SecurityOptions: ['name=seccomp,profile=unconfined', 'name=cgroupns'],
      }),
      { version: '28.4.0', flavour: 'desktop' }
    )
    assert.deepEqual(
      dockerEngineOf({
        ServerVersion: '29.0.0',
        OperatingSystem: 'Debian GNU/Linux 13 (trixie)',
        SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'],
      }),
      { version: '29.0.0', flavour: 'rootless' }
    )
    assert.equal(
      dockerEngineOf({
        ServerVersion: '27.5.1',
        OperatingSystem: 'Alpine Linux v3.21',
        SecurityOptions: null,
      }).flavour,
      'engine'
    )
  })

  test('Docker Engine: bind every gateway of the kind bridge, advertise the IPv4 one', ({
    assert,
  }) => {
    assert.deepEqual(gitAddresses('engine', gateways, {}), {
      bind: ['172.18.0.1', 'fc00:f853:ccd:e793::1'],
      host: '172.18.0.1',
      why: 'Docker Engine: the gateways of the kind bridge',
    })
    assert.throws(
      () => gitAddresses('engine', () => ['fc00:f853:ccd:e793::1'], {}),
      /no IPv4 gateway on the "kind" docker network .*ARK_KIND_GIT_HOST/
    )
  })

  test('Docker Desktop: loopback, advertised as host.docker.internal (the bridge is inside the VM)', ({
    assert,
  }) => {
    assert.deepEqual(gitAddresses('desktop', none, {}), {
      bind: ['127.0.0.1'],
      host: 'host.docker.internal',
      why: 'Docker Desktop: pods reach the host as host.docker.internal',
    })
  })

  test('rootless Docker: refused until both addresses are set, with where to read', ({
    assert,
  }) => {
    assert.throws(
      () => gitAddresses('rootless', none, {}),
      /rootless Docker: .*Set ARK_KIND_GIT_BIND .* and ARK_KIND_GIT_HOST .*docs\/gitops\.md/
    )
    assert.throws(
      () => gitAddresses('rootless', none, { ARK_KIND_GIT_HOST: '10.0.2.2' }),
      /rootless Docker/
    )
    assert.deepEqual(
      gitAddresses('rootless', none, {
        ARK_KIND_GIT_BIND: '127.0.0.1',
        ARK_KIND_GIT_HOST: '10.0.2.2',
      }),
      { bind: ['127.0.0.1'], host: '10.0.2.2', why: 'ARK_KIND_GIT_BIND and ARK_KIND_GIT_HOST' }
    )
  })

  test('either part can be overridden alone', ({ assert }) => {
    assert.deepEqual(gitAddresses('engine', gateways, { ARK_KIND_GIT_BIND: '0.0.0.0' }).bind, [
      '0.0.0.0',
    ])
    assert.equal(
      gitAddresses('engine', gateways, { ARK_KIND_GIT_BIND: '0.0.0.0' }).host,
      '172.18.0.1'
    )
    assert.deepEqual(gitAddresses('engine', gateways, { ARK_KIND_GIT_HOST: 'my-host.lan' }), {
      bind: ['172.18.0.1', 'fc00:f853:ccd:e793::1'],
      host: 'my-host.lan',
      why: 'Docker Engine: the gateways of the kind bridge',
    })
    assert.deepEqual(gitAddresses('desktop', none, { ARK_KIND_GIT_BIND: '0.0.0.0, ::' }).bind, [
      '0.0.0.0',
      '::',
    ])
  })
})

test.group('cluster:up · which backend image', () => {
  const defaults = { image: { repository: 'agent-ready-k8s/backend', tag: '1.0.0' } }

  test('no promoted image in values-kind.yaml: the chart default, built and loaded here', ({
    assert,
  }) => {
    const local = {
      source: 'local',
      image: 'agent-ready-k8s/backend:1.0.0',
      repository: 'agent-ready-k8s/backend',
      tag: '1.0.0',
    }
    assert.deepEqual(backendImagePlan(defaults, { replicaCount: 2 } as never), local)
    assert.deepEqual(backendImagePlan(defaults, null), local)
  })

  test('an image promoted by backend-ci: pulled by digest, nothing built', ({ assert }) => {
    const promoted = {
      image: {
        repository: 'ghcr.io/acme/agent-ready-k8s/backend',
        tag: `main-${'a'.repeat(40)}`,
        digest: `sha256:${'b'.repeat(64)}`,
      },
    }
    assert.deepEqual(backendImagePlan(defaults, promoted), {
      source: 'registry',
      image: `ghcr.io/acme/agent-ready-k8s/backend:main-${'a'.repeat(40)}@sha256:${'b'.repeat(64)}`,
      ...promoted.image,
    })
    // the identity it is verified against: backend-ci on main of the repository it was pushed from
    assert.equal(
      signerIdentityPattern(promoted.image.repository),
      'https://github\\.com/(?i:acme/agent-ready-k8s)/\\.github/workflows/backend-ci\\.yml@refs/heads/main'
    )
    assert.isUndefined(signerIdentityPattern('agent-ready-k8s/backend'))
  })
})
