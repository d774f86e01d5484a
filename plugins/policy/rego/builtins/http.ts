/**
 * http.send validates its request exactly as OPA does, then fails: built-ins run synchronously
 * and this service makes no network calls from policy evaluation, so a valid request is an
 * eval_builtin_error (undefined unless strict-builtin-errors). test.sleep exists for OPA's test
 * suites and sleeps at most MAX_SLEEP_MS so a policy cannot stall a worker.
 */
import { NULL, objGet, str as strV } from '../value.ts'
import { builtinError, def, objArg, str, typeError } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { TIME_BUILTINS } from './time.ts'

const KEYS = new Set([
  'method', 'url', 'body', 'raw_body', 'headers', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'tls_use_system_certs',
  'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert', 'tls_client_cert_file', 'tls_client_cert_env_variable',
  'tls_client_key', 'tls_client_key_file', 'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout',
  'cache', 'force_cache', 'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
])

export const MAX_SLEEP_MS = 100

const quoteSet = (names: string[]) => `{${names.sort().map((n) => JSON.stringify(n)).join(', ')}}`

export const HTTP_BUILTINS: BuiltinDef[] = [
  def('http.send', 1, ([r]) => {
    const req = objArg('http.send', r, 1)
    const keys = [...req.entries.values()].map(([k]) => (k.type === 'string' ? k.value : JSON.stringify(k)))
    const invalid = keys.filter((k) => !KEYS.has(k))
    if (invalid.length) throw typeError('http.send', `invalid request parameters(s): ${quoteSet(invalid)}`)
    const missing = ['method', 'url'].filter((k) => objGet(req, strV(k)) === undefined)
    if (missing.length) throw typeError('http.send', `missing required request parameters(s): ${quoteSet(missing)}`)
    throw builtinError('http.send', 'outbound HTTP is not available to policies in this service')
  }),
  def('test.sleep', 1, ([d], ctx) => {
    const parse = TIME_BUILTINS.find((b) => b.name === 'time.parse_duration_ns')?.fn
    const ns = parse?.([strV(str('test.sleep', d, 1))], ctx)
    const ms = Math.min(MAX_SLEEP_MS, Math.max(0, Number((ns as { int?: bigint } | undefined)?.int ?? 0n) / 1e6))
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
    return NULL
  }),
]
