import t from 'tap'
import { packagePath } from '../../../../plugins/policy/bundle/rego-package.ts'

t.test('the package line is read without the Rego parser', async (t) => {
  t.same(packagePath('package a.b.c\n\nallow := true'), ['a', 'b', 'c'])
  t.same(packagePath('\uFEFF# licence\n  # more\n\npackage x # why\nimport rego.v1'), ['x'])
  t.same(packagePath('package a["b.c"].d["e\\"f"]\r\n'), ['a', 'b.c', 'd', 'e"f'])
  t.equal(packagePath('allow := true\npackage late'), undefined, 'the package must come first')
  t.equal(packagePath('# only comments'), undefined)
  t.equal(packagePath('package 1a'), undefined)
})
