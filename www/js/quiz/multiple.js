// A multiple-choice question: one check box per choice; right when exactly the right ones are
// ticked. Same interface as single.js.
import { buildChoices } from './single.js';

export function build(q, ctx) {
  const c = buildChoices(q, ctx, 'checkbox');
  return {
    el: c.el,
    response: () => { const p = c.picked(); return p.length ? p : null; },
    restore: (v) => c.set(Array.isArray(v) ? v : []),
    lock: c.lock,
    solve: (solution) => c.solve(solution),
    marks: (graded) => c.marks(graded.picked),
  };
}
