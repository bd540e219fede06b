// `npm run build`, after tsc: the files the compiled modules read next to themselves
// (`new URL('./…', import.meta.url)`), copied to the same place under dist/.
import { cpSync, readdirSync } from 'node:fs';

cpSync('src/api/docsPage', 'dist/src/api/docsPage', { recursive: true });
for (const file of readdirSync('prompts').filter((f) => f.endsWith('.md')))
  cpSync(`prompts/${file}`, `dist/prompts/${file}`);
