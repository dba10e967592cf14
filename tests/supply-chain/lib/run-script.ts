/*
 * Runs a repository script (sign-image, verify-image) as the workflow does:
 * this Node, a clean environment (no ambient token, registry login or
 * credentials) plus what the test passes.
 */
import { execFile } from 'node:child_process'

export type Run = { code: number; stdout: string; stderr: string }

export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
      }
    )
  })
}
