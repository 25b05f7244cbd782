// The play loop of <ptheta-chain>: one frame after another until the chain reaches t = 0 or is
// paused, each frame queued behind any chain work in flight. Separable from the element: it is
// given how to queue work, how to advance (step + draw, saying whether to go on) and what to do
// when it stops.

/** With reduced motion the chain still runs, in this many larger visual jumps … */
const REDUCED_JUMPS = 5;
/** … this many ms apart. */
const REDUCED_DELAY_MS = 400;

export class Player {
  #frame = 0;
  #timer = 0;
  #run = 0;

  /**
   * `queue(fn)`: runs fn after the work in flight (the element's serial queue).
   * `advance(n)`: steps n and draws; resolves to true to go on, false when done.
   * `onChange(playing)`: the play state changed (the button's text).
   */
  constructor({ queue, advance, onChange }) {
    this.queue = queue;
    this.advance = advance;
    this.onChange = onChange;
    this.playing = false;
  }

  /**
   * Steps per frame and the pause between frames for a chain of `steps` at `speed`: a chain plays
   * in about `frames / speed` frames whatever its steps (the catalog's `view.playFrames`), so a
   * model that runs its whole training chain plays as quickly as a respaced one.
   */
  static pace(steps, speed, frames) {
    const reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    return reduced
      ? { perFrame: Math.max(1, Math.ceil(steps / REDUCED_JUMPS)), delay: REDUCED_DELAY_MS }
      : { perFrame: speed * Math.max(1, Math.ceil(steps / frames)), delay: 0 };
  }

  start({ perFrame, delay }) {
    const run = ++this.#run;
    this.playing = true;
    this.onChange(true);
    // a loop stopped while its frame ran ends there, even if a new one has started since
    const live = () => this.playing && run === this.#run;
    const tick = () => this.queue(async () => {
      if (!live()) return;
      const more = await this.advance(perFrame);
      if (!live()) return;
      if (!more) this.stop();
      else if (delay) this.#timer = setTimeout(() => { this.#frame = requestAnimationFrame(tick); }, delay);
      else this.#frame = requestAnimationFrame(tick);
    });
    this.#frame = requestAnimationFrame(tick);
  }

  stop() {
    this.playing = false;
    cancelAnimationFrame(this.#frame);
    clearTimeout(this.#timer);
    this.onChange(false);
  }
}
