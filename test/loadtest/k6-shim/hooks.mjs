// Module hooks for the k6 shim: the k6 script's `k6`, `k6/http` and `k6/execution` imports load
// these files instead (k6 provides them natively; Node has no such modules).
const shims = { k6: 'k6.mjs', 'k6/http': 'http.mjs', 'k6/execution': 'execution.mjs' }
export async function resolve(specifier, context, next) {
  if (specifier in shims) return { url: new URL(shims[specifier], import.meta.url).href, shortCircuit: true }
  return next(specifier, context)
}
