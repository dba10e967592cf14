import { test } from '@japa/runner'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'

/** The trees where every wait goes through the one expectation helper. */
const trees = ['conformance', 'scripts']
const helper = join('scripts', 'lib', 'expect.ts')
const self = join('conformance', 'tests', 'no-sleeps.spec.ts')

/**
 * A timer that waits: setTimeout as a function (socket.setTimeout
 * is an idle timeout), timers/promises, sleep().
 */
const timerWait = /(^|[^.\w])setTimeout\(|timers\/promises|\bsleep\(/m
/** A repeating timer is no wait, but each one must be named here with its reason. */
const periodic = /setInterval\(/
const periodicAllowed: Record<string, string> = {
  [join('scripts', 'toolchain.ts')]:
    'progress heartbeat while a Go build runs; the build itself is awaited',
}

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sources(path)))
    else if (entry.name.endsWith('.ts')) out.push(path)
  }
  return out
}

test.group('suite hygiene', () => {
  test('no timer-based waits in conformance/ or scripts/ but the expectation helper', async ({
    assert,
  }) => {
    const offenders: string[] = []
    const perTree = await Promise.all(trees.map((t) => sources(join(repoRoot, t))))
    const files = perTree.flat()
    assert.isAbove(files.length, 20) // the walk found the trees
    for (const file of files) {
      const rel = relative(repoRoot, file)
      if (rel === helper || rel === self) continue
      const text = await readFile(file, 'utf8')
      if (timerWait.test(text)) offenders.push(rel)
      else if (periodic.test(text) && !periodicAllowed[rel]) offenders.push(`${rel} (setInterval)`)
    }
    assert.deepEqual(offenders, [], `timer waits outside ${helper}: ${offenders.join(', ')}`)
  })
})
