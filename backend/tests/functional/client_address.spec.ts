/*
 * Which address a request counts as (the sign-in rate limit's key): the direct
 * peer, unless that peer is a configured trusted proxy (TRUSTED_PROXIES; the
 * tests' server trusts 127.0.0.1 and 10.244.0.0/16, see bin/test.ts).
 */
import { test } from '@japa/runner'
import { request as httpRequest } from 'node:http'
import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { randomInt } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import { RequestFactory } from '@adonisjs/core/factories/http'
import { baseUrl, unique } from '#tests/lib/api'

/**
 * Adonis' real request.ip() with the app's http config,
 * for a peer the loopback-only tests cannot be.
 */
function clientIp(peer: string, forwardedFor?: string) {
  const socket = new Socket()
  Object.defineProperty(socket, 'remoteAddress', { value: peer })
  const req = new IncomingMessage(socket)
  if (forwardedFor !== undefined) req.headers['x-forwarded-for'] = forwardedFor
  return new RequestFactory()
    .merge({ req, config: app.config.get('app.http') })
    .create()
    .ip()
}

/**
 * POST /v1/auth/guest-signin over a connection from
 * `localAddress` (any 127/8 address is this machine).
 */
function signInFrom(localAddress: string, forwardedFor: string) {
  const body = JSON.stringify({ username: unique('peer') })
  return new Promise<number>((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl()}/v1/auth/guest-signin`,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-forwarded-for': forwardedFor,
        },
      },
      (response) => {
        response.resume()
        response.on('end', () => resolve(response.statusCode ?? 0))
      }
    )
    request.on('error', reject)
    request.end(body)
  })
}

test.group('client address · trusted proxies', () => {
  test('a forged X-Forwarded-For from an untrusted peer does not reset the sign-in limit', async ({
    assert,
  }) => {
    // A fresh untrusted loopback peer per run (the limit lives in the shared Redis for a minute).
    const peer = `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(2, 255)}`
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) {
      statuses.push(await signInFrom(peer, `198.51.100.${i + 1}`))
    }
    assert.deepEqual(statuses, [...Array(10).fill(201), 429])
  })

  test('clients behind a trusted proxy are told apart; behind an untrusted peer they are not', ({
    assert,
  }) => {
    // ingress-nginx in the pod network forwarding two different clients
    assert.equal(clientIp('10.244.1.5', '198.51.100.7'), '198.51.100.7')
    assert.equal(clientIp('10.244.1.5', '198.51.100.8'), '198.51.100.8')
    // a client-supplied hop in front of the real one is
    // not believed: the proxy appended the real address
    assert.equal(clientIp('10.244.1.5', '203.0.113.66, 198.51.100.7'), '198.51.100.7')
    // IPv4 on a dual-stack socket
    assert.equal(clientIp('::ffff:10.244.1.5', '198.51.100.9'), '198.51.100.9')
    // peers outside TRUSTED_PROXIES: the header is ignored
    assert.equal(clientIp('10.245.0.1', '198.51.100.7'), '10.245.0.1')
    assert.equal(clientIp('127.0.0.2', '198.51.100.7'), '127.0.0.2')
    assert.equal(clientIp('192.0.2.10'), '192.0.2.10')
  })
})
