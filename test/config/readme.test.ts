import t from 'tap'
import { readFileSync } from 'node:fs'
import { settingsTable } from '../../src/cli/config-doc.ts'

t.test('README starts with the two commands and documents every setting', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1].trim().split('\n')
  t.same(firstBlock, ['npm start', 'npm run test:all'])
  const section = /<!-- settings:start -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1]
  t.equal(section, settingsTable(), 'README settings table is generated from src/config/settings.ts (npm run config:doc)')
})
