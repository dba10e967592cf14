/*
 * The ONE git-source helper: the git repository Argo CD reads.
 *
 *   ensureGitSource(dir, { branch? })  -> Promise<GitSource>
 *       creates (or refreshes) <dir>/agent-ready-k8s, a bare repository, and <dir>/work, a
 *       working clone; then snapshots this checkout's gitops/ and helm/ (working tree,
 *       uncommitted and untracked-but-not-ignored files included) as a commit on `branch`
 *       (default "main") and pushes it.
 *   openGitSource(fields)             -> GitSource   (from the JSON recorded in local-state.ts)
 *   snapshotCheckout(src, message?)   -> Promise<string>  new head sha
 *                                                         (unchanged content: same sha)
 *   commitChange(src, message, edit)  -> Promise<string>  runs `edit(workDir)`, commits
 *                                                         everything, pushes
 *   revertCommit(src, sha)            -> Promise<string>  `git revert` of that commit, pushed
 *   restoreRevision(src, sha)         -> Promise<void>    moves the branch back to exactly `sha`
 *                                                         (force push; no-op when already there)
 *   headRevision(src)                 -> Promise<string>
 *   currentRevision(src)              -> Promise<string>  syncs the working clone to the branch
 *                                                         first
 *
 * `src.url` is a file:// URL (Argo CD accepts it; a `git daemon` can serve `src.bareRepo` too).
 * Nothing here ever pushes anywhere but the bare repository it created.
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { repoRoot } from './local-state.ts'

const run = promisify(execFile)

export type GitSource = { bareRepo: string; url: string; revision: string; workClone: string }

/** The checkout folders Argo CD reads. */
export const sourceFolders = ['gitops', 'helm']

async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(
      'git',
      [
        '-c',
        'commit.gpgsign=false',
        '-c',
        'user.name=agent-ready-k8s',
        '-c',
        'user.email=agent-ready-k8s@localhost',
        ...args,
      ],
      { cwd, maxBuffer: 64 * 1024 * 1024 }
    )
    return stdout.trim()
  } catch (e) {
    const err = e as Error & { stderr?: string }
    throw new Error(
      `git ${args.join(' ')} (in ${cwd}) failed: ${err.stderr?.trim() || err.message}`
    )
  }
}

export function openGitSource(fields: GitSource): GitSource {
  return { ...fields }
}

export async function ensureGitSource(
  dir: string,
  opts: { branch?: string } = {}
): Promise<GitSource> {
  const branch = opts.branch ?? 'main'
  // Named like the project: the AppProjects allow
  // file:///**/agent-ready-k8s and git://**/agent-ready-k8s.
  const bareRepo = join(dir, 'agent-ready-k8s')
  const workClone = join(dir, 'work')
  mkdirSync(dir, { recursive: true })
  if (!existsSync(join(bareRepo, 'HEAD'))) {
    await git(dir, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, bareRepo)
  }
  if (!existsSync(join(workClone, '.git'))) {
    rmSync(workClone, { recursive: true, force: true })
    await git(dir, 'clone', '--quiet', bareRepo, workClone)
    await git(workClone, 'checkout', '--quiet', '-B', branch)
  }
  const src: GitSource = {
    bareRepo,
    url: pathToFileURL(bareRepo).href,
    revision: branch,
    workClone,
  }
  await snapshotCheckout(src, 'snapshot of the checkout')
  return src
}

/**
 * Brings the working clone to the bare repo's head (a previous run may have left it anywhere);
 * returns that head. A clone already there, on the branch and clean, costs three git processes
 * run side by side instead of five in a row: a Block 7 check syncs about ten times.
 */
async function syncClone(src: GitSource): Promise<string> {
  const [head, local, status] = await Promise.all([
    git(src.bareRepo, 'rev-parse', '--verify', '--quiet', `refs/heads/${src.revision}`).catch(
      () => ''
    ),
    git(src.workClone, 'rev-parse', '--verify', '--quiet', 'HEAD').catch(() => ''),
    git(src.workClone, 'status', '--porcelain', '--branch', '--untracked-files=all'),
  ])
  const [branchLine, ...changes] = status.split('\n')
  const onBranch =
    branchLine === `## ${src.revision}` || branchLine.startsWith(`## ${src.revision}...`)
  if (head && head === local && onBranch && changes.length === 0) return head
  if (head) {
    await git(src.workClone, 'fetch', '--quiet', 'origin', src.revision)
    await git(src.workClone, 'checkout', '--quiet', '-B', src.revision, `origin/${src.revision}`)
    await git(src.workClone, 'reset', '--quiet', '--hard', `origin/${src.revision}`)
  }
  await git(src.workClone, 'clean', '-fdq')
  return head || local
}

async function commitAndPush(src: GitSource, message: string): Promise<string> {
  await git(src.workClone, 'add', '--all')
  const changed = await git(src.workClone, 'status', '--porcelain')
  const hasHead = await git(src.workClone, 'rev-parse', '--verify', '--quiet', 'HEAD').then(
    () => true,
    () => false
  )
  if (changed || !hasHead) {
    await git(src.workClone, 'commit', '--quiet', '--allow-empty', '-m', message)
    await git(src.workClone, 'push', '--quiet', 'origin', `HEAD:refs/heads/${src.revision}`)
  }
  return headRevision(src)
}

export async function snapshotCheckout(
  src: GitSource,
  message = 'snapshot of the checkout'
): Promise<string> {
  await syncClone(src)
  for (const folder of sourceFolders)
    rmSync(join(src.workClone, folder), { recursive: true, force: true })
  // Tracked + untracked files, minus what .gitignore excludes, exactly as they are on disk now.
  const listed = await git(
    repoRoot,
    'ls-files',
    '-z',
    '--cached',
    '--others',
    '--exclude-standard',
    '--',
    ...sourceFolders
  )
  for (const rel of listed.split('\0').filter(Boolean)) {
    const from = join(repoRoot, rel)
    if (!existsSync(from)) continue // deleted in the working tree
    mkdirSync(dirname(join(src.workClone, rel)), { recursive: true })
    cpSync(from, join(src.workClone, rel))
  }
  return commitAndPush(src, message)
}

export async function commitChange(
  src: GitSource,
  message: string,
  edit: (workDir: string) => void | Promise<void>
): Promise<string> {
  await syncClone(src)
  await edit(src.workClone)
  return commitAndPush(src, message)
}

export async function revertCommit(src: GitSource, sha: string): Promise<string> {
  await syncClone(src)
  await git(src.workClone, 'revert', '--no-edit', sha)
  await git(src.workClone, 'push', '--quiet', 'origin', `HEAD:refs/heads/${src.revision}`)
  return headRevision(src)
}

export async function restoreRevision(src: GitSource, sha: string): Promise<void> {
  const head = await syncClone(src)
  const full = await git(src.workClone, 'rev-parse', '--verify', `${sha}^{commit}`)
  if (head === full) return
  await git(
    src.workClone,
    'push',
    '--quiet',
    '--force',
    'origin',
    `${full}:refs/heads/${src.revision}`
  )
  await syncClone(src)
}

/**
 * The branch head after bringing the working clone up to date (its files then show that revision).
 */
export async function currentRevision(src: GitSource): Promise<string> {
  return (await syncClone(src)) || headRevision(src)
}

export async function headRevision(src: GitSource): Promise<string> {
  return git(src.workClone, 'rev-parse', 'HEAD')
}
