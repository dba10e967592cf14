/* The parts of untyped packages the benchmark uses. */
declare module 'autocannon' {
  type Options = {
    url: string
    connections?: number
    duration?: number
    headers?: Record<string, string>
  }
  type Histogram = { average: number; p50: number; p99: number }
  type Result = { requests: Histogram; latency: Histogram; non2xx: number; errors: number }
  export default function autocannon(options: Options): Promise<Result>
}

declare module 'pg' {
  class Pool {
    constructor(config: Record<string, unknown>)
    query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>
    end(): Promise<void>
  }
  const pg: { Pool: typeof Pool }
  export default pg
}
