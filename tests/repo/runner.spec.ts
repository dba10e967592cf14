import { test } from '@japa/runner'
import { readFile } from 'node:fs/promises'

test.group('repository', () => {
  test('root package.json pins Node 24 for every npm script', async ({ assert }) => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8'))
    assert.match(pkg.devDependencies.node, /^24\./)
    assert.equal(process.versions.node.split('.')[0], '24')
  })
})
