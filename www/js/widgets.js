// Every pθ element, defined once per page: the chain and the panels. `ptheta-widgets.js` at the
// site's root (the one script an embedding page loads) and the lesson page both start here.
import './ptheta-chain.js';
import './panels.js';

/** Whether `el` is one of pθ's elements. */
export const isWidget = (el) => el.localName.startsWith('ptheta-');

/**
 * The events pθ's elements fire (all bubbling and composed; the README's "Events" table gives
 * their details). embed.html forwards exactly these to its parent page.
 */
export const EVENTS = Object.freeze([
  'ptheta-ready', 'ptheta-step', 'ptheta-done', 'ptheta-error', 'ptheta-select', 'ptheta-config',
  'ptheta-highlight', 'ptheta-backend', 'ptheta-param', 'ptheta-schedule', 'ptheta-answer',
  'ptheta-feedback',
]);
