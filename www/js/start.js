// The lesson page's entry point: the page (lesson.js), or a notice saying why it could not start.
import { boot } from './boot.js';

boot(() => import('./lesson.js'));
