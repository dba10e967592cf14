/*
 * Blocks 1–6 and Block 7's final validation: AppProjects,
 * Applications, root app, zero Helm releases (checks/argocd.ts).
 */
import { registerChecks } from '../lib/check.ts'
import { argocdChecks } from './argocd.ts'

registerChecks(argocdChecks)
