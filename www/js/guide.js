// The embedding guide (guide.html): every snippet names this site's own address, the live
// examples are the snippets themselves, and the reference lists come from where those facts
// live (the catalog, the widgets' events, the theme's stylesheet), never from a copy here.
import { catalog } from './lesson-wasm.js';
import { EVENTS } from './widgets.js';
import { SHEETS } from './sheets.js';

const site = new URL('../', import.meta.url).href;
const $ = (s) => document.querySelector(s);
const code = (text) => Object.assign(document.createElement('code'), { textContent: text });
const list = (el, items) => el.replaceChildren(...items.map((t) => { const li = document.createElement('li'); li.append(code(t)); return li; }));
const inline = (el, items) => el.replaceChildren(...items.flatMap((t, i) => (i ? [', ', code(t)] : [code(t)])));

const QUIZ = {
  id: 'week5', title: { en: 'Check yourself', es: 'Compruébalo' },
  questions: [{
    id: 'start', type: 'single',
    prompt: { en: 'Where does the reverse chain start?', es: '¿Dónde empieza la cadena inversa?' },
    explanation: { en: 'At the prior $x_T \\sim \\mathcal N(0, I)$: pure noise.', es: 'En la prior $x_T \\sim \\mathcal N(0, I)$: ruido puro.' },
    choices: [{ id: 'noise', text: { en: 'Gaussian noise', es: 'Ruido gaussiano' } }, { id: 'data', text: { en: 'A data point', es: 'Un punto de los datos' } }],
    answer: 'noise',
  }],
};
const quizJson = JSON.stringify(QUIZ, null, 2);
// the examples show the lesson's own model, named as the catalog names it
const cat = await catalog();
const { dataset, param } = cat.defaults;
const frameSrc = `${site}embed.html?widget=chain&dataset=${dataset}&param=${param}&samples=512&lang=es&panels=inspector`;

const SNIPPETS = {
  script: `<script type="module" src="${site}ptheta-widgets.js"></script>
<ptheta-chain id="demo" dataset="${dataset}" param="${param}" samples="512" controls="play scrub"></ptheta-chain>
<ptheta-inspector for="demo"></ptheta-inspector>`,
  iframe: `<iframe title="pθ: the reverse chain" style="width: 100%; height: 40rem; border: 0"
  src="${frameSrc}"></iframe>`,
  parent: `const frame = document.querySelector('iframe');
addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow) return;
  if (e.data.type === 'ptheta-resize') frame.style.height = \`\${e.data.height}px\`;
});
frame.contentWindow.postMessage({ type: 'ptheta-command', command: 'goTo', t: 0 }, '*');`,
  quiz: `<ptheta-quiz>
  <script type="application/json">
${quizJson.replace(/^/gm, '    ')}
  </script>
</ptheta-quiz>`,
  data: `ptheta train --csv my-points.csv --out my-points.safetensors

<ptheta-chain weights="my-points.safetensors" data="my-points.csv"></ptheta-chain>`,
  npm: `// your course's script, bundled by esbuild, Vite, webpack or Rollup
import 'ptheta/widgets';

<!-- the page: where node_modules/ptheta (or a copy of it) is served -->
<meta name="ptheta-base" content="/node_modules/ptheta/">
<ptheta-chain dataset="${dataset}" param="${param}"></ptheta-chain>`,
  theme: `<style>
  .my-course ptheta-chain { --ptheta-ink: #7a1f5c; --ptheta-font: 15px/1.5 Georgia, serif; }
</style>`,
};

for (const el of document.querySelectorAll('[data-snippet]')) el.textContent = SNIPPETS[el.dataset.snippet];
// the live chain is the snippet's
Object.assign($('#demo'), { param });
$('#demo').setAttribute('dataset', dataset);
$('.base').textContent = site;
$('.schema').href = `${site}quiz/quiz.schema.json`;
$('#frame').src = frameSrc;

// the live quiz is the snippet's: the same JSON, as the element reads it
const quiz = document.createElement('ptheta-quiz');
quiz.append(Object.assign(document.createElement('script'), { type: 'application/json', textContent: quizJson }));
$('#quiz-live').append(quiz);

list($('.attributes'), cat.chainAttributes);
inline($('.datasets'), cat.datasets.filter((d) => d.parameterizations.length).map((d) => d.name));
inline($('.image-datasets'), cat.imageDatasets.filter((d) => d.parameterizations.length).map((d) => d.name));
inline($('.params'), cat.parameterizations.map((p) => p.name));
inline($('.controls'), cat.chainControls);
inline($('.loading'), cat.loading);
inline($('.events'), EVENTS);
const props = [...new Set([...SHEETS.theme.cssRules].map((r) => r.cssText).join(' ').match(/--ptheta-[a-z0-9-]+/g))];
list($('.props'), props);
document.documentElement.dataset.ready = 'true';
