// A single-choice question: one radio button per choice, in a group named after the question.
// Every question type module exports `build(q, ctx)` and returns the same shape:
//   { el, response() → the value to grade or null, restore(value), lock(on), solve(solution),
//     marks(graded) → nodes of feedback for what was picked }.
// `ctx`: { uid (a unique prefix for ids and names), text(s) → nodes of an author's text, msg }.
import { h, mathOnlyName } from '../dom.js';

/** Radio buttons or check boxes for `q.choices`; shared by single.js and multiple.js. */
export function buildChoices(q, ctx, type) {
  const inputs = [];
  const rows = q.choices.map((c, k) => {
    const id = `${ctx.uid}-c${k}`;
    const label = h('label', { for: id }, ctx.text(c.text));
    const input = h('input', { type, id, name: `${ctx.uid}-choice`, value: c.id, 'aria-label': mathOnlyName(label) });
    inputs.push(input);
    return h('div', { class: 'choice', dataset: { choice: c.id } }, input, label);
  });
  const el = h('div', { class: 'choices' }, ...rows);
  const byId = (id) => inputs.find((i) => i.value === id);
  return {
    el,
    inputs,
    picked: () => inputs.filter((i) => i.checked).map((i) => i.value),
    set: (ids) => { for (const i of inputs) i.checked = ids.includes(i.value); },
    lock: (on) => { for (const i of inputs) i.disabled = on; },
    solve(ids) {
      for (const row of rows) {
        const right = ids.includes(row.dataset.choice);
        row.classList.toggle('is-answer', right);
        row.querySelector('.answer-mark')?.remove();
        if (right) row.append(h('span', { class: 'answer-mark' }, ctx.msg('quiz.isAnswer')));
      }
    },
    marks(picked) {
      return picked.map((id) => q.choices.find((c) => c.id === id))
        .filter((c) => c?.feedback)
        .map((c) => h('li', {}, ctx.text(c.feedback)));
    },
    byId,
  };
}

export function build(q, ctx) {
  const c = buildChoices(q, ctx, 'radio');
  return {
    el: c.el,
    response: () => c.picked()[0] ?? null,
    restore: (v) => c.set(typeof v === 'string' ? [v] : []),
    lock: c.lock,
    solve: (solution) => c.solve([solution]),
    marks: (graded) => c.marks(graded.picked),
  };
}
