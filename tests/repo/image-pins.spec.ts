/*
 * Images are pinned as tag@sha256:<digest> — the Dockerfile's base, every image the backend chart
 * renders (but the backend's own, which cluster:up builds locally or backend-ci promotes by digest)
 * and the workflows' service containers — and Dependabot keeps npm, the actions and the Docker pins
 * current. The checks refuse a broken copy, so they can fail.
 */
import { test } from '@japa/runner'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { digestProblems, dockerfileImages, show } from './lib/checks.ts'
import { backendRenderings, template } from './lib/helm.ts'

const root = process.cwd()
const read = (f: string) => readFileSync(join(root, f), 'utf8')
const backendRepository = () => parse(read('helm/backend/values.yaml')).image.repository as string

/** Every container image of rendered workloads and pods. */
async function chartImages() {
  const refs: { file: string; where: string; image: string }[] = []
  for (const r of backendRenderings) {
    for (const { file, object } of await template(
      root,
      'helm/backend',
      'backend',
      r.args,
      r.label
    )) {
      const spec = object.kind === 'Pod' ? object.spec : object.spec?.template?.spec
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])])
        refs.push({
          file,
          where: `${object.kind} ${object.metadata.name} container ${c.name}`,
          image: c.image,
        })
    }
  }
  return refs
}

function workflowImages(file: string) {
  const wf = parse(read(file)) as {
    jobs: Record<
      string,
      { services?: Record<string, { image: string }>; container?: string | { image: string } }
    >
  }
  return Object.entries(wf.jobs).flatMap(([id, job]) => [
    ...Object.entries(job.services ?? {}).map(([name, s]) => ({
      file,
      where: `job ${id} service ${name}`,
      image: s.image,
    })),
    ...(job.container
      ? [
          {
            file,
            where: `job ${id} container`,
            image: typeof job.container === 'string' ? job.container : job.container.image,
          },
        ]
      : []),
  ])
}

test.group('images pinned by digest', () => {
  test('the Dockerfile pulls only tag@sha256 images (and no unpinned # syntax= frontend)', ({
    assert,
  }) => {
    const images = dockerfileImages('Dockerfile', read('Dockerfile'))
    assert.deepEqual(
      [...new Set(images.map((i) => i.image))],
      [read('Dockerfile').match(/^ARG NODE_IMAGE=(\S+)/m)![1]]
    )
    assert.equal(show(digestProblems(images)), '')
  })

  test('a Dockerfile image without a digest is refused: tag only, digest without tag, an unpinned frontend', ({
    assert,
  }) => {
    const digest = `sha256:${'0'.repeat(64)}`
    const cases: [string, RegExp][] = [
      [
        'ARG NODE_IMAGE=node:24.9.0-bookworm-slim\nFROM ' +
          '${NODE_IMAGE} AS deps\nFROM deps AS build\n',
        /FROM of stage deps: image node:24\.9\.0-bookworm-slim is not pinned/,
      ],
      [
        `FROM node@${digest} AS runtime\n`,
        /FROM of stage runtime: image node@sha256:0+ is not pinned/,
      ],
      [
        `# syntax=docker/dockerfile:1\nFROM node:24.9.0-bookworm-slim@${digest}\n`,
        /the # syntax= frontend: image docker\/dockerfile:1 is not pinned/,
      ],
      ['FROM node:24.9.0-bookworm-slim@sha256:abc\n', /is not pinned as tag@sha256/],
    ]
    for (const [text, problem] of cases)
      assert.match(show(digestProblems(dockerfileImages('Dockerfile', text))), problem)
    // a later stage built FROM an earlier one is not an image
    assert.equal(
      show(
        digestProblems(
          dockerfileImages(
            'Dockerfile',
            `FROM node:24.9.0-bookworm-slim@${digest} AS deps\nFROM deps AS build\n`
          )
        )
      ),
      ''
    )
  })

  test('the backend chart renders only digest-pinned images, but its own (built here or promoted by digest)', async ({
    assert,
  }) => {
    const refs = await chartImages()
    assert.isAbove(refs.length, 5)
    assert.include(refs.map((r) => r.image).join('\n'), 'busybox:1.37.0@sha256:')
    assert.equal(show(digestProblems(refs, [backendRepository()])), '')
    // the exemption is for the backend repository only
    assert.match(
      show(
        digestProblems(
          [{ file: 'x', where: 'Pod t container wget', image: 'busybox:1.37.0' }],
          [backendRepository()]
        )
      ),
      /busybox:1\.37\.0 is not pinned/
    )
  }).timeout(60_000)

  test("the workflows' service containers are tag@sha256", ({ assert }) => {
    const refs = ['.github/workflows/backend-ci.yml', '.github/workflows/conformance.yml'].flatMap(
      workflowImages
    )
    assert.sameMembers(
      [...new Set(refs.map((r) => r.image.split('@')[0]))],
      ['postgres:17.6', 'redis:7.4.5']
    )
    assert.equal(show(digestProblems(refs)), '')
  })
})

test.group('Dependabot', () => {
  test('keeps npm, the GitHub Actions and the Docker pins current, weekly', ({ assert }) => {
    const config = parse(read('.github/dependabot.yml')) as {
      version: number
      updates: {
        'package-ecosystem': string
        'directory'?: string
        'directories'?: string[]
        'schedule': { interval: string }
      }[]
    }
    assert.equal(config.version, 2)
    const by = Object.fromEntries(config.updates.map((u) => [u['package-ecosystem'], u]))
    assert.sameMembers(Object.keys(by), ['npm', 'github-actions', 'docker'])
    assert.equal(by.npm.directory, '/')
    assert.equal(by['github-actions'].directory, '/')
    assert.includeMembers(by.docker.directories ?? [by.docker.directory!], ['/', '/helm/backend'])
    for (const u of config.updates)
      assert.equal(u.schedule.interval, 'weekly', u['package-ecosystem'])
  })
})
