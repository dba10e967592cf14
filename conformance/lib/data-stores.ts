/*
 * PostgreSQL and Redis as the checks reach them: directly (local profile:
 * the machine's own services) or by exec into their pods (kind profile).
 */
import { Writable } from 'node:stream'
import * as k8s from '@kubernetes/client-node'
import { Redis, ReplyError } from 'ioredis'
import pg from 'pg'
import type { Kube } from './kube.ts'
import type { DatabaseAccess, RedisAccess } from './profile.ts'

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

async function execInPod(
  kube: Kube,
  namespace: string,
  podSelector: string,
  container: string | undefined,
  command: string
): Promise<string> {
  const all = await kube.core.listNamespacedPod({ namespace, labelSelector: podSelector })
  const pods = all.items.filter((p) => p.status?.phase === 'Running')
  const pod = pods[0]
  if (!pod?.metadata?.name) throw new Error(`no running pod matches ${podSelector} in ${namespace}`)
  let out = ''
  let err = ''
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk))
        done()
      },
    })
  await new Promise<void>((resolve, reject) => {
    new k8s.Exec(kube.config)
      .exec(
        namespace,
        pod.metadata!.name!,
        container ?? pod.spec!.containers[0].name,
        ['sh', '-c', command],
        sink((s) => (out += s)),
        sink((s) => (err += s)),
        null,
        false,
        (status) =>
          status.status === 'Success'
            ? resolve()
            : reject(
                new Error(
                  `exec in ${namespace}/${pod.metadata!.name}: ` +
                    `${status.message ?? 'failed'} ${err.trim()}`
                )
              )
      )
      .catch(reject)
  })
  return out
}

/**
 * `$NAME`, else the content of `$NAME_FILE` (bitnami charts mount passwords as files by default)
 */
const secretFromEnv = (name: string) => `"\${${name}:-$(cat "\$${name}_FILE" 2>/dev/null)}"`

/**
 * Shell command run inside the PostgreSQL pod. psql has no bind
 * parameters on the command line: they are inlined as quoted literals.
 */
export function psqlCommand(
  access: { user: string; database: string; passwordEnv: string },
  sql: string,
  params: string[] = []
): string {
  const inlined = sql.replace(
    /\$(\d+)/g,
    (_, i) => `'${params[Number(i) - 1].replace(/'/g, "''")}'`
  )
  return (
    `PGPASSWORD=${secretFromEnv(access.passwordEnv)} psql -h ` +
    `127.0.0.1 -U ${shellQuote(access.user)} ` +
    `-d ${shellQuote(access.database)} -At -c ${shellQuote(inlined)}`
  )
}

/** Shell command run inside the Redis pod. */
export function redisPingCommand(access: { passwordEnv: string }): string {
  return `REDISCLI_AUTH=${secretFromEnv(access.passwordEnv)} redis-cli ping`
}

/** Rows of a single-column query as strings. */
export async function queryColumn(
  kube: Kube,
  access: DatabaseAccess,
  sql: string,
  params: string[] = []
): Promise<string[]> {
  if (access.kind === 'direct') {
    const client = new pg.Client({
      host: access.host,
      port: access.port,
      user: access.user,
      password: access.password,
      database: access.database,
      connectionTimeoutMillis: 3000,
    })
    await client.connect()
    try {
      const { rows } = await client.query(sql, params)
      return rows.map((r) => String(Object.values(r)[0]))
    } finally {
      await client.end()
    }
  }
  const out = await execInPod(
    kube,
    access.namespace,
    access.podSelector,
    access.container,
    psqlCommand(access, sql, params)
  )
  return out.split('\n').filter(Boolean)
}

/**
 * Sends PING (after AUTH when a password is set) and resolves to the reply: "PONG", or the
 * server's error reply ("NOAUTH …", "WRONGPASS …"). Rejects when Redis cannot be reached.
 */
export async function redisPing(kube: Kube, access: RedisAccess): Promise<string> {
  if (access.kind === 'pod') {
    const out = await execInPod(
      kube,
      access.namespace,
      access.podSelector,
      access.container,
      redisPingCommand(access)
    )
    return out.trim().replace(/^\(error\) /, '')
  }
  // one attempt, no reconnects and no offline queue: the check's expectation does the retrying
  const client = new Redis({
    host: access.host,
    port: access.port,
    password: access.password,
    lazyConnect: true,
    connectTimeout: 3000,
    commandTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    enableReadyCheck: false,
  })
  // ioredis reports the socket's or AUTH's own error here and rejects with "Connection is closed."
  let cause: unknown
  client.on('error', (error) => (cause ??= error))
  try {
    await client.connect()
    return await client.ping()
  } catch (error) {
    const first = cause ?? error
    if (first instanceof ReplyError) return (first as Error).message
    const e = first as NodeJS.ErrnoException
    throw new Error(`redis ${access.host}:${access.port}: ${e.code ?? e.message}`)
  } finally {
    client.disconnect()
  }
}
