// A numeric question: a text box that takes a decimal point or comma (Rust reads it:
// quiz::parse_number). A generated question also shows the numbers of its chain, which the
// element made through the wasm (`instance`); they are shown rounded as Rust rounded them.
import { h, texNodes, richNodes } from '../dom.js';

/** A value as the reader's language writes it, with the significant digits Rust kept. */
function format(x, digits, lang) {
  return new Intl.NumberFormat(lang, { maximumSignificantDigits: digits, useGrouping: false }).format(x);
}

export function build(q, ctx) {
  const id = `${ctx.uid}-n`;
  const input = h('input', { type: 'text', id, inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false', class: 'number' });
  const given = h('div', { class: 'given' });
  const label = h('label', { for: id }, ctx.msg('quiz.yourAnswer'));
  const solved = h('p', { class: 'solution-value', hidden: true });
  const el = h('div', { class: 'numeric' }, given, h('div', { class: 'answer-row' }, label, ' ', input), solved);
  let instance = null;
  return {
    el,
    response: () => (input.value.trim() === '' ? null : input.value.trim()),
    restore: (v) => { input.value = v === null || v === undefined ? '' : String(v).replace('.', ctx.decimal); },
    lock: (on) => { input.disabled = on || (q.generate !== null && instance === null); },
    solve(solution) {
      if (solution === null || solution === undefined) return;
      solved.hidden = false;
      solved.replaceChildren(ctx.msg('quiz.numericAnswer', { value: format(solution, 6, ctx.lang), tolerance: format(instance?.tolerance ?? q.tolerance, 3, ctx.lang) }));
    },
    marks: () => [],
    /** Shows a generated question's numbers (`inst` from `Quiz.generate`), or that they are coming. */
    showInstance(inst, spec) {
      instance = inst;
      if (!inst) { given.replaceChildren(h('p', { class: 'note' }, ctx.msg('quiz.generating'))); return; }
      const digits = spec.digits;
      const rows = inst.shown.map((s) => h('tr', {},
        h('th', { scope: 'row' }, texNodes(s.symbol)),
        h('td', {}, s.values.length > 1
          ? `(${s.values.map((v) => format(v, digits, ctx.lang)).join('; ')})`
          : format(s.values[0], digits, ctx.lang))));
      given.replaceChildren(
        h('p', { class: 'note' }, richNodes(ctx.msg('quiz.chain', {
          dataset: ctx.msg(`ds.${spec.dataset}`), param: ctx.msg(`param.${spec.parameterization}`),
          variance: ctx.msg(`var.${spec.variance}`), steps: inst.steps, seed: inst.seed,
        }))),
        h('table', { class: 'given-table' }, h('caption', {}, ctx.msg('quiz.given')), h('tbody', {}, ...rows)));
      label.replaceChildren(ctx.msg('quiz.yourAnswerFor', { n: inst.coordinate }), ' ', texNodes(inst.asked));
      input.disabled = false;
    },
  };
}
