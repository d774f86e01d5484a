/**
 * PDF to text with unpdf (a serverless build of Mozilla's pdf.js): one section per page, headed
 * "Page N", text items joined with their end-of-line marks. Pages are read one at a time so the
 * character limit stops a huge PDF early. pdf.js repairs what it can; a file it cannot read at all
 * rejects, and the caller (isolate.ts) bounds the whole parse in time.
 */
import { getDocumentProxy } from 'unpdf'
import { RagErrors } from '../errors.ts'
import { collapse, TextBuilder } from './builder.ts'
import { cleanText } from './decode.ts'
import type { ParsedDocument } from './types.ts'

interface TextItem { str?: string; hasEOL?: boolean }

export async function parsePdf(bytes: Uint8Array, maxChars: number): Promise<ParsedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>
  try {
    // pdf.js takes ownership of (and may detach) the buffer it is given: hand it a copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: false, verbosity: 0 })
  } catch (err) {
    throw RagErrors.documentUnparsable(`The document is not a readable PDF: ${String((err as Error)?.message ?? err).slice(0, 200)}`)
  }
  try {
    const out = new TextBuilder(maxChars)
    const meta = await pdf.getMetadata().catch(() => undefined)
    const title = (meta?.info as { Title?: unknown } | undefined)?.Title
    if (typeof title === 'string' && collapse(title) !== '') out.title = collapse(title).slice(0, 500)
    for (let p = 1; p <= pdf.numPages; p++) {
      let items: TextItem[]
      try {
        const page = await pdf.getPage(p)
        items = (await page.getTextContent()).items as TextItem[]
        page.cleanup()
      } catch (err) {
        throw RagErrors.documentUnparsable(`Page ${p} of the PDF cannot be read: ${String((err as Error)?.message ?? err).slice(0, 200)}`)
      }
      out.section([`Page ${p}`])
      out.block(cleanText(items.map((it) => (it.str ?? '') + (it.hasEOL ? '\n' : '')).join('')))
    }
    return out.finish()
  } finally {
    await pdf.destroy().catch(() => undefined)
  }
}
