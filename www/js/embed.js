// embed.html?widget=chain&dataset=moons&param=epsilon&t=0&lang=es&panels=inspector,algorithm
// One widget in a page of its own, for an <iframe> where a host page (an LMS that strips
// scripts) cannot load ptheta-widgets.js. `widget` names the element (ptheta-<widget>); every
// other parameter but `lang` and `panels` becomes one of its attributes, checked by the element
// itself, which shows a bad one in its place. With widget=chain, `panels` adds panels linked to
// it (for="chain"). Messages to the parent page (postMessage, target "*": they hold nothing
// the page did not ask to show):
//   { type: "ptheta-resize", height }           when the page's height changes
//   { type: "ptheta-event", name, detail }      every event of pθ's elements (widgets.js EVENTS)
// Messages from the parent, the only ones obeyed (anything else is ignored):
//   { type: "ptheta-command", command: "play" | "pause" | "stepBack" | "reset" }
//   { type: "ptheta-command", command: "step", n }   (n optional, a whole number ≥ 1)
//   { type: "ptheta-command", command: "goTo", t }   (t a whole number)
import { boot } from './boot.js';

const COMMANDS = {
  play: [], pause: [], stepBack: [], reset: [], step: ['n'], goTo: ['t'],
};

boot(async () => {
  const { EVENTS, isWidget } = await import('./widgets.js');
  const { setLang, LANGS } = await import('./i18n.js');
  const query = new URLSearchParams(location.search);
  const lang = query.get('lang');
  if (lang !== null) {
    if (!LANGS.includes(lang)) throw new Error(`lang="${lang}" must be one of ${LANGS.join(', ')}`);
    setLang(lang);
  }
  const name = `ptheta-${query.get('widget') ?? 'chain'}`;
  if (!customElements.get(name)) throw new Error(`widget="${query.get('widget')}" is not one of pθ's elements`);
  const widget = document.createElement(name);
  widget.id = 'chain';
  for (const [k, v] of query) if (!['widget', 'lang', 'panels'].includes(k)) widget.setAttribute(k, v);
  const box = document.getElementById('widget');
  box.append(widget);
  for (const p of (query.get('panels') ?? '').split(',').filter(Boolean)) {
    const panel = document.createElement(`ptheta-${p}`);
    if (!isWidget(panel) || !customElements.get(panel.localName)) throw new Error(`panels="${query.get('panels')}": "${p}" is not one of pθ's elements`);
    panel.setAttribute('for', 'chain');
    box.append(panel);
  }

  const parent = window.parent === window ? null : window.parent;
  const send = (message) => {
    if (!parent) return;
    try {
      parent.postMessage(message, '*');
    } catch {
      // a detail the structured clone cannot copy goes as its JSON
      parent.postMessage(JSON.parse(JSON.stringify(message)), '*');
    }
  };
  let height = 0;
  new ResizeObserver(() => {
    const h = Math.ceil(document.documentElement.scrollHeight);
    if (h !== height) send({ type: 'ptheta-resize', height: (height = h) });
  }).observe(document.body);
  for (const type of EVENTS) document.addEventListener(type, (e) => send({ type: 'ptheta-event', name: type, detail: e.detail }));

  addEventListener('message', (e) => {
    if (e.source !== parent) return;
    const m = e.data;
    if (m === null || typeof m !== 'object' || m.type !== 'ptheta-command' || !Object.hasOwn(COMMANDS, m.command)) return;
    const args = COMMANDS[m.command];
    const extra = Object.keys(m).filter((k) => !['type', 'command', ...args].includes(k));
    if (extra.length || args.some((a) => m[a] !== undefined && !Number.isInteger(m[a]))) return;
    if (typeof widget[m.command] !== 'function') return;
    widget[m.command](...args.map((a) => m[a]).filter((v) => v !== undefined))
      .catch((err) => send({ type: 'ptheta-event', name: 'ptheta-error', detail: { message: err.message } }));
  });
});
