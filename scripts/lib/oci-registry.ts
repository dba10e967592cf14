/*
 * A small read-only OCI distribution client over fetch: resolve a reference to
 * a content-verified manifest, list the referrers of a digest (OCI 1.1
 * referrers API, falling back to the referrers tag schema that registries
 * without the API use), and fetch blobs. Every byte read by digest is hashed
 * and compared, so a registry cannot hand us other content than we asked for.
 * Writing (attaching a bundle) is done by @sigstore/oci; see image-signing.ts.
 */
import { createHash } from 'node:crypto'
import { getRegistryCredentials } from '@sigstore/oci'
import { SupplyChainError } from './supply-chain-error.ts'

const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export type ImageRef = {
  registry: string // host[:port]
  repository: string // path inside the registry
  name: string // registry/repository
  tag?: string
  digest?: string // sha256:<64 hex>
}

export type Descriptor = {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

export type Manifest = {
  digest: string
  mediaType: string
  bytes: Buffer
  json: Record<string, any>
}

export type Credentials = { username: string; password: string }

const DIGEST = /^sha256:[a-f0-9]{64}$/
// registry host (needs a dot, a port or "localhost") / lowercase path [:tag] [@digest]
const REFERENCE =
  /^((?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::\d+)?)\/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/

export function parseImageRef(reference: string): ImageRef {
  const match = REFERENCE.exec(reference.trim())
  const registry = match?.[1] ?? ''
  if (!match || !(registry.includes('.') || registry.includes(':') || registry === 'localhost')) {
    throw new SupplyChainError(
      'USAGE',
      `"${reference}" is not a fully qualified image reference (expected ` +
        'registry/name@sha256:<64 hex>, e.g. ghcr.io/owner/app@sha256:…)'
    )
  }
  if (!match[3] && !match[4]) {
    throw new SupplyChainError('USAGE', `"${reference}" names no tag and no digest`)
  }
  return {
    registry,
    repository: match[2],
    name: `${registry}/${match[2]}`,
    tag: match[3],
    digest: match[4],
  }
}

function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/** Loopback registries speak plain HTTP (as with docker and @sigstore/oci); all others HTTPS. */
function registryBaseURL(registry: string): string {
  const host = new URL(`http://${registry}`).hostname
  const plain = host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
  return `${plain ? 'http' : 'https'}://${registry}`
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    hostname === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname)
  )
}

/**
 * Registry credentials, bound to one registry: OCI_REGISTRY_USERNAME /
 * OCI_REGISTRY_PASSWORD belong to the host named by OCI_REGISTRY (e.g. ghcr.io)
 * and are used for that registry only; else the docker config written by
 * `docker login` (per registry by construction); else none (anonymous pull;
 * the registry's token endpoint decides).
 */
export function registryCredentials(ref: ImageRef): Credentials | undefined {
  const {
    OCI_REGISTRY_USERNAME: username,
    OCI_REGISTRY_PASSWORD: password,
    OCI_REGISTRY: bound,
  } = process.env
  if (username && password) {
    if (!bound) {
      throw new SupplyChainError(
        'USAGE',
        'OCI_REGISTRY_USERNAME/OCI_REGISTRY_PASSWORD are set but OCI_REGISTRY is ' +
          'not: name the one registry host they belong to (e.g. OCI_REGISTRY=ghcr.io)'
      )
    }
    if (bound === ref.registry) return { username, password }
  }
  try {
    const creds = getRegistryCredentials(ref.name)
    return { username: creds.username, password: creds.password }
  } catch {
    return undefined
  }
}

/**
 * May credentials for `registry` go to this token realm? Only over https, and
 * only to the registry's own host or a host listed in OCI_REGISTRY_TOKEN_HOSTS
 * (comma separated, e.g. a separate auth host). Plain http only between
 * loopback hosts, i.e. a registry on this machine (tests). Returns why not, or
 * undefined when allowed.
 */
function realmRefusal(registry: string, realm: string): string | undefined {
  let url: URL
  try {
    url = new URL(realm)
  } catch {
    return `token realm "${realm}" is not a URL`
  }
  const registryHost = new URL(`http://${registry}`).hostname
  const allowed = [
    registryHost,
    ...(process.env.OCI_REGISTRY_TOKEN_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
  ]
  if (!allowed.includes(url.hostname)) {
    return (
      `token realm ${url.origin} is not on ${registryHost} (allowed token ` +
      `hosts: ${allowed.join(', ')}; add others to OCI_REGISTRY_TOKEN_HOSTS)`
    )
  }
  const loopback = isLoopback(registryHost) && isLoopback(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return `token realm ${url.origin} is not https`
  }
  return undefined
}

export class RegistryClient {
  readonly ref: ImageRef
  readonly #base: string
  readonly #credentials?: Credentials
  #authorization?: string

  constructor(ref: ImageRef, credentials?: Credentials) {
    this.ref = ref
    this.#base = `${registryBaseURL(ref.registry)}/v2/${ref.repository}`
    this.#credentials = credentials
  }

  /** The manifest a tag or digest points at, with its digest checked against its bytes. */
  async manifest(reference: string): Promise<Manifest> {
    const response = await this.#get(`/manifests/${reference}`, {
      accept: MANIFEST_MEDIA_TYPES.join(', '),
    })
    if (response.status === 404) {
      throw new SupplyChainError(
        'IMAGE_NOT_FOUND',
        `image not found: ${this.ref.name} has no manifest ${reference}`
      )
    }
    await expectOK(response, `GET manifest ${reference} of ${this.ref.name}`)
    const bytes = Buffer.from(await response.arrayBuffer())
    const actual = sha256Digest(bytes)
    const expected = DIGEST.test(reference)
      ? reference
      : response.headers.get('docker-content-digest')
    if (expected && expected !== actual) {
      throw new SupplyChainError(
        'DIGEST_MISMATCH',
        `digest mismatch: ${this.ref.name} answered ${reference} ` +
          `with content whose digest is ${actual}, not ${expected}`
      )
    }
    const json = parseJSON(bytes, `manifest ${actual} of ${this.ref.name}`)
    const mediaType = json.mediaType ?? response.headers.get('content-type')?.split(';')[0] ?? ''
    return { digest: actual, mediaType, bytes, json }
  }

  /**
   * Descriptors of the manifests that declare `subject: digest`. Uses the
   * referrers API; a registry without it (404, or a non-index answer) is read
   * through the referrers tag schema `sha256-<hex>` instead.
   */
  async referrers(digest: string): Promise<Descriptor[]> {
    const api = await this.#get(`/referrers/${digest}`, { accept: OCI_INDEX })
    if (api.ok && api.headers.get('content-type')?.startsWith(OCI_INDEX)) {
      const index = parseJSON(Buffer.from(await api.arrayBuffer()), `referrers of ${digest}`)
      return (index.manifests ?? []) as Descriptor[]
    }
    await api.body?.cancel()
    const tag = digest.replace(':', '-')
    const fallback = await this.#get(`/manifests/${tag}`, { accept: OCI_INDEX })
    if (fallback.status === 404) return []
    await expectOK(fallback, `GET referrers tag ${tag} of ${this.ref.name}`)
    const index = parseJSON(Buffer.from(await fallback.arrayBuffer()), `referrers tag ${tag}`)
    return (index.manifests ?? []) as Descriptor[]
  }

  /** A blob's bytes, checked against its digest. */
  async blob(digest: string): Promise<Buffer> {
    const response = await this.#get(`/blobs/${digest}`, {})
    if (response.status === 404) {
      throw new SupplyChainError(
        'REGISTRY_ERROR',
        `blob ${digest} is missing from ${this.ref.name}`
      )
    }
    await expectOK(response, `GET blob ${digest} of ${this.ref.name}`)
    const bytes = Buffer.from(await response.arrayBuffer())
    if (sha256Digest(bytes) !== digest) {
      throw new SupplyChainError(
        'DIGEST_MISMATCH',
        `digest mismatch: blob ${digest} of ${this.ref.name} has digest ${sha256Digest(bytes)}`
      )
    }
    return bytes
  }

  async #get(path: string, headers: Record<string, string>): Promise<Response> {
    const url = `${this.#base}${path}`
    let response = await this.#fetch(url, headers)
    if (response.status === 401 && !this.#authorization) {
      await response.body?.cancel()
      this.#authorization = await this.#authorize(response.headers.get('www-authenticate') ?? '')
      response = await this.#fetch(url, headers)
    }
    return response
  }

  async #fetch(url: string, headers: Record<string, string>): Promise<Response> {
    const all = this.#authorization ? { ...headers, authorization: this.#authorization } : headers
    try {
      return await fetch(url, {
        headers: all,
        redirect: 'follow',
        signal: AbortSignal.timeout(30_000),
      })
    } catch (error) {
      throw new SupplyChainError(
        'REGISTRY_ERROR',
        `cannot reach ${url}: ${(error as Error).cause ?? (error as Error).message}`,
        { cause: error }
      )
    }
  }

  /**
   * Before credentials go to another library (@sigstore/oci pushes the bundle
   * and answers the push challenge itself): the push challenge's token realm
   * must pass the same rule as ours. An upload the probe opened is cancelled.
   */
  async checkPushRealm(): Promise<void> {
    if (!this.#credentials) return
    const url = `${registryBaseURL(this.ref.registry)}/v2/${this.ref.repository}/blobs/uploads/`
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      })
    } catch (error) {
      throw new SupplyChainError(
        'REGISTRY_ERROR',
        `cannot reach ${url}: ${(error as Error).cause ?? (error as Error).message}`,
        { cause: error }
      )
    }
    await response.body?.cancel()
    const location = response.headers.get('location')
    if (response.status === 202 && location) {
      await fetch(new URL(location, url), {
        method: 'DELETE',
        signal: AbortSignal.timeout(30_000),
      }).then(
        (r) => r.body?.cancel(),
        () => undefined
      )
    }
    const realm = /realm="([^"]*)"/.exec(response.headers.get('www-authenticate') ?? '')?.[1]
    const refusal = realm === undefined ? undefined : realmRefusal(this.ref.registry, realm)
    if (refusal) {
      throw new SupplyChainError(
        'REGISTRY_ERROR',
        `${this.ref.registry}: ${refusal}; no credentials were sent`
      )
    }
  }

  /** Answers a Basic or Bearer (distribution token) challenge; pull scope only. */
  async #authorize(challenge: string): Promise<string> {
    const credentials = this.#credentials
    const basic = credentials
      ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
      : undefined
    if (/^basic/i.test(challenge)) {
      if (!basic)
        throw new SupplyChainError(
          'REGISTRY_ERROR',
          `${this.ref.registry} requires credentials (set ` +
            'OCI_REGISTRY_USERNAME/OCI_REGISTRY_PASSWORD or docker login)'
        )
      return basic
    }
    const param = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1]
    const realm = param('realm')
    if (!/^bearer/i.test(challenge) || !realm) {
      throw new SupplyChainError(
        'REGISTRY_ERROR',
        `${this.ref.registry} answered 401 with an unsupported challenge "${challenge}"`
      )
    }
    const refusal = this.#credentials ? realmRefusal(this.ref.registry, realm) : undefined
    if (refusal) {
      throw new SupplyChainError(
        'REGISTRY_ERROR',
        `${this.ref.registry}: ${refusal}; no credentials were sent`
      )
    }
    const url = new URL(realm)
    url.searchParams.set('service', param('service') ?? this.ref.registry)
    url.searchParams.set('scope', `repository:${this.ref.repository}:pull`)
    const response = await fetch(url, {
      headers: basic ? { authorization: basic } : {},
      signal: AbortSignal.timeout(30_000),
    })
    await expectOK(response, `token request to ${url.origin}${url.pathname}`)
    const body = (await response.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token)
      throw new SupplyChainError('REGISTRY_ERROR', `token endpoint ${realm} returned no token`)
    return `Bearer ${token}`
  }
}

async function expectOK(response: Response, what: string): Promise<void> {
  if (response.ok) return
  const body = await response.text()
  const text = body.slice(0, 300).replace(/\s+/g, ' ')
  throw new SupplyChainError('REGISTRY_ERROR', `${what}: HTTP ${response.status} ${text}`)
}

function parseJSON(bytes: Buffer, what: string): Record<string, any> {
  try {
    return JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new SupplyChainError('REGISTRY_ERROR', `${what} is not JSON`)
  }
}
