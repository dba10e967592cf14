/* Block 7: GitOps behaviour after real git commits and a manual change. */
import { BLOCKS } from '../lib/blocks.ts'
import { defineCheck } from '../lib/check.ts'
import { autoSync, prune, rollback, selfHeal } from './gitops-behaviour.ts'

// deadlines: 60 s baseline + 2 × 45 s convergence + 30 s restore, plus git and API time
const TIMEOUT = 200_000

defineCheck({ block: BLOCKS.gitops, name: 'auto-sync', timeout: TIMEOUT, run: (ctx) => autoSync(ctx) })
defineCheck({ block: BLOCKS.gitops, name: 'self-heal', timeout: TIMEOUT, run: (ctx) => selfHeal(ctx) })
defineCheck({ block: BLOCKS.gitops, name: 'prune', timeout: TIMEOUT, run: (ctx) => prune(ctx) })
defineCheck({ block: BLOCKS.gitops, name: 'rollback', timeout: TIMEOUT, run: (ctx) => rollback(ctx) })
