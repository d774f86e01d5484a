/** Filter policies and a seeded generator of subjects and documents for the partial-evaluation tests. */

export const POLICIES: Record<string, { src: string; data?: Record<string, unknown> }> = {
  // Owner, user list and group overlap, with the group check in a helper rule.
  groups: {
    src: `package dyad.rag
default read := false
read if input.document.owner == input.subject.id
read if input.subject.id in input.document.access.users
read if member_of_doc_group
member_of_doc_group if {
	some g in input.subject.groups
	input.document.access.groups[_] == g
}
`,
  },
  // Classification against clearance, the clearance looked up in data by role (known), either side of the comparison.
  clearance: {
    src: `package dyad.rag
default read := false
clearance := data.levels[input.subject.role]
read if {
	c := input.document.metadata.classification
	c <= clearance
	input.subject.clearance >= c
}
read if {
	input.subject.role == "auditor"
	input.document.metadata.classification < 2
}
`,
    data: { levels: { reader: 1, editor: 3, admin: 5 } },
  },
  // A public flag through a function taking the document, and truthiness of a bare field.
  public: {
    src: `package dyad.rag
read if is_public(input.document)
read if {
	input.document.access.shared
	input.document.metadata.region == input.subject.region
}
read if input.document.metadata.region in {"global", input.subject.home}
is_public(d) if d.access.public == true
is_public(d) if d.metadata.classification == 0
`,
  },
  // Deny-list with not: allowed unless listed in data, embargoed or of another region.
  denylist: {
    src: `package dyad.rag
default read := false
read if {
	allowed
	not denied
}
allowed if input.subject.id in input.document.access.users
allowed if "viewer" in input.subject.roles
denied if input.document.id in data.denylist
denied if "embargoed" in input.document.tags
denied if input.document.metadata.region != input.subject.region
denied if input.document.level > input.subject.clearance
`,
    data: { denylist: ['d1', 'd3'] },
  },
  // every over a known collection: the document must carry all the subject's required groups.
  every: {
    src: `package dyad.rag
read if {
	input.subject.required
	every g in input.subject.required {
		g in input.document.access.groups
	}
}
read if {
	every k, v in {"owner": input.subject.id} {
		input.document[k] == v
	}
}
`,
  },
  // Defaults that are true, else chains and values that are not true.
  elses: {
    src: `package dyad.rag
default read := true
read := false if input.document.secret == true
read := false if not input.document.metadata
grade := "a" if input.document.owner == input.subject.id
	else := "b" if input.document.locked
	else := "c" if input.document.level < 2
editable if grade == "a"
editable if {
	grade == "c"
	input.subject.clearance > 2
}
`,
  },
}

/** mulberry32: small, seeded, good enough for picking test cases. */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => next() < 0.35)
  const maybe = <T>(x: () => T, p = 0.8): T | undefined => (next() < p ? x() : undefined)
  return { next, pick, some, maybe }
}

const USERS = ['u0', 'u1', 'u2', 'u3']
const GROUPS = ['g0', 'g1', 'g2', 'g3']
const REGIONS = ['eu', 'us', 'global']

/** Drops undefined members, so a field is missing rather than null. */
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

export function subjects(seed: number, n: number): Array<Record<string, unknown>> {
  const r = rng(seed)
  return Array.from({ length: n }, () =>
    clean({
      id: r.maybe(() => r.pick(USERS), 0.9),
      groups: r.maybe(() => r.some(GROUPS)),
      roles: r.maybe(() => r.some(['viewer', 'project-admin', 'auditor'])),
      role: r.maybe(() => r.pick(['reader', 'editor', 'admin', 'auditor', 'nobody'])),
      clearance: r.maybe(() => r.pick([0, 1, 2, 3, 4, 5, 2.5])),
      region: r.maybe(() => r.pick(REGIONS)),
      home: r.maybe(() => r.pick(REGIONS)),
      required: r.maybe(() => r.some(GROUPS).slice(0, 2), 0.6),
    }),
  )
}

export function documents(seed: number, n: number): Array<Record<string, unknown>> {
  const r = rng(seed)
  // Mostly well-typed, sometimes of the wrong type: the condition must agree with Rego there too.
  const list = (xs: readonly string[]) => r.pick([() => r.some(xs), () => r.some(xs), () => r.some(xs), () => r.pick(xs), () => Object.fromEntries(r.some(xs).map((x, i) => [`k${i}`, x])), () => null])()
  return Array.from({ length: n }, (_, i) =>
    clean({
      id: `d${i % 6}`,
      owner: r.maybe(() => r.pick(USERS), 0.5),
      access: r.maybe(() =>
        clean({
          public: r.maybe(() => r.pick([true, false, 'yes', 1, null]), 0.6),
          shared: r.maybe(() => r.pick([true, false, 0, 'no']), 0.5),
          users: r.maybe(() => list(USERS)),
          groups: r.maybe(() => list(GROUPS)),
        }),
      ),
      metadata: r.maybe(() =>
        clean({
          classification: r.maybe(() => r.pick([0, 1, 2, 3, 4, 5, 1.5, '3', null, true])),
          region: r.maybe(() => r.pick([...REGIONS, 1])),
        }),
      ),
      tags: r.maybe(() => list(['embargoed', 'x', 'y']), 0.6),
      level: r.maybe(() => r.pick([0, 1, 2, 3, 4, 'high', null]), 0.6),
      secret: r.maybe(() => r.pick([true, false, 'true']), 0.4),
      locked: r.maybe(() => r.pick([true, false]), 0.4),
    }),
  )
}
