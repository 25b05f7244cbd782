// The lesson's panels, one custom element per module under widgets/ (their shared base is
// widgets/panel.js): the inspector, the equations, the sampling algorithm, the schedule and
// forward process, the comparison of parameterizations, the quiz and "Was this clear?".
import './widgets/ptheta-inspector.js';
import './widgets/ptheta-equations.js';
import './widgets/ptheta-algorithm.js';
import './widgets/ptheta-schedule.js';
import './widgets/ptheta-compare.js';
import './widgets/ptheta-quiz.js';
import './widgets/ptheta-feedback.js';

export { fmt } from './widgets/ptheta-inspector.js';
export { lang } from './i18n.js';
