import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['dist/**', 'pkg/**', 'target/**', 'test-artifacts/**', 'node_modules/**', 'bench/node_modules/**'] },
  js.configs.recommended,
  { files: ['tools/**/*.mjs'], languageOptions: { globals: globals.node } },
  { files: ['www/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
  // bench/peers.mjs runs in the page of `cargo xtask bench`
  { files: ['bench/**/*.mjs'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
  {
    files: ['tests/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    // Playwright fixtures take their dependencies as an object pattern, `{}` when there are none.
    rules: { 'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }] },
  },
];
