/*
 * HTTP for endpoint checks. node:http (not fetch) because the kind profile
 * reaches every ingress on 127.0.0.1:80 and picks the site with the Host
 * header, which fetch does not let a caller set.
 */
import http from 'node:http'
import https from 'node:https'

export type Endpoint = {
  /** base URL actually connected to, e.g. http://127.0.0.1:80 */
  url: string
  /** Host header to send (ingress routing); omitted when the URL's host is right */
  host?: string
  /** accept self-signed TLS (local Argo CD server) */
  insecure?: boolean
}

export type HttpResponse = {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  json(): any
}

export function describeEndpoint(endpoint: Endpoint, path = '') {
  const host = endpoint.host ? ` (Host: ${endpoint.host})` : ''
  return `${endpoint.url.replace(/\/$/, '')}${path}${host}`
}

export function request(
  endpoint: Endpoint,
  path: string,
  options: {
    method?: string
    body?: unknown
    headers?: Record<string, string>
    timeoutMs?: number
  } = {}
): Promise<HttpResponse> {
  const url = new URL(path, endpoint.url.replace(/\/?$/, '/'))
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
  if (endpoint.host) headers.host = endpoint.host
  if (payload !== undefined) {
    headers['content-type'] = 'application/json'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  const lib = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        timeout: options.timeoutMs ?? 5000,
        ...(url.protocol === 'https:'
          ? { rejectUnauthorized: !endpoint.insecure, servername: endpoint.host?.split(':')[0] }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => {
              try {
                return JSON.parse(body)
              } catch {
                throw new Error(
                  `${options.method ?? 'GET'} ${describeEndpoint(endpoint, path)} ` +
                    `answered ${res.statusCode} with non-JSON: ${body.slice(0, 120)}`
                )
              }
            },
          })
        })
        res.on('error', reject)
      }
    )
    req.on('timeout', () =>
      req.destroy(
        new Error(`${options.method ?? 'GET'} ${describeEndpoint(endpoint, path)} timed out`)
      )
    )
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${options.method ?? 'GET'} ${describeEndpoint(endpoint, path)}: ` +
            (error.code ?? error.message)
        )
      )
    )
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}
