/*
 * The ONE way scripts (and the conformance suite's diagnostics) read the end of a log:
 *
 *   tailFile(path, lines = 20) -> string   the last lines, or "(no log)" when there is none
 *
 * Reads only the last 64 KiB, so a log of gigabytes costs the same as a small one.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'

const WINDOW = 64 * 1024

export function tailFile(path: string | undefined, lines = 20): string {
  if (!path || !existsSync(path)) return '(no log)'
  const size = statSync(path).size
  const length = Math.min(size, WINDOW)
  const buffer = Buffer.alloc(length)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, buffer, 0, length, size - length)
  } finally {
    closeSync(fd)
  }
  const text = buffer.toString('utf8').trimEnd().split('\n')
  // a window that starts mid-file starts mid-line: drop that partial first line
  if (length < size) text.shift()
  return text.slice(-lines).join('\n')
}
