import { test } from '@japa/runner'
import { expect, ExpectationError, failed, met, pending } from '../../scripts/lib/expect.ts'

/** the rejection of an expectation that must fail */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('the expectation was met, a failure was expected')
    },
    (e) => e as ExpectationError
  )

test.group('expectation helper', () => {
  test('retries a pending check until it is met and returns its value', async ({ assert }) => {
    let calls = 0
    const seen = await expect('counter reaches 3', () =>
      ++calls >= 3 ? met(calls) : pending(`at ${calls}`)
    ).observe(5_000)
    assert.equal(seen.value, 3)
    assert.equal(seen.attempts, 3)
    assert.isBelow(seen.elapsedMs, 500)
  })

  test('fails at the deadline with the last pending reason as the cause', async ({ assert }) => {
    let calls = 0
    const started = Date.now()
    const error = await failure(expect('never', () => pending(`reason #${++calls}`)).within(300))
    const took = Date.now() - started
    assert.instanceOf(error, ExpectationError)
    assert.equal(error.kind, 'timeout')
    assert.equal(error.reason, `reason #${calls}`)
    assert.include(error.message, `never: not met within`)
    assert.isAtLeast(took, 300)
    assert.isBelow(took, 1_000)
  })

  test('a definite contradiction fails at once, long before the deadline', async ({ assert }) => {
    let calls = 0
    const started = Date.now()
    const error = await failure(
      expect('contradiction', () =>
        ++calls < 2 ? pending('not yet') : failed('replicas is 7, the spec forbids it')
      ).within(10_000)
    )
    assert.equal(error.kind, 'contradiction')
    assert.equal(error.message, 'contradiction: failed: replicas is 7, the spec forbids it')
    assert.isBelow(Date.now() - started, 500)
  })

  test('a probe that throws counts as pending and is retried', async ({ assert }) => {
    let calls = 0
    const value = await expect('flaky', () => {
      if (++calls < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:1')
      return met('up')
    }).within(5_000)
    assert.equal(value, 'up')
    const error = await failure(
      expect('down', () => {
        throw new Error('connect ECONNREFUSED\n   127.0.0.1:1')
      }).within(100)
    )
    assert.equal(error.reason, 'connect ECONNREFUSED 127.0.0.1:1')
  })

  test('backoff starts at 10 ms, doubles, and never waits more than 1 s', async ({ assert }) => {
    const stamps: number[] = []
    await expect('gaps', () => {
      stamps.push(performance.now())
      return stamps.length >= 10 ? met() : pending('counting')
    }).within(10_000)
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i])
    // slack for a loaded 2-core machine: timers fire late, never early
    assert.isAtLeast(gaps[0], 9)
    assert.isBelow(gaps[0], 150)
    for (let i = 1; i < gaps.length; i++)
      assert.isAtLeast(gaps[i] + 60, gaps[i - 1], `gap ${i} shrank: ${gaps.map(Math.round)}`)
    assert.isBelow(Math.max(...gaps), 1_250)
    assert.isAtLeast(Math.max(...gaps), 900)
  }).timeout(15_000)

  test('the backoff drops to 50 ms when the pending reason changes (the system moved)', async ({
    assert,
  }) => {
    const stamps: number[] = []
    await expect('moves once', () => {
      stamps.push(performance.now())
      if (stamps.length >= 10) return met()
      return pending(stamps.length < 8 ? 'still' : `moved ${stamps.length}`)
    }).within(10_000)
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i])
    // gaps[6] is the wait after the 7th "still" (640 ms); after the change it starts over at 50 ms
    assert.isAbove(gaps[6], 500)
    assert.isAtLeast(gaps[7], 45)
    assert.isBelow(gaps[7], 250)
  }).timeout(15_000)

  test('the last wait is cut to the deadline (no overshoot by a whole backoff step)', async ({
    assert,
  }) => {
    const started = Date.now()
    await expect('never', () => pending('x'))
      .within(1_500)
      .catch(() => undefined)
    assert.isBelow(Date.now() - started, 1_700)
  })
})
