// A question answered by acting on a <ptheta-chain> of the same page (`for` in the quiz file,
// found like a panel's for="id"): scrub it to a t (task "separate") or pick a sample (task
// "furthest"). Checking reads the chain's state through its public `chain` object (t, steps,
// positions(), inspect(i)), its `info` and `selected`, and passes it to Rust, which grades
// (quiz::grade_chain; the rule's numbers come from the view, never from here). Same interface as
// single.js, but `response()` returns a promise.
import { h, richNodes } from '../dom.js';

const pct = (x, lang) => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(x);
const num = (x, lang) => new Intl.NumberFormat(lang, { maximumSignificantDigits: 3 }).format(x);

export function build(q, ctx) {
  const status = h('p', { class: 'chain-status', 'aria-live': 'polite' });
  const rule = q.task === 'separate'
    ? ctx.msg('quiz.chainRule.separate', { radius: num(q.rule.radius, ctx.lang), fraction: pct(q.rule.fraction, ctx.lang), upper: pct(q.rule.fraction + q.rule.band, ctx.lang) })
    : ctx.msg('quiz.chainRule.furthest', { share: pct(1 - q.rule.tolerance, ctx.lang) });
  const note = h('p', { class: 'note' }, richNodes(rule));
  const el = h('div', { class: 'chain-task', dataset: { for: q.for } }, status, note);
  const chainEl = ctx.chain(q.for);
  let locked = false;

  const describe = () => {
    if (!chainEl) { status.replaceChildren(h('span', { class: 'error', role: 'alert' }, ctx.msg('quiz.chainMissing', { id: q.for }))); return; }
    const c = chainEl.chain;
    if (!c) { status.textContent = ctx.msg('quiz.chainLoading'); return; }
    status.textContent = q.task === 'separate'
      ? ctx.msg('quiz.chainAt', { t: c.t, steps: c.steps })
      : ctx.msg('quiz.chainAtSample', { t: c.t, steps: c.steps, sample: chainEl.selected ?? 0 });
  };
  describe();
  // the element is built once per render; the listeners go with it when the quiz re-renders
  const follow = () => { if (el.isConnected) describe(); };
  chainEl?.addEventListener('ptheta-step', follow);
  chainEl?.addEventListener('ptheta-select', follow);
  chainEl?.addEventListener('ptheta-ready', follow);

  return {
    el,
    /** The chain's state as Rust grades it, or null when there is no chain yet. */
    async response() {
      const c = chainEl?.chain;
      if (!c || locked) return null;
      const state = {
        t: c.t, steps: c.steps, dataset: chainEl.info?.dataset ?? '', selected: chainEl.selected ?? 0,
        positions: Array.from(await c.positions()),
      };
      if (q.task === 'furthest' && c.t > 0) {
        const x0 = [];
        for (let i = 0; i < c.samples; i++) x0.push(...(await c.inspect(i)).x0);
        state.x0 = x0;
      }
      return state;
    },
    restore: () => {},
    lock: (on) => { locked = on; },
    solve: () => {},
    /** What Rust measured: the share on the moons at t, or the picked and the furthest sample. */
    marks(graded) {
      const v = graded.value;
      if (!v) return [];
      if (q.task === 'separate') {
        return [h('li', {}, ctx.msg('quiz.chainShare', { t: v.t, share: pct(v.share, ctx.lang) })),
          ...(v.side === 'first' ? [] : [h('li', {}, richNodes(ctx.msg(`quiz.chainSide.${v.side}`)))])];
      }
      return [h('li', {}, richNodes(ctx.msg('quiz.chainFurthest', {
        sample: v.sample, distance: num(v.distance, ctx.lang), best: v.best, bestDistance: num(v.bestDistance, ctx.lang),
      })))];
    },
  };
}
