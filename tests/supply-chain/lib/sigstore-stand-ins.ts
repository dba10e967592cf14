/*
 * Fulcio and Rekor stand-ins on 127.0.0.1, built from @sigstore/mock's
 * handlers (an ephemeral CA with a CT log, and a transparency log that signs
 * entry timestamps and checkpoints), plus the trusted_root.json that makes a
 * verifier trust exactly them, and OIDC tokens shaped like GitHub Actions'.
 *
 * Like the real Fulcio for the GitHub Actions issuer, the stand-in puts
 * `https://github.com/<job_workflow_ref>` into the certificate SAN. Unlike the
 * real one it does not check the token's signature (there is no issuer JWKS
 * here): the tokens minted below are unsigned. Like the real Rekor, the
 * stand-in stores a DSSE entry in its canonical form (hashes + signatures,
 * without the proposed envelope), which @sigstore/mock leaves to its caller.
 */
import { createServer, type Server } from 'node:http'
import { writeFile } from 'node:fs/promises'
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  rekorHandler,
  type HandlerFn,
} from '@sigstore/mock'
import { generateKeyPairSync, createHash } from 'node:crypto'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export type StandIns = {
  fulcioURL: string
  rekorURL: string
  trustedRoot: object
  stop: () => Promise<void>
}

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

/** An (unsigned) OIDC token with the claims GitHub Actions issues for a workflow run. */
export function githubActionsToken(options: {
  repository: string
  workflowFile: string
  ref: string
  sha?: string
}): string {
  const now = Math.floor(Date.now() / 1000)
  const { repository, workflowFile, ref } = options
  const workflowRef = `${repository}/.github/workflows/${workflowFile}@${ref}`
  const claims = {
    iss: GITHUB_ISSUER,
    aud: 'sigstore',
    sub: `repo:${options.repository}:ref:${options.ref}`,
    repository: options.repository,
    repository_owner: options.repository.split('/')[0],
    ref: options.ref,
    sha: options.sha ?? 'b2f5ec1a04c9a5cbb4aa7d3c4d2a7b6a0e1f9c3d',
    workflow: options.workflowFile.replace(/\.ya?ml$/, ''),
    workflow_ref: workflowRef,
    job_workflow_ref: workflowRef,
    event_name: 'push',
    runner_environment: 'github-hosted',
    iat: now,
    nbf: now,
    exp: now + 300,
  }
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.stand-in`
}

/** The certificate identity the real Fulcio derives from such a token. */
export function githubWorkflowIdentity(
  repository: string,
  workflowFile: string,
  ref: string
): string {
  return `https://github.com/${repository}/.github/workflows/${workflowFile}@${ref}`
}

async function serve(
  path: string,
  fn: HandlerFn,
  rewrite: (body: string) => string | { reject: string } = (b) => b
): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      if (request.method !== 'POST' || request.url !== path) {
        response.writeHead(404).end()
        return
      }
      const body = rewrite(Buffer.concat(chunks).toString('utf8'))
      if (typeof body !== 'string') {
        response.writeHead(401, { 'content-type': 'text/plain' }).end(body.reject)
        return
      }
      const result = await fn(body)
      response
        .writeHead(result.statusCode, { 'content-type': result.contentType ?? 'text/plain' })
        .end(result.response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, server }
}

/**
 * Fulcio's GitHub rule: SAN = https://github.com/<job_workflow_ref>; audience must be "sigstore".
 */
function asFulcioSeesIt(body: string): string | { reject: string } {
  const request = JSON.parse(body)
  const claims = decodeClaims(request.credentials.oidcIdentityToken)
  if (claims.aud !== 'sigstore') return { reject: `token audience ${claims.aud} is not "sigstore"` }
  const subject = claims.job_workflow_ref
    ? `https://github.com/${claims.job_workflow_ref}`
    : claims.sub
  const payload = b64url({ ...claims, fulcio_subject: subject })
  request.credentials.oidcIdentityToken = `${b64url({ alg: 'none' })}.${payload}.stand-in`
  return JSON.stringify(request)
}

const sha256Hex = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex')

/** Rekor's canonical body of a dsse v0.0.1 entry (rekor pkg/types/dsse/v0.0.1 Canonicalize). */
function asRekorStoresIt(body: string): string {
  const entry = JSON.parse(body)
  if (entry.kind !== 'dsse') return body
  const { envelope, verifiers } = entry.spec.proposedContent as {
    envelope: string
    verifiers: string[]
  }
  const parsed = JSON.parse(envelope) as { payload: string; signatures: { sig: string }[] }
  return JSON.stringify({
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(Buffer.from(parsed.payload, 'base64')) },
      signatures: parsed.signatures.map((s, i) => ({
        signature: s.sig,
        verifier: verifiers[i] ?? verifiers[0],
      })),
    },
  })
}

function tlogInstance(url: string, spki: Buffer, start: Date) {
  return {
    baseUrl: url,
    hashAlgorithm: 'SHA2_256',
    publicKey: {
      rawBytes: spki.toString('base64'),
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: start.toISOString() },
    },
    logId: { keyId: createHash('sha256').update(spki).digest('base64') },
  }
}

export async function startSigstoreStandIns(): Promise<StandIns> {
  const start = new Date(Date.now() - 60_000)
  const ctlog = await initializeCTLog(keyPair())
  const ca = await initializeCA(keyPair(), ctlog)
  const fulcio = await serve(
    '/api/v2/signingCert',
    fulcioHandler(ca, { subjectClaim: 'fulcio_subject' }).fn,
    asFulcioSeesIt
  )
  // Rekor names itself (checkpoint origin) after its URL, so the port is bound first.
  let rekorFn: HandlerFn = async () => ({ statusCode: 503, response: 'starting' })
  const rekor = await serve('/api/v1/log/entries', (body) => rekorFn(body), asRekorStoresIt)
  const tlog = await initializeTLog(rekor.url, keyPair())
  rekorFn = rekorHandler(tlog).fn

  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [tlogInstance(rekor.url, tlog.publicKey, start)],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: fulcio.url,
        certChain: {
          certificates: [
            {
              rawBytes: Buffer.from(
                ca.rootCertificate.buffer,
                ca.rootCertificate.byteOffset,
                ca.rootCertificate.byteLength
              ).toString('base64'),
            },
          ],
        },
        validFor: { start: start.toISOString() },
      },
    ],
    ctlogs: [tlogInstance(fulcio.url, ctlog.publicKey, start)],
    timestampAuthorities: [],
  }
  const stop = async () => {
    await Promise.all(
      [fulcio.server, rekor.server].map((s) => new Promise((resolve) => s.close(resolve)))
    )
  }
  return { fulcioURL: fulcio.url, rekorURL: rekor.url, trustedRoot, stop }
}

export async function writeTrustedRoot(standIns: StandIns, path: string): Promise<void> {
  await writeFile(path, JSON.stringify(standIns.trustedRoot, null, 2))
}
