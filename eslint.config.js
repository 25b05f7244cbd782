import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  { files: ['www/**/*.js'], languageOptions: { globals: globals.browser, sourceType: 'module' } },
  { files: ['tests/**/*.mjs'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
];
