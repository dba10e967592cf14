/*
 * Facts of a kind cluster brought up by `npm run cluster:up` (scripts/cluster-kind.ts), as JSON in
 * its state dir ($ARK_KIND_DIR or <repo>/.ark/kind, gitignored). The one type of that file: the
 * script writes it; the conformance suite and `npm run conformance` read it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { GitSource } from './git-source.ts'
import { repoRoot } from './local-state.ts'
import type { ProcRecord } from './supervisor.ts'

export type KindState = {
  version: 1
  cluster: string
  kubeconfig: string
  /** the git source, and the git daemon URL Argo CD reads it from */
  git?: GitSource & { daemonUrl: string }
  gitDaemon?: ProcRecord
  urls: Record<string, string>
}

export function kindDir(): string {
  return resolve(process.env.ARK_KIND_DIR || join(repoRoot, '.ark', 'kind'))
}

export function kindStateFile(dir = kindDir()): string {
  return join(dir, 'state.json')
}

export function readKindState(dir = kindDir()): KindState | undefined {
  const file = kindStateFile(dir)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KindState) : undefined
}

export function writeKindState(state: KindState, dir = kindDir()): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(kindStateFile(dir), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 })
}
