/*
 * Blocks 4, 12, 13: Redis, backend replicas, pods and
 * logs, migrations and tables (checks/platform.ts).
 */
import { registerChecks } from '../lib/check.ts'
import { platformChecks } from './platform.ts'

registerChecks(platformChecks)
