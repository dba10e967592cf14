/*
 * The ONE expectation helper of the repository, shared by the conformance suite
 * and scripts/ (modelled on Argo CD's e2e fixtures): a probe looks at the live
 * system and answers
 *   met(value)        – the promise holds, stop waiting
 *   pending(reason)   – not yet; retried with backoff 10 ms → 1 s until the deadline
 *                       (the backoff drops back to 50 ms whenever the reason changes)
 *   failed(reason)    – a definite contradiction; fails at once, no waiting
 * On timeout the error message is the LAST pending reason: the one-line cause.
 * A probe that throws (connection refused, 5xx…) counts as pending with the
 * error's message, so transient trouble is retried the same way as any mismatch.
 *
 * This file holds the only timer-based wait of conformance/ and scripts/ (the backoff below).
 */
import { setTimeout as sleep } from 'node:timers/promises'

export type Met<T> = { status: 'met'; value: T }
export type Pending = { status: 'pending'; reason: string }
export type Failed = { status: 'failed'; reason: string }
export type Outcome<T> = Met<T> | Pending | Failed

export const met = <T = undefined>(value?: T): Met<T> => ({ status: 'met', value: value as T })
export const pending = (reason: string): Pending => ({ status: 'pending', reason })
export const failed = (reason: string): Failed => ({ status: 'failed', reason })

export type Probe<T> = () => Promise<Outcome<T>> | Outcome<T>

/** Thrown when an expectation does not hold; `cause` is the one-line reason. */
export class ExpectationError extends Error {
  readonly kind: 'timeout' | 'contradiction'
  readonly what: string
  readonly reason: string
  readonly waitedMs: number
  constructor(kind: 'timeout' | 'contradiction', what: string, reason: string, waitedMs: number) {
    const verdict = kind === 'timeout' ? `not met within ${formatMs(waitedMs)}` : 'failed'
    super(`${what}: ${verdict}: ${reason}`)
    this.name = 'ExpectationError'
    this.kind = kind
    this.what = what
    this.reason = reason
    this.waitedMs = waitedMs
  }
}

export type Observation<T> = {
  value: T
  /** wall-clock ms (Date.now()) of the probe that saw the expectation met */
  observedAt: number
  /** ms from the start of waiting to the successful probe */
  elapsedMs: number
  attempts: number
}

export type WithinOptions = {
  /** first retry delay (default 10 ms); doubles up to maxDelayMs */
  minDelayMs?: number
  /** retry delay cap (default 1000 ms) */
  maxDelayMs?: number
  /** called with each new pending reason (progress display) */
  onPending?: (reason: string) => void
}

export type Expectation<T> = {
  /** Wait until the probe is met; resolves to its value. */
  within(timeoutMs: number, options?: WithinOptions): Promise<T>
  /** Same, with timing of the observation (for convergence measurements). */
  observe(timeoutMs: number, options?: WithinOptions): Promise<Observation<T>>
}

export function expect<T>(what: string, probe: Probe<T>): Expectation<T> {
  const observe = async (
    timeoutMs: number,
    options: WithinOptions = {}
  ): Promise<Observation<T>> => {
    const minDelay = options.minDelayMs ?? 10
    const maxDelay = options.maxDelayMs ?? 1000
    const started = Date.now()
    const deadline = started + timeoutMs
    let delay = minDelay
    let attempts = 0
    let lastReason = 'never probed'
    for (;;) {
      attempts++
      let outcome: Outcome<T>
      try {
        outcome = await probe()
      } catch (error) {
        outcome = pending(describeError(error))
      }
      const now = Date.now()
      if (outcome.status === 'met') {
        return { value: outcome.value, observedAt: now, elapsedMs: now - started, attempts }
      }
      if (outcome.status === 'failed') {
        throw new ExpectationError('contradiction', what, oneLine(outcome.reason), now - started)
      }
      const reason = oneLine(outcome.reason)
      // the system moved (a new reason): convergence is likely near, so look again soon;
      // 50 ms, not 10, so a reason that changes on every probe cannot hammer the API
      if (reason !== lastReason) {
        options.onPending?.(reason)
        if (attempts > 1) delay = Math.min(delay, Math.max(minDelay, 50))
      }
      lastReason = reason
      if (now >= deadline) throw new ExpectationError('timeout', what, lastReason, now - started)
      await sleep(Math.min(delay, deadline - now))
      delay = Math.min(delay * 2, maxDelay)
    }
  }
  return {
    observe,
    within: async (timeoutMs, options) => {
      const { value } = await observe(timeoutMs, options)
      return value
    },
  }
}

/**
 * One line for any thrown thing; Kubernetes ApiExceptions
 * carry whole bodies, keep their message only.
 */
export function describeError(error: unknown): string {
  const e = error as {
    code?: unknown
    body?: unknown
    message?: unknown
    cause?: { code?: unknown }
  }
  if (typeof e?.code === 'number' && e.body !== undefined) {
    let message = ''
    try {
      const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body
      message = (body as { message?: string })?.message ?? ''
    } catch {
      message = String(e.body).slice(0, 200)
    }
    return oneLine(`HTTP ${e.code}${message ? `: ${message}` : ''}`)
  }
  const base = error instanceof Error ? error.message : String(error)
  // fetch wraps the socket error (ECONNREFUSED…) in its cause chain
  let cause: unknown = e?.cause
  let code = ''
  for (let depth = 0; cause && depth < 4 && !code; depth++) {
    const c = cause as { code?: unknown; cause?: unknown; message?: unknown }
    if (typeof c.code === 'string')
      code =
        typeof c.message === 'string' && !c.message.includes(c.code)
          ? ` (${c.code} ${c.message})`
          : ` (${c.code})`
    else if (!c.cause && typeof c.message === 'string') code = ` (${c.message})`
    cause = c.cause
  }
  return oneLine(base + code).slice(0, 500)
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
