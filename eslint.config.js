import tseslint from 'typescript-eslint';

/**
 * The layering, lowest first: api (wire formats) -> catalog, providers -> store -> retrieval
 * (vector stores, embeddings) -> engine -> tools (built-in tools) -> gateway -> formats (entry
 * wire formats) -> server, binding, cli, workers. A module never imports from a layer above its
 * own; entry points reach the engine only through the gateway.
 */
const above = (...folders) => folders.map((folder) => `**/${folder}`);
const layer = (files, folders, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [{ group: above(...folders), message }] },
    ],
  },
});
const ENTRY = ['server/**', 'cli/**', 'workers/**', 'binding.ts', 'runtime.ts', 'index.ts'];

export default tseslint.config(
  { ignores: ['node_modules', '.portico', 'models', 'dashboard/dist', 'dist'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['src/cli/**', 'bench/**', 'bin/**', 'test/**'], rules: { 'no-console': 'off' } },
  layer(
    ['src/api/**', 'src/stream/**'],
    [
      'catalog/**',
      'config/**',
      'providers/**',
      'store/**',
      'retrieval/**',
      'engine/**',
      'tools/**',
      'gateway/**',
      'formats/**',
      ...ENTRY,
    ],
    'api/ and stream/ are the bottom layer: wire formats import nothing above them.',
  ),
  layer(
    ['src/providers/**', 'src/catalog/**', 'src/config/**'],
    ['store/**', 'retrieval/**', 'engine/**', 'tools/**', 'gateway/**', 'formats/**', ...ENTRY],
    'providers, catalog and config sit below the store, the engine and the gateway.',
  ),
  layer(
    ['src/store/**'],
    ['retrieval/**', 'engine/**', 'tools/**', 'gateway/**', 'formats/**', ...ENTRY],
    'the store sits below the engine and the gateway.',
  ),
  layer(
    ['src/retrieval/**'],
    ['engine/**', 'tools/**', 'gateway/**', 'formats/**', 'background/**', ...ENTRY],
    'retrieval (vector stores, embeddings) sits above the store and below the engine and tools.',
  ),
  layer(
    ['src/engine/**'],
    ['tools/**', 'gateway/**', 'formats/**', ...ENTRY],
    'the engine sits below built-in tools, the gateway and the entry points: tools plug in through hosted-tool-runner.ts.',
  ),
  layer(
    ['src/tools/**'],
    ['gateway/**', 'formats/**', 'background/**', ...ENTRY],
    'built-in tools sit above the engine and below the gateway.',
  ),
  layer(
    ['src/gateway/**'],
    ['formats/**', 'background/**', ...ENTRY],
    'the gateway sits below background runs and the entry points.',
  ),
  layer(
    ['src/background/**'],
    ['formats/**', ...ENTRY],
    'background runs sit above the gateway and below the entry points.',
  ),
  layer(['src/formats/**'], ENTRY, 'wire-format translation sits below the server, the binding and the CLI.'),
  layer(
    ['src/server/**', 'src/cli/**', 'src/workers/**', 'src/binding.ts'],
    ['engine/create-response.ts'],
    'entry points reach the engine only through the gateway: call runtime.gateway.run().',
  ),
);
