/*
 * The baseline of `npm run bench:api`: the same hello response from a bare
 * node:http server. Usage: node bench/bare_server.ts <port>
 */
import { createServer } from 'node:http'

const body = JSON.stringify({ message: 'Hello, World!' })
const port = Number(process.argv[2])

createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  response.end(body)
}).listen(port, '127.0.0.1')
