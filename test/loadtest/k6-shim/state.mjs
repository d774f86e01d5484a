// What the shimmed k6 API saw, and how it answers: shared by the shim modules and the test.
export const state = (globalThis.__k6shim ??= { requests: [], checks: [], iteration: 0, answer: () => ({ status: 200, body: '{}' }) })
