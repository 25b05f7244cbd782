// <ptheta-algorithm for="chain">: the sampling loop, the line just executed highlighted, t in the
// loop header, following the chain's `ptheta-step` events.
import { rich, escapeHtml } from '../tex.js';
import { Panel } from './panel.js';
import { define, markupNodes } from '../dom.js';

class PthetaAlgorithm extends Panel {
  render() {
    this.root.replaceChildren(markupNodes(`<figure class="algorithm"><figcaption>${escapeHtml(this.msg('alg.caption'))}</figcaption>
      <ol>
        <li data-line="1"></li>
        <li data-line="2"></li>
        <li data-line="3" class="indent"></li>
        <li data-line="4" class="indent"></li>
        <li data-line="5"></li>
      </ol></figure>`));
    this.update();
  }

  update() {
    const ol = this.root.querySelector('ol');
    if (!ol) return;
    const step = this.step;
    // At t = T only x_T has been drawn; below it, line 4 of iteration t + 1 just produced x_t;
    // at 0 the loop is over and x_0 is returned.
    const t = step?.t;
    const T = step?.steps;
    const loopT = step ? (t === T ? T : t + 1) : 'T';
    const active = !step ? 0 : t === T ? 1 : t === 0 ? 5 : 4;
    const lines = { 1: this.msg('alg.l1'), 2: this.msg('alg.l2', { t: loopT }), 3: this.msg('alg.l3'), 4: this.msg('alg.l4'), 5: this.msg('alg.l5') };
    for (const li of ol.children) {
      const n = Number(li.dataset.line);
      li.replaceChildren(markupNodes(rich(lines[n])));
      const on = n === active || (active === 4 && n === 3);
      li.classList.toggle('current', on);
      if (on) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
    }
    this.dataset.active = String(active);
    this.dataset.loopT = String(loopT);
  }
}

define('ptheta-algorithm', PthetaAlgorithm);
