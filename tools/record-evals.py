#!/usr/bin/env python3
"""Measures every shipped model on the chains the page runs and records the figures in
weights/manifest.json under "evals": one entry per (variance, steps), the quality ratio as mean ± sd
over SEEDS independent draws (`ptheta eval --seeds`). Chains: the page's default for the model (a
few respaced steps where it can skip steps, its whole training chain where it cannot), the
respacing experiment (a model that cannot skip steps, run respaced anyway), and the full chain.
The −ELBO does not depend on the sampling steps or the draws: it is copied from the row's recorded
`eval` (same variance). Takes about 20 minutes on 2 cores; CI never runs it.

Usage: tools/record-evals.py [--page-only] [--only FILE ...]   (after `cargo build --release --bin ptheta`)
--page-only skips the full chains of models that can skip steps (the slow part).
"""
import json
import subprocess
import sys

SEEDS = 5
SAMPLES = 2000
PAGE_STEPS = 50  # catalog::STEPS.default: where models that can skip steps run on the page
MEAN_MODELS = ("mean", "mean-variance")  # Parameterization::skips_steps() is false for these
BIN = "target/release/ptheta"


def evaluate(file, steps):
    cmd = [BIN, "eval", "--weights", f"weights/{file}", "--samples", str(SAMPLES), "--steps", str(steps),
           "--seeds", str(SEEDS), "--elbo-points", "0", "--seed", "0", "--json", "--quiet"]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    out["command"] = " ".join(["ptheta"] + cmd[1:])
    out.pop("seconds", None)
    return out


def main():
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    page_only = "--page-only" in sys.argv
    rows = json.load(open("weights/manifest.json"))
    for row in rows:
        if only and row["file"] not in only:
            continue
        p = row["eval"]["parameterization"]
        chains = [1000] if p in MEAN_MODELS else [PAGE_STEPS] if page_only else [PAGE_STEPS, 1000]
        if p in MEAN_MODELS:
            chains.append(PAGE_STEPS)  # the respacing experiment
        evals = []
        for steps in chains:
            e = evaluate(row["file"], steps)
            e["nelbo"] = row["eval"]["nelbo"]
            q = e["quality"]
            print(f"{row['file']} {steps} steps: {q['ratio']:.3f} ± {q['sd']:.3f}", file=sys.stderr)
            evals.append(e)
        # re-read: another run may have recorded other rows meanwhile
        rows = merge(json.load(open("weights/manifest.json")), row["file"], evals)
        write(rows)


def merge(rows, file, evals):
    for r in rows:
        if r["file"] == file:
            r["evals"] = evals
    return rows


def write(rows):
    def compact(v):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))

    lines = []
    for r in rows:
        parts = [f'"{k}": {json.dumps(r[k], ensure_ascii=False)}' for k in ("file", "train_command", "eval_command")]
        parts.append(f'"eval": {compact(r["eval"])}')
        if "evals" in r:
            parts.append('"evals": [' + ", ".join(compact(e) for e in r["evals"]) + "]")
        lines.append("{" + ", ".join(parts) + "}")
    with open("weights/manifest.json", "w") as f:
        f.write("[\n" + ",\n".join(lines) + "\n]\n")


if __name__ == "__main__":
    main()
