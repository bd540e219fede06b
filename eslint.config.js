import { existsSync, readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/**
 * The product's modules: the ticket module, the read models, and each folder of src/. Each is
 * used from outside only through its index.ts (the boundaries below; docs/architecture.md).
 */
const modules = [
  'machines',
  'projections',
  ...readdirSync('src', { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `src/${entry.name}`),
];

/** A module's public doors: its index.ts, and the index.ts of a sub-folder it loads on demand. */
const doorsOf = (module) => [
  './index.ts',
  ...readdirSync(module, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${module}/${entry.name}/index.ts`))
    .map((entry) => `./${entry.name}/index.ts`),
];

const throughIndex = modules.map((module) => ({
  target: modules.filter((other) => other !== module).map((other) => `./${other}/**/*`),
  from: `./${module}`,
  except: doorsOf(module),
  message: `import ${module} through its index.ts`,
}));

/** Layers point inward. */
const inward = [
  {
    target: './machines/**/*',
    from: ['./src', './projections'],
    message: 'the ticket module depends on nothing outside it',
  },
  {
    target: './projections/**/*',
    from: ['./src/api', './src/server'],
    message: 'projections know no HTTP',
  },
  {
    target: './src/llm/**/*',
    from: [
      './src/events',
      './src/eventstore',
      './src/workflow',
      './src/projector',
      './projections',
    ],
    message: 'src/llm imports no event or store code',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'bench/results/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in src/config only.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'machines/**/*.ts', 'projections/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: [...throughIndex, ...inward] }] },
  },
  {
    // The ticket module does no I/O: no database, network, file system, logger or clock source.
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^node:', message: 'the ticket module does no I/O' }],
          paths: [
            'pg',
            '@electric-sql/pglite',
            'express',
            'ollama',
            '@eventstore/db-client',
            'pino',
          ],
        },
      ],
    },
  },
  {
    // The API reference page's script runs in the browser (src/api/apiDocs.ts serves it).
    files: ['src/api/docsPage/*.js'],
    languageOptions: { globals: { document: 'readonly', fetch: 'readonly' } },
  },
  {
    // The web UI's own script runs in the browser (src/web/assets.ts serves it).
    files: ['src/web/assets/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly' } },
  },
  {
    files: ['src/config/**', 'test/**', 'bench/**', 'src/cli/**', 'vitest.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
