#!/usr/bin/env python3
"""Measures every shipped model on the chains the page runs and records the figures in
weights/manifest.json under "evals": one entry per (variance, steps), the quality ratio as mean ± sd
over SEEDS independent draws (`ptheta eval --seeds`). The chains come from the catalog through
`ptheta info --json` ("page_chains": each variance the page offers at the model's page steps, and the
respacing experiment for models that cannot skip steps), plus the full training chain. The −ELBO
does not depend on the sampling steps or the draws: it is copied from the row's recorded `eval`
for its variance and measured (ELBO_POINTS held-out points, as there) for the others. Takes about 30 minutes on 2 cores; CI never runs it.

Usage: tools/record-evals.py [--page-only | --full-only | --recorded] [--only FILE ...]
(after `cargo build --release --bin ptheta`). A run replaces the entries of the chains it measures
and keeps the row's others.
--page-only skips the full chains (the slow part) where the page does not run them; --full-only
measures only the full chains.
--recorded instead refreshes each row's own one-draw `eval` (its `eval_command`: seed 0, the full
chain, with the ELBO), as tools/train-shipped.sh records it after training. Where the full chain's
draws are recorded, draw 0 *is* that eval (chain seed 0 against held-out draw 0), so its quality is
copied from there and the ELBO kept; otherwise the command is run.
"""
import json
import subprocess
import sys

SEEDS = 5
ELBO_POINTS = 1000  # as in the rows' recorded eval_command (the digits have 355 held out: all of them)
BIN = "target/release/ptheta"


def run(args):
    return json.loads(subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout)


def figure(e):
    """The headline figure of an eval: the quality ratio in the plane, the classifier's confidence
    for images."""
    if "images" in e:
        c = e["images"]["confidence"]
        return f"confidence {c['mean']:.3f} ± {c['sd']:.3f}"
    return f"{e['quality']['ratio']:.3f} ± {e['quality']['sd']:.3f}"


def evaluate(file, variance, steps, elbo_points, samples):
    args = ["eval", "--weights", f"weights/{file}", "--samples", str(samples), "--steps", str(steps),
            "--variance", variance, "--seeds", str(SEEDS), "--elbo-points", str(elbo_points), "--seed", "0",
            "--json", "--quiet"]
    out = run(args)
    out["command"] = " ".join(["ptheta", *args])
    out.pop("seconds", None)
    return out


def main():
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    page_only = "--page-only" in sys.argv
    full_only = "--full-only" in sys.argv
    rows = json.load(open("weights/manifest.json"))
    for row in rows:
        if only and row["file"] not in only:
            continue
        if "--recorded" in sys.argv:
            record_one_draw(row)
            continue
        info = run(["info", "--weights", f"weights/{row['file']}", "--json"])
        chains = [(c["variance"], c["steps"]) for c in info["page_chains"]]
        full = (info["default_variance"], info["config"]["timesteps"])
        if not page_only and full not in chains:
            chains.append(full)
        wanted = set(chains) | {full}
        if full_only:
            chains = [full]
        evals = []
        for variance, steps in chains:
            recorded = variance == row["eval"]["variance"]
            # as many samples as the row's recorded eval (2000 in the plane, 200 digits)
            e = evaluate(row["file"], variance, steps, 0 if recorded else ELBO_POINTS, row["eval"]["samples"])
            if recorded:
                e["nelbo"] = row["eval"]["nelbo"]
            print(f"{row['file']} {variance} {steps} steps: {figure(e)}", file=sys.stderr)
            evals.append(e)
        # re-read: another run may have recorded other rows meanwhile
        rows = merge(json.load(open("weights/manifest.json")), row["file"], evals, wanted)
        write(rows)


def record_one_draw(row):
    if row["eval"]["dataset"] == "digits":
        # its eval_command is itself over several draws: nothing to copy from
        e = run(row["eval_command"].split(" ")[1:])
        e.pop("seconds", None)
        print(f"{row['file']} eval: {figure(e)} (run)", file=sys.stderr)
        rows = json.load(open("weights/manifest.json"))
        for r in rows:
            if r["file"] == row["file"]:
                r["eval"] = e
        write(rows)
        return
    full = next((e for e in row.get("evals", []) if e["variance"] == row["eval"]["variance"]
                 and e["steps"] == row["eval"]["steps"] and e["seed"] == row["eval"]["seed"]
                 and e["samples"] == row["eval"]["samples"]), None)
    if full:
        q = full["quality"]
        first = q["ratios"][0]
        e = dict(row["eval"], seeds=1, quality={"distance": q["distance"], "reference": q["reference"],
                                                "ratio": first, "ratios": [first], "sd": 0.0})
    else:
        e = run(row["eval_command"].split(" ")[1:])
        e.pop("seconds", None)
    print(f"{row['file']} one-draw eval: {e['quality']['ratio']:.3f} ({'copied' if full else 'run'})", file=sys.stderr)
    rows = json.load(open("weights/manifest.json"))
    for r in rows:
        if r["file"] == row["file"]:
            r["eval"] = e
    write(rows)


def merge(rows, file, evals, wanted):
    """Replaces the row's entries for the chains in `evals` and keeps its others that are still
    `wanted` (a page or full chain)."""
    for r in rows:
        if r["file"] == file:
            new = {(e["variance"], e["steps"]) for e in evals}
            r["evals"] = evals + [e for e in r.get("evals", []) if (e["variance"], e["steps"]) not in new
                                  and (e["variance"], e["steps"]) in wanted]
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
