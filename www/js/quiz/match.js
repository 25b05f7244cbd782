// A matching question: for each left entry, a group of radio buttons, one per right entry (so
// entries with maths stay typeset and every choice is reachable by keyboard: Tab into a group,
// arrows within it). Same interface as single.js.
import { h, mathOnlyName } from '../dom.js';

export function build(q, ctx) {
  const groups = q.left.map((l, i) => {
    const inputs = q.right.map((r, k) => {
      const id = `${ctx.uid}-m${i}-${k}`;
      const label = h('label', { for: id }, ctx.text(r.text));
      return { input: h('input', { type: 'radio', id, name: `${ctx.uid}-m${i}`, value: r.id, 'aria-label': mathOnlyName(label) }), label };
    });
    const el = h('fieldset', { class: 'match-row', dataset: { left: l.id } },
      h('legend', {}, ctx.text(l.text)),
      h('div', { class: 'match-options' },
        ...inputs.map(({ input, label }) => h('div', { class: 'choice' }, input, label))));
    return { left: l.id, el, inputs: inputs.map((x) => x.input) };
  });
  const all = () => groups.flatMap((g) => g.inputs);
  return {
    el: h('div', { class: 'match' }, ...groups.map((g) => g.el)),
    response() {
      const out = {};
      for (const g of groups) {
        const v = g.inputs.find((i) => i.checked)?.value;
        if (v !== undefined) out[g.left] = v;
      }
      return Object.keys(out).length === groups.length ? out : null;
    },
    restore(v) {
      for (const g of groups) for (const i of g.inputs) i.checked = v?.[g.left] === i.value;
    },
    lock: (on) => { for (const i of all()) i.disabled = on; },
    solve(solution) {
      for (const g of groups) {
        for (const i of g.inputs) {
          const right = solution[g.left] === i.value;
          i.checked = right;
          const row = i.parentElement;
          row.classList.toggle('is-answer', right);
          row.querySelector('.answer-mark')?.remove();
          if (right) row.append(h('span', { class: 'answer-mark' }, ctx.msg('quiz.isAnswer')));
        }
      }
    },
    marks: () => [],
  };
}
