/* Block 12: the backend runs the image backend-ci signed (checks/signed-image.ts). */
import { registerChecks } from '../lib/check.ts'
import { signedImageChecks } from './signed-image.ts'

registerChecks(signedImageChecks)
