// <ptheta-quiz question="q1" answer="a">: a multiple-choice question; `question` names its
// messages (quiz.q1.q, quiz.q1.a …), `answer` the right choice. Fires `ptheta-answer`.
import { t as msg, MESSAGES, LANGS } from '../i18n.js';
import { h, richNodes, define } from '../dom.js';
import { Panel, emit, oneOf } from './panel.js';

const CHOICES = ['a', 'b', 'c'];
/** The questions there are: those the message files hold (quiz.<question>.q). */
const QUESTIONS = Object.keys(MESSAGES[LANGS[0]]).map((k) => k.match(/^quiz\.([^.]+)\.q$/)?.[1]).filter(Boolean);

class PthetaQuiz extends Panel {
  render() {
    const q = oneOf(this, 'question', QUESTIONS, QUESTIONS[0]);
    const right = oneOf(this, 'answer', CHOICES, CHOICES[0]);
    const name = `quiz-${this.id || q}`;
    const feedback = h('p', { class: 'feedback', role: 'status' });
    const check = h('button', { type: 'button', class: 'check' }, msg('quiz.check'));
    const choices = CHOICES.map((k) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name, value: k }), ' ', h('span', {}, richNodes(msg(`quiz.${q}.${k}`)))));
    const fieldset = h('fieldset', {}, h('legend', {}, richNodes(msg(`quiz.${q}.q`))), ...choices, check, feedback);
    this.root.replaceChildren(fieldset);
    check.addEventListener('click', () => {
      const chosen = fieldset.querySelector('input:checked')?.value;
      if (!chosen) { feedback.textContent = msg('quiz.pick'); return; }
      const correct = chosen === right;
      feedback.textContent = correct ? msg(`quiz.${q}.right`) : msg('quiz.wrong', { why: msg(`quiz.${q}.why.${chosen}`) });
      feedback.className = `feedback ${correct ? 'right' : 'wrong'}`;
      emit(this, 'ptheta-answer', { question: q, choice: chosen, correct });
    });
  }
}

define('ptheta-quiz', PthetaQuiz);
