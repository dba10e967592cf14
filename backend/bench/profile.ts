/*
 * Where the backend's time goes under load (the diagnosis behind bench:api's ratios):
 *   node backend/bench/profile.ts [route]     route: list (default), list100, create, hello
 * Starts the same stack as bench:api with `--cpu-prof` and bench/loop_delay.ts preloaded into both
 * the backend and the reference server, loads each side in turn (warm-up, then BENCH_DURATION s,
 * default 10, BENCH_CONNECTIONS, default 50), and prints per side: throughput, event-loop delay
 * and utilisation during the load, and the self time of the top functions and packages in the
 * load's window of the CPU profile. Profiles are kept in backend/tmp/bench/profile/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { expect, met, pending } from '../../scripts/lib/expect.ts'
import { summarise, type Share } from './cpu_profile.ts'
import { loadRoute, logDir, routes, startStack, type Route, type Side } from './stack.ts'

const { positionals } = parseArgs({ allowPositionals: true, strict: true })
const routeName = (positionals[0] ?? 'list') as keyof typeof routes
if (!(routeName in routes)) {
  console.error(`usage: node backend/bench/profile.ts [${Object.keys(routes).join('|')}]`)
  process.exit(2)
}
const route: Route = routes[routeName]
const duration = Number(process.env.BENCH_DURATION ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
const profileDir = join(logDir, 'profile')
const top = Number(process.env.BENCH_TOP ?? 25)

rmSync(profileDir, { recursive: true, force: true })
const flags = (side: Side) => [
  '--cpu-prof',
  `--cpu-prof-dir=${join(profileDir, side)}`,
  `--import=${new URL('loop_delay.ts', import.meta.url).href}`,
]
const loopFile = (side: Side) => join(profileDir, `${side}-loop.json`)
mkdirSync(profileDir, { recursive: true })

const stack = await startStack({
  nodeFlags: { backend: flags('backend'), reference: flags('reference') },
  extraEnv: {
    backend: { BENCH_LOOP_FILE: loopFile('backend') },
    reference: { BENCH_LOOP_FILE: loopFile('reference') },
  },
})
type Loop = {
  startUs: number
  endUs: number
  utilization: number
  delayMs: { mean: number; p50: number; p99: number; max: number }
}
const measured: Partial<Record<Side, { rps: number; p99: number; requests: number; loop: Loop }>> =
  {}
try {
  const loadNow = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')
  console.log(
    `profile: ${route.method} ${route.path(stack)}, ${connections} connections, ` +
      `${duration} s a side, load ${loadNow}, memory limit ${stack.memoryLimit.quantity} a side ` +
      `(${stack.memoryLimit.source}), NODE_OPTIONS ${stack.nodeOptions || '(none)'}, ` +
      `image flags ${stack.imageFlags.join(' ') || '(none)'}`
  )
  for (const side of ['reference', 'backend'] as const) {
    const load = (seconds: number) => loadRoute(stack, side, route, { connections, seconds })
    await load(3)
    process.kill(stack.procs[side].pid, 'SIGUSR2')
    const result = await load(duration)
    process.kill(stack.procs[side].pid, 'SIGUSR2')
    const loop = await expect(`${side} writes its event-loop figures`, () =>
      existsSync(loopFile(side))
        ? met(JSON.parse(readFileSync(loopFile(side), 'utf8')) as Loop)
        : pending('not yet')
    ).within(10_000)
    measured[side] = {
      rps: Math.round(result.requests.average),
      p99: result.latency.p99,
      requests: result.requests.total,
      loop,
    }
  }
} finally {
  await stack.stop()
}

for (const side of ['reference', 'backend'] as const) {
  const { rps, p99, requests, loop } = measured[side]!
  const dir = join(profileDir, side)
  const file = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0]
  const summary = summarise(file, loop, top)
  console.log(`\n${side}: ${rps} req/s, p99 ${p99} ms`)
  console.log(
    `  event loop during the load: utilisation ${loop.utilization}, ` +
      `delay mean ${loop.delayMs.mean} ms, p50 ${loop.delayMs.p50} ms, ` +
      `p99 ${loop.delayMs.p99} ms, max ${loop.delayMs.max} ms`
  )
  console.log(
    `  CPU profile ${file}: ${summary.samples} samples, ${summary.ms} ms in the load's window, ` +
      `${Math.round((summary.busyMs * 1000) / requests)} µs busy per request`
  )
  const line = (s: Share) => {
    const perRequest = String(Math.round((s.ms * 1000) / requests)).padStart(4)
    return `    ${String(s.percent).padStart(5)} %  ${perRequest} µs/req  ${s.name}`
  }
  console.log('  self time by package (share of the busy time, per request)')
  for (const p of summary.packages.slice(0, 15)) console.log(line(p))
  console.log('  self time by function')
  for (const f of summary.functions) console.log(line(f))
}
