// An ordering question: a list whose items move by drag and drop (pointer events, so a mouse, a
// pen and a finger all work) or by the Move up / Move down buttons each item has (keyboard and
// screen readers); each move is announced. Same interface as single.js.
import { h } from '../dom.js';

export function build(q, ctx) {
  const list = h('ol', { class: 'order' });
  const live = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  let locked = false;
  const items = new Map();
  for (const [k, it] of q.items.entries()) {
    const textId = `${ctx.uid}-o${k}`;
    const up = h('button', { type: 'button', class: 'move up', 'aria-describedby': textId, title: ctx.msg('quiz.moveUp') }, '↑');
    const down = h('button', { type: 'button', class: 'move down', 'aria-describedby': textId, title: ctx.msg('quiz.moveDown') }, '↓');
    up.setAttribute('aria-label', ctx.msg('quiz.moveUp'));
    down.setAttribute('aria-label', ctx.msg('quiz.moveDown'));
    const handle = h('span', { class: 'handle', 'aria-hidden': 'true' }, '⠿');
    const li = h('li', { class: 'order-item', dataset: { item: it.id } },
      handle, h('span', { class: 'order-text', id: textId }, ctx.text(it.text)), h('span', { class: 'moves' }, up, down));
    up.addEventListener('click', () => move(li, -1, up));
    down.addEventListener('click', () => move(li, 1, down));
    li.addEventListener('pointerdown', (e) => drag(e, li));
    items.set(it.id, li);
    list.append(li);
  }
  const order = () => [...list.children].map((li) => li.dataset.item);
  const announce = (li) => {
    const pos = [...list.children].indexOf(li) + 1;
    live.textContent = ctx.msg('quiz.moved', { position: pos, count: list.children.length });
  };
  function move(li, by, button) {
    if (locked) return;
    const sibling = by < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!sibling) return;
    if (by < 0) list.insertBefore(li, sibling); else list.insertBefore(sibling, li);
    button.focus();
    announce(li);
    ctx.changed();
  }
  function drag(e, li) {
    if (locked || e.button !== 0 || e.target.closest('button')) return;
    e.preventDefault();
    li.classList.add('dragging');
    // on the window, not captured by the item: moving the item in the list releases a capture
    const win = li.ownerDocument.defaultView;
    const onMove = (ev) => {
      // the item goes before the first other item whose middle lies below the pointer
      const others = [...list.children].filter((x) => x !== li);
      const before = others.find((x) => { const r = x.getBoundingClientRect(); return ev.clientY < r.top + r.height / 2; });
      if (before) { if (li.nextElementSibling !== before) list.insertBefore(li, before); } else if (list.lastElementChild !== li) list.append(li);
    };
    const onUp = () => {
      li.classList.remove('dragging');
      win.removeEventListener('pointermove', onMove);
      win.removeEventListener('pointerup', onUp);
      win.removeEventListener('pointercancel', onUp);
      announce(li);
      ctx.changed();
    };
    win.addEventListener('pointermove', onMove);
    win.addEventListener('pointerup', onUp);
    win.addEventListener('pointercancel', onUp);
  }
  const arrange = (ids) => { for (const id of ids) if (items.has(id)) list.append(items.get(id)); };
  return {
    el: h('div', { class: 'order-wrap' }, h('p', { class: 'note' }, ctx.msg('quiz.orderHelp')), list, live),
    response: order,
    restore: (v) => { if (Array.isArray(v)) arrange(v); },
    lock: (on) => {
      locked = on;
      for (const b of list.querySelectorAll('button')) b.disabled = on;
      list.classList.toggle('locked', on);
    },
    solve: (solution) => { arrange(solution); list.classList.add('solved'); },
    marks: () => [],
  };
}
