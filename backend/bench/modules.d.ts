/* The parts of untyped packages the benchmark uses (pg is typed by @types/pg). */
declare module 'autocannon' {
  type Options = {
    url: string
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
    connections?: number
    duration?: number
    headers?: Record<string, string>
    body?: string
    /** replaces each `[<id>]` in the body by a fresh id per request */
    idReplacement?: boolean
  }
  type Histogram = { average: number; total: number; p50: number; p99: number }
  type Result = { requests: Histogram; latency: Histogram; non2xx: number; errors: number }
  export default function autocannon(options: Options): Promise<Result>
}
