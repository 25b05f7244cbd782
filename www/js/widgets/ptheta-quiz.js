// <ptheta-quiz src="quiz.json">, or the same JSON inline in a <script type="application/json">
// child: a quiz written as data (the format and its JSON Schema: src/quiz.rs,
// www/quiz/quiz.schema.json). Rust reads, checks, grades and generates everything through the
// wasm (`Quiz` in src/wasm_quiz.rs); this file only draws. A question with a wrong field shows
// which one, inside the quiz, and the others work. No text of the file is ever markup: it goes
// in as text, its $…$ maths through KaTeX with nothing trusted (dom.js's `authorNodes`).
//
// Each answer fires `ptheta-answer` (bubbling, composed) with { quiz, question, response,
// correct, score, maxScore, statement } — `statement` is the xAPI "answered" statement. Methods
// for course tools: getScore(), getMaxScore(), getAnswerGiven(), showSolutions(), resetTask(),
// getCurrentState(). Progress is kept in localStorage under "ptheta-quiz:<quiz id>:<page path>".
//
// Every element of the quiz lives in one container (`.ptheta-quiz`) in its shadow root, styled
// by quiz/quiz.css (sheets.js). One module per question type under ../quiz/.
import { langOf } from '../i18n.js';
import { h, authorNodes, define } from '../dom.js';
import { lessonApi, fetchWeights, weightsUrl, chainsDrawn } from '../lesson-wasm.js';
import { Panel, emit } from './panel.js';
import * as single from '../quiz/single.js';
import * as multiple from '../quiz/multiple.js';
import * as order from '../quiz/order.js';
import * as match from '../quiz/match.js';
import * as numeric from '../quiz/numeric.js';
import * as chain from '../quiz/chain.js';

const BUILDERS = { single, multiple, order, match, numeric, chain };
let instances = 0;

const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0];

class PthetaQuiz extends Panel {
  static sheets = ['katex', 'panel', 'quiz'];
  #uid = `ptheta-quiz-${++instances}`;
  /** The checked quiz (a wasm `Quiz`), its source text, the view drawn, each question's parts. */
  #quiz = null;
  #text = null;
  #view = null;
  #parts = new Map();
  /** Answers being given and not yet checked, kept across a re-render (a language switch). */
  #drafts = new Map();
  /** Generated numbers by question index (the wasm holds the same, for grading). */
  #instances = new Map();
  #state = { questions: {} };
  #scoreLine = null;

  static get observedAttributes() { return [...super.observedAttributes, 'src']; }
  attributeChangedCallback(name, oldValue, newValue) {
    if (oldValue === newValue) return;
    // another language keeps the answers given so far
    if (name === 'lang') { if (this.isConnected) this.refresh(); return; }
    // the first value, seen as the element is upgraded, is read by the first render
    if (oldValue === null && this.#opening === null) return;
    this.#forget();
    if (this.isConnected) this.refresh();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.#forget();
  }

  #forget() {
    this.#quiz?.free();
    this.#quiz = null;
    this.#opening = null;
    this.#text = null;
    this.#instances.clear();
    this.#drafts.clear();
  }

  /** The quiz file's text: from `src`, else from the inline JSON child. */
  async #source() {
    const src = this.getAttribute('src');
    if (src === null) {
      const script = this.querySelector(':scope > script[type="application/json"]');
      if (!script) throw new Error(this.msg('quiz.noSource'));
      return script.textContent;
    }
    const url = new URL(src, document.baseURI);
    const res = await fetch(url).catch((e) => { throw new Error(this.msg('quiz.badFile', { src, problem: this.msg('quiz.fetchFailed', { url, reason: e.message }) })); });
    if (!res.ok) throw new Error(this.msg('quiz.badFile', { src, problem: this.msg('quiz.fetchFailed', { url, reason: `HTTP ${res.status}` }) }));
    return res.text();
  }

  get #storageKey() { return `ptheta-quiz:${this.#quiz.id}:${location.pathname}`; }

  #load() {
    try {
      const saved = JSON.parse(localStorage.getItem(this.#storageKey) ?? 'null');
      return saved && typeof saved.questions === 'object' && saved.questions !== null ? saved : { questions: {} };
    } catch {
      return { questions: {} }; // no storage here (a sandboxed frame), or not ours
    }
  }

  #save() {
    try { localStorage.setItem(this.#storageKey, JSON.stringify(this.#state)); } catch { /* no storage: progress lasts the visit */ }
  }

  /** Reads and checks the file once, however many renders ask at the same time. */
  #opening = null;
  async #open() {
    const api = await lessonApi();
    this.#text ??= await this.#source();
    const src = this.getAttribute('src');
    try {
      this.#quiz = new api.Quiz(this.#text);
    } catch (e) {
      throw new Error(src === null ? e.message : this.msg('quiz.badFile', { src, problem: e.message }));
    }
    this.#state = this.#load();
  }

  async render() {
    this.#opening ??= this.#open();
    await this.#opening;
    // (a chain question's answer is the chain's state, which outlives the render)
    for (const [id, part] of this.#parts) if (!part.el.matches('.chain-task')) this.#drafts.set(id, part.response());
    this.#parts.clear();
    this.dataset.state = 'loading';
    this.#view = this.#quiz.view(langOf(this));
    const view = this.#view;
    this.#scoreLine = h('p', { class: 'score', 'aria-live': 'polite' });
    const reset = h('button', { type: 'button', class: 'reset' }, this.msg('quiz.reset'));
    reset.addEventListener('click', () => this.resetTask());
    const total = view.questions.length;
    const sections = view.questions.map((q, k) => this.#question(q, k + 1, total));
    const root = h('div', { class: 'ptheta-quiz', lang: langOf(this) },
      h('p', { class: 'quiz-title', role: 'heading', 'aria-level': '3' }, authorNodes(view.title)),
      h('div', { class: 'quiz-bar' }, this.#scoreLine, reset),
      ...sections);
    this.root.replaceChildren(root);
    this.#updateScore();
    await Promise.all(view.questions.filter((q) => q.ok && q.generate).map((q) => this.#generate(q)));
    this.dataset.state = 'ready';
  }

  /** One question: its prompt, its type's inputs, Check / Try again / Hint / Show solution, the result. */
  #question(q, n, total) {
    if (!q.ok) {
      return h('section', { class: 'q q-error', dataset: { question: q.id ?? '', field: q.field } },
        h('p', { class: 'error', role: 'alert' }, this.msg('quiz.badQuestion', { problem: q.text })));
    }
    const uid = `${this.#uid}-q${q.index}`;
    const decimal = new Intl.NumberFormat(langOf(this)).format(1.5).charAt(1);
    // a chain question's chain: looked up like a panel's for="id", in the tree the quiz is in
    const chainOf = (id) => {
      const el = this.getRootNode().getElementById?.(id) ?? document.getElementById(id);
      return el?.localName === 'ptheta-chain' ? el : null;
    };
    const ctx = { uid, text: authorNodes, msg: (key, vars) => this.msg(key, vars), lang: langOf(this), decimal, changed: () => {}, chain: chainOf };
    const part = BUILDERS[q.type].build(q, ctx);
    this.#parts.set(q.id, part);
    const result = h('div', { class: 'result', 'aria-live': 'polite' });
    const hint = q.hint === null ? null : h('div', { class: 'hint', id: `${uid}-hint`, hidden: true }, authorNodes(q.hint));
    const button = (key, cls) => h('button', { type: 'button', class: cls }, this.msg(key));
    const check = button('quiz.check', 'check');
    const retry = button('quiz.retry', 'retry');
    const solve = button('quiz.solution', 'solve');
    const hintButton = hint && h('button', { type: 'button', class: 'hint-toggle', 'aria-expanded': 'false', 'aria-controls': hint.id }, this.msg('quiz.hint'));
    const points = q.points === 1 ? null : h('span', { class: 'points' }, ` ${this.msg('quiz.points', { points: q.points })}`);
    const fieldset = h('fieldset', { class: 'q', dataset: { question: q.id, type: q.type } },
      h('legend', {}, h('span', { class: 'q-number' }, this.msg('quiz.number', { n, total })), ' ', authorNodes(q.prompt), points),
      part.el,
      h('div', { class: 'actions' }, check, retry, hintButton, solve),
      hint, result);
    const section = h('section', { class: 'q-wrap' }, fieldset);

    // Focus never falls to the page: before a focused control is hidden or locked, it moves to
    // the button that replaces it (Try again after an answer, the first input after Try again).
    const show = (entry, moveFocus = false) => {
      const solved = entry?.solved;
      const graded = entry?.graded;
      const done = Boolean(graded || solved);
      const focusInside = fieldset.contains(this.root.activeElement);
      if (done) {
        retry.hidden = false;
        if (focusInside) retry.focus();
        part.lock(true);
        check.hidden = true;
      } else {
        check.hidden = false;
        part.lock(false);
        // as Tab into a radio group would: its checked button, else the first control
        if (moveFocus) (part.el.querySelector('input:checked:not([disabled])') ?? part.el.querySelector('input:not([disabled]), button:not([disabled])') ?? check).focus();
        retry.hidden = true;
      }
      const out = [];
      if (graded) {
        out.push(h('p', { class: `verdict ${graded.correct ? 'right' : 'wrong'}` }, this.msg(graded.correct ? 'quiz.right' : 'quiz.wrong')));
        const marks = part.marks(graded);
        if (marks.length) out.push(h('ul', { class: 'choice-feedback' }, ...marks));
      }
      if (solved) {
        part.solve(entry.solution);
        if (!graded) out.push(h('p', { class: 'note' }, this.msg('quiz.solutionShown')));
      }
      if (graded || solved) {
        out.push(h('div', { class: 'explanation' }, authorNodes(q.explanation)));
        if (q.link) out.push(h('p', { class: 'link' }, h('a', { href: q.link }, this.msg('quiz.link'))));
      }
      result.replaceChildren(...out);
      fieldset.dataset.result = graded ? (graded.correct ? 'right' : 'wrong') : solved ? 'solved' : '';
    };
    const say = (text) => result.replaceChildren(h('p', { class: 'verdict wrong' }, text));

    check.addEventListener('click', async () => {
      let response;
      try {
        response = await part.response();
      } catch (e) {
        say(e.message);
        return;
      }
      if (response === null) { say(this.msg(q.type === 'chain' ? 'quiz.chainLoading' : 'quiz.pick')); return; }
      let g;
      try {
        g = this.#quiz.grade(q.index, response, langOf(this), location.href);
      } catch (e) {
        say(q.type === 'numeric' ? `${this.msg('quiz.notNumber')} (${e.message})` : e.message);
        return;
      }
      const entry = this.#entry(q.id);
      entry.response = g.value;
      entry.graded = { correct: g.correct, score: g.score, maxScore: g.maxScore, picked: g.picked };
      // a chain question keeps what Rust measured on the chain (its marks show it)
      if (q.type === 'chain') entry.graded.value = g.value;
      entry.solved = false;
      this.#save();
      this.#drafts.delete(q.id);
      show(entry);
      this.#updateScore();
      g.statement.timestamp = new Date().toISOString();
      emit(this, 'ptheta-answer', {
        quiz: this.#quiz.id, question: q.id, response: g.value, correct: g.correct,
        score: g.score, maxScore: g.maxScore, statement: g.statement,
      });
    });
    retry.addEventListener('click', () => {
      const entry = this.#entry(q.id);
      delete entry.graded;
      delete entry.solved;
      delete entry.response;
      this.#save();
      show(null, true);
      this.#updateScore();
    });
    solve.addEventListener('click', () => this.#solve(q, show));
    // Enter in the number box checks, as a form would
    part.el.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target.matches('input[type=text]')) { e.preventDefault(); check.click(); } });
    hintButton?.addEventListener('click', () => {
      hint.hidden = !hint.hidden;
      hintButton.setAttribute('aria-expanded', String(!hint.hidden));
    });

    const entry = this.#state.questions[q.id];
    const draft = this.#drafts.get(q.id);
    if (entry?.response !== undefined) part.restore(entry.response);
    else if (draft !== undefined && draft !== null) part.restore(draft);
    this.#shows ??= new Map();
    this.#shows.set(q.id, show);
    if (q.type === 'numeric' && q.generate) part.lock(true);
    if (q.type !== 'numeric' || !q.generate) show(entry);
    return section;
  }

  #shows = null;

  #entry(id) {
    this.#state.questions[id] ??= {};
    return this.#state.questions[id];
  }

  #solve(q, show) {
    const entry = this.#entry(q.id);
    const solution = this.#quiz.solution(q.index);
    // a generated question whose numbers are not there yet; a chain question's answer depends on
    // the chain, so its solution is the rule it states and the explanation
    if (solution === null && q.type !== 'chain') return;
    entry.solved = true;
    entry.solution = solution;
    this.#save();
    show(entry);
  }

  /** Makes a generated question's numbers (the same ones after a reload: the seed is saved). */
  async #generate(q) {
    const part = this.#parts.get(q.id);
    const entry = this.#entry(q.id);
    let inst = this.#instances.get(q.index);
    if (!inst) {
      part.showInstance(null);
      try {
        // the page's chain first: its weights and first frame are what the reader sees at once
        await chainsDrawn();
        const bytes = await fetchWeights(weightsUrl({ file: q.generate.weights }));
        entry.seed ??= q.generate.seed ?? randomSeed();
        inst = this.#quiz.generate(q.index, bytes, entry.seed);
      } catch (e) {
        part.el.prepend(h('p', { class: 'error', role: 'alert' }, this.msg('quiz.generateFailed', { reason: e.message })));
        return;
      }
      this.#instances.set(q.index, inst);
      this.#save();
    }
    if (this.#parts.get(q.id) !== part) return; // re-rendered meanwhile
    part.showInstance(inst, q.generate);
    this.#shows.get(q.id)(this.#state.questions[q.id]);
  }

  #updateScore() {
    if (this.#scoreLine) this.#scoreLine.textContent = this.msg('quiz.score', { score: this.getScore(), max: this.getMaxScore() });
  }

  /** Points scored by the answers checked so far. */
  getScore() {
    return Object.values(this.#state.questions).reduce((s, e) => s + (e.graded?.score ?? 0), 0);
  }

  /** Points of every usable question. */
  getMaxScore() {
    return this.#view?.maxScore ?? 0;
  }

  /** Whether any answer has been checked. */
  getAnswerGiven() {
    return Object.values(this.#state.questions).some((e) => e.graded);
  }

  /** Shows every usable question's solution (a generated one's once its numbers exist). */
  showSolutions() {
    for (const q of this.#view?.questions ?? []) {
      if (q.ok && this.#shows?.has(q.id)) this.#solve(q, this.#shows.get(q.id));
    }
  }

  /** Forgets every answer, the saved progress and the generated numbers (unless seeded), and starts over. */
  resetTask() {
    try { if (this.#quiz) localStorage.removeItem(this.#storageKey); } catch { /* no storage */ }
    this.#state = { questions: {} };
    this.#instances.clear();
    this.#drafts.clear();
    this.#parts.clear();
    if (this.#quiz) {
      // the wasm's generated numbers are replaced on the next generate()
      return this.refresh();
    }
    return Promise.resolve();
  }

  /** What the student has done, as saved: { questions: { <id>: { response, graded, solved, seed } } }. */
  getCurrentState() {
    return structuredClone(this.#state);
  }
}

define('ptheta-quiz', PthetaQuiz);
