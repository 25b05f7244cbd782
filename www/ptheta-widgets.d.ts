// Types of pθ's custom elements (`import "ptheta/widgets"`, or ptheta-widgets.js in a page).
// Generated from src/elements.rs and the catalog (src/catalog.rs) by
// `PTHETA_BLESS=1 cargo test --test elements`: do not edit.

/** A world in the plane: what the lesson's panels draw. */
export type PthetaDataset = "moons" | "swiss-roll" | "eight-gaussians" | "checkerboard" | "circles" | "letters";
/** A world `<ptheta-chain>` runs: one in the plane, or one of images. */
export type PthetaChainDataset = "moons" | "swiss-roll" | "eight-gaussians" | "checkerboard" | "circles" | "letters" | "digits";
/** What the network predicts. */
export type PthetaParameterization = "epsilon" | "x0" | "v" | "mean" | "mean-variance" | "epsilon-variance";
/** The variance of each reverse step. */
export type PthetaVariance = "fixed-small" | "fixed-large" | "learned";
/** Where a chain runs. */
export type PthetaBackend = "auto" | "webgpu" | "cpu";
/** How a WebGPU chain's points are drawn. */
export type PthetaDraw = "webgpu" | "canvas2d";
/** A noise schedule of the schedule panel. */
export type PthetaPlotSchedule = "linear" | "cosine" | "linear-unscaled";
/** A language the widgets speak. */
export type PthetaLanguage = "en" | "es";
/** A palette of the widgets. */
export type PthetaTheme = "auto" | "light" | "dark";
/** When a `<ptheta-chain>` starts its work. */
export type PthetaLoading = "lazy" | "eager";
/** A group of `<ptheta-chain>` controls. */
export type PthetaControl = "play" | "scrub" | "settings" | "layers" | "inspect" | "match";
/** A "Was this clear?" rating. */
export type PthetaFeedbackRating = "yes" | "no";

/** What a chain runs: `chain.info()`, the detail of `ptheta-ready`. */
export interface PthetaChainInfo {
  backend: "webgpu" | "cpu";
  adapter: string | null;
  fallbackReason: string | null;
  dataset: string;
  /** Values per sample: 2 for points in the plane, 64 for an 8×8 digit. */
  dim: number;
  parameterization: PthetaParameterization;
  variance: PthetaVariance;
  schedule: string;
  trainTimesteps: number;
  steps: number;
  samples: number;
  seed: number;
  alphaBarT: number;
}

/**
 * One sample's next step (`chain.inspect(i)`): vectors of its `dim` values. In a `ptheta-step`
 * event of a chain of images they are the one inspected pixel's, which `pixel` names.
 */
export interface PthetaInspection {
  sample: number;
  pixel?: { index: number; row: number; col: number };
  parameterization: PthetaParameterization;
  t: number;
  timestep: number;
  x_t: number[];
  raw: number[];
  eps: number[];
  x0: number[];
  mean: number[];
  log_variance: number[];
  sigma: number[];
  z: number[];
  x_prev: number[];
  mean_step: number[];
  noise: number[];
  variance: number[];
  coefficients: Record<string, number>;
}

/** The chain an element runs (`el.chain`), the same on WebGPU and the CPU (www/js/backend.js). */
export interface PthetaChainObject {
  readonly backend: "webgpu" | "cpu";
  readonly adapter: { vendor: string; architecture: string; description: string } | null;
  readonly fallbackReason: string | null;
  readonly t: number;
  readonly steps: number;
  readonly samples: number;
  /** Threads stepping a CPU chain: one per core once its Web Workers are up, else 1. */
  readonly workers: number;
  /** Settles once the workers run the steps, or it is settled that they will not. */
  workersReady(): Promise<void>;
  info(): PthetaChainInfo;
  step(n: number): Promise<number>;
  stepBack(): Promise<number>;
  reset(): Promise<void>;
  goTo(t: number, options?: { signal?: AbortSignal; onProgress?: (fraction: number) => void }): Promise<number>;
  /** x_t of every sample, `dim` values each: [x0, y0, x1, y1, …] in the plane. */
  positions(): Promise<Float32Array>;
  /** x̂_0 of the first `count` samples (all by default) as the network predicts it at t (refused at t = 0), laid out like `positions()`. */
  predictions(count?: number): Promise<Float32Array>;
  inspect(sample: number): Promise<PthetaInspection>;
  /** bins × bins counts of x_t over [−half, half]², row 0 at y = −half. */
  histogram(bins: number, half: number): Promise<Float32Array>;
}

/** Events of `<ptheta-chain>` (bubbling, composed). */
export interface PthetaChainEventMap {
  /** The chain loaded: the model and how it runs. */
  "ptheta-ready": CustomEvent<PthetaChainInfo>;
  /** The chain moved; `fresh` is false on play frames that skipped the readback, when `inspection` is from an earlier t. */
  "ptheta-step": CustomEvent<{ t: number; steps: number; sample: number; inspection: PthetaInspection | null; fresh: boolean; info: PthetaChainInfo }>;
  /** The chain arrived at t = 0 (by playing, stepping or going there). */
  "ptheta-done": CustomEvent<{ steps: number; samples: number; info: PthetaChainInfo }>;
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
  /** The inspected sample (or, in a chain of images, pixel) changed. */
  "ptheta-select": CustomEvent<{ sample: number; pixel?: number }>;
  /** The samples or the seed changed in the element. */
  "ptheta-config": CustomEvent<{ samples?: number; seed?: number }>;
  /** An inspector arrow was hovered. */
  "ptheta-highlight": CustomEvent<{ term: string | null }>;
  /** The chain moved to another backend, e.g. after a lost device. */
  "ptheta-backend": CustomEvent<{ backend: "webgpu" | "cpu"; reason: string | null }>;
}

/** `<ptheta-chain>`: The reverse chain x_T → x_0 of a diffusion model: its samples, the data behind them, play, step, scrub, inspect. A chain of images shows its samples as a grid, x_t beside x̂_0, and inspects one pixel. */
export interface PthetaChainElement extends HTMLElement {
  /** Attribute `param`: The parameterization of a shipped model (with `dataset`); the lesson's by default. Reads the attribute's text (null when absent). */
  get param(): PthetaParameterization | null;
  set param(value: PthetaParameterization | null);
  /** Attribute `weights`: The URL of any `.safetensors` file written by `ptheta train`, instead of a shipped model. Reads the attribute's text (null when absent). */
  get weights(): string | null;
  set weights(value: string | null);
  /** Attribute `data`: The URL of the CSV the `weights` were trained on: drawn behind the samples and measured against. Reads the attribute's text (null when absent). */
  get data(): string | null;
  set data(value: string | null);
  /** Attribute `steps`: Reverse steps of the chain (respaced); by default the lesson's, or all T of a model trained with fewer. A whole number from 1 to 1000. Reads the attribute's text (null when absent). */
  get steps(): string | null;
  set steps(value: number | string | null);
  /** Attribute `samples`: How many samples run through the chain. A whole number from 1 to 16384. Reads the attribute's text (null when absent). */
  get samples(): string | null;
  set samples(value: number | string | null);
  /** Attribute `seed`: The seed of x_T and of every z. A whole number from 0 to 4294967295. Reads the attribute's text (null when absent). */
  get seed(): string | null;
  set seed(value: number | string | null);
  /** Attribute `t`: Go to this t after loading; changing it later moves the chain there. A whole number from 0 to 1000. Reads the attribute's text (null when absent). */
  get t(): string | null;
  set t(value: number | string | null);
  /** Attribute `variance`: The variance of each step; the model's default if absent. Reads the attribute's text (null when absent). */
  get variance(): PthetaVariance | null;
  set variance(value: PthetaVariance | null);
  /** Attribute `backend`: Where the chain runs: `auto` picks WebGPU where a usable device exists, else the CPU. Reads the attribute's text (null when absent). */
  get backend(): PthetaBackend | null;
  set backend(value: PthetaBackend | null);
  /** Attribute `draw`: How a WebGPU chain's points are drawn. Reads the attribute's text (null when absent). */
  get draw(): PthetaDraw | null;
  set draw(value: PthetaDraw | null);
  /** Attribute `controls`: Which groups of controls to show, separated by spaces, or `none`; all by default. Groups: play, scrub, settings, layers, inspect, match. Reads the attribute's text (null when absent). */
  get controls(): string | null;
  set controls(value: string | null);
  /** Attribute `autoplay`: Play once loaded. Reads the attribute's text (null when absent). */
  get autoplay(): string | null;
  set autoplay(value: boolean | null);
  /** Attribute `theme`: The palette: `auto` follows the reader's system. Reads the attribute's text (null when absent). */
  get theme(): PthetaTheme | null;
  set theme(value: PthetaTheme | null);
  /** Attribute `loading`: When to start (download the model, build the chain): `lazy`, once scrolled near the view, or `eager`, at once; a method called starts it either way. Reads the attribute's text (null when absent). */
  get loading(): PthetaLoading | null;
  set loading(value: PthetaLoading | null);
  /** Plays from where the chain is (from x_T again at t = 0) to t = 0. */
  play(): Promise<void>;
  /** Stops playing (or going to a t) where the chain is; resolves to that t. */
  pause(): Promise<number | null>;
  /** Takes `n` reverse steps (1 by default; fewer at t = 0); resolves to the t reached. */
  step(n?: number): Promise<number | null>;
  /** Goes back one step; resolves to the t reached. */
  stepBack(): Promise<number | null>;
  /** Goes back to x_T; resolves to the t reached. */
  reset(): Promise<number | null>;
  /** Goes to t (checked like the attribute), in bursts, showing progress; resolves to the t reached. */
  goTo(t: number): Promise<number | null>;
  /** Follows sample `sample` in the inspector (counted modulo the samples). */
  select(sample: number): void;
  /** A chain of images: follows pixel `pixel` of the selected sample, row by row from the top left. */
  selectPixel(pixel: number): void;
  /** Settles when the chain of the current attributes is built (or has failed to be); a widget waiting to be scrolled to settles it once it starts and builds. */
  readonly built: Promise<void>;
  /** The running chain, or null before it loads. */
  readonly chain: PthetaChainObject | null;
  /** Whether the play loop runs. */
  readonly playing: boolean;
  /** Least milliseconds between readbacks of the numbers while a WebGPU chain plays. */
  readoutInterval: number;
  addEventListener<K extends keyof PthetaChainEventMap>(type: K, listener: (this: PthetaChainElement, ev: PthetaChainEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-inspector>` (bubbling, composed). */
export interface PthetaInspectorEventMap {
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-inspector>`: One sample's next step of a chain: μ_θ − x_t, σ_θ z, ε̂, x̂_0 as arrows and p_θ(x_{t−1} | x_t) with the numbers; in a chain of images, one pixel's. */
export interface PthetaInspectorElement extends HTMLElement {
  addEventListener<K extends keyof PthetaInspectorEventMap>(type: K, listener: (this: PthetaInspectorElement, ev: PthetaInspectorEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-equations>` (bubbling, composed). */
export interface PthetaEquationsEventMap {
  /** A parameterization was chosen. */
  "ptheta-param": CustomEvent<{ param: PthetaParameterization }>;
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-equations>`: The chain, the prior, the transition and the parameterizations, typeset; choosing a parameterization fires `ptheta-param`. */
export interface PthetaEquationsElement extends HTMLElement {
  addEventListener<K extends keyof PthetaEquationsEventMap>(type: K, listener: (this: PthetaEquationsElement, ev: PthetaEquationsEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-algorithm>` (bubbling, composed). */
export interface PthetaAlgorithmEventMap {
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-algorithm>`: The sampling loop, the line just executed highlighted, t in the loop header. */
export interface PthetaAlgorithmElement extends HTMLElement {
  addEventListener<K extends keyof PthetaAlgorithmEventMap>(type: K, listener: (this: PthetaAlgorithmElement, ev: PthetaAlgorithmEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-schedule>` (bubbling, composed). */
export interface PthetaScheduleEventMap {
  /** A schedule was chosen. */
  "ptheta-schedule": CustomEvent<{ schedule: PthetaPlotSchedule }>;
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-schedule>`: β_t, ᾱ_t and log SNR of a noise schedule, and the forward process q(x_t | x_0) scrubbed on the data. */
export interface PthetaScheduleElement extends HTMLElement {
  addEventListener<K extends keyof PthetaScheduleEventMap>(type: K, listener: (this: PthetaScheduleElement, ev: PthetaScheduleEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-compare>` (bubbling, composed). */
export interface PthetaCompareEventMap {
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-compare>`: Every shipped model of one dataset side by side from the same x_T and noise, with their figures, and one model under each variance. */
export interface PthetaCompareElement extends HTMLElement {
  addEventListener<K extends keyof PthetaCompareEventMap>(type: K, listener: (this: PthetaCompareElement, ev: PthetaCompareEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-quiz>` (bubbling, composed). */
export interface PthetaQuizEventMap {
  /** An answer was checked; `statement` is an xAPI "answered" statement without actor. */
  "ptheta-answer": CustomEvent<{ quiz: string; question: string; response: unknown; correct: boolean; score: number; maxScore: number; statement: Record<string, unknown> }>;
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-quiz>`: A quiz written as data (www/quiz/quiz.schema.json): from `src`, or from the JSON inside it in a <script type="application/json">. */
export interface PthetaQuizElement extends HTMLElement {
  /** Points scored by the answers checked so far. */
  getScore(): number;
  /** Points of every usable question. */
  getMaxScore(): number;
  /** Whether any answer has been checked. */
  getAnswerGiven(): boolean;
  /** Shows every usable question's solution. */
  showSolutions(): void;
  /** Forgets every answer, the saved progress and the generated numbers, and starts over. */
  resetTask(): Promise<void>;
  /** What the student has done, as saved. */
  getCurrentState(): { questions: Record<string, unknown> };
  addEventListener<K extends keyof PthetaQuizEventMap>(type: K, listener: (this: PthetaQuizElement, ev: PthetaQuizEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Events of `<ptheta-feedback>` (bubbling, composed). */
export interface PthetaFeedbackEventMap {
  /** A rating or a comment was given. */
  "ptheta-feedback": CustomEvent<{ section: string; rating: PthetaFeedbackRating; clear: boolean; comment: string | null }>;
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
}

/** `<ptheta-feedback>`: "Was this clear?" for one section: a rating and an optional comment, sent nowhere but in an event. */
export interface PthetaFeedbackElement extends HTMLElement {
  addEventListener<K extends keyof PthetaFeedbackEventMap>(type: K, listener: (this: PthetaFeedbackElement, ev: PthetaFeedbackEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Every pθ event, by name (they bubble and are composed, so a page can listen on `document`). */
export interface PthetaEventMap {
  /** The chain loaded: the model and how it runs. */
  "ptheta-ready": CustomEvent<PthetaChainInfo>;
  /** The chain moved; `fresh` is false on play frames that skipped the readback, when `inspection` is from an earlier t. */
  "ptheta-step": CustomEvent<{ t: number; steps: number; sample: number; inspection: PthetaInspection | null; fresh: boolean; info: PthetaChainInfo }>;
  /** The chain arrived at t = 0 (by playing, stepping or going there). */
  "ptheta-done": CustomEvent<{ steps: number; samples: number; info: PthetaChainInfo }>;
  /** The element cannot run or show (a bad attribute, a failed download) and says why in itself. */
  "ptheta-error": CustomEvent<{ message: string }>;
  /** The inspected sample (or, in a chain of images, pixel) changed. */
  "ptheta-select": CustomEvent<{ sample: number; pixel?: number }>;
  /** The samples or the seed changed in the element. */
  "ptheta-config": CustomEvent<{ samples?: number; seed?: number }>;
  /** An inspector arrow was hovered. */
  "ptheta-highlight": CustomEvent<{ term: string | null }>;
  /** The chain moved to another backend, e.g. after a lost device. */
  "ptheta-backend": CustomEvent<{ backend: "webgpu" | "cpu"; reason: string | null }>;
  /** A parameterization was chosen. */
  "ptheta-param": CustomEvent<{ param: PthetaParameterization }>;
  /** A schedule was chosen. */
  "ptheta-schedule": CustomEvent<{ schedule: PthetaPlotSchedule }>;
  /** An answer was checked; `statement` is an xAPI "answered" statement without actor. */
  "ptheta-answer": CustomEvent<{ quiz: string; question: string; response: unknown; correct: boolean; score: number; maxScore: number; statement: Record<string, unknown> }>;
  /** A rating or a comment was given. */
  "ptheta-feedback": CustomEvent<{ section: string; rating: PthetaFeedbackRating; clear: boolean; comment: string | null }>;
  /** The language changed: widgets re-render their texts. */
  "ptheta-lang": CustomEvent<{ lang: PthetaLanguage }>;
  /** The theme changed: widgets redraw with the new colours. */
  "ptheta-theme": CustomEvent<{ theme: PthetaTheme }>;
}

declare global {
  interface HTMLElementTagNameMap {
    "ptheta-chain": PthetaChainElement;
    "ptheta-inspector": PthetaInspectorElement;
    "ptheta-equations": PthetaEquationsElement;
    "ptheta-algorithm": PthetaAlgorithmElement;
    "ptheta-schedule": PthetaScheduleElement;
    "ptheta-compare": PthetaCompareElement;
    "ptheta-quiz": PthetaQuizElement;
    "ptheta-feedback": PthetaFeedbackElement;
  }
  interface DocumentEventMap extends PthetaEventMap {}
  interface HTMLElementEventMap extends PthetaEventMap {}
}

export {};
