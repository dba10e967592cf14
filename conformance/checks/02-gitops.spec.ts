/* Block 7: GitOps behaviour after real git commits and a manual change. */
import { BLOCKS } from '../lib/blocks.ts'
import { defineCheck } from '../lib/check.ts'
import { activeProfile } from '../lib/profile.ts'
import { autoSync, prune, rollback, selfHeal } from './gitops-behaviour.ts'

// the whole test may take: baseline (wait + explicit sync) + 2 convergences + restore, plus git and API time
const { baselineMs, convergenceMs, restoreMs } = activeProfile().deadlines
const TIMEOUT = 2 * baselineMs + 2 * convergenceMs + 2 * restoreMs + 60_000

defineCheck({ block: BLOCKS.gitops, name: 'auto-sync', timeout: TIMEOUT, run: (ctx) => autoSync(ctx) })
defineCheck({ block: BLOCKS.gitops, name: 'self-heal', timeout: TIMEOUT, run: (ctx) => selfHeal(ctx) })
defineCheck({ block: BLOCKS.gitops, name: 'prune', timeout: TIMEOUT, run: (ctx) => prune(ctx) })
defineCheck({ block: BLOCKS.gitops, name: 'rollback', timeout: TIMEOUT, run: (ctx) => rollback(ctx) })
