/*
 * npm run bench:api — a benchmark that prints numbers, not a test.
 *
 * Each route of the backend (built and started as the image builds and starts it,
 * NODE_ENV=production) against its ceiling measured in the same run: the same route in the
 * framework-free reference server (reference_server.ts: same token checks, same SQL, same bytes,
 * same pool size; hello is bare node:http). Before measuring, the bench checks that both answer
 * the same bytes. Both sides run as the backend pod runs (pod_runtime.ts): under its memory
 * limit, since Node sizes its heap from it, with the chart's NODE_OPTIONS and the Node flags of
 * the image's CMD.
 *
 *   GET  /v1/hello                                  backend ≥ 0.75 of bare node:http req/s
 *   GET  /v1/organizations/:id/projects (20, 100)   ≥ 0.80 of the reference's req/s, p99 ≤ 1.2×
 *   POST /v1/organizations/:id/projects             ≥ 0.70 of the reference's req/s
 *
 * Per route: a warm-up of each side, then rounds that alternate reference and backend (who goes
 * first alternates too), so the noise of a shared machine hits both; the medians are compared.
 * Also printed: CPU time per request of each side, the RSS of each side after warm-up and after
 * each list round (target for the backend: no growth, < 200 MB), the most memory each side's
 * cgroup was charged, the load average. Results: reports/bench/api.json, and one line per run in
 * reports/bench/api-history.jsonl (to compare commits).
 *
 * Knobs: BENCH_DURATION (s per round and side, default 4), BENCH_ROUNDS (default 5),
 * BENCH_WARMUP (s, default 3), BENCH_CONNECTIONS (default 50), BENCH_DB_DATABASE,
 * BENCH_ROUTES (e.g. list100,create: only those), BENCH_MEMORY_LIMIT (a quantity such as 512Mi,
 * or none; default the chart's), BENCH_BACKEND_FLAGS (extra Node flags for the backend, for
 * experiments; recorded).
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { repoRoot } from '../../scripts/lib/local-state.ts'
import {
  POOL_SIZE,
  PROJECTS,
  cpuMs,
  database,
  loadRoute,
  poolConnections,
  routes,
  rssMb,
  startStack,
  type Route,
  type Side,
  type Stack,
} from './stack.ts'

const duration = Number(process.env.BENCH_DURATION ?? 4)
const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const warmup = Number(process.env.BENCH_WARMUP ?? 3)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50)
/** Extra Node flags for the backend, to try one (e.g. a V8 heap setting); printed and recorded. */
const backendFlags = (process.env.BENCH_BACKEND_FLAGS ?? '').split(/\s+/).filter(Boolean)
/** Only these routes (stack.ts's route names, comma-separated), to iterate on one; default all. */
const onlyRoutes = (process.env.BENCH_ROUTES ?? '').split(',').filter(Boolean)
const reportDir = join(repoRoot, 'reports', 'bench')

const RSS_LIMIT_MB = 200
/** RSS may wobble with the garbage collector; more than this over three list rounds is growth. */
const RSS_GROWTH_TOLERANCE_MB = 5

type Target = { rps: number; p99?: number }
type Scenario = Route & {
  /** its name in stack.ts's routes (BENCH_ROUTES) */
  key: keyof typeof routes
  name: string
  label: string
  target: Target
  /** a list route: the backend's RSS is sampled after its rounds */
  list?: boolean
  /** run before every measurement (e.g. start the writes from an empty organization) */
  reset?: (stack: Stack) => Promise<void>
}

type Measurement = {
  round: number
  rps: number
  p50: number
  p99: number
  cpuUsPerRequest: number
  non2xx: number
  errors: number
  load1: number
}

const scenarios: Scenario[] = [
  { ...routes.hello, key: 'hello', name: 'GET /v1/hello', label: 'hello', target: { rps: 0.75 } },
  ...([20, 100] as const).map((perPage) => ({
    ...(perPage === 20 ? routes.list : routes.list100),
    key: perPage === 20 ? ('list' as const) : ('list100' as const),
    name: `GET /v1/organizations/:id/projects?perPage=${perPage}`,
    label: `list ${perPage}`,
    target: { rps: 0.8, p99: 1.2 },
    list: true,
  })),
  {
    ...routes.create,
    key: 'create',
    name: 'POST /v1/organizations/:id/projects',
    label: 'create',
    target: { rps: 0.7 },
    async reset(stack) {
      await stack.db.query('DELETE FROM projects WHERE organization_id = $1', [
        stack.writer.organizationId,
      ])
      await stack.db.query('VACUUM projects')
    },
  },
]

const unknownRoutes = onlyRoutes.filter((key) => !(key in routes))
if (unknownRoutes.length > 0) {
  console.error(
    `BENCH_ROUTES: no route ${unknownRoutes.join(', ')} (routes: ${Object.keys(routes)})`
  )
  process.exit(2)
}
const measuredScenarios = scenarios.filter(
  (s) => onlyRoutes.length === 0 || onlyRoutes.includes(s.key)
)

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const load = () => loadavg().map((n) => Number(n.toFixed(2)))

async function measure(
  stack: Stack,
  side: Side,
  scenario: Scenario,
  seconds: number,
  round: number
): Promise<Measurement> {
  await scenario.reset?.(stack)
  const cpuBefore = cpuMs(stack.procs[side])
  const result = await loadRoute(stack, side, scenario, { connections, seconds })
  const requests = result.requests.total
  return {
    round,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: Math.round(((cpuMs(stack.procs[side]) - cpuBefore) * 1000) / requests),
    non2xx: result.non2xx,
    errors: result.errors,
    load1: load()[0],
  }
}

function describe(side: Side, m: Measurement) {
  const faults = m.non2xx || m.errors ? `   non-2xx ${m.non2xx}, errors ${m.errors}  INVALID` : ''
  return (
    `  round ${m.round} ${side.padEnd(9)} ${String(m.rps).padStart(6)} req/s  p50 ` +
    `${String(m.p50).padStart(3)} ms` +
    `  p99 ${String(m.p99).padStart(3)} ms  CPU ${String(m.cpuUsPerRequest).padStart(5)} ` +
    `µs/req  load ${m.load1.toFixed(1)}${faults}`
  )
}

/**
 * Both sides must answer the same: byte-identical bodies for the reads (and the headers that
 * matter), the same shape for a create (its id and timestamps differ by nature).
 */
async function checkSameAnswers(stack: Stack) {
  const problems: string[] = []
  const compared = ['content-type', 'cache-control', 'x-content-type-options']
  const fetchBoth = async (path: string, init: RequestInit | ((side: Side) => RequestInit)) => {
    const answers = await Promise.all(
      (['reference', 'backend'] as const).map(async (side) => {
        const response = await fetch(
          `${stack.urls[side]}${path}`,
          typeof init === 'function' ? init(side) : init
        )
        return { status: response.status, headers: response.headers, body: await response.text() }
      })
    )
    return { reference: answers[0], backend: answers[1] }
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  for (const scenario of scenarios.filter((s) => s.method === 'GET')) {
    const token = scenario.token?.(stack)
    const path = scenario.path(stack)
    const { reference, backend } = await fetchBoth(path, { headers: token ? bearer(token) : {} })
    if (reference.status !== 200 || backend.status !== 200) {
      problems.push(`${path}: status reference ${reference.status}, backend ${backend.status}`)
    }
    if (reference.body !== backend.body) {
      problems.push(
        `${path}: bodies differ\n  reference ${reference.body.slice(0, 300)}\n  backend   ` +
          `${backend.body.slice(0, 300)}`
      )
    }
    for (const header of compared) {
      if (reference.headers.get(header) !== backend.headers.get(header)) {
        problems.push(
          `${path}: header ${header}: reference ${reference.headers.get(header)}, backend ` +
            `${backend.headers.get(header)}`
        )
      }
    }
  }
  const listPath = scenarios[1].path(stack)
  const unauthorized = await fetchBoth(listPath, { headers: bearer(`${stack.reader.token}x`) })
  if (unauthorized.reference.status !== 401 || unauthorized.backend.status !== 401) {
    problems.push(
      `a tampered token: reference ${unauthorized.reference.status}, backend ` +
        `${unauthorized.backend.status} (both must be 401)`
    )
  }
  const writePath = scenarios[3].path(stack)
  // each side its own name (one organization, unique names), surrounded by blanks to trim
  const create = (name: (side: Side) => string) => (side: Side) => ({
    method: 'POST',
    headers: { ...bearer(stack.writer.token), 'content-type': 'application/json' },
    body: JSON.stringify({ name: name(side), description: null }),
  })
  const created = await fetchBoth(
    writePath,
    create((side) => `  check-${side}  `)
  )
  const shape = (body: string) => {
    const { id, name, createdAt, updatedAt, ...rest } = JSON.parse(body)
    const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
    return {
      id: typeof id,
      name: name.replace(/-(reference|backend)$/, ''),
      createdAt: iso.test(createdAt),
      same: createdAt === updatedAt,
      ...rest,
    }
  }
  if (created.reference.status !== 201 || created.backend.status !== 201) {
    problems.push(
      `create: status reference ${created.reference.status}, backend ${created.backend.status}`
    )
  } else if (
    JSON.stringify(shape(created.reference.body)) !== JSON.stringify(shape(created.backend.body))
  ) {
    problems.push(
      `create: answers differ\n  reference ${created.reference.body}\n  backend   ` +
        `${created.backend.body}`
    )
  }
  const again = await fetchBoth(
    writePath,
    create((side) => `check-${side}`)
  )
  if (again.reference.status !== 409 || again.backend.status !== 409) {
    problems.push(
      `a taken name: reference ${again.reference.status}, backend ${again.backend.status} ` +
        `(both must be 409)`
    )
  }
  if (problems.length > 0) {
    throw new Error(
      `the reference does not answer like the backend, so the comparison would be ` +
        `dishonest:\n${problems.join('\n')}`
    )
  }
  console.log(
    '  same answers: list bodies byte-identical (20, 100), hello identical, ' +
      'create same shape, 401 and 409 alike'
  )
}

function commit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'backend'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim()
    return dirty ? `${sha}+dirty` : sha
  } catch {
    return 'unknown'
  }
}

const pass = (ok: boolean) => (ok ? 'PASS' : 'MISS')

async function main() {
  const loadBefore = load()
  console.log(
    `bench:api — ${connections} connections, ${rounds} rounds of ${duration} s per side ` +
      `(warm-up ${warmup} s), ` +
      `database ${database}, pool ${POOL_SIZE} a side, ${cpus().length} cores, load average ` +
      `${loadBefore.join(' ')}`
  )
  if (backendFlags.length > 0)
    console.log(`  backend started with extra Node flags: ${backendFlags.join(' ')}`)
  if (onlyRoutes.length > 0)
    console.log(`  only the routes ${onlyRoutes.join(', ')} (BENCH_ROUTES)`)
  const stack = await startStack({ nodeFlags: { backend: backendFlags } })
  try {
    await checkSameAnswers(stack)
    const limit = stack.memoryLimit
    console.log(
      `  memory limit: ${limit.quantity} a side (${limit.source}); NODE_OPTIONS ` +
        `${stack.nodeOptions || '(none)'} (the chart's config.nodeOptions); Node flags ` +
        `${stack.imageFlags.join(' ') || '(none)'} (the image's CMD)`
    )
    const rss: {
      afterWarmup?: number
      afterListRounds: number[]
      referenceAfterListRounds: number[]
    } = { afterListRounds: [], referenceAfterListRounds: [] }
    let pools: Record<Side, number> | undefined
    const results = []
    for (const scenario of measuredScenarios) {
      console.log(`\n${scenario.name}`)
      for (const side of ['reference', 'backend'] as const) {
        await measure(stack, side, scenario, warmup, 0)
      }
      if (scenario.list && !pools) {
        rss.afterWarmup = rssMb(stack.procs.backend)
        pools = await poolConnections(stack.db)
        console.log(
          `  after warm-up: backend RSS ${rss.afterWarmup} MB; database connections backend ` +
            `${pools.backend}, reference ${pools.reference}`
        )
        if (pools.backend !== pools.reference) {
          throw new Error(
            `the two sides hold different pools (backend ${pools.backend}, reference ` +
              `${pools.reference}): not comparable`
          )
        }
      }
      const measured: Record<Side, Measurement[]> = { reference: [], backend: [] }
      for (let round = 1; round <= rounds; round++) {
        const order: Side[] = round % 2 === 1 ? ['reference', 'backend'] : ['backend', 'reference']
        for (const side of order) {
          const m = await measure(stack, side, scenario, duration, round)
          measured[side].push(m)
          console.log(describe(side, m))
          if (scenario.list) {
            const samples = side === 'backend' ? rss.afterListRounds : rss.referenceAfterListRounds
            samples.push(rssMb(stack.procs[side]))
          }
        }
      }
      const summary = (side: Side) => ({
        rps: median(measured[side].map((m) => m.rps)),
        p99: median(measured[side].map((m) => m.p99)),
        cpuUsPerRequest: median(measured[side].map((m) => m.cpuUsPerRequest)),
      })
      const reference = summary('reference')
      const backend = summary('backend')
      const rpsRatio = backend.rps / reference.rps
      const p99Ratio = backend.p99 / Math.max(reference.p99, 1)
      const valid = [...measured.reference, ...measured.backend].every(
        (m) => !m.non2xx && !m.errors
      )
      const rpsMet = valid && rpsRatio >= scenario.target.rps
      const p99Met = scenario.target.p99 === undefined || (valid && p99Ratio <= scenario.target.p99)
      results.push({
        name: scenario.name,
        label: scenario.label,
        target: scenario.target,
        reference: { ...reference, rounds: measured.reference },
        backend: { ...backend, rounds: measured.backend },
        rpsRatio: Number(rpsRatio.toFixed(3)),
        p99Ratio: Number(p99Ratio.toFixed(3)),
        valid,
        met: rpsMet && p99Met,
      })
      console.log(
        `  median: reference ${reference.rps} req/s p99 ${reference.p99} ms, backend ` +
          `${backend.rps} req/s p99 ${backend.p99} ms` +
          ` → ${rpsRatio.toFixed(3)} of the throughput (target ≥ ${scenario.target.rps}) ` +
          `${pass(rpsMet)}` +
          (scenario.target.p99
            ? `, p99 ${p99Ratio.toFixed(3)}× (target ≤ ${scenario.target.p99}×) ${pass(p99Met)}`
            : '') +
          (valid ? '' : ' — INVALID: some requests failed')
      )
    }
    const loadAfter = load()

    const rssMax = Math.max(rss.afterWarmup ?? 0, ...rss.afterListRounds)
    // the target: no growth over the last three list rounds (the heap has settled by then);
    // the growth since the first list round is printed beside it
    const samples = rss.afterListRounds
    const growth = samples[samples.length - 1] - samples[Math.max(0, samples.length - 3)]
    const growthSinceFirst = samples[samples.length - 1] - samples[0]
    const rssMet = samples.length > 0 && rssMax < RSS_LIMIT_MB && growth <= RSS_GROWTH_TOLERANCE_MB

    console.log('\nsummary (medians; ratio = backend / reference)')
    const head =
      `  ${'route'.padEnd(52)} ${'reference'.padStart(17)} ${'backend'.padStart(17)}   ` +
      `${'rps'.padStart(5)} ${'p99'.padStart(6)}   target`
    console.log(head)
    for (const r of results) {
      const side = (s: { rps: number; p99: number }) =>
        `${String(s.rps).padStart(6)}/s ${String(s.p99).padStart(4)} ms`
      const targets =
        `rps ≥ ${r.target.rps} ${pass(r.valid && r.rpsRatio >= r.target.rps)}` +
        (r.target.p99
          ? `, p99 ≤ ${r.target.p99}× ${pass(r.valid && r.p99Ratio <= r.target.p99)}`
          : '')
      console.log(
        `  ${r.name.padEnd(52)} ${side(r.reference)} ${side(r.backend)}   ` +
          `${r.rpsRatio.toFixed(3).padStart(5)} ${(r.p99Ratio.toFixed(3) + '×').padStart(6)}   ` +
          targets
      )
    }
    console.log(
      `  CPU per request, backend / reference: ${results
        .map((r) => `${r.label} ${r.backend.cpuUsPerRequest}/${r.reference.cpuUsPerRequest} µs`)
        .join(', ')}`
    )
    console.log(
      samples.length === 0
        ? '  backend RSS: not measured (it is sampled around the list routes, not selected)'
        : `  backend RSS: ${rss.afterWarmup} MB after warm-up, after the list rounds ` +
            `${rss.afterListRounds.join(', ')} MB` +
            ` (growth over the last three ${growth} MB, since the first ${growthSinceFirst} MB;` +
            ` target < ${RSS_LIMIT_MB} MB and no growth over three rounds) ${pass(rssMet)}`
    )
    if (samples.length > 0) {
      console.log(
        `  reference RSS after the list rounds (for scale): ` +
          `${rss.referenceAfterListRounds.join(', ')} MB`
      )
    }
    const cgroupPeaks =
      'cgroups' in limit
        ? Object.fromEntries(
            (['reference', 'backend'] as const).map((side) => [
              side,
              { peakMb: limit.cgroups[side].peakMb(), limitHits: limit.cgroups[side].limitHits() },
            ])
          )
        : undefined
    if (cgroupPeaks) {
      console.log(
        `  memory charged at most under the ${limit.quantity} limit: ` +
          (['backend', 'reference'] as const)
            .map(
              (side) =>
                `${side} ${cgroupPeaks[side].peakMb ?? '?'} MB (limit hit ` +
                `${cgroupPeaks[side].limitHits ?? '?'} times)`
            )
            .join(', ')
      )
    }
    console.log(
      `  load average: before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')} ` +
        `(${cpus().length} cores)`
    )

    const report = {
      date: new Date().toISOString(),
      commit: commit(),
      node: process.version,
      cores: cpus().length,
      settings: {
        duration,
        rounds,
        warmup,
        connections,
        poolSize: POOL_SIZE,
        projects: PROJECTS,
        backendFlags,
        memoryLimit: { quantity: limit.quantity, source: limit.source },
        nodeOptions: stack.nodeOptions,
        imageFlags: stack.imageFlags,
        routes: measuredScenarios.map((scenario) => scenario.key),
      },
      load: { before: loadBefore, after: loadAfter },
      pools,
      scenarios: results,
      rss: { ...rss, growth, growthSinceFirst, limit: RSS_LIMIT_MB, met: rssMet },
      cgroupPeaks,
    }
    mkdirSync(reportDir, { recursive: true })
    writeFileSync(join(reportDir, 'api.json'), `${JSON.stringify(report, null, 2)}\n`)
    appendFileSync(join(reportDir, 'api-history.jsonl'), `${JSON.stringify(report)}\n`)
    console.log(`  written: reports/bench/api.json (and a line in reports/bench/api-history.jsonl)`)
  } finally {
    await stack.stop()
  }
}

await main().catch((error: Error) => {
  console.error(`bench:api: ${error.message}`)
  process.exitCode = 1
})
