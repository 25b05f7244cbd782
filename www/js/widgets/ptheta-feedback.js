// <ptheta-feedback section="s2">: "Was this clear?" at the end of a lesson section. The reader
// rates it (Yes / No, toggle buttons) and may add a comment; each rating and each comment sent
// fires `ptheta-feedback` (bubbling, composed) with the detail Rust checks and builds
// (quiz::feedback): { section, rating: "yes" | "no", clear, comment: text | null }. pθ sends it
// nowhere: the page (or embed.html's parent) decides what to do with it. The ratings and the
// comment's limit are Rust's (feedbackRules). Styled by quiz/quiz.css, in its shadow root.
import { langOf } from '../i18n.js';
import { h, define } from '../dom.js';
import { lessonApi } from '../lesson-wasm.js';
import { Panel, emit } from './panel.js';

let instances = 0;

class PthetaFeedback extends Panel {
  static sheets = ['panel', 'quiz'];
  #uid = `ptheta-feedback-${++instances}`;
  /** What the reader has given so far in this visit: survives a language switch. */
  #rating = null;
  #sent = false;

  static get observedAttributes() { return [...super.observedAttributes, 'section']; }
  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue !== newValue && (oldValue !== null || name === 'lang') && this.isConnected) this.refresh();
  }

  async render() {
    const api = await lessonApi();
    const section = this.getAttribute('section');
    if (section === null) throw new Error(this.msg('feedback.noSection'));
    // checks the section's id the way every detail will be checked, before anything is shown
    api.feedbackDetail(section, 'yes', undefined);
    const rules = api.feedbackRules();
    const id = (s) => `${this.#uid}-${s}`;
    const thanks = h('p', { class: 'thanks', 'aria-live': 'polite' });
    const problem = h('p', { class: 'error', 'aria-live': 'assertive' });
    const fire = (comment) => {
      try {
        emit(this, 'ptheta-feedback', api.feedbackDetail(section, this.#rating, comment));
        problem.textContent = '';
        return true;
      } catch (e) {
        problem.textContent = e.message;
        return false;
      }
    };
    const buttons = rules.ratings.map((r) => {
      const b = h('button', { type: 'button', class: 'rating', 'aria-pressed': String(this.#rating === r), dataset: { rating: r } }, this.msg(`feedback.${r}`));
      b.addEventListener('click', () => {
        this.#rating = r;
        for (const o of buttons) o.setAttribute('aria-pressed', String(o === b));
        form.hidden = false;
        if (fire(null)) thanks.textContent = this.msg('feedback.thanks');
      });
      return b;
    });
    const comment = h('textarea', { id: id('comment'), rows: '3', maxlength: String(rules.maxComment) });
    const send = h('button', { type: 'submit', class: 'send' }, this.msg('feedback.send'));
    const form = h('form', { class: 'comment', hidden: this.#rating === null },
      h('label', { for: comment.id }, this.msg('feedback.improve')), comment, send);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (comment.value.trim() === '') { problem.textContent = this.msg('feedback.empty'); comment.focus(); return; }
      if (fire(comment.value)) {
        this.#sent = true;
        comment.value = '';
        thanks.textContent = this.msg('feedback.thanksComment');
      }
    });
    if (this.#sent) thanks.textContent = this.msg('feedback.thanksComment');
    else if (this.#rating !== null) thanks.textContent = this.msg('feedback.thanks');
    const question = h('p', { class: 'ask', id: id('ask') }, this.msg('feedback.ask'));
    this.root.replaceChildren(h('div', { class: 'ptheta-feedback', role: 'group', 'aria-labelledby': question.id, lang: langOf(this) },
      question, h('div', { class: 'ratings' }, ...buttons), form, thanks, problem));
  }
}

define('ptheta-feedback', PthetaFeedback);
