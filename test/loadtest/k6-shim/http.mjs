// k6/http as the k6 script uses it: request(method, url, body, params) answering synchronously,
// expectedStatuses(...) for per-request response callbacks.
import { state } from './state.mjs'
const KNOWN_PARAMS = new Set(['headers', 'tags', 'responseCallback', 'timeout', 'redirects', 'cookies', 'auth', 'compression', 'jar', 'responseType'])
export function expectedStatuses(...statuses) {
  for (const s of statuses) if (!(Number.isInteger(s) || (s && Number.isInteger(s.min) && Number.isInteger(s.max)))) throw new Error(`bad expected status ${JSON.stringify(s)}`)
  return { expectedStatuses: statuses }
}
export function request(method, url, body, params = {}) {
  if (typeof method !== 'string' || typeof url !== 'string') throw new Error('request(method, url, ...) takes strings')
  if (body !== null && body !== undefined && typeof body !== 'string' && typeof body !== 'object') throw new Error('body must be a string, object or null')
  for (const k of Object.keys(params)) if (!KNOWN_PARAMS.has(k)) throw new Error(`unknown k6 request param ${k}`)
  const sent = { method, url, body, headers: params.headers ?? {}, tags: params.tags ?? {}, responseCallback: params.responseCallback }
  state.requests.push(sent)
  const { status, body: text } = state.answer(sent)
  return {
    status,
    body: text,
    json(selector) {
      const v = JSON.parse(text)
      return selector === undefined ? v : selector.split('.').reduce((o, k) => (o == null ? o : o[k]), v)
    },
  }
}
export default { request, expectedStatuses }
