/*
 * The git source as the mutating checks use it. Every change goes through
 * scripts/lib/git-source.ts (the one git helper). Restoring is exact: the
 * branch goes back to the revision recorded before the check, and a ledger
 * file in the working clone's .git survives a crash, so the next run restores
 * first instead of hoping the source is clean.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type Document, parseDocument } from 'yaml'
import {
  commitChange,
  currentRevision,
  openGitSource,
  restoreRevision,
  revertCommit,
  type GitSource,
} from '../../scripts/lib/git-source.ts'
import type { GitAccess } from './profile.ts'

export type Source = {
  src: GitSource
  head(): Promise<string>
  /** edit the profile's values file (YAML, comments kept), commit, push; returns the new sha */
  commitValues(valuesFile: string, message: string, edit: (doc: Document) => void): Promise<string>
  /** write (content) or delete (null) repo-relative files, commit, push */
  commitFiles(files: Record<string, string | null>, message: string): Promise<string>
  revert(sha: string): Promise<string>
  /** put the branch back to `sha` exactly (no-op when already there) */
  restore(sha: string): Promise<void>
  /** read a file of the working clone (call head() first: it syncs the clone to the branch) */
  read(file: string): string | null
  ledger: { path: string; read(): string | null; write(sha: string): void; clear(): void }
  /** put the branch back to a restore point an interrupted run left; true when there was one */
  restoreInterrupted(log: (message: string) => void): Promise<boolean>
}

export function openSource(git: GitAccess): Source {
  const src = openGitSource({
    bareRepo: git.bareRepo,
    url: git.url,
    revision: git.branch,
    workClone: git.workClone,
  })
  const ledgerPath = join(git.workClone, '.git', 'conformance-restore-point')
  const ledger: Source['ledger'] = {
    path: ledgerPath,
    read: () => (existsSync(ledgerPath) ? readFileSync(ledgerPath, 'utf8').trim() || null : null),
    write: (sha) => writeFileSync(ledgerPath, sha + '\n'),
    clear: () => rmSync(ledgerPath, { force: true }),
  }
  return {
    src,
    head: () => currentRevision(src),
    commitValues: (valuesFile, message, edit) =>
      commitChange(src, message, (dir) => {
        const path = join(dir, valuesFile)
        if (!existsSync(path))
          throw new Error(`values file ${valuesFile} is missing in the source repository`)
        const doc = parseDocument(readFileSync(path, 'utf8'))
        edit(doc)
        writeFileSync(path, doc.toString())
      }),
    commitFiles: (files, message) =>
      commitChange(src, message, (dir) => {
        for (const [file, content] of Object.entries(files)) {
          if (content === null) rmSync(join(dir, file), { force: true })
          else {
            mkdirSync(dirname(join(dir, file)), { recursive: true })
            writeFileSync(join(dir, file), content)
          }
        }
      }),
    revert: (sha) => revertCommit(src, sha),
    restore: (sha) => restoreRevision(src, sha),
    read: (file) => {
      const path = join(git.workClone, file)
      return existsSync(path) ? readFileSync(path, 'utf8') : null
    },
    ledger,
    async restoreInterrupted(log) {
      const leftover = ledger.read()
      if (!leftover) return false
      log(
        `restoring the source to ${leftover.slice(0, 7)} (restore point left by an interrupted run)`
      )
      await restoreRevision(src, leftover)
      ledger.clear()
      return true
    },
  }
}

/** value at a key path of a YAML document, or undefined */
export function valueAt(doc: Document, key: string[]): unknown {
  return doc.getIn(key)
}
