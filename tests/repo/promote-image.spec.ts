/*
 * scripts/promote-image.ts, the step of backend-ci that records the signed image in the kind
 * values: the real helm renders the promoted file into repository:tag@digest, the file keeps its
 * comments and other keys, a second run changes nothing,
 * and bad input is refused without touching the file.
 */
import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { promote, promotionProblems } from '../../scripts/promote-image.ts'
import { template } from './lib/helm.ts'

const run = promisify(execFile)
const image = {
  repository: 'ghcr.io/acme/agent-ready-k8s/backend',
  tag: `main-${'a1'.repeat(20)}`,
  digest: `sha256:${'b2'.repeat(32)}`,
}

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/promote-image.ts', ...args])
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

test.group('promote-image (backend-ci → helm/backend/values-kind.yaml)', (group) => {
  let dir = ''
  let values = ''
  group.each.setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'ark-promote-'))
    values = join(dir, 'values-kind.yaml')
    copyFileSync('helm/backend/values-kind.yaml', values)
    return () => rmSync(dir, { recursive: true, force: true })
  })

  test('the promoted values make the chart run repository:tag@digest; comments and other keys stay', async ({
    assert,
  }) => {
    const { code, out } = await cli([
      image.repository,
      '--tag',
      image.tag,
      '--digest',
      image.digest,
      '--values',
      values,
    ])
    assert.equal(code, 0, out)
    assert.include(out, `now runs ${image.repository}:${image.tag}@${image.digest}`)
    const text = readFileSync(values, 'utf8')
    const original = readFileSync('helm/backend/values-kind.yaml', 'utf8')
    assert.isTrue(
      text.startsWith(
        original
          .split('\n')
          .filter((l) => l.startsWith('#'))
          .join('\n')
      ),
      'the header comment is kept'
    )
    const v = parse(text)
    assert.deepEqual({ ...v.image }, { ...parse(original).image, ...image })
    assert.equal(v.replicaCount, parse(original).replicaCount)
    const docs = await template(
      process.cwd(),
      'helm/backend',
      'backend',
      ['-f', values],
      'promoted'
    )
    const deployment = docs.find((d) => d.object.kind === 'Deployment')!.object
    const images = [
      ...deployment.spec.template.spec.initContainers,
      ...deployment.spec.template.spec.containers,
    ].map((c: { image: string }) => c.image)
    assert.isAbove(images.length, 1)
    for (const i of images) assert.equal(i, `${image.repository}:${image.tag}@${image.digest}`)
  }).timeout(60_000)

  test('an existing image block keeps its other keys and comments; only the three keys change', ({
    assert,
  }) => {
    const text = [
      'replicaCount: 2',
      'image:',
      '  # which image',
      '  repository: agent-ready-k8s/backend',
      '  tag: "1.0.0"',
      '  pullPolicy: IfNotPresent',
      'ingress:',
      '  enabled: true',
      '',
    ].join('\n')
    const out = promote(text, image)
    assert.deepEqual(parse(out), {
      replicaCount: 2,
      image: { ...image, pullPolicy: 'IfNotPresent' },
      ingress: { enabled: true },
    })
    assert.include(out, '  # which image\n')
  })

  test('a second run with the same image changes nothing; a newer one replaces it', async ({
    assert,
  }) => {
    await cli([image.repository, '--tag', image.tag, '--digest', image.digest, '--values', values])
    const once = readFileSync(values, 'utf8')
    const again = await cli([
      image.repository,
      '--tag',
      image.tag,
      '--digest',
      image.digest,
      '--values',
      values,
    ])
    assert.include(again.out, 'already runs')
    assert.equal(readFileSync(values, 'utf8'), once)
    const newer = { ...image, tag: `main-${'c3'.repeat(20)}`, digest: `sha256:${'d4'.repeat(32)}` }
    assert.deepEqual({ ...parse(promote(once, newer)).image }, { ...parse(once).image, ...newer })
  })

  test('bad input is refused with the reason and the file is left as it was', async ({
    assert,
  }) => {
    const before = readFileSync(values, 'utf8')
    const cases: [string[], RegExp][] = [
      [
        [image.repository, '--tag', image.tag, '--digest', 'sha256:abc', '--values', values],
        /digest "sha256:abc" is not sha256:<64 hex>/,
      ],
      [
        [image.repository, '--tag', 'latest', '--digest', image.digest, '--values', values],
        /tag "latest" is not a pinned tag/,
      ],
      [
        ['GHCR.io/Acme/Backend', '--tag', image.tag, '--digest', image.digest, '--values', values],
        /is not a lowercase registry\/name/,
      ],
      [
        [image.repository, '--digest', image.digest, '--values', values],
        /usage: node scripts\/promote-image\.ts/,
      ],
    ]
    for (const [args, message] of cases) {
      const { code, out } = await cli(args)
      assert.equal(code, 1, out)
      assert.match(out, message)
      assert.equal(readFileSync(values, 'utf8'), before)
    }
    assert.deepEqual(promotionProblems(image), [])
    assert.throws(() => promote('image: { repository: x }\n', image), /is not a block mapping/)
    assert.throws(
      () => promote('image:\n  tag: |\n    1.0\n', image),
      /image\.tag is not a plain scalar/
    )
  })
})
