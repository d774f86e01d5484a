/**
 * Errors that Fastify or Node produce before a route runs get the one error shape too, with `code`
 * and a `requestId` that matches the `x-request-id` header. Sent as real HTTP over loopback with raw
 * sockets: `inject` bypasses Node's HTTP parser, which is where several of these come from.
 */
import t, { type Test } from 'tap'
import type net from 'node:net'
import { ADMIN_KEY, buildTestApp } from '../helpers/app.ts'
import { rawRequest as send, type RawResponse } from '../helpers/raw-http.ts'

const auth = `authorization: Bearer ${ADMIN_KEY}\r\n`
const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nhost: localhost\r\n${headers}connection: close\r\n\r\n`

function assertShape(t: Test, res: RawResponse, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.match(res.body, { statusCode: status, code, error: String, message: String, requestId: String }, `body has code ${code} and a requestId`)
  t.equal(res.headers['x-request-id'], res.body?.requestId, 'the header carries the same request id')
  t.match(res.headers['content-type'], /^application\/json/)
}

t.test('framework and Node errors over real HTTP', async (t) => {
  const { app } = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as net.AddressInfo).port

  t.test('400 bad percent-encoding in the URL (FST_ERR_BAD_URL)', async (t) => {
    assertShape(t, await send(port, get('/v1/projects/%zz', auth)), 400, 'MALFORMED_URL')
    assertShape(t, await send(port, get('/v1/projects/%c0%af', auth)), 400, 'MALFORMED_URL')
  })

  t.test('414 for a path parameter beyond the router limit and for a request line beyond the header limit', async (t) => {
    assertShape(t, await send(port, get(`/v1/projects/${'a'.repeat(2000)}`, auth)), 414, 'URI_TOO_LONG')
    const res = await send(port, get(`/v1/projects/${'a'.repeat(70_000)}`, auth))
    assertShape(t, res, 414, 'URI_TOO_LONG')
    t.equal(res.headers.connection, 'close')
    t.ok(res.closedByServer, 'the server closes the connection')
  })

  t.test('431 for headers beyond the header limit', async (t) => {
    const res = await send(port, get('/health/live', `x-big: ${'b'.repeat(20_000)}\r\n`))
    assertShape(t, res, 431, 'HEADERS_TOO_LARGE')
    t.ok(res.closedByServer, 'the server closes the connection')
  })

  t.test('400 for malformed HTTP, and the connection is closed', async (t) => {
    for (const garbage of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nbad header line\r\n\r\n', 'GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab', 'GET /\0 HTTP/1.1\r\n\r\n']) {
      // No `connection: close` here: the server must close by itself, and answer only once.
      const res = await send(port, garbage)
      assertShape(t, res, 400, 'MALFORMED_REQUEST')
      t.ok(res.closedByServer, `closed after ${JSON.stringify(garbage.slice(0, 20))}`)
    }
  })

  t.test('404 for an unknown route and for a wrong method', async (t) => {
    assertShape(t, await send(port, get('/nope', auth)), 404, 'ROUTE_NOT_FOUND')
    const res = await send(port, `PATCH /v1/projects HTTP/1.1\r\nhost: x\r\n${auth}connection: close\r\n\r\n`)
    assertShape(t, res, 404, 'ROUTE_NOT_FOUND')
    t.match(res.body.message, /PATCH \/v1\/projects/)
  })

  t.test('415 names the content types the route accepts', async (t) => {
    const post = (path: string, type: string) =>
      `POST ${path} HTTP/1.1\r\nhost: x\r\n${auth}content-type: ${type}\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello`
    const json = await send(port, post('/v1/projects', 'application/xml'))
    assertShape(t, json, 415, 'UNSUPPORTED_MEDIA_TYPE')
    t.same(json.body.details, { accepted: ['application/json', 'text/plain'] }, "Fastify's default parsers")
    t.match(json.body.message, /application\/xml.*application\/json, text\/plain/)
    await app.inject({ method: 'POST', url: '/v1/projects', headers: { authorization: `Bearer ${ADMIN_KEY}` }, payload: { id: 'shop', name: 'Shop' } })
    const bundle = await send(port, post('/v1/projects/shop/bundles', 'application/zip'))
    assertShape(t, bundle, 415, 'UNSUPPORTED_MEDIA_TYPE')
    t.ok(bundle.body.details?.accepted?.includes('application/gzip'), `the bundle route's own parser is listed: ${bundle.body.details?.accepted}`)
  })

  t.test('400 for a malformed JSON body', async (t) => {
    const body = '{"id": '
    const res = await send(port, `POST /v1/projects HTTP/1.1\r\nhost: x\r\n${auth}content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`)
    assertShape(t, res, 400, 'MALFORMED_BODY')
  })
})
