/**
 * The content types a route accepts, for the 415 that tells a client what to send instead.
 *
 * The truth is the set of content-type parsers registered in the route's encapsulation context
 * (Fastify's defaults plus e.g. the bundle route's gzip types). Fastify exposes `hasContentTypeParser`
 * but no list, so this reads the parser registry Fastify keeps on the instance under its
 * `fastify.contentTypeParser` symbol; test/gateway/framework-errors.test.ts fails if that changes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'

interface ParserRegistry {
  parserList: string[]
  parserRegExpList: RegExp[]
}

function parserRegistry(instance: FastifyInstance): ParserRegistry | undefined {
  for (let o: object | null = instance; o; o = Object.getPrototypeOf(o)) {
    const sym = Object.getOwnPropertySymbols(o).find((s) => s.description === 'fastify.contentTypeParser')
    if (sym) return (instance as unknown as Record<symbol, ParserRegistry>)[sym]
  }
  return undefined
}

export function acceptedContentTypes(request: FastifyRequest): string[] {
  const registry = parserRegistry(request.server)
  if (!registry) return ['application/json']
  return [...registry.parserList, ...registry.parserRegExpList.map((r) => r.source)]
}
