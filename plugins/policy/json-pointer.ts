/**
 * The one JSON Pointer (RFC 6901) decoder of the policy domain. OPA itself reads paths in three
 * ways, and each caller names the one it needs instead of re-splitting strings:
 *
 * | path | RFC 6901 (`parsePointer`) | json.* built-ins (`parseBuiltinPath`) | Data API PATCH (`parseDataPatchPath`) |
 * |---|---|---|---|
 * | `""` | the whole document | the whole document | the document at the URL |
 * | `"/"` | the key `""` | the key `""` | the document at the URL |
 * | `"a/b"` | not a pointer | `["a", "b"]` | `["a", "b"]` |
 * | `"/a/"` | `["a", ""]` | `["a", ""]` | `["a"]` |
 *
 * OPA's server trims slashes from PATCH paths before joining them to the URL path, so `"/"` there
 * means "right here"; its built-ins follow RFC 6901, where `"/"` names the empty key. Both are kept
 * so documents patched through either behave as they would in OPA.
 */

/** One reference token: `~1` is `/` and `~0` is `~`, decoded in that order so `~01` is `~1`. */
export function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~')
}

const tokens = (path: string) => path.split('/').map(unescapeToken)

/** Strict RFC 6901: `""` is the whole document, anything else starts with `/`; undefined otherwise. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return []
  return pointer.startsWith('/') ? tokens(pointer.slice(1)) : undefined
}

/** json.patch, json.remove and json.filter paths, as OPA reads them: leading slashes are optional. */
export function parseBuiltinPath(path: string): string[] {
  return path === '' ? [] : tokens(path.replace(/^\/+/, ''))
}

/**
 * A Data API PATCH operation's path, relative to the URL's document. Like OPA, tokens may also be
 * percent-encoded; undefined for a malformed escape, which OPA refuses as a bad patch path.
 */
export function parseDataPatchPath(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, '')
  if (trimmed === '') return []
  try {
    return trimmed.split('/').map((t) => unescapeToken(decodeURIComponent(t)))
  } catch {
    return undefined
  }
}
