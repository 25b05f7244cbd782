// <ptheta-quiz question="q1" answer="a">: a multiple-choice question; `question` names its
// messages (quiz.q1.q, quiz.q1.a …), `answer` the right choice. Fires `ptheta-answer`.
import { t as msg } from '../i18n.js';
import { rich, escapeHtml } from '../tex.js';
import { Panel, emit } from './panel.js';

const CHOICES = ['a', 'b', 'c'];

class PthetaQuiz extends Panel {
  render() {
    const q = this.getAttribute('question') ?? 'q1';
    const right = this.getAttribute('answer') ?? CHOICES[0];
    const name = `quiz-${this.id || q}`;
    this.innerHTML = `<fieldset><legend>${rich(msg(`quiz.${q}.q`))}</legend>
      ${CHOICES.map((k) => `<label class="choice"><input type="radio" name="${name}" value="${k}"> <span>${rich(msg(`quiz.${q}.${k}`))}</span></label>`).join('')}
      <button type="button" class="check">${escapeHtml(msg('quiz.check'))}</button>
      <p class="feedback" role="status"></p></fieldset>`;
    this.querySelector('.check').addEventListener('click', () => {
      const chosen = this.querySelector('input:checked')?.value;
      const fb = this.querySelector('.feedback');
      if (!chosen) { fb.textContent = msg('quiz.pick'); return; }
      const correct = chosen === right;
      fb.textContent = correct ? msg(`quiz.${q}.right`) : msg('quiz.wrong', { why: msg(`quiz.${q}.why.${chosen}`) });
      fb.className = `feedback ${correct ? 'right' : 'wrong'}`;
      emit(this, 'ptheta-answer', { question: q, choice: chosen, correct });
    });
  }
}

customElements.define('ptheta-quiz', PthetaQuiz);
