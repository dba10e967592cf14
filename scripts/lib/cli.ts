/*
 * The one way scripts read their command line: node:util parseArgs, strict (its default: an
 * unknown option or a missing value is an error), every error carrying the script's usage line.
 * A UsageError ends a script with exit status 2 (bad invocation), other errors with 1.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
  usage: string
): ReturnType<typeof parseArgs<T>> {
  if (config.strict === false)
    throw new Error('parseCommandLine is strict: unknown options are errors')
  try {
    return parseArgs(config)
  } catch (error) {
    const e = error as { code?: string; message: string }
    // node's hint about '--' after an unknown option only confuses here: keep the first sentence
    if (e.code?.startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(
        `${e.message.replace(/\. To specify a positional argument[\s\S]*$/, '')}\n${usage}`
      )
    throw error
  }
}

/** Exit status for an error that ends a script. */
export function exitStatusOf(error: unknown): number {
  return error instanceof UsageError ? 2 : 1
}
