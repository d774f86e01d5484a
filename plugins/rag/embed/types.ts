/** What turns texts into vectors: the offline embedder here, a hosted model behind the LLM gateway later. */
export interface Embedder {
  readonly provider: string
  readonly model: string
  readonly dimension: number
  /** One L2-normalised vector of `dimension` per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>
}
