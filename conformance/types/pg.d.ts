/* The few parts of `pg` (a dependency of the backend workspace, hoisted) that the suite uses; pg ships no types. */
declare module 'pg' {
  type ClientConfig = { host?: string; port?: number; user?: string; password?: string; database?: string; connectionTimeoutMillis?: number }
  class Client {
    constructor(config: ClientConfig)
    connect(): Promise<void>
    query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>
    end(): Promise<void>
  }
  const pg: { Client: typeof Client }
  export default pg
}
