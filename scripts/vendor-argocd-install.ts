#!/usr/bin/env node
/*
 * node scripts/vendor-argocd-install.ts
 *
 * Writes gitops/bootstrap/argocd/argocd-install.yaml: a header that documents the bootstrap, then
 * manifests/install.yaml of the Argo CD Go module that scripts/toolchain/pins.json pins, byte for
 * byte (the module zip carries it, so nothing is fetched from GitHub). Run it after bumping the
 * Argo CD pin; tests/repo/argocd-bootstrap.spec.ts fails until the committed file matches the pin.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { pinnedModuleDir } from './lib/go-module.ts'
import { repoRoot } from './lib/local-state.ts'
import { readPins, type GoToolPin } from './lib/toolchain.ts'

/** Argo CD's pin: a Go module (its zip carries manifests/install.yaml). */
const argocdPin = () => readPins().tools.argocd as GoToolPin

export const vendoredInstallPath = 'gitops/bootstrap/argocd/argocd-install.yaml'

/** The line that ends the header; everything after it is the module's install.yaml unchanged. */
export const upstreamMarker = (version: string) =>
  `# ---- manifests/install.yaml of ${argocdPin().module}@${version}, ` +
  'unchanged, below this line ----'

/** The committed file for a version: the header, then the upstream bytes. */
export function vendoredInstall(version: string, upstream: string): string {
  return [
    `# Argo CD Installation Manifest (${version})`,
    '# This file documents the Argo CD bootstrap for disaster recovery.',
    '# Argo CD is NOT managed by itself (bootstrap ' +
      'paradox): it is installed before the root app and',
    '# upgraded by changing this file, never by an Application.',
    '#',
    '# Installation command:',
    '# kubectl create namespace argocd',
    `# kubectl apply -n argocd --server-side --force-conflicts -f ${vendoredInstallPath}`,
    '# (server-side: the ApplicationSet CRD is too large for client-side apply.) With this',
    "# repository's settings (ingress, insecure server, " +
      'Application health) as cluster:up applies it:',
    '# kustomize build gitops/bootstrap/argocd | ' +
      'kubectl apply --server-side --force-conflicts -f -',
    '# Walk-through from an empty cluster to Synced: docs/boot-routine.md.',
    '#',
    '# After bumping the Argo CD pin (scripts/toolchain/pins.json): ' +
      'node scripts/vendor-argocd-install.ts',
    upstreamMarker(version),
    upstream,
  ].join('\n')
}

export async function upstreamInstall(version: string): Promise<string> {
  const dir = await pinnedModuleDir(argocdPin().module, version)
  return readFileSync(join(dir, 'manifests', 'install.yaml'), 'utf8')
}

async function main() {
  const version = argocdPin().version
  const text = vendoredInstall(version, await upstreamInstall(version))
  writeFileSync(join(repoRoot, vendoredInstallPath), text)
  console.log(`${vendoredInstallPath}: Argo CD ${version} (${Buffer.byteLength(text)} bytes)`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`vendor-argocd-install: ${(e as Error).message}`)
    process.exit(1)
  })
}
