/* Block 7: GitOps behaviour after real git commits and a manual change (checks/gitops.ts). */
import { registerChecks } from '../lib/check.ts'
import { gitopsChecks } from './gitops.ts'

registerChecks(gitopsChecks)
