/* Phase 1b completion: the backend's data stores and its replicas. */
import { BLOCKS } from '../lib/blocks.ts'
import { defineCheck } from '../lib/check.ts'
import { collectDiagnostics } from '../lib/diagnostics.ts'
import { queryColumn, redisPing } from '../lib/data-stores.ts'
import { expect, failed, met, pending } from '../../scripts/lib/expect.ts'
import { describeRollout, readRollout } from '../lib/rollout.ts'
import { kube } from '../lib/world.ts'

const TABLES = ['organizations', 'projects', 'users']

defineCheck({
  block: BLOCKS.phase1b,
  name: 'database tables organizations, projects, users present',
  timeout: 30_000,
  appliesTo: (p) => (p.database.ok ? true : p.database.reason),
  async run({ profile }) {
    if (!profile.database.ok) return
    const db = profile.database.value
    await expect('backend tables in PostgreSQL', async () => {
      const present = await queryColumn(kube(), db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY(string_to_array($1, ','))", [TABLES.join(',')])
      const missing = TABLES.filter((t) => !present.includes(t))
      return missing.length === 0 ? met() : pending(`missing table(s) ${missing.join(', ')} in database ${db.database} (migrations not run?)`)
    }).within(10_000)
  },
})

defineCheck({
  block: BLOCKS.phase1b,
  name: 'Redis answers PING',
  timeout: 30_000,
  appliesTo: (p) => (p.redis.ok ? true : p.redis.reason),
  async run({ profile }) {
    if (!profile.redis.ok) return
    const redis = profile.redis.value
    await expect('Redis PING', async () => {
      const reply = await redisPing(kube(), redis)
      if (reply === '+PONG') return met()
      if (reply.startsWith('-NOAUTH') || reply.startsWith('-WRONGPASS')) return failed(`Redis refused: ${reply}`)
      return pending(`Redis replied ${reply}`)
    }).within(10_000)
  },
})

defineCheck({
  block: BLOCKS.phase1b,
  name: 'backend has 2 ready replicas',
  timeout: 60_000,
  async run(ctx) {
    const { namespace, name } = ctx.profile.backendDeployment
    ctx.explainWith(() => collectDiagnostics(kube(), { argocdNamespace: ctx.profile.argocdNamespace, app: ctx.profile.target.app, namespace }))
    await expect(`Deployment ${namespace}/${name} with 2 ready replicas`, async () => {
      const r = await readRollout(kube(), namespace, name)
      return r.ready === 2 && r.specReplicas === 2 ? met() : pending(describeRollout(r))
    }).within(30_000)
  },
})
