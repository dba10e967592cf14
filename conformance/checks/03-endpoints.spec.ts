/* Blocks 2, 5, 9, 12, 14, 15: every endpoint answers as the roadmap says (checks/endpoints.ts). */
import { registerChecks } from '../lib/check.ts'
import { endpointChecks } from './endpoints.ts'

registerChecks(endpointChecks)
