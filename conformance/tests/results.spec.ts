import { test } from '@japa/runner'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { summarize, toJUnit, type CheckResult } from '../lib/results.ts'

const base: Omit<CheckResult, 'name' | 'status' | 'cause'> = {
  block: 'Block 7',
  profile: 'local',
  durationMs: 1234,
  convergence: [],
  diagnostics: null,
}

/** Parses with a real XML parser (after validating well-formedness); attributes without prefix. */
function parseXml(xml: string) {
  const valid = XMLValidator.validate(xml)
  if (valid !== true)
    throw new Error(`not well-formed XML: ${valid.err.msg} at line ${valid.err.line}`)
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === 'testcase' || name === 'property',
  })
  return parser.parse(xml) as {
    testsuites: {
      name: string
      tests: string
      failures: string
      skipped: string
      testsuite: {
        name: string
        time: string
        property?: never
        properties: { property: { name: string; value: string }[] }
        testcase: Record<string, any>[]
      }
    }
  }
}

test.group('results and JUnit', () => {
  test('summary counts every status', ({ assert }) => {
    const run = summarize('local', new Date(0), new Date(2500), [
      { ...base, name: 'a', status: 'passed', cause: null },
      { ...base, name: 'b', status: 'failed', cause: 'x' },
      { ...base, name: 'c', status: 'skipped', cause: 'not here' },
    ])
    assert.deepEqual(run.summary, { total: 3, passed: 1, failed: 1, skipped: 1 })
    assert.equal(run.durationMs, 2500)
  })

  test('JUnit carries failures with cause + diagnostics, skips with reason, timings, and survives any text', ({
    assert,
  }) => {
    const nasty = 'quote " amp & lt < gt > apos \' ctrl \u0001 cdata ]]> end'
    const run = summarize('local', new Date(0), new Date(5000), [
      {
        ...base,
        name: 'Block 7 · self-heal',
        status: 'failed',
        cause: `spec.replicas is 5 ${nasty}`,
        diagnostics: 'events:\n  <Warning> & co ]]> twice',
      },
      {
        ...base,
        name: 'Block 12 · podinfo',
        status: 'skipped',
        cause: 'remote charts cannot be fetched',
      },
      {
        ...base,
        name: 'Block 7 · auto-sync',
        status: 'passed',
        cause: null,
        convergence: [{ label: 'commit 2→3', actionToObservedMs: 812, argoToObservedMs: 140 }],
      },
      { ...base, block: 'Block 3', name: 'Block 3 · projects', status: 'passed', cause: null },
    ])
    const xml = toJUnit(run)
    assert.notInclude(xml, '\u0001')
    const { testsuites } = parseXml(xml)
    assert.containsSubset(testsuites, {
      name: 'conformance',
      tests: '4',
      failures: '1',
      skipped: '1',
    })
    const suite = testsuites.testsuite
    assert.equal(suite.name, 'conformance.local')
    assert.equal(suite.time, '5')
    assert.deepInclude(suite.properties.property, { name: 'profile', value: 'local' })
    const [failed, skipped, converged, plain] = suite.testcase
    assert.containsSubset(failed, {
      classname: 'conformance.local.Block 7',
      name: 'Block 7 · self-heal',
      time: '1.234',
    })
    assert.equal(failed.failure.type, 'ConformanceFailure')
    assert.equal(
      failed.failure.message,
      'spec.replicas is 5 quote " amp & lt < gt > apos \' ctrl  cdata ]]> end'
    )
    assert.include(failed.failure['#text'], 'events:\n  <Warning> & co ]] > twice')
    assert.include(failed.failure['#text'], 'spec.replicas is 5 quote')
    assert.equal(skipped.skipped, '')
    assert.equal(skipped['system-out'], 'skipped: remote charts cannot be fetched')
    assert.equal(
      converged['system-out'],
      'commit 2→3: action→observed 812 ms, Argo CD done→observed 140 ms'
    )
    assert.notProperty(converged, 'failure')
    assert.deepEqual(plain, {
      classname: 'conformance.local.Block 3',
      name: 'Block 3 · projects',
      time: '1.234',
    })
  })
})
