/** Dyad's version, as package.json states it (OpenAPI's info.version, OPA's labels.version). */
import { createRequire } from 'node:module'

export const DYAD_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version
