/** Prints the settings table for README.md from SETTINGS (`npm run config:doc`). */
import { SETTINGS, type Setting } from '../config/settings.ts'

export function settingsTable(): string {
  const rows = (SETTINGS as readonly Setting[]).map((s) => {
    const def = s.default === undefined ? '—' : `\`${s.default}\``
    const allowed = s.enum ? ` One of: ${s.enum.map((e) => `\`${e}\``).join(', ')}.` : ''
    return `| \`${s.env}\` | ${s.type} | ${def} | ${s.description}${allowed} |`
  })
  return ['| Setting | Type | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(settingsTable() + '\n')
