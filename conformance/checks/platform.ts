/*
 * The backend's platform facts: Redis answers PING (Block 4), the backend runs its replicas,
 * selectable by the roadmap's `app=backend` label with readable logs (Block 12), the migrations
 * completed before the API started and created the tables (Block 13).
 */
import { existsSync, statSync } from 'node:fs'
import { check } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { queryColumn, redisPing } from '../lib/data-stores.ts'
import { expect, failed, met, pending } from '../../scripts/lib/expect.ts'
import { isReadyPod } from '../lib/kube.ts'
import type { CheckContext } from '../fixture/context.ts'
import { rollout } from '../fixture/expectations.ts'

const TABLES = ['organizations', 'projects', 'users']

function explainBackend(ctx: CheckContext) {
  const b = ctx.profile.backend
  ctx.explainWith(() =>
    collectDiagnostics(ctx.kube, {
      argocdNamespace: ctx.profile.argocdNamespace,
      app: b.app,
      namespace: b.workload.namespace,
    })
  )
}

const redis = check({
  block: 4,
  name: 'Redis PING → PONG',
  timeout: 30_000,
  appliesTo: (p) => (p.redis.ok ? true : p.redis.reason),
  async run({ profile, kube, deadlines }) {
    if (!profile.redis.ok) return
    const access = profile.redis.value
    await expect('Redis PING', async () => {
      const reply = await redisPing(kube, access)
      if (reply === 'PONG') return met()
      if (/^(NOAUTH|WRONGPASS)/.test(reply)) return failed(`Redis refused: ${reply}`)
      return pending(`Redis replied ${reply}`)
    }).within(deadlines.answerMs)
  },
})

export const backendReplicas = check({
  block: 12,
  name: 'backend replicas all ready',
  timeout: 60_000,
  async run(ctx) {
    const b = ctx.profile.backend
    explainBackend(ctx)
    const e = rollout(b.workload, { replicas: b.replicas }, b.app)
    await expect(e.what, () => e.probe(ctx)).within(ctx.deadlines.answerMs)
  },
})

const backendPodsAndLogs = check({
  block: 12,
  name: 'backend pods by app=backend, logs readable',
  timeout: 60_000,
  async run(ctx) {
    const b = ctx.profile.backend
    explainBackend(ctx)
    const pods = await expect(`pods -l ${b.podSelector} in ${b.workload.namespace}`, async () => {
      const all = await ctx.kube.core.listNamespacedPod({
        namespace: b.workload.namespace,
        labelSelector: b.podSelector,
      })
      const list = all.items.filter(isReadyPod)
      return list.length >= b.replicas
        ? met(list)
        : pending(
            `${list.length} ready pod(s) match -l ${b.podSelector} ` +
              `in ${b.workload.namespace}, want ${b.replicas}`
          )
    }).within(ctx.deadlines.answerMs)
    if (b.logs.kind === 'pods') {
      // the roadmap's `kubectl logs -l app=backend --tail=50`:
      // every selected pod's log is readable and not empty
      for (const pod of pods) {
        const name = pod.metadata!.name!
        const log = await ctx.kube.core.readNamespacedPodLog({
          name,
          namespace: b.workload.namespace,
          container: pod.spec?.containers?.[0]?.name,
          tailLines: 50,
        })
        if (!String(log ?? '').trim())
          throw new Error(`kubectl logs ${b.workload.namespace}/${name}: empty log`)
      }
    } else {
      const path = b.logs.path
      if (!existsSync(path) || statSync(path).size === 0)
        throw new Error(`the backend's log ${path} is missing or empty`)
    }
  },
})

export const migrations = check({
  block: 13,
  name: 'migrations completed before the API',
  timeout: 60_000,
  async run(ctx) {
    const b = ctx.profile.backend
    const evidence = b.migrations
    explainBackend(ctx)
    if (evidence.kind === 'step') {
      if (evidence.exitCode === null)
        throw new Error(
          `no record of the migration step (${evidence.command}) in the cluster's ` +
            'state: bring the cluster up again with this version of cluster:local'
        )
      if (evidence.exitCode !== 0)
        throw new Error(
          `the migration step (${evidence.command}) ` +
            `exited ${evidence.exitCode}: see ${evidence.log}`
        )
      return
    }
    await expect(
      `init container ${evidence.container} of ` +
        `every ${b.workload.name} pod terminated with exit code 0`,
      async () => {
        const all = await ctx.kube.core.listNamespacedPod({
          namespace: b.workload.namespace,
          labelSelector: b.podSelector,
        })
        const pods = all.items.filter((p) => !p.metadata?.deletionTimestamp)
        if (pods.length === 0)
          return pending(`no pod matches -l ${b.podSelector} in ${b.workload.namespace}`)
        for (const pod of pods) {
          const status = pod.status?.initContainerStatuses?.find(
            (s) => s.name === evidence.container
          )
          if (!status)
            return failed(`pod ${pod.metadata?.name} has no init container ${evidence.container}`)
          const done = status.state?.terminated
          if (!done)
            return pending(
              `pod ${pod.metadata?.name}: init container ${evidence.container} ` +
                `is ${Object.keys(status.state ?? {})[0] ?? 'unknown'}`
            )
          if (done.exitCode !== 0)
            return failed(
              `pod ${pod.metadata?.name}: init container ${evidence.container} ` +
                `exited ${done.exitCode} (${done.reason ?? ''})`
            )
        }
        return met()
      }
    ).within(ctx.deadlines.answerMs)
  },
})

const tables = check({
  block: 13,
  name: 'tables organizations, projects, users',
  timeout: 30_000,
  appliesTo: (p) => (p.database.ok ? true : p.database.reason),
  async run({ profile, kube, deadlines }) {
    if (!profile.database.ok) return
    const db = profile.database.value
    await expect('backend tables in PostgreSQL', async () => {
      const present = await queryColumn(
        kube,
        db,
        'SELECT table_name FROM information_schema.tables WHERE table_schema ' +
          "= current_schema() AND table_name = ANY(string_to_array($1, ','))",
        [TABLES.join(',')]
      )
      const missing = TABLES.filter((t) => !present.includes(t))
      return missing.length === 0
        ? met()
        : pending(
            `missing table(s) ${missing.join(', ')} in ` +
              `database ${db.database} (migrations not run?)`
          )
    }).within(deadlines.answerMs)
  },
})

export const platformChecks = [redis, backendReplicas, backendPodsAndLogs, migrations, tables]
