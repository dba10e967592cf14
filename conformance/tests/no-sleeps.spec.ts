import { test } from '@japa/runner'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

async function sources(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await sources(path)))
    else if (entry.name.endsWith('.ts')) out.push(path)
  }
  return out
}

test.group('suite hygiene', () => {
  test('no timer-based waits anywhere but the expectation helper', async ({ assert }) => {
    const offenders: string[] = []
    for (const file of await sources(root)) {
      const rel = relative(root, file)
      if (rel === join('lib', 'expect.ts') || rel === join('tests', 'no-sleeps.spec.ts')) continue
      const text = await readFile(file, 'utf8')
      if (/(^|[^.\w])setTimeout\(|setInterval\(|timers\/promises|\bsleep\(/m.test(text)) offenders.push(rel)
    }
    assert.deepEqual(offenders, [], `timer waits outside lib/expect.ts: ${offenders.join(', ')}`)
  })
})
