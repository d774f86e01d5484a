/**
 * Manifest roots: a bundle may only define policy packages and data under the roots it declares, so
 * that several bundles can share one `data` tree without overwriting each other.
 *
 * Roots are held in a trie and walked alongside the data, so the check costs one step per data node
 * visited however many or deep the roots are; nothing recurses, since both come from the upload.
 */
import { BundleError } from './errors.ts'
import { isPlainObject } from './data-tree.ts'
import { packagePath } from './rego-package.ts'

interface RootNode {
  /** The root ending at this node, when one does: everything below is owned by the bundle. */
  owner?: string
  /** Some root passing through or ending below this node, for overlap messages. */
  via?: string
  children: Map<string, RootNode>
}

/** A path kept as a chain of parent links, materialised only for an error message. */
type PathLink = { key: string; up: PathLink } | undefined

const segmentsOf = (root: string) => (root === '' ? [] : root.split('/'))
const render = (p: PathLink): string[] => {
  const out: string[] = []
  for (let l = p; l; l = l.up) out.push(l.key)
  return out.reverse()
}

/** Builds the trie; `onOverlap` is told about two roots where one contains the other. */
export function rootTrie(roots: string[], onOverlap: (a: string, b: string) => never): RootNode {
  const top: RootNode = { children: new Map() }
  for (const root of roots) {
    let node = top
    for (const segment of segmentsOf(root)) {
      if (node.owner !== undefined) onOverlap(node.owner, root)
      node.via ??= root
      let next = node.children.get(segment)
      if (!next) node.children.set(segment, (next = { children: new Map() }))
      node = next
    }
    if (node.owner !== undefined) onOverlap(node.owner, root)
    if (node.via !== undefined) onOverlap(root, node.via)
    node.owner = root
  }
  return top
}

const unexpectedOverlap = (a: string, b: string): never => {
  throw new BundleError('BUNDLE_INVALID_MANIFEST', `.manifest: roots '${a}' and '${b}' overlap; list each subtree once`)
}

export function checkModuleRoots(modules: Array<{ path: string; raw: string }>, roots: string[]): void {
  const top = rootTrie(roots, unexpectedOverlap)
  if (top.owner !== undefined) return
  for (const m of modules) {
    const pkg = packagePath(m.raw)
    if (pkg === undefined) {
      throw new BundleError('BUNDLE_ROOT_VIOLATION', `module '${m.path}' has no readable 'package' line, so it cannot be checked against roots ${fmt(roots)}; start the module with 'package <path>'`)
    }
    let node: RootNode | undefined = top
    for (const segment of pkg) {
      node = node.children.get(segment)
      if (!node || node.owner !== undefined) break
    }
    if (node?.owner === undefined) {
      throw new BundleError('BUNDLE_ROOT_VIOLATION', `module '${m.path}' declares package ${pkg.join('.')}, outside the manifest roots ${fmt(roots)}; move the package under a root or add a root for it`)
    }
  }
}

/**
 * Every value in `data` must lie under a root. Objects on the way down to a root (the `a` in root
 * 'a/b') are allowed as containers, but anything they hold besides the path to a root is a violation.
 */
export function checkDataRoots(data: Record<string, unknown>, roots: string[]): void {
  const work: Array<[unknown, RootNode, PathLink]> = [[data, rootTrie(roots, unexpectedOverlap), undefined]]
  while (work.length > 0) {
    const [value, node, path] = work.pop()!
    if (node.owner !== undefined) continue
    if (!isPlainObject(value)) throw violation(path, roots)
    for (const key of Object.keys(value)) {
      const child = node.children.get(key)
      const at = { key, up: path }
      if (!child) throw violation(at, roots)
      work.push([value[key], child, at])
    }
  }
}

const violation = (path: PathLink, roots: string[]) =>
  new BundleError('BUNDLE_ROOT_VIOLATION', `data at '/${render(path).join('/')}' lies outside the manifest roots ${fmt(roots)}; move the data.json under a root or add a root for it`)

const fmt = (roots: string[]) => JSON.stringify(roots)
