import { test } from '@japa/runner'
import { summarize, toJUnit, xmlEscape, type CheckResult } from '../lib/results.ts'

const base: Omit<CheckResult, 'name' | 'status' | 'cause'> = { block: 'Block 7', profile: 'local', durationMs: 1234, convergence: [], diagnostics: null }

/** Minimal well-formedness check: every tag closes in order, attributes are quoted, no raw & or <. */
function assertWellFormed(xml: string) {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '')
  const stack: string[] = []
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g
  let last = 0
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index)
    if (/[<]|&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`unescaped text: ${text.slice(0, 80)}`)
    last = tag.lastIndex
    if (m[1]) {
      if (stack.pop() !== m[2]) throw new Error(`mismatched </${m[2]}>`)
    } else if (!m[4]) stack.push(m[2])
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(',')}`)
  if (body.slice(last).trim()) throw new Error(`trailing: ${body.slice(last, last + 80)}`)
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

  test('JUnit carries failures with cause + diagnostics, skips with reason, and escapes everything', ({ assert }) => {
    const nasty = 'quote " amp & lt < gt > apos \' ctrl \u0001 end'
    const run = summarize('local', new Date(0), new Date(5000), [
      { ...base, name: 'Block 7 · self-heal', status: 'failed', cause: `spec.replicas is 5 ${nasty}`, diagnostics: 'events:\n  <Warning> & co' },
      { ...base, name: 'Block 12 · podinfo', status: 'skipped', cause: 'remote charts cannot be fetched' },
      { ...base, name: 'Block 7 · auto-sync', status: 'passed', cause: null, convergence: [{ label: 'commit 2→3', actionToObservedMs: 812, argoToObservedMs: 140 }] },
      { ...base, block: 'Block 3', name: 'Block 3 · projects', status: 'passed', cause: null },
    ])
    const xml = toJUnit(run)
    assertWellFormed(xml)
    assert.include(xml, '<testsuites name="conformance" tests="4" failures="1" errors="0" skipped="1" time="5.000">')
    assert.include(xml, 'name="Block 7 · self-heal" time="1.234"')
    assert.include(xml, `<failure message="spec.replicas is 5 quote &quot; amp &amp; lt &lt; gt &gt; apos &apos; ctrl  end" type="ConformanceFailure">`)
    assert.include(xml, '&lt;Warning&gt; &amp; co</failure>')
    assert.include(xml, '<skipped message="remote charts cannot be fetched"/>')
    assert.include(xml, '<system-out>commit 2→3: action→observed 812 ms, Argo CD done→observed 140 ms</system-out>')
    assert.include(xml, '<testcase classname="conformance.local.Block 3" name="Block 3 · projects" time="1.234"/>')
    assert.notInclude(xml, '\u0001')
  })

  test('xmlEscape drops characters XML 1.0 cannot carry', ({ assert }) => {
    assert.equal(xmlEscape('a\u0000b\u001bc\td\ne'), 'abc\td\ne')
  })
})
