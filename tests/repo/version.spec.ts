/*
 * One project version: the root package, the backend package (GET / reports it), the backend
 * chart's appVersion and its image tag all say the same, so the conformance suite's Block 9 check
 * can demand the exact version at GET /.
 */
import { test } from '@japa/runner'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from '../../scripts/lib/local-state.ts'

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8')

test.group('project version', () => {
  test('package.json, backend/package.json, Chart appVersion and image tag agree', ({ assert }) => {
    const root = JSON.parse(read('package.json')).version
    assert.match(root, /^\d+\.\d+\.\d+$/)
    assert.equal(
      JSON.parse(read('backend/package.json')).version,
      root,
      'backend/package.json (GET / reports it)'
    )
    assert.equal(
      parse(read('helm/backend/Chart.yaml')).appVersion,
      root,
      'helm/backend/Chart.yaml appVersion'
    )
    assert.equal(
      parse(read('helm/backend/values.yaml')).image.tag,
      root,
      'helm/backend/values.yaml image.tag'
    )
  })
})
