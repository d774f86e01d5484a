/** Types of scenarios.js (plain JavaScript so k6 loads it unchanged). */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestDef {
  method: Method
  path: string
  body?: unknown
  contentType?: string
  /** Statuses that count as success; anything else is a failed request (k6's http_req_failed). */
  expect: number[]
  /** Tag for thresholds such as `http_req_duration{kind:write}`. */
  kind?: 'read' | 'write'
}

export interface SetupStep extends RequestDef {
  name: string
  /** Run variable name -> field of the JSON response. */
  capture?: Record<string, string>
}

export interface ScenarioDef {
  description: string
  /** Requests arriving per second, per DC. */
  rate: number
  /** Seconds. */
  duration: number
  /** Most requests outstanding per DC; arrivals beyond it are dropped (k6: dropped_iterations). */
  maxInFlight: number
  mix: Array<{ request: string; weight: number }>
  /** k6 threshold expressions by metric (optionally with a `{tag:value}` filter). */
  thresholds: Record<string, string[]>
}

export interface Rendered {
  method: Method
  path: string
  headers: Record<string, string>
  body: string | undefined
}

export const setupSteps: SetupStep[]
export const teardownSteps: SetupStep[]
export const requests: Record<string, RequestDef>
export const scenarios: Record<string, ScenarioDef>
export function fill<T>(value: T, vars: Record<string, string | number>): T
export function pick(mix: ScenarioDef['mix'], r: number): string
export function render(def: RequestDef, vars: Record<string, string | number>, key?: string): Rendered
export function runProject(nowMs: number): string
