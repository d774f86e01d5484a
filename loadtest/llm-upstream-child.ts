/** The local LLM provider (test/helpers/llm-upstream.ts) in its own process, for the llm-proxy benchmark. */
import { startLlmUpstream } from '../test/helpers/llm-upstream.ts'

const up = await startLlmUpstream()
process.send!({ type: 'ready', openaiUrl: up.openaiUrl })
process.on('message', async (m) => {
  if (m === 'stop') {
    await up.close()
    process.exit(0)
  }
})
