/**
 * HTML to plain text with parse5 (the WHATWG parsing algorithm, so broken markup parses the way a
 * browser would): h1–h6 open sections, block elements end a block, whitespace collapses outside
 * <pre>, and script, style, template and other non-content elements are skipped. <title> becomes
 * the document title. The tree is walked with an explicit stack: 100k nested tags are fine.
 */
import { parse } from 'parse5'
import { collapse, TextBuilder } from './builder.ts'
import type { ParsedDocument } from './types.ts'

interface HtmlNode { nodeName: string; value?: string; childNodes?: HtmlNode[] }

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'svg', 'math', 'canvas', 'select', 'button'])
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table',
  'tbody', 'thead', 'tfoot', 'tr', 'ul',
])
const CELL = new Set(['td', 'th'])
const HEADING = /^h[1-6]$/

type Step = { node: HtmlNode } | { exit: string }

export function parseHtml(source: string, maxChars: number): ParsedDocument {
  const doc = parse(source) as unknown as HtmlNode
  const out = new TextBuilder(maxChars)
  let inline: string[] = []
  let inlineChars = 0
  let pre = 0
  let heading: { level: number; parts: string[] } | undefined
  const flush = () => {
    const raw = inline.join('')
    inline = []
    inlineChars = 0
    out.block(pre > 0 ? raw.replace(/^\n+|\s+$/g, '') : collapse(raw))
  }
  const stack: Step[] = [{ node: doc }]
  while (stack.length > 0) {
    const step = stack.pop()!
    if ('exit' in step) {
      if (HEADING.test(step.exit)) {
        if (heading) out.heading(heading.level, heading.parts.join(''))
        heading = undefined
      } else if (step.exit === 'pre') {
        flush()
        pre--
      } else if (BLOCK.has(step.exit)) flush()
      continue
    }
    const { node } = step
    const name = node.nodeName
    if (name === '#text') {
      const v = node.value ?? ''
      if (heading) heading.parts.push(v)
      else {
        inline.push(v)
        inlineChars += v.length
        // Text never closed by a block still counts toward the limit.
        if (inlineChars > maxChars) flush()
      }
      continue
    }
    if (name === '#comment' || SKIP.has(name)) continue
    if (name === 'title') {
      const t = collapse((node.childNodes ?? []).map((c) => c.value ?? '').join(''))
      if (t && out.title === undefined) out.title = t.slice(0, 500)
      continue
    }
    if (name === 'head') {
      // Only the title of <head> is content.
      for (const c of node.childNodes ?? []) if (c.nodeName === 'title') stack.push({ node: c })
      continue
    }
    if (HEADING.test(name)) {
      flush()
      heading = { level: Number(name[1]), parts: [] }
    } else if (name === 'pre') {
      flush()
      pre++
    } else if (BLOCK.has(name)) flush()
    else if (CELL.has(name)) inline.push(' \t ')
    stack.push({ exit: name })
    const children = node.childNodes ?? []
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]! })
  }
  flush()
  return out.finish()
}
