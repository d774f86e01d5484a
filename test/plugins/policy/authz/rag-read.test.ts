import t from 'tap'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { fromJs, toJs } from '../../../../plugins/policy/rego/value.ts'
import { ragReadPolicySource } from '../../../../plugins/policy/authz/rag-read.ts'

t.test('the shipped RAG read policy compiles and decides per document', async (t) => {
  const policy = compileModules({ files: { 'rag-read.rego': ragReadPolicySource() } })
  const read = (subject: unknown, document: unknown) => toJs(evaluate(policy, { path: 'data.dyad.rag.read', input: fromJs({ subject, document }) }).result!)
  const alice = { id: 'alice', groups: ['g1'], roles: [] }
  t.equal(read(alice, { access: { public: true } }), true)
  t.equal(read(alice, { access: { users: ['bob', 'alice'] } }), true)
  t.equal(read(alice, { access: { groups: ['g2', 'g1'] } }), true)
  t.equal(read(alice, { access: { public: false, users: ['bob'], groups: ['g2'] } }), false)
  t.equal(read(alice, {}), false)
  t.equal(read({ ...alice, roles: ['project-admin'] }, {}), true)
})
