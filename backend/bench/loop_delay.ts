/*
 * Preloaded (--import) into a server by bench/profile.ts: measures the event loop while the load
 * runs. The first SIGUSR2 opens a window, the second writes the window's event-loop delay
 * (perf_hooks.monitorEventLoopDelay) and utilisation, and its monotonic start and end (µs, the
 * clock of --cpu-prof's samples), to BENCH_LOOP_FILE.
 */
import { writeFileSync } from 'node:fs'
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'

const file = process.env.BENCH_LOOP_FILE
const delay = monitorEventLoopDelay({ resolution: 10 })
delay.enable()
let window: { startUs: number; utilization: EventLoopUtilization } | undefined

const ms = (ns: number) => Number((ns / 1e6).toFixed(2))
const nowUs = () => Number(process.hrtime.bigint() / 1000n)

process.on('SIGUSR2', () => {
  if (!window) {
    delay.reset()
    window = { startUs: nowUs(), utilization: performance.eventLoopUtilization() }
    return
  }
  const utilization = performance.eventLoopUtilization(window.utilization)
  const report = {
    startUs: window.startUs,
    endUs: nowUs(),
    utilization: Number(utilization.utilization.toFixed(3)),
    delayMs: {
      mean: ms(delay.mean),
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
    },
  }
  window = undefined
  if (file) writeFileSync(file, JSON.stringify(report))
})
