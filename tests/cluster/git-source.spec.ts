/*
 * The one git-source helper against real git: snapshot of the working tree, commit through the
 * working clone, revert, restore, and a second clone (what Argo CD sees) agreeing at each step.
 */
import { test } from '@japa/runner'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  commitChange,
  currentRevision,
  ensureGitSource,
  headRevision,
  restoreRevision,
  revertCommit,
  sourceFolders,
} from '../../scripts/lib/git-source.ts'
import { repoRoot } from '../../scripts/lib/local-state.ts'

const dir = mkdtempSync(join(tmpdir(), 'ark-git-source-'))
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()

/** What a reader of the bare repo (Argo CD) sees at the branch head. */
function readerView(bare: string, file: string): string | null {
  try {
    // the vendored Argo CD install.yaml is 1.4 MB: over execFileSync's 1 MiB default buffer
    return execFileSync('git', ['--git-dir', bare, 'show', `main:${file}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    })
  } catch {
    return null
  }
}

test.group('git source', (group) => {
  group.teardown(() => rmSync(dir, { recursive: true, force: true }))

  test('snapshots the working tree of gitops/ and helm/ (uncommitted and untracked files included)', async ({
    assert,
  }) => {
    const src = await ensureGitSource(dir)
    assert.equal(src.url, `file://${join(dir, 'agent-ready-k8s')}`)
    assert.equal(src.revision, 'main')
    const expected = git(
      repoRoot,
      'ls-files',
      '--cached',
      '--others',
      '--exclude-standard',
      '--',
      ...sourceFolders
    )
      .split('\n')
      .filter((f) => f && existsSync(join(repoRoot, f)))
      .sort()
    const inSource = git(src.workClone, 'ls-tree', '-r', '--name-only', 'HEAD')
      .split('\n')
      .filter(Boolean)
      .sort()
    assert.deepEqual(inSource, expected)
    assert.isAbove(expected.length, 0)
    for (const f of expected)
      assert.equal(readerView(src.bareRepo, f), readFileSync(join(repoRoot, f), 'utf8'), f)
  })

  test('ensureGitSource again with nothing changed adds no commit', async ({ assert }) => {
    const first = await ensureGitSource(dir)
    const head = await headRevision(first)
    const again = await ensureGitSource(dir)
    assert.equal(await headRevision(again), head)
  })

  test('commitChange pushes, revertCommit undoes it, restoreRevision puts the branch back exactly', async ({
    assert,
  }) => {
    const src = await ensureGitSource(dir)
    const base = await headRevision(src)
    const sha = await commitChange(src, 'test: add a marker', (work) =>
      writeFileSync(join(work, 'gitops', 'marker.txt'), 'one\n')
    )
    assert.notEqual(sha, base)
    assert.equal(readerView(src.bareRepo, 'gitops/marker.txt'), 'one\n')

    const reverted = await revertCommit(src, sha)
    assert.notEqual(reverted, sha)
    assert.isNull(readerView(src.bareRepo, 'gitops/marker.txt'))

    await commitChange(src, 'test: another marker', (work) =>
      writeFileSync(join(work, 'gitops', 'marker.txt'), 'two\n')
    )
    await restoreRevision(src, base)
    assert.equal(git(src.bareRepo, 'rev-parse', 'main'), base)
    assert.equal(await headRevision(src), base)
    assert.isNull(readerView(src.bareRepo, 'gitops/marker.txt'))
    await restoreRevision(src, base) // no-op when already there
    assert.equal(git(src.bareRepo, 'rev-parse', 'main'), base)
  })

  test('a working clone left behind, dirty or elsewhere, is brought back to the branch head', async ({
    assert,
  }) => {
    const src = await ensureGitSource(dir)
    const head = await headRevision(src)
    const work = src.workClone
    // each way a crashed run can leave the clone: an edit, an untracked file, another commit
    writeFileSync(join(work, 'gitops', 'stray.txt'), 'untracked\n')
    assert.equal(await currentRevision(src), head)
    assert.isFalse(existsSync(join(work, 'gitops', 'stray.txt')))

    const tracked = git(work, 'ls-files', 'helm').split('\n')[0]
    writeFileSync(join(work, tracked), 'edited\n')
    assert.equal(await currentRevision(src), head)
    assert.equal(git(work, 'status', '--porcelain'), '')

    git(
      work,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'local only'
    )
    assert.equal(await currentRevision(src), head)
    assert.equal(git(work, 'rev-parse', 'HEAD'), head)

    git(work, 'checkout', '-q', '--detach', head)
    assert.equal(await currentRevision(src), head)
    assert.equal(git(work, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main')
  })
})
