/*
 * Plaintext-secret scan over every committed file. Secrets are created from .env input by
 * scripts/create-secrets.ts and referenced by name; no file in git may hold one.
 *
 * A line may opt out with a "secret-scan: allow" marker on it or on the line above (say why).
 * Placeholders (empty, change-me, <...>, YOUR-..., example) and references ($(VAR), ${VAR}, {{ }},
 * secretKeyRef, existingSecret names) are not secrets.
 */
import { readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { Problem } from './checks.ts'

/**
 * Keys whose value is a credential (postgresPassword,
 * redis-password, JWT_SECRET, APP_KEY, apiToken, ...).
 */
const secretKey =
  /(pass(word)?|passwd|pwd|secret|token|api[-_]?key|app[-_]?key|private[-_]?key|credentials?)$/i
/** Keys that name or point at a secret instead of holding one. */
const referenceKey = /^(existing|secretName$|secretRef$|secretKeyRef$|automount)/i

const placeholder =
  /^(|~|null|true|false|\d+|[|>][-+]?|\{\}|\[\])$|change[-_]?me|example|placeholder|^your[-_]|YOUR-|<[^>]*>|redacted|^x{3,}$|\*{3,}/i
const reference = /^(\$\(|\$\{|\$[A-Z_]+$|\{\{|env\.get\(|process\.env|secretKeyRef|valueFrom)/

/** Token shapes that are secrets wherever they appear. */
const tokenShapes: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bsk_live_[A-Za-z0-9]{16,}/, 'a Stripe live key'],
]

const codeExtensions = new Set(['.ts', '.js', '.mjs', '.cjs', '.tsx', '.jsx'])
/** Generated lock files hold integrity hashes only. */
const skipped = /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml)$/

function unquote(raw: string): { value: string; quoted: boolean } {
  let v = raw.trim().replace(/,$/, '').trim()
  const quoted = /^(["'`]).*\1$/.test(v)
  if (quoted) v = v.slice(1, -1)
  else v = v.replace(/\s+#.*$/, '').trim()
  return { value: v, quoted }
}

const isLiteralSecret = (value: string) => !placeholder.test(value) && !reference.test(value)

function scanText(file: string, text: string): Problem[] {
  if (skipped.test(file) || text.includes('\0')) return []
  const problems: Problem[] = []
  const code = codeExtensions.has(extname(file))
  const lines = text.split('\n')
  const allowed = (i: number) =>
    /secret-scan: allow/.test(lines[i]) || (i > 0 && /secret-scan: allow/.test(lines[i - 1]))
  const report = (i: number, what: string) =>
    problems.push({
      file,
      message:
        `line ${i + 1}: ${what} (a plaintext secret; reference ` +
        'a Secret created by scripts/create-secrets.ts instead)',
    })

  lines.forEach((line, i) => {
    if (allowed(i)) return
    for (const [shape, what] of tokenShapes) if (shape.test(line)) report(i, `holds ${what}`)

    // credentials inside URLs
    // scheme://user:password@host (secret-scan: allow — the pattern itself)
    const url = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^@\s/]+)@/i.exec(line)
    if (url && isLiteralSecret(url[1])) report(i, 'a URL carries a password')

    // key: value / KEY=value / "key": "value"
    const kv =
      /^\s*(?:-\s*)?(?:export\s+|ENV\s+|ARG\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*(?::|=)\s*(.+)$/.exec(
        line
      )
    if (kv && secretKey.test(kv[1]) && !referenceKey.test(kv[1])) {
      const { value, quoted } = unquote(kv[2])
      if ((!code || quoted) && isLiteralSecret(value))
        report(i, `"${kv[1]}" is set to a literal value`)
    }

    // Kubernetes env entries: - name: DB_PASSWORD / value: literal
    const envName = /^\s*-?\s*name:\s*["']?([A-Za-z0-9_]+)["']?\s*$/.exec(line)
    if (envName && secretKey.test(envName[1])) {
      const next = /^\s*value:\s*(.+)$/.exec(lines[i + 1] ?? '')
      if (next && !allowed(i + 1) && isLiteralSecret(unquote(next[1]).value))
        report(i + 1, `env ${envName[1]} has a literal value`)
    }
  })

  // A committed Kubernetes Secret with content (Helm templates are not plain YAML: skipped).
  if (/\.ya?ml$/.test(file) && !/\/templates\//.test(file) && /^kind:\s*Secret\s*$/m.test(text)) {
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as Record<string, any> | null
      if (
        o?.kind === 'Secret' &&
        (Object.keys(o.data ?? {}).length || Object.keys(o.stringData ?? {}).length)
      ) {
        problems.push({
          file,
          message:
            `Secret ${o.metadata?.name} with data is committed ` +
            '(secrets are created by scripts/create-secrets.ts)',
        })
      }
    }
  }
  return problems
}

export function secretProblems(root: string, files: string[]): Problem[] {
  return files.flatMap((f) => {
    let text: string
    try {
      text = readFileSync(join(root, f), 'utf8')
    } catch {
      return [] // listed by git but deleted in the working tree
    }
    return scanText(f, text)
  })
}
