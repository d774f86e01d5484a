/**
 * Markdown to plain text with mdast-util-from-markdown (micromark, CommonMark + nothing else):
 * headings open sections, paragraphs, code, and table rows become blocks, raw HTML is dropped.
 * The tree is walked with an explicit stack, so deeply nested quotes or lists cannot overflow the
 * call stack. micromark has super-linear corners (long emphasis runs), which is why the caller runs
 * this in a worker with a time limit (isolate.ts).
 */
import { fromMarkdown } from 'mdast-util-from-markdown'
import type { Nodes, Parents, Root } from 'mdast'
import { TextBuilder } from './builder.ts'
import type { ParsedDocument } from './types.ts'

const CONTAINERS = new Set(['root', 'blockquote', 'list', 'listItem', 'footnoteDefinition'])

export function parseMarkdown(source: string, maxChars: number): ParsedDocument {
  const root: Root = fromMarkdown(source)
  const out = new TextBuilder(maxChars)
  const stack: Nodes[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()!
    if (CONTAINERS.has(node.type)) {
      const children = (node as Parents).children
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
    } else if (node.type === 'heading') {
      const title = inlineText(node)
      if (node.depth === 1 && out.title === undefined) out.title = title.trim() || undefined
      out.heading(node.depth, title)
    } else if (node.type === 'paragraph') out.block(inlineText(node))
    else if (node.type === 'code') out.block(node.value)
    else if (node.type === 'table') {
      out.block(node.children.map((row) => row.children.map((cell) => inlineText(cell).trim()).join(' | ')).join('\n'))
    }
    // html, thematicBreak, definition, yaml: no prose.
  }
  return out.finish()
}

/** The text of a node's inline content, iteratively (links, emphasis, code, image alt text). */
function inlineText(node: Nodes): string {
  const parts: string[] = []
  const stack: Nodes[] = [node]
  while (stack.length > 0) {
    const n = stack.pop()!
    if (n.type === 'text' || n.type === 'inlineCode') parts.push(n.value)
    else if (n.type === 'break') parts.push('\n')
    else if (n.type === 'image') parts.push(n.alt ?? '')
    else if ('children' in n) for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!)
  }
  return parts.join('')
}
