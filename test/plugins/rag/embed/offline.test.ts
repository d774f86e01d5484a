import t from 'tap'
import { RagErrors } from '../../../../plugins/rag/errors.ts'
import { CorpusModel, createOfflineEmbedder, learnCorpusModel } from '../../../../plugins/rag/embed/offline.ts'
import { analyze } from '../../../../plugins/rag/eval/tokenize.ts'

const CORPUS = [
  'The car engine needs oil and the car brakes need fluid.',
  'An automobile engine burns fuel; automobile brakes stop the wheels.',
  'A car and an automobile both have an engine, brakes and wheels.',
  'Bake the bread in a hot oven until the crust is golden.',
  'The oven bakes bread and cakes; flour and yeast make the dough.',
  'Flour, yeast, water: bread dough rises before it is baked in the oven.',
  'The cat sleeps on the warm sofa all afternoon.',
  'A kitten and a cat play with string on the sofa.',
]

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

t.test('vectors: requested dimension, unit length, deterministic', async (t) => {
  const model = learnCorpusModel(CORPUS, { semanticDims: 4, minDf: 1 })
  const e = createOfflineEmbedder({ dimension: 64, vocabulary: model })
  t.match(e, { provider: 'offline', model: 'offline-hash-ppmi-v2', dimension: 64 })
  const [a, b] = await e.embed(['car engine', 'car engine'])
  t.equal(a!.length, 64)
  t.ok(Math.abs(dot(a!, a!) - 1) < 1e-5)
  t.same([...a!], [...b!])
  const again = await createOfflineEmbedder({ dimension: 64, vocabulary: learnCorpusModel(CORPUS, { semanticDims: 4, minDf: 1 }) }).embed(['car engine'])
  t.same([...again[0]!], [...a!], 'the same corpus learns the same model')
  const [empty] = await e.embed([''])
  t.ok(empty!.every((x) => x === 0), 'no terms: the zero vector')
})

t.test('retrieval: the right topic ranks first, related words help without shared terms', async (t) => {
  const model = learnCorpusModel(CORPUS, { semanticDims: 3, minDf: 1 })
  const e = createOfflineEmbedder({ dimension: 128, vocabulary: model })
  const docs = await e.embed(CORPUS)
  const [q] = await e.embed(['kitten sofa'])
  const best = docs.map((d, i) => [dot(q!, d), i] as const).sort((x, y) => y[0] - x[0])[0]![1]
  t.ok(best >= 6, `a cat document ranks first (got ${best})`)
  // "automobile" shares no term with document 0, but co-occurs with its words.
  const [auto] = await e.embed(['automobile'])
  t.ok(dot(auto!, docs[0]!) > dot(auto!, docs[3]!) + 0.05, 'automobile is nearer the car text than the bread text')
})

t.test('the model round-trips through JSON and rejects a tampered one', async (t) => {
  const model = learnCorpusModel(CORPUS, { semanticDims: 4, minDf: 1 })
  const json = JSON.parse(JSON.stringify(model))
  const back = CorpusModel.fromJSON(json)
  t.equal(back.docCount, 8)
  t.same(back.terms, model.terms)
  const [a] = await createOfflineEmbedder({ dimension: 64, vocabulary: model }).embed(['bread oven'])
  const [b] = await createOfflineEmbedder({ dimension: 64, vocabulary: back }).embed(['bread oven'])
  t.ok(dot(a!, b!) > 0.999, 'int8 quantisation keeps the vectors')
  t.throws(() => CorpusModel.fromJSON({ ...json, vectors: 'AAAA' }), { code: RagErrors.invalidCorpusModel.code })
  t.throws(() => CorpusModel.fromJSON({ ...json, df: json.df.slice(1) }), { code: RagErrors.invalidCorpusModel.code })
  t.throws(() => CorpusModel.fromJSON(null), { code: RagErrors.invalidCorpusModel.code })
  t.throws(() => CorpusModel.fromJSON({ ...json, avgLength: -1 }), { code: RagErrors.invalidCorpusModel.code })
  t.throws(() => CorpusModel.fromJSON({ ...json, space: 'word2vec' }), { code: RagErrors.invalidCorpusModel.code })
  t.equal(back.space, 'ppmi')
  t.throws(() => CorpusModel.fromJSON({ ...json, avgLength: 'x' }), { code: RagErrors.invalidCorpusModel.code })
  t.throws(() => CorpusModel.fromJSON({ ...json, semanticDims: 10_000 }), { code: RagErrors.invalidCorpusModel.code })
})

t.test('options and hostile input', async (t) => {
  t.throws(() => createOfflineEmbedder({ dimension: 8 }), { code: RagErrors.invalidEmbedder.code })
  t.throws(() => createOfflineEmbedder({ dimension: 1.5 }), { code: RagErrors.invalidEmbedder.code })
  t.throws(() => learnCorpusModel([], { semanticDims: -1 }), { code: RagErrors.invalidEmbedder.code })
  const e = createOfflineEmbedder({ dimension: 32 })
  t.equal(e.model, 'offline-hash-v1')
  const [v] = await e.embed(['word \u0000\u0000 ' + 'y'.repeat(1_000_000)])
  t.ok(Math.abs(dot(v!, v!) - 1) < 1e-5)
  const empty = learnCorpusModel([])
  t.equal(empty.semanticDims, 0)
  t.throws(() => learnCorpusModel(CORPUS, { window: 0 }), { code: RagErrors.invalidEmbedder.code })
  t.throws(() => learnCorpusModel(CORPUS, { window: 16 }), { code: RagErrors.invalidEmbedder.code })
  t.throws(() => learnCorpusModel(CORPUS, { maxPairs: 0 }), { code: RagErrors.invalidEmbedder.code })
  t.throws(() => learnCorpusModel(CORPUS, { space: 'glove' as never }), { code: RagErrors.invalidEmbedder.code })
})

t.test('BM25 term weights from the learned mean length; a version 1 model keeps its old weights', async (t) => {
  const model = learnCorpusModel(CORPUS, { semanticDims: 4, minDf: 1 })
  const lengths = CORPUS.map((c) => analyze(c).length)
  t.ok(Math.abs(model.avgLength - lengths.reduce((a, b) => a + b, 0) / lengths.length) < 1e-12)
  const json = JSON.parse(JSON.stringify(model))
  t.equal(json.version, 2)
  // A version 1 model (stored before avgLength existed) loads, and embeds with log-tf weights under the old name.
  const { avgLength: _drop, ...v1 } = { ...json, version: 1 }
  const old = CorpusModel.fromJSON(v1)
  t.equal(old.avgLength, 0)
  const oldEmbedder = createOfflineEmbedder({ dimension: 64, vocabulary: old })
  t.equal(oldEmbedder.model, 'offline-hash-lsa-v1')
  // The exact weights: "yeast yeast bread" (3 terms) puts idf · tf (k1 + 1) / (tf + k1 (1 - b + b · 3 / avg))
  // on each word's hashed slot (no bigrams here); v1 puts (1 + ln tf) · idf.
  const sat = (tf: number) => (tf * 1.9) / (tf + 0.9 * (0.6 + (0.4 * 3) / model.avgLength))
  const ratio = (v: Float32Array) => {
    const nz = [...v].map(Math.abs).filter((x) => x > 0)
    t.equal(nz.length, 2, 'two words, two slots')
    return Math.max(...nz) / Math.min(...nz)
  }
  const opts = { dimension: 4096, lexicalWeight: 1, bigramWeight: 0 }
  const [now] = await createOfflineEmbedder({ ...opts, vocabulary: model }).embed(['yeast yeast bread'])
  const [before] = await createOfflineEmbedder({ ...opts, vocabulary: old }).embed(['yeast yeast bread'])
  const idfRatio = model.idf('yeast') / model.idf('bread')
  const expected = (x: number) => Math.max(x * idfRatio, 1 / (x * idfRatio))
  t.ok(Math.abs(ratio(now!) - expected(sat(2) / sat(1))) < 1e-4, 'BM25 saturation')
  t.ok(Math.abs(ratio(before!) - expected(1 + Math.log(2))) < 1e-4, 'log tf for a version 1 model')
})

t.test('both term spaces learn neighbours from co-occurrence alone, deterministically', async (t) => {
  for (const space of ['ppmi', 'lsa'] as const) {
    const model = learnCorpusModel(CORPUS, { semanticDims: 3, minDf: 1, space })
    t.equal(model.space, space)
    const e = createOfflineEmbedder({ dimension: 64, vocabulary: model, lexicalWeight: 0 })
    t.equal(e.model, `offline-hash-${space}-v2`)
    // Semantic block only: "kitten" never occurs with "sleep" or "afternoon", but both occur with "cat" and "sofa".
    const [kitten, sleeps, bread] = await e.embed(['kitten', 'sleeps afternoon', 'bread'])
    t.ok(dot(kitten!, sleeps!) > dot(kitten!, bread!) + 0.1, `${space}: kitten is nearer the cat words than bread`)
    const again = learnCorpusModel(CORPUS, { semanticDims: 3, minDf: 1, space })
    t.same([...again.vectors], [...model.vectors], `${space}: the same texts learn the same vectors`)
  }
  // A tiny co-occurrence budget still learns a model (from fewer pairs), of the asked size.
  const small = learnCorpusModel(CORPUS, { semanticDims: 3, minDf: 1, maxPairs: 10 })
  t.equal(small.semanticDims, 3)
  t.equal(small.vectors.length, small.terms.length * 3)
  t.ok(small.vectors.every(Number.isFinite))
})
