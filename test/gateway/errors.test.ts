/**
 * The error registry: every code declared once, by its area, with its area's prefix; and no source
 * file compares an error code against a string literal instead of the registry.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DyadError, Errors, errorArea, isDyadError, registeredErrors } from '../../src/shared/errors.ts'

const ROOT = join(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
}

const SOURCES = [...sourceFiles('src'), ...sourceFiles('plugins')]
const ERROR_FILES = SOURCES.filter((f) => f.endsWith('/errors.ts'))

/** The area each errors.ts must declare in; a new area's file must be added here, with its prefix. */
const AREA_OF_FILE: Record<string, string[]> = {
  'src/shared/errors.ts': ['gateway'],
  'src/infra/kv/errors.ts': ['KV_'],
  'src/infra/appdata/errors.ts': ['APPDATA_'],
  'src/infra/secrets/errors.ts': ['SECRETS_'],
  'src/infra/sql/errors.ts': ['SQL_'],
  'src/infra/platform/errors.ts': ['PLATFORM_'],
  'plugins/platform/errors.ts': ['PLATFORM_'],
  'plugins/policy/errors.ts': ['POLICY_', 'opa'],
  'plugins/policy/bundle/errors.ts': ['BUNDLE_'],
  'plugins/cms/errors.ts': ['CMS_'],
  'plugins/cms/flags/errors.ts': ['CMS_FLAGS_'],
  'plugins/cms/apollo/errors.ts': ['CMS_APOLLO_'],
  'plugins/llm/errors.ts': ['LLM_'],
  'plugins/rag/errors.ts': ['RAG_'],
  'src/infra/retrieval/errors.ts': ['RAG_'],
  // Not registry areas: the formats module's FormatError is a plain error the cms domain maps to
  // CMS_INVALID_DOCUMENT, and the client's CmsClientError carries the server's codes.
  'plugins/cms/formats/errors.ts': [],
  'plugins/cms/client/errors.ts': [],
  // OPA's language error codes (rego_parse_error, ...) travel inside OPA's `errors` list, not as a
  // response code: they are OPA's vocabulary and are not registered.
  'plugins/policy/rego/errors.ts': [],
}

t.test('every errors.ts declares only in its own area, every code once, with its prefix', async (t) => {
  const areaOf = new Map<string, string>()
  // Declarations by identity: a re-export is the same object, a second declaration is not.
  const declarations = new Map<string, Set<unknown>>()
  for (const file of ERROR_FILES) {
    t.ok(file in AREA_OF_FILE, `${file} is a known area (add it to AREA_OF_FILE with its prefix)`)
    const mod = (await import(pathToFileURL(join(ROOT, file)).href)) as Record<string, unknown>
    for (const group of Object.values(mod)) {
      if (typeof group !== 'object' || group === null) continue
      for (const kind of Object.values(group)) {
        if (typeof kind !== 'function' || typeof (kind as { code?: unknown }).code !== 'string') continue
        const { code, area } = kind as unknown as { code: string; area: string }
        // A file may reuse another file's declaration of its own area (the platform domain reuses the store's).
        t.ok(AREA_OF_FILE[file]?.includes(area), `${file}: ${code} belongs to ${area}`)
        areaOf.set(code, area)
        declarations.set(code, (declarations.get(code) ?? new Set()).add(kind))
      }
    }
  }
  const all = registeredErrors()
  t.ok(all.length >= 50, `${all.length} codes registered`)
  t.equal(new Set(all.map((k) => k.code)).size, all.length, 'no code is registered twice')
  t.same([...declarations].filter(([, kinds]) => kinds.size > 1).map(([code]) => code), [], 'no code is declared twice, even with the same message')
  t.same([...areaOf.keys()].sort(), all.map((k) => k.code).sort(), 'every registered code is exported by an errors.ts')

  const prefixes = [...new Set(all.map((k) => k.area))].filter((a) => a.endsWith('_'))
  for (const { code, area, statusCode } of all) {
    if (area.endsWith('_')) t.ok(code.startsWith(area) && /^[A-Z0-9_]+$/.test(code), `${code} starts with ${area}`)
    else if (area === 'opa') t.match(code, /^[a-z]+(_[a-z]+)+$/, `${code} is spelled as OPA spells its codes`)
    else {
      t.equal(area, 'gateway')
      t.notOk(prefixes.some((p) => code.startsWith(p)), `common code ${code} does not take another area's prefix`)
    }
    t.ok(statusCode >= 400 && statusCode <= 599, `${code} has an error status (${statusCode})`)
  }
})

t.test('the registry refuses a second meaning for a code and a foreign prefix at load time', async (t) => {
  t.throws(() => errorArea('')('FORBIDDEN', 403, 'again'), /declared twice/)
  t.throws(() => errorArea('KV_')('KV_COMPACTED', 410, 'again'), /declared twice/)
  t.throws(() => errorArea('KV_')('POLICY_SOMETHING', 400, 'x'), /does not belong to area KV_/)
  t.throws(() => errorArea('KV_')('KV_lower', 400, 'x'), /does not belong/)
  t.throws(() => errorArea('KV_')('KV_COMPACTED', 404, Errors.notFound.defaultMessage), /declared twice/, 'another status is another meaning')
})

t.test('a declared error is a @fastify/error instance with its code, status, message and details', async (t) => {
  const err = Errors.forbidden('Not allowed to x.', { why: 'y' })
  t.ok(err instanceof Error && err instanceof DyadError && isDyadError(err))
  t.match(err, { code: 'FORBIDDEN', statusCode: 403, message: 'Not allowed to x.', details: { why: 'y' } })
  t.equal(Errors.forbidden().message, 'The principal is not allowed to do this.', 'the declared message is the default')
  t.ok(err.stack?.includes('errors.test.ts'), 'the stack points at the caller')
  t.ok(Errors.forbidden.is(err) && !Errors.notFound.is(err), 'is() compares codes')
  const { FastifyError } = await import('@fastify/error')
  t.ok(err instanceof FastifyError, 'made by @fastify/error')
})

t.test('no source compares an error code against a string literal', async (t) => {
  const codes = new Set(registeredErrors().map((k) => k.code))
  // Comparisons and switch cases on a quoted code; declarations (errors.ts) are where literals belong.
  const comparison = /(?:[!=]==?\s*|case\s+)'([A-Za-z][A-Za-z0-9_]*)'|'([A-Za-z][A-Za-z0-9_]*)'\s*[!=]==?/g
  const offenders: string[] = []
  for (const file of SOURCES) {
    if (file.endsWith('/errors.ts')) continue
    const text = readFileSync(join(ROOT, file), 'utf8')
    for (const m of text.matchAll(comparison)) {
      const literal = m[1] ?? m[2]
      if (codes.has(literal)) offenders.push(`${relative(ROOT, join(ROOT, file))}: '${literal}'`)
    }
  }
  t.same(offenders, [], 'compare against the registry (Errors.x.code or Errors.x.is(err))')
})
