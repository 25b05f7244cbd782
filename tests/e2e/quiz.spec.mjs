// <ptheta-quiz> on a course page that is not the lesson (tests/e2e/hosts/quiz.html, served beside
// the Trunk build at dist/hosts/): every question type answered right and wrong by mouse and by
// keyboard alone; the lesson's sampling-procedure question; a generated question answered from
// the numbers it shows; broken questions and files named; an HTML payload stays text; the
// ptheta-answer event's xAPI statement field by field; progress across a reload and resetTask();
// questions answered on a chain (hosts/quiz-chain.html); "Was this clear?" (<ptheta-feedback>);
// the quiz and the feedback through embed.html (hosts/quiz-embed.html);
// axe-core. Part of the `lesson` project: `npx playwright test tests/e2e/quiz.spec.mjs --project lesson`.
// Screenshots: docs/quiz.png, docs/quiz-generated.png, test-artifacts/quiz/.
import { test } from './fixtures.mjs';
import { assert, axe } from './helpers.mjs';

const HOSTS = 'tests/e2e/hosts';
const ARTIFACTS = 'test-artifacts/quiz';
const PAYLOAD = '<img src=x onerror=window.__pwned=1>';

/** Opens the host page (its files routed from tests/e2e/hosts) and waits for both quizzes. */
async function host(page, query = '') {
  await page.route('**/hosts/*', (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    return route.fulfill({ path: `${HOSTS}/${name}` });
  });
  await page.addInitScript(() => {
    // the focused element, through the shadow roots it is inside
    window.deepActive = () => { let a = document.activeElement; while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement; return a; };
    // `sel` inside the shadow root of the element `host` selects
    window.inside = (host, sel) => document.querySelector(host)?.shadowRoot.querySelector(sel) ?? null;
    window.insideAll = (host, sel) => [...(document.querySelector(host)?.shadowRoot.querySelectorAll(sel) ?? [])];
    window.answers = [];
    document.addEventListener('ptheta-answer', (e) => window.answers.push(e.detail));
  });
  await page.goto(`./hosts/quiz.html${query}`);
  await page.waitForSelector('#probe[data-state="ready"]', { timeout: 60000 });
  await page.waitForSelector('#inline[data-state="ready"]', { timeout: 60000 });
}
const question = (page, id, quiz = '#probe') => page.locator(`${quiz} fieldset.q[data-question="${id}"]`);
const verdict = (q) => q.locator('.result .verdict').textContent();
const button = (q, name) => q.getByRole('button', { name, exact: true });
async function check(q, want) {
  await button(q, 'Check').click();
  const v = await verdict(q);
  assert(v === want, `${await q.getAttribute('data-question')}: "${v}", expected "${want}"`);
}
const answers = (page) => page.evaluate(() => window.answers.map((a) => `${a.question}:${JSON.stringify(a.response)}:${a.correct}`));
/** Drags an ordering item below the list's last item with the mouse. */
async function dragToEnd(page, q, id) {
  await q.scrollIntoViewIfNeeded();
  const item = q.locator(`.order-item[data-item="${id}"]`);
  const box = await item.boundingBox();
  const list = await q.locator('ol.order').boundingBox();
  await page.mouse.move(box.x + 30, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 30, list.y + list.height + 20, { steps: 8 });
  await page.mouse.up();
}
const orderOf = (q) => q.locator('.order-item').evaluateAll((els) => els.map((e) => e.dataset.item));

test('each question type is graded right and wrong when answered with the mouse', async ({ page }) => {
  await host(page);
  const single = question(page, 'single');
  await single.locator('.choice[data-choice="up"] label').click();
  await check(single, 'Not quite.');
  const feedback = await single.locator('.choice-feedback').textContent();
  assert(feedback === `Upward is the forward process. ${PAYLOAD}`, `the picked choice's feedback, as text: ${feedback}`);
  assert((await single.locator('.explanation').textContent()).includes('down to'), 'the explanation follows the answer');
  assert(await single.locator('.link a').getAttribute('href') === '../index.html#s5', 'with a link to the lesson');
  await button(single, 'Try again').click();
  await single.locator('.choice[data-choice="down"] label').click();
  await check(single, 'Right.');

  const multiple = question(page, 'multiple');
  await multiple.locator('.choice[data-choice="prior"] label').click();
  await check(multiple, 'Not quite.');
  await button(multiple, 'Try again').click();
  await multiple.locator('.choice[data-choice="step"] label').click();
  await check(multiple, 'Right.');

  const order = question(page, 'order');
  const shown = await orderOf(order);
  assert(shown.join() !== 'prior,loop,return', `never shown in the right order: ${shown}`);
  await check(order, 'Not quite.');
  await button(order, 'Try again').click();
  for (const id of ['prior', 'loop', 'return']) await dragToEnd(page, order, id);
  assert((await orderOf(order)).join() === 'prior,loop,return', `dragged into order: ${await orderOf(order)}`);
  await check(order, 'Right.');

  const match = question(page, 'match');
  await match.locator('.match-row[data-left="eps"] .choice:has(input[value="m"]) label').click();
  await match.locator('.match-row[data-left="x0"] .choice:has(input[value="x"]) label').click();
  await check(match, 'Not quite.');
  await button(match, 'Try again').click();
  await match.locator('.match-row[data-left="eps"] .choice:has(input[value="e"]) label').click();
  await check(match, 'Right.');

  const numeric = question(page, 'numeric');
  await numeric.locator('input').fill('0.6');
  await check(numeric, 'Not quite.');
  await button(numeric, 'Try again').click();
  await numeric.locator('input').fill('0,5');
  await check(numeric, 'Right.');

  const got = await answers(page);
  assert(got.join(' ') === [
    'single:"up":false', 'single:"down":true', 'multiple:["prior"]:false', 'multiple:["prior","step"]:true',
    `order:${JSON.stringify(shown)}:false`, 'order:["prior","loop","return"]:true',
    'match:{"eps":"m","x0":"x"}:false', 'match:{"eps":"e","x0":"x"}:true', 'numeric:0.6:false', 'numeric:0.5:true',
  ].join(' '), got.join(' '));
  const score = await page.locator('#probe .score').textContent();
  assert(score === 'Score: 5 of 7 points', score);
  assert(await page.$eval('#probe', (el) => el.getScore()) === 5, 'getScore()');
  await page.locator('#probe').screenshot({ path: `${ARTIFACTS}/answered.png` });
});

test('each question type works with the keyboard alone', async ({ page }) => {
  await host(page);
  const key = (k) => page.keyboard.press(k);
  // single: arrows pick within the radio group, Tab reaches Check, focus lands on Try again
  const single = question(page, 'single');
  await single.locator('input[value="down"]').focus();
  await key('ArrowDown');
  await key('Tab');
  await key('Enter');
  assert(await verdict(single) === 'Not quite.', 'up is wrong');
  assert(await page.evaluate(() => window.deepActive().textContent) === 'Try again', 'focus on Try again');
  await key('Enter');
  await key('ArrowUp');
  assert(await single.locator('input[value="down"]').isChecked(), 'arrow picked "down"');
  await key('Tab');
  await key('Enter');
  assert(await verdict(single) === 'Right.', 'down is right');
  // hint: a button that shows and hides it
  await single.getByRole('button', { name: 'Hint' }).focus();
  await key('Enter');
  assert(await single.locator('.hint').isVisible() && await single.getByRole('button', { name: 'Hint' }).getAttribute('aria-expanded') === 'true', 'the hint opens');

  // multiple: Space ticks, Tab moves between boxes
  const multiple = question(page, 'multiple');
  await multiple.locator('input[value="prior"]').focus();
  await key('Space');
  await key('Tab');
  await key('Tab');
  await key('Space'); // "the moons": wrong
  await key('Tab');
  await key('Enter');
  assert(await verdict(multiple) === 'Not quite.', 'prior + moons is wrong');
  assert((await multiple.locator('.choice-feedback').textContent()) === 'The moons are not Gaussian.', 'feedback of the picked distractor');
  await key('Enter'); // Try again; focus on the first box
  await key('Tab');
  await key('Space'); // step
  await key('Tab');
  await key('Space'); // untick the moons
  await key('Tab');
  await key('Enter');
  assert(await verdict(multiple) === 'Right.', 'prior + step is right');

  // order: the move buttons, by Enter; focus stays on the button that moved its item
  const order = question(page, 'order');
  for (const [k, id] of ['prior', 'loop', 'return'].entries()) {
    for (let guard = 0; (await orderOf(order)).indexOf(id) > k && guard < 5; guard++) {
      await order.locator(`.order-item[data-item="${id}"] button.up`).focus();
      await key('Enter');
      const focused = await page.evaluate(() => window.deepActive().closest('.order-item')?.dataset.item);
      assert(focused === id, `focus stays with ${id}: ${focused}`);
    }
  }
  assert((await orderOf(order)).join() === 'prior,loop,return', 'sorted by keyboard');
  const announced = await order.locator('.sr-only[aria-live]').textContent();
  assert(/^Now at position \d of 3\.$/.test(announced), `moves are announced: ${announced}`);
  await key('Tab'); // past Move down of the focused item, or to the next item's button
  await order.getByRole('button', { name: 'Check' }).focus();
  await key('Enter');
  assert(await verdict(order) === 'Right.', 'the order is right');

  // match: arrows within each left entry's group
  const match = question(page, 'match');
  await match.locator('.match-row[data-left="eps"] input[value="e"]').focus();
  await key('Space');
  await key('Tab'); // into the next group
  await key('Space'); // its first option, ε̂: wrong for the clean-point model
  await key('Tab');
  await key('Enter');
  assert(await verdict(match) === 'Not quite.', 'x0 → ε̂ is wrong');
  await key('Enter');
  await match.locator('.match-row[data-left="x0"] input[value="e"]').focus();
  await key('ArrowDown');
  await key('Tab');
  await key('Enter');
  assert(await verdict(match) === 'Right.', `x0 → x̂_0 is right: ${await verdict(match)}`);

  // numeric: type, Enter checks
  const numeric = question(page, 'numeric');
  await numeric.locator('input').focus();
  await page.keyboard.type('0.7');
  await key('Enter');
  assert(await verdict(numeric) === 'Not quite.', '0.7 is wrong');
  await key('Enter'); // Try again; focus back in the box
  await key('Control+a');
  await page.keyboard.type('0.495');
  await key('Enter');
  assert(await verdict(numeric) === 'Right.', '0.495 is within 0.01');
  assert((await answers(page)).length === 9, 'nine answers fired');
});

test('focus is visible on every control of the quiz', async ({ page }) => {
  await host(page);
  await question(page, 'single').locator('input[value="down"]').focus();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = window.deepActive();
      const s = getComputedStyle(el);
      return { tag: el.localName, width: parseFloat(s.outlineWidth), style: s.outlineStyle };
    });
    assert(outline.width >= 2 && outline.style !== 'none', `focused ${outline.tag} shows an outline: ${JSON.stringify(outline)}`);
  }
});

test("the lesson's sampling-procedure question marks every misconception wrong and explains it", async ({ page }) => {
  await host(page);
  await page.evaluate(() => {
    const el = document.createElement('ptheta-quiz');
    el.id = 'lesson';
    el.setAttribute('src', '../quiz/lesson.json');
    document.querySelector('main').append(el);
  });
  await page.waitForSelector('#lesson[data-state="ready"]', { timeout: 120000 });
  assert(await page.locator('#lesson fieldset.q').count() >= 12, 'twelve questions at least');
  assert(await page.locator('#lesson .q-error').count() === 0, 'every question of the lesson is valid');
  const q = question(page, 'sampling-procedure', '#lesson');
  const feedbackWords = { upward: 'wrong way', 'from-q': 'cannot be computed', 'one-jump': 'single jump', 'from-data': 'no data point' };
  for (const [choice, words] of Object.entries(feedbackWords)) {
    await q.locator(`.choice[data-choice="${choice}"] label`).click();
    await check(q, 'Not quite.');
    const fb = await q.locator('.choice-feedback').textContent();
    assert(fb.includes(words), `${choice}: ${fb}`);
    await button(q, 'Try again').click();
  }
  await q.locator('.choice[data-choice="noise-down"] label').click();
  await check(q, 'Right.');
  await q.screenshot({ path: 'docs/quiz.png' });
  const got = (await answers(page)).filter((a) => a.startsWith('sampling-procedure'));
  assert(got.join() === 'sampling-procedure:"upward":false,sampling-procedure:"from-q":false,sampling-procedure:"one-jump":false,sampling-procedure:"from-data":false,sampling-procedure:"noise-down":true', got.join());
  // Spanish without a reload
  await page.evaluate(async () => (await import('../js/i18n.js')).setLang('es'));
  await page.waitForFunction(() => window.inside('#lesson', 'fieldset.q legend')?.textContent.includes('¿Qué procedimiento'));
  assert(await q.locator('.result .verdict').textContent() === 'Correcto.', 'the answer stays, in Spanish');
});

test('a generated question shows a real chain step and grades what the sampler computes', async ({ page }) => {
  await host(page);
  const q = question(page, 'generated');
  const shown = await q.locator('.given-table tr').evaluateAll((rows) => rows.map((r) => [
    r.querySelector('annotation')?.textContent, r.querySelector('td').textContent,
  ]));
  const value = (sym) => shown.find(([s]) => s === sym)?.[1];
  const num = (s) => s.replace(/[()]/g, '').split(';').map((x) => Number(x.trim()));
  const [x] = num(value('x_t'));
  const [eps] = num(value('\\hat\\varepsilon'));
  const [beta] = num(value('\\beta_t'));
  const [ab] = num(value('\\bar\\alpha_t'));
  assert(value('t') === '20', `t shown: ${JSON.stringify(shown)}`);
  // DDPM eq. 11 by hand, from the numbers shown
  const mean = (x - (beta / Math.sqrt(1 - ab)) * eps) / Math.sqrt(1 - beta);
  const inst = await page.evaluate(() => document.querySelector('#probe').getCurrentState().questions.generated);
  assert(Number.isInteger(inst.seed), `the seed is kept: ${JSON.stringify(inst)}`);
  await q.locator('input').fill((mean + 0.02).toFixed(5));
  await check(q, 'Not quite.');
  await button(q, 'Try again').click();
  await q.locator('input').fill(mean.toFixed(5));
  await check(q, 'Right.');
  await button(q, 'Show solution').click();
  const sol = await q.locator('.solution-value').textContent();
  const solved = Number(sol.match(/is (-?[\d.]+)/)[1]);
  assert(Math.abs(solved - mean) < 0.005, `solution ${sol} vs by hand ${mean}`);
  await q.screenshot({ path: 'docs/quiz-generated.png' });
  const last = await page.evaluate(() => window.answers.at(-1));
  assert(last.score === 2 && last.maxScore === 2 && last.statement.object.definition.interactionType === 'numeric', JSON.stringify(last));
  const [lo, hi] = last.statement.object.definition.correctResponsesPattern[0].split('[:]').map(Number);
  assert(Math.abs((lo + hi) / 2 - solved) < 1e-5 && Math.abs(hi - lo - 0.01) < 1e-9, `pattern ${lo}..${hi} around ${solved}`);
});

test('a broken question shows its number, id and field; the rest work; a broken file names its field', async ({ page }) => {
  await host(page);
  const bad = page.locator('#probe .q-error[data-question="broken"]');
  const text = await bad.textContent();
  assert(text.includes('question 6 ("broken"), field "answer": "c" is not the id of a choice (a, b)'), text);
  assert(await bad.locator('[role="alert"]').count() === 1, 'said as an alert');
  assert(await page.locator('#probe fieldset.q').count() === 6, 'the six other questions are there');
  assert(await page.$eval('#probe', (el) => el.getMaxScore()) === 7, 'and count in the maximum score');
  const single = question(page, 'single');
  await single.locator('.choice[data-choice="down"] label').click();
  await check(single, 'Right.');
  // a file that is not a quiz, and an inline quiz that is not JSON
  const errors = await page.evaluate(async () => {
    const make = (attrs, inline) => {
      const el = document.createElement('ptheta-quiz');
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      if (inline !== undefined) el.append(Object.assign(document.createElement('script'), { type: 'application/json', textContent: inline }));
      document.querySelector('main').append(el);
      return el;
    };
    const els = [make({ src: 'broken-quiz.json' }), make({}, '{ "id": "x", "title": "T", "questions": [ '), make({})];
    for (let i = 0; i < 100 && els.some((e) => !e.dataset.error); i++) await new Promise((r) => { setTimeout(r, 50); });
    return els.map((e) => e.shadowRoot.querySelector('p.error[role="alert"]')?.textContent);
  });
  assert(errors[0]?.includes('src="broken-quiz.json"') && errors[0].includes('field "questions" is missing'), errors[0]);
  assert(errors[1]?.includes('is not JSON'), errors[1]);
  assert(errors[2]?.includes('needs a src="…" attribute'), errors[2]);
});

test('HTML in any text of a quiz stays text and runs nothing', async ({ page }) => {
  await host(page);
  const result = await page.evaluate(() => ({
    pwned: window.__pwned,
    images: [...document.querySelectorAll('ptheta-quiz')].reduce((n, q) => n + q.shadowRoot.querySelectorAll('img').length, 0),
    title: window.inside('#probe', '.quiz-title').textContent,
    prompt: window.inside('#probe', 'fieldset[data-question="single"] legend').textContent,
    choice: window.inside('#probe', '.choice[data-choice="up"] label').textContent,
  }));
  assert(result.pwned === undefined && result.images === 0, JSON.stringify(result));
  for (const k of ['title', 'prompt', 'choice']) assert(result[k].includes('<img src=x onerror=window.__pwned=1>'), `${k} shows the markup as text: ${result[k]}`);
  // after answering (the feedback carries the payload too) and in the maths of a prompt
  await question(page, 'single').locator('.choice[data-choice="up"] label').click();
  await button(question(page, 'single'), 'Check').click();
  assert(await page.evaluate(() => window.__pwned === undefined && [...document.querySelectorAll('ptheta-quiz')].every((q) => q.shadowRoot.querySelectorAll('img').length === 0)), 'still nothing ran');
  const maths = question(page, 'multiple').locator('legend :is(.katex, .katex-error)');
  assert(await maths.count() === 1 && (await maths.textContent()).includes(PAYLOAD), 'the payload between $…$ goes to KaTeX, which shows it as text');
});

test('ptheta-answer carries an xAPI "answered" statement, checked field by field', async ({ page, base }) => {
  await host(page);
  const page0 = `${base}hosts/quiz.html`;
  const q = question(page, 'single');
  await q.locator('.choice[data-choice="up"] label').click();
  await button(q, 'Check').click();
  const order = question(page, 'order');
  await button(order, 'Check').click();
  const match = question(page, 'match');
  await match.locator('.match-row[data-left="eps"] .choice:has(input[value="e"]) label').click();
  await match.locator('.match-row[data-left="x0"] .choice:has(input[value="x"]) label').click();
  await button(match, 'Check').click();
  const events = await page.evaluate(() => window.answers);
  // the event itself bubbles out of the element and is composed
  const flags = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('ptheta-answer', (e) => resolve({ bubbles: e.bubbles, composed: e.composed, target: e.target.id }), { once: true });
    window.inside('#probe', 'fieldset[data-question="numeric"] input').value = '0.5';
    window.inside('#probe', 'fieldset[data-question="numeric"] button.check').click();
  }));
  assert(flags.bubbles && flags.composed && flags.target === 'probe', JSON.stringify(flags));

  const [single, seq, matching] = events;
  assert(single.quiz === 'probe-quiz' && single.question === 'single' && single.response === 'up' && single.correct === false && single.score === 0 && single.maxScore === 1, JSON.stringify(single));
  const s = single.statement;
  assert(s.verb.id === 'http://adlnet.gov/expapi/verbs/answered', s.verb.id);
  assert(s.verb.display['en-US'] === 'answered', JSON.stringify(s.verb));
  assert(s.object.objectType === 'Activity', s.object.objectType);
  assert(s.object.id === `${page0}#ptheta-quiz/probe-quiz/single`, s.object.id);
  const d = s.object.definition;
  assert(d.type === 'http://adlnet.gov/expapi/activities/cmi.interaction', d.type);
  assert(d.interactionType === 'choice', d.interactionType);
  assert(JSON.stringify(d.correctResponsesPattern) === '["down"]', JSON.stringify(d.correctResponsesPattern));
  assert(d.choices.map((c) => c.id).join() === 'down,up', JSON.stringify(d.choices));
  assert(d.name.en.startsWith('Which way does the sampler run?'), JSON.stringify(d.name));
  assert(s.result.success === false && s.result.response === 'up', JSON.stringify(s.result));
  const sc = s.result.score;
  assert(sc.raw === 0 && sc.min === 0 && sc.max === 1 && sc.scaled === 0 && Object.keys(sc).length === 4, JSON.stringify(sc));
  assert(s.context.language === 'en', s.context.language);
  assert(s.context.contextActivities.parent[0].id === `${page0}#ptheta-quiz/probe-quiz`, JSON.stringify(s.context));
  assert(!Number.isNaN(Date.parse(s.timestamp)) && s.timestamp.endsWith('Z'), s.timestamp);

  const ds = seq.statement.object.definition;
  assert(ds.interactionType === 'sequencing' && ds.correctResponsesPattern[0] === 'prior[,]loop[,]return', JSON.stringify(ds));
  assert(seq.statement.result.response === seq.response.join('[,]') && seq.statement.result.success === false, JSON.stringify(seq.statement.result));
  const dm = matching.statement.object.definition;
  assert(dm.interactionType === 'matching' && dm.correctResponsesPattern[0] === 'eps[.]e[,]x0[.]x', JSON.stringify(dm));
  assert(dm.source.map((x) => x.id).join() === 'eps,x0' && dm.target.map((x) => x.id).join() === 'e,x,m', 'source and target');
  assert(matching.statement.result.success === true && matching.statement.result.response === 'eps[.]e[,]x0[.]x', JSON.stringify(matching.statement.result));
  const ms = matching.statement.result.score;
  assert(ms.raw === 1 && ms.min === 0 && ms.max === 1 && ms.scaled === 1, `scaled score: ${JSON.stringify(ms)}`);
  const numeric = await page.evaluate(() => window.answers.at(-1).statement);
  assert(numeric.object.definition.interactionType === 'numeric' && numeric.object.definition.correctResponsesPattern[0] === '0.49[:]0.51' && numeric.result.response === '0.5', JSON.stringify(numeric));
});

test('progress survives a reload; resetTask() clears it and draws new numbers', async ({ page }) => {
  await host(page);
  const single = question(page, 'single');
  await single.locator('.choice[data-choice="down"] label').click();
  await check(single, 'Right.');
  const order = question(page, 'order');
  await button(order, 'Show solution').click();
  const given = () => question(page, 'generated').locator('.given-table').textContent();
  const before = await given();
  const key = 'ptheta-quiz:probe-quiz:/hosts/quiz.html';
  assert(await page.evaluate((k) => localStorage.getItem(k) !== null, key), 'saved under the quiz id and page');

  await page.reload();
  await page.waitForSelector('#probe[data-state="ready"]', { timeout: 60000 });
  assert(await verdict(single) === 'Right.', 'the checked answer is back');
  assert(await single.locator('input[value="down"]').isChecked() && await single.locator('input[value="down"]').isDisabled(), 'checked and locked');
  assert((await orderOf(order)).join() === 'prior,loop,return' && await order.locator('.result').textContent().then((t) => t.includes('solution is shown')), 'the shown solution is back');
  assert(await given() === before, 'the generated numbers are the same after the reload');
  const state = await page.$eval('#probe', (el) => ({ score: el.getScore(), given: el.getAnswerGiven(), state: el.getCurrentState() }));
  assert(state.score === 1 && state.given && state.state.questions.single.response === 'down', JSON.stringify(state));
  assert(await page.locator('#probe .score').textContent() === 'Score: 1 of 7 points', 'the running score');

  await page.$eval('#probe', (el) => el.resetTask());
  await page.waitForSelector('#probe[data-state="ready"]', { timeout: 60000 });
  const after = await page.$eval('#probe', (el) => ({ score: el.getScore(), given: el.getAnswerGiven(), state: el.getCurrentState() }));
  assert(after.score === 0 && !after.given && Object.keys(after.state.questions).every((k) => k === 'generated'), JSON.stringify(after));
  assert(await single.locator('.result').textContent() === '' && !(await single.locator('input[value="down"]').isChecked()), 'the answer is gone');
  assert(await given() !== before, 'new numbers for the generated question');
  await page.reload();
  await page.waitForSelector('#probe[data-state="ready"]', { timeout: 60000 });
  assert(await single.locator('.result').textContent() === '', 'and stays gone after a reload');
  // the inline quiz keeps its own progress
  assert(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('ptheta-quiz:')).sort().join()) === key, 'one key per quiz that has progress');
});

test('showSolutions() marks every right answer', async ({ page }) => {
  await host(page);
  await page.$eval('#probe', (el) => el.showSolutions());
  const marked = await page.evaluate(() => window.insideAll('#probe', '.is-answer').map((e) => e.closest('fieldset').dataset.question ?? e.closest('fieldset.q').dataset.question));
  assert(marked.filter((m) => m === 'single').length === 1 && marked.filter((m) => m === 'multiple').length === 2, marked.join());
  assert(await question(page, 'numeric').locator('.solution-value').textContent() === 'The answer is 0.5; anything within ±0.01 counts.', 'numeric solution');
  assert(await page.$eval('#probe', (el) => el.getScore()) === 0, 'solutions score nothing');
});

test('axe-core finds no serious or critical violation, answered and unanswered, on a desktop and a phone', async ({ page }) => {
  await host(page);
  await axe(page, 'fresh');
  const single = question(page, 'single');
  await single.locator('.choice[data-choice="up"] label').click();
  await button(single, 'Check').click();
  await button(single, 'Hint').click();
  await page.$eval('#probe', (el) => el.showSolutions());
  await axe(page, 'answered');
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow <= 0, `no sideways scrolling at 375 px: ${overflow}px`);
  await axe(page, 'phone');
  const small = await page.evaluate(() => window.insideAll('#probe', 'button').filter((b) => b.checkVisibility())
    .map((b) => b.getBoundingClientRect()).filter((r) => r.width < 44 || r.height < 44).length);
  assert(small === 0, `${small} buttons smaller than 44 px`);
  await page.locator('#probe fieldset[data-question="order"]').screenshot({ path: `${ARTIFACTS}/phone-order.png` });
});

test.describe(() => {
  test.use({ colorScheme: 'dark' });
  test('axe-core: the quiz in a dark page', async ({ page }) => {
    await host(page);
    await page.evaluate(() => {
      document.body.style.cssText = 'background:#16161a;color:#ececf1';
      document.documentElement.dataset.theme = 'dark';
      document.documentElement.style.cssText = '--fg:#ececf1;--bg:#16161a;--paper:#101014;--muted:#b8b8c4;--line:#6f6f7d;--button:#26262e;--focus:#ffb38a;--error:#ffb4ab;--hl-bg:#4a3d00;--link:#9cc0ff;--c-eps:#5eead4';
    });
    const single = question(page, 'single');
    await single.locator('.choice[data-choice="up"] label').click();
    await button(single, 'Check').click();
    await axe(page, 'dark');
  });
});

// ---- questions answered on a chain (type "chain"), "Was this clear?", and embed.html ----

/** Opens hosts/quiz-chain.html: a chain, a quiz acting on it, a <ptheta-feedback>. */
async function chainHost(page) {
  await page.route('**/hosts/*', (route) => route.fulfill({ path: `${HOSTS}/${new URL(route.request().url()).pathname.split('/').pop()}` }));
  await page.addInitScript(() => {
    window.answers = [];
    window.feedback = [];
    document.addEventListener('ptheta-answer', (e) => window.answers.push(e.detail));
    document.addEventListener('ptheta-feedback', (e) => window.feedback.push({ detail: e.detail, bubbles: e.bubbles, composed: e.composed, target: e.target.id }));
  });
  await page.goto('./hosts/quiz-chain.html');
  await page.waitForSelector('#acting[data-state="ready"]', { timeout: 60000 });
  await page.waitForSelector('#moons[data-t="200"]', { timeout: 60000 });
}
/** JSON with every object's keys sorted: equal for equal values whatever the keys' order. */
const canon = (v) => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
const lastAnswer = (page) => page.evaluate(() => window.answers.at(-1));
const goTo = (page, t) => page.$eval('#moons', (el, t) => el.goTo(t), t);

test('a chain question: the first t at which the moons are separate, graded by Rust from the chain', async ({ page }) => {
  await chainHost(page);
  const q = question(page, 'apart', '#acting');
  await goTo(page, 30);
  await q.locator('.chain-status', { hasText: 't = 30 of 200' }).waitFor();
  await check(q, 'Not quite.');
  let a = await lastAnswer(page);
  assert(a.question === 'apart' && a.correct === false && a.response.side === 'before' && a.response.share < 0.9, JSON.stringify(a.response));
  assert((await q.locator('.choice-feedback').textContent()).includes('not separate yet'), 'says to keep stepping');
  // step down one t at a time, as a student scrubbing would, until the answer is right
  let right = null;
  for (let t = 29; t >= 1 && right === null; t--) {
    await button(q, 'Try again').click();
    await goTo(page, t);
    await button(q, 'Check').click();
    await q.locator('.result .verdict').waitFor();
    a = await lastAnswer(page);
    assert(a.response.t === t, `graded at the chain's t: ${JSON.stringify(a.response)}`);
    if (a.correct) right = a;
    else assert(a.response.side === 'before', `before the first right t, never after: ${JSON.stringify(a.response)}`);
  }
  assert(right !== null && right.response.share >= 0.9 && right.response.share < 0.95, `a right t exists: ${JSON.stringify(right?.response)}`);
  assert(await verdict(q) === 'Right.', 'shown right');
  assert(right.statement.object.definition.interactionType === 'performance' && right.statement.result.response === `t=${right.response.t}`, JSON.stringify(right.statement));
  // x_0: separate, but long past the first t
  await button(q, 'Try again').click();
  await goTo(page, 0);
  await check(q, 'Not quite.');
  a = await lastAnswer(page);
  assert(a.response.side === 'after' && a.response.share >= 0.95, JSON.stringify(a.response));
  assert(await page.$eval('#acting', (el) => el.getScore()) === 0, 'a wrong answer scores nothing');
  // the question whose chain is missing says so
  assert((await question(page, 'orphan', '#acting').locator('.chain-status').textContent()).includes('<ptheta-chain id="nowhere">'), 'names the missing chain, as text');
  // its "Show solution" shows the explanation (the answer depends on the chain)
  const orphan = question(page, 'orphan', '#acting');
  await button(orphan, 'Show solution').click();
  assert(await orphan.locator('.explanation').count() === 1 && await orphan.getAttribute('data-result') === 'solved', 'the explanation is shown');
  await page.locator('#acting').screenshot({ path: `${ARTIFACTS}/chain-separate.png` });
});

test('a chain question: the sample whose x̂_0 is furthest from its x_t, picked on the chain', async ({ page }) => {
  await chainHost(page);
  await goTo(page, 100);
  // the test's own oracle: every sample's distance from the chain's inspect
  const { best, worst } = await page.$eval('#moons', async (el) => {
    const d = [];
    for (let i = 0; i < el.chain.samples; i++) {
      const s = await el.chain.inspect(i);
      d.push(Math.hypot(s.x0[0] - s.x_t[0], s.x0[1] - s.x_t[1]));
    }
    return { best: d.indexOf(Math.max(...d)), worst: d.indexOf(Math.min(...d)) };
  });
  const q = question(page, 'far', '#acting');
  await page.$eval('#moons', (el, i) => el.select(i), worst);
  await q.locator('.chain-status', { hasText: `number ${worst}` }).waitFor();
  await check(q, 'Not quite.');
  let a = await lastAnswer(page);
  assert(a.correct === false && a.response.best === best && a.response.sample === worst, JSON.stringify(a.response));
  assert((await q.locator('.choice-feedback').textContent()).includes(`The furthest is sample ${best}`), 'names the furthest sample');
  // by keyboard: Try again, then the pick, then Check with Enter
  await button(q, 'Try again').focus();
  await page.keyboard.press('Enter');
  await page.$eval('#moons', (el, i) => el.select(i), best);
  await button(q, 'Check').focus();
  await page.keyboard.press('Enter');
  await q.locator('.result .verdict', { hasText: 'Right.' }).waitFor();
  a = await lastAnswer(page);
  assert(a.correct === true && a.score === 2 && a.maxScore === 2, JSON.stringify(a));
  // at x_0 there is no x̂_0: the answer is refused with the reason, not graded
  await button(q, 'Try again').click();
  await goTo(page, 0);
  await button(q, 'Check').click();
  assert((await verdict(q)).includes('t = 0'), await verdict(q));
});

test('"Was this clear?": a rating and a comment, by keyboard, each a bubbling, composed ptheta-feedback', async ({ page }) => {
  await chainHost(page);
  const fb = page.locator('#clear');
  await fb.getByRole('button', { name: 'No', exact: true }).focus();
  await page.keyboard.press('Enter');
  let got = await page.evaluate(() => window.feedback);
  assert(got.length === 1, `one event: ${JSON.stringify(got)}`);
  assert(canon(got[0]) === canon({ detail: { section: 'week3-sampling', rating: 'no', clear: false, comment: null }, bubbles: true, composed: true, target: 'clear' }), JSON.stringify(got[0]));
  assert(await fb.getByRole('button', { name: 'No', exact: true }).getAttribute('aria-pressed') === 'true', 'the rating shows pressed');
  const box = fb.getByLabel('How can we improve it? (optional)');
  await box.focus();
  await page.keyboard.type(`Slower, please. ${PAYLOAD}`);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await fb.getByText('Your comment was passed to this page').waitFor();
  got = await page.evaluate(() => window.feedback);
  assert(got.length === 2 && got[1].detail.comment === `Slower, please. ${PAYLOAD}` && got[1].detail.rating === 'no', JSON.stringify(got[1]));
  assert(await page.evaluate(() => window.__pwned) === undefined, 'the comment ran nothing');
  await fb.getByRole('button', { name: 'Yes', exact: true }).click();
  got = await page.evaluate(() => window.feedback);
  assert(got.length === 3 && got[2].detail.clear === true, JSON.stringify(got[2]));
  assert(await box.getAttribute('maxlength') === '2000', 'the comment limit is Rust\'s');
  // without section="…" the element says what it needs
  const missing = await page.$eval('#nosection', (el) => el.shadowRoot.textContent);
  assert(missing.includes('needs a section="…" attribute') && await page.locator('#nosection [role=alert]').count() === 1, missing);
  await axe(page, 'chain page, answered and rated');
  await page.locator('#clear').screenshot({ path: `${ARTIFACTS}/feedback.png` });
});

test('embed.html?widget=quiz and ?widget=feedback send ptheta-answer and ptheta-feedback to the parent page', async ({ page }) => {
  await page.route('**/hosts/*', (route) => route.fulfill({ path: `${HOSTS}/${new URL(route.request().url()).pathname.split('/').pop()}` }));
  await page.goto('./hosts/quiz-embed.html');
  const quiz = page.frameLocator('#quiz-frame');
  await quiz.locator('ptheta-quiz[data-state="ready"]').waitFor({ timeout: 60000 });
  const sp = quiz.locator('fieldset.q[data-question="sampling-procedure"]');
  await sp.locator('.choice[data-choice="noise-down"] label').click();
  await sp.getByRole('button', { name: 'Check', exact: true }).click();
  const fb = page.frameLocator('#feedback-frame');
  await fb.getByRole('button', { name: 'Sí', exact: true }).click();
  await page.waitForFunction(() => window.messages.filter((m) => m.data?.type === 'ptheta-event').length >= 2);
  const events = await page.evaluate(() => window.messages.filter((m) => m.data?.type === 'ptheta-event').map((m) => ({ from: m.from, name: m.data.name, detail: m.data.detail })));
  const answer = events.find((e) => e.name === 'ptheta-answer');
  assert(answer?.from === 'quiz' && answer.detail.question === 'sampling-procedure' && answer.detail.correct === true
    && answer.detail.statement.verb.id === 'http://adlnet.gov/expapi/verbs/answered', JSON.stringify(answer));
  const feedback = events.find((e) => e.name === 'ptheta-feedback');
  assert(feedback?.from === 'feedback' && canon(feedback.detail) === canon({ section: 's2', rating: 'yes', clear: true, comment: null }), JSON.stringify(feedback));
  assert(await page.evaluate(() => window.messages.some((m) => m.from === 'quiz' && m.data?.type === 'ptheta-resize' && m.data.height > 300)), 'the quiz frame reports its height');
});

test('the lesson: a "Was this clear?" ends each section, in Spanish, and its quiz acts on the chain beside it', async ({ page }) => {
  await page.addInitScript(() => {
    window.feedback = [];
    document.addEventListener('ptheta-feedback', (e) => window.feedback.push(e.detail));
  });
  await page.goto('./?lang=es');
  await page.waitForSelector('#quiz[data-state="ready"]', { timeout: 120000 });
  // (document.querySelectorAll: the page's own sections, not those inside the widgets' shadow roots)
  const ends = await page.evaluate(() => [...document.querySelectorAll('main > section')].map((s) => [s.lastElementChild.localName, s.lastElementChild.getAttribute('section'), s.getAttribute('aria-labelledby')]));
  assert(ends.length === 7 && ends.every(([tag, section, heading]) => tag === 'ptheta-feedback' && section === heading), JSON.stringify(ends));
  const fb = page.locator('ptheta-feedback[section="s3"]');
  await fb.getByText('¿Todo estuvo claro?').waitFor();
  await fb.getByRole('button', { name: 'Sí', exact: true }).click();
  await fb.getByText('¡Gracias por tus comentarios!').waitFor();
  const got = await page.evaluate(() => window.feedback);
  assert(canon(got) === canon([{ section: 's3', rating: 'yes', clear: true, comment: null }]), JSON.stringify(got));
  // the lesson quiz's chain questions follow the chain beside the lesson
  await page.waitForSelector('#chain[data-t]', { timeout: 120000 });
  const t = await page.$eval('#chain', (el) => el.chain.t);
  for (const id of ['moons-apart', 'furthest-x0']) {
    await page.locator(`#quiz fieldset.q[data-question="${id}"] .chain-status`, { hasText: `La cadena muestra t = ${t} de` }).waitFor();
  }
});
