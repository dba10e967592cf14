/*
 * The Application health check of gitops/bootstrap/argocd (argocd-cm), evaluated by the real pinned
 * Argo CD — the same Lua engine and the same binary the local profile runs — offline, through
 * `argocd admin settings resource-overrides health`. Without the customization Argo CD has no
 * health for an Application (the reason the sync waves
 * needed it); with it, a child reports its own health.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parseAllDocuments, stringify } from 'yaml'
import { toolPath } from '../../scripts/lib/toolchain.ts'

const run = promisify(execFile)

/**
 * argocd-cm as gitops/bootstrap/argocd renders it
 * (the pinned kustomize over the vendored manifest).
 */
async function renderedArgocdCm(): Promise<Record<string, unknown>> {
  const { stdout } = await run(toolPath('kustomize'), ['build', 'gitops/bootstrap/argocd'], {
    maxBuffer: 64 * 1024 * 1024,
  })
  const cm = parseAllDocuments(stdout)
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'argocd-cm')
  if (!cm) throw new Error('no argocd-cm in the rendered bootstrap')
  return cm
}

/**
 * STATUS and MESSAGE as Argo CD assesses `app` with
 * the given argocd-cm (or its "not configured" line).
 */
async function health(
  dir: string,
  cm: Record<string, unknown>,
  app: Record<string, unknown>
): Promise<string> {
  const cmPath = join(dir, 'argocd-cm.yaml')
  const appPath = join(dir, 'app.yaml')
  writeFileSync(cmPath, stringify(cm))
  writeFileSync(
    appPath,
    stringify({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'child', namespace: 'argocd' },
      spec: {},
      ...app,
    })
  )
  const { stdout } = await run(
    toolPath('argocd'),
    ['admin', 'settings', 'resource-overrides', 'health', appPath, '--argocd-cm-path', cmPath],
    { env: { ...process.env, HOME: dir } }
  )
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .join(' | ')
}

test.group('Argo CD (pinned binary) · Application health for sync waves', (group) => {
  let dir = ''
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'ark-argocd-health-'))
    return () => rmSync(dir, { recursive: true, force: true })
  })

  test("with the bootstrap's argocd-cm a child Application reports its own health", async ({
    assert,
  }) => {
    const cm = await renderedArgocdCm()
    assert.equal(
      await health(dir, cm, { status: { health: { status: 'Healthy' } } }),
      'STATUS: Healthy | MESSAGE:'
    )
    assert.equal(
      await health(dir, cm, {
        status: { health: { status: 'Degraded', message: 'Deployment backend: 0/2 ready' } },
      }),
      'STATUS: Degraded | MESSAGE: Deployment backend: 0/2 ready'
    )
    assert.equal(
      await health(dir, cm, { status: { sync: { status: 'Synced' } } }),
      'STATUS: Progressing | MESSAGE:'
    )
    assert.equal(await health(dir, cm, {}), 'STATUS: Progressing | MESSAGE:')
  }).timeout(120_000)

  test('without it (the upstream argocd-cm) Argo CD assesses no health for an Application', async ({
    assert,
  }) => {
    const cm = await renderedArgocdCm()
    const data = { ...(cm.data as Record<string, string>) }
    delete data['resource.customizations.health.argoproj.io_Application']
    const out = await health(dir, { ...cm, data }, { status: { health: { status: 'Degraded' } } })
    assert.notInclude(out, 'STATUS: Degraded')
    assert.include(out, 'Health script is not configured')
  }).timeout(120_000)
})
