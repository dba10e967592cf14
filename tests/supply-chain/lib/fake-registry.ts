/*
 * A registry that asks for a token at a realm of the test's choosing, and a
 * token endpoint that records every request it gets: enough to see where
 * credentials would go. Both listen on loopback addresses only; a token host
 * on 127.0.0.2 is "another host" than a registry on 127.0.0.1.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'

export type Seen = { method: string; url: string; authorization?: string }

export type FakeRegistry = {
  host: string // 127.0.0.1:<port>
  repository: string
  digest: string // of the one manifest it serves
  /** Requests that reached its own /token endpoint. */
  tokenRequests: Seen[]
  /** The realm its challenges name (for pulls and for pushes); default: its own /token. */
  pullRealm: string
  pushRealm: string
  stop: () => Promise<void>
}

export type TokenHost = { origin: string; requests: Seen[]; stop: () => Promise<void> }

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: `sha256:${createHash('sha256').update('{}').digest('hex')}`,
      size: 2,
    },
    layers: [],
  })
)
const TOKEN = 'fake-registry-token'

function seen(request: IncomingMessage): Seen {
  return {
    method: request.method ?? '',
    url: request.url ?? '',
    authorization: request.headers.authorization,
  }
}

async function listen(server: Server, address: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  return (server.address() as { port: number }).port
}

const close = (server: Server) => () =>
  new Promise<void>((resolve) => server.close(() => resolve()))

/**
 * A token endpoint on `address` (e.g. 127.0.0.2) that
 * hands out a token to anyone and records who asked.
 */
export async function startTokenHost(address: string): Promise<TokenHost> {
  const requests: Seen[] = []
  const server = createServer((request, response) => {
    requests.push(seen(request))
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: TOKEN }))
  })
  const port = await listen(server, address)
  return { origin: `http://${address}:${port}`, requests, stop: close(server) }
}

export async function startFakeRegistry(): Promise<FakeRegistry> {
  const repository = 'acme/app'
  const digest = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`
  const state = { tokenRequests: [] as Seen[], pullRealm: '', pushRealm: '' }
  const server = createServer((request, response) => {
    const url = request.url ?? ''
    if (url.startsWith('/token')) {
      state.tokenRequests.push(seen(request))
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: TOKEN }))
      return
    }
    const authorized = request.headers.authorization === `Bearer ${TOKEN}`
    const challenge = (realm: string, scope: string) => ({
      'www-authenticate':
        `Bearer realm="${realm}",service="fake",` + `scope="repository:${repository}:${scope}"`,
    })
    if (request.method === 'POST' && url === `/v2/${repository}/blobs/uploads/`) {
      response.writeHead(401, challenge(state.pushRealm, 'push,pull')).end()
    } else if (!authorized) {
      response.writeHead(401, challenge(state.pullRealm, 'pull')).end()
    } else if (url === `/v2/${repository}/manifests/${digest}`) {
      response
        .writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': digest,
        })
        .end(MANIFEST)
    } else {
      response.writeHead(404).end()
    }
  })
  const port = await listen(server, '127.0.0.1')
  const own = `http://127.0.0.1:${port}/token`
  state.pullRealm = own
  state.pushRealm = own
  return {
    host: `127.0.0.1:${port}`,
    repository,
    digest,
    get tokenRequests() {
      return state.tokenRequests
    },
    get pullRealm() {
      return state.pullRealm
    },
    set pullRealm(value: string) {
      state.pullRealm = value
    },
    get pushRealm() {
      return state.pushRealm
    },
    set pushRealm(value: string) {
      state.pushRealm = value
    },
    stop: close(server),
  }
}
