#!/usr/bin/env python3
"""Independent NumPy reference for DDPM / improved-DDPM schedule math (golden values).

Follows, line by line, the equations of
  * Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models" (DDPM), and
  * Nichol & Dhariwal 2021, "Improved Denoising Diffusion Probabilistic Models",
with the v-parameterization of Salimans & Ho 2022 ("Progressive Distillation").

Conventions: arrays are 0-based; index i holds the value for paper timestep t = i+1
(beta[0] = beta_1). All arithmetic is float64. Output: tests/data/golden.json.

Random draws: one np.random.default_rng(12345) for the whole file, consumed in the
order the cases are listed: per case x_t = normal(size=2), then the raw output
(normal(size=2); for "mean-variance" additionally uniform(-1, 1, size=2) for v_var);
per sampling case additionally z = normal(size=2) after raw.
"""
import json
import math
import os

import numpy as np

D = 2  # data dimension for the conversion cases
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "golden.json")


# ---------------------------------------------------------------- schedules
def linear_betas(T):
    # DDPM §4: beta_1 = 1e-4 .. beta_T = 0.02 for T = 1000, rescaled by 1000/T
    # (as in improved-diffusion's get_named_beta_schedule).
    scale = 1000.0 / T
    return np.linspace(scale * 1e-4, scale * 0.02, T, dtype=np.float64)


def cosine_betas(T, s=0.008, max_beta=0.999):
    # Improved DDPM eq. 17: alpha_bar_t = f(t)/f(0), f(t) = cos(((t/T)+s)/(1+s) * pi/2)^2
    def f(t):
        return math.cos(((t / T) + s) / (1 + s) * math.pi / 2) ** 2

    abar = lambda t: f(t) / f(0)
    # Improved DDPM §3.2: beta_t = 1 - alpha_bar_t / alpha_bar_{t-1}, clipped to 0.999
    return np.array([min(1 - abar(i + 1) / abar(i), max_beta) for i in range(T)],
                    dtype=np.float64)


def respace(betas, S):
    # Improved DDPM §4: keep a subsequence of timesteps; beta'_j = 1 - abar_{k_j}/abar_{k_{j-1}}
    T = len(betas)
    abar = np.cumprod(1.0 - betas)  # DDPM: alpha_bar_t = prod_{s<=t} alpha_s
    # round half away from zero; all x >= 0 here so floor(x + 0.5)
    k = [int(math.floor(j * (T - 1) / (S - 1) + 0.5)) for j in range(S)]
    new, prev = [], 1.0  # abar[k_{-1}] := 1
    for kj in k:
        new.append(1.0 - abar[kj] / prev)
        prev = abar[kj]
    return np.array(new, dtype=np.float64), k


def tables(name, kind, T, S, betas, tmap):
    beta = betas
    alpha = 1.0 - beta                                   # DDPM: alpha_t = 1 - beta_t
    abar = np.cumprod(alpha)                             # DDPM: alpha_bar_t = prod alpha_s
    abar_prev = np.concatenate([[1.0], abar[:-1]])       # alpha_bar_0 = 1
    # DDPM eq. 7: beta~_t = (1 - abar_{t-1}) / (1 - abar_t) * beta_t
    pvar = beta * (1.0 - abar_prev) / (1.0 - abar)
    # beta~_1 = 0, so index 0 uses beta~_2 for the log (improved-diffusion convention)
    plogvar = np.log(np.concatenate([[pvar[1]], pvar[1:]]))
    # DDPM eq. 7: mu~_t = sqrt(abar_{t-1}) beta_t/(1-abar_t) x0 + sqrt(alpha_t)(1-abar_{t-1})/(1-abar_t) x_t
    coef1 = beta * np.sqrt(abar_prev) / (1.0 - abar)
    coef2 = (1.0 - abar_prev) * np.sqrt(alpha) / (1.0 - abar)
    return {"name": name, "kind": kind, "T": T, "steps": S, "timestep_map": list(tmap),
            "beta": beta, "alpha_bar": abar, "alpha_bar_prev": abar_prev,
            "posterior_variance": pvar, "posterior_log_variance_clipped": plogvar,
            "posterior_mean_coef1": coef1, "posterior_mean_coef2": coef2}


def make_schedule(name, kind, T, S=None):
    betas = linear_betas(T) if kind == "linear" else cosine_betas(T)
    if S is None or S == T:
        return tables(name, kind, T, T, betas, range(T))
    rb, k = respace(betas, S)
    return tables(name, kind, T, S, rb, k)


# ---------------------------------------------------------------- conversions
def convert(sch, param, var, i, x_t, raw):
    """Raw network output -> (mean, log_variance, eps, x0) at 0-based index i."""
    ab = sch["alpha_bar"][i]
    c1, c2 = sch["posterior_mean_coef1"][i], sch["posterior_mean_coef2"][i]
    if param == "epsilon":
        eps = raw
        x0 = (x_t - math.sqrt(1 - ab) * eps) / math.sqrt(ab)  # DDPM eq. 4 solved for x0
    elif param == "x0":
        x0 = raw
        eps = (x_t - math.sqrt(ab) * x0) / math.sqrt(1 - ab)  # DDPM eq. 4 solved for eps
    elif param == "v":
        # Salimans & Ho 2022: v = sqrt(abar) eps - sqrt(1-abar) x0
        x0 = math.sqrt(ab) * x_t - math.sqrt(1 - ab) * raw
        eps = math.sqrt(1 - ab) * x_t + math.sqrt(ab) * raw
    elif param in ("mean", "mean-variance"):
        mean = raw[:D]
        x0 = (mean - c2 * x_t) / c1                          # invert DDPM eq. 7 for x0
        eps = (x_t - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
    else:
        raise ValueError(param)
    if param not in ("mean", "mean-variance"):
        mean = c1 * x0 + c2 * x_t                            # DDPM eq. 7, posterior mean mu~_t
    if var == "fixed-small":                                 # sigma_t^2 = beta~_t (DDPM §3.2)
        logvar = np.full(D, sch["posterior_log_variance_clipped"][i])
    elif var == "fixed-large":                               # sigma_t^2 = beta_t (DDPM §3.2)
        table = np.log(np.concatenate([[sch["posterior_variance"][1]], sch["beta"][1:]]))
        logvar = np.full(D, table[i])
    elif var == "learned":
        assert param == "mean-variance"
        # Improved DDPM eq. 15: Sigma = exp(v log beta_t + (1-v) log beta~_t), v = (v_var+1)/2
        frac = (raw[D:] + 1.0) / 2.0
        logvar = frac * math.log(sch["beta"][i]) + (1 - frac) * sch["posterior_log_variance_clipped"][i]
    else:
        raise ValueError(var)
    return mean, logvar, eps, x0


COMBOS = [(p, v) for p in ("epsilon", "x0", "v", "mean") for v in ("fixed-small", "fixed-large")]
COMBOS += [("mean-variance", v) for v in ("fixed-small", "fixed-large", "learned")]


def draw_raw(rng, param):
    raw = rng.normal(0.0, 1.0, size=D)
    if param == "mean-variance":
        raw = np.concatenate([raw, rng.uniform(-1.0, 1.0, size=D)])
    return raw


def fl(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def main():
    specs = [("linear-1000", "linear", 1000, None), ("cosine-1000", "cosine", 1000, None),
             ("linear-1000-to-50", "linear", 1000, 50), ("cosine-1000-to-50", "cosine", 1000, 50),
             ("linear-100", "linear", 100, None)]
    schedules = {n: make_schedule(n, k, T, S) for n, k, T, S in specs}
    rng = np.random.default_rng(12345)

    conversions = []
    for name in ("linear-1000", "cosine-1000", "linear-1000-to-50"):
        sch = schedules[name]
        S = sch["steps"]
        for param, var in COMBOS:
            for i in (0, 1, S // 2, S - 1):
                x_t = rng.normal(0.0, 1.0, size=D)
                raw = draw_raw(rng, param)
                mean, logvar, eps, x0 = convert(sch, param, var, i, x_t, raw)
                conversions.append({"schedule": name, "parameterization": param, "variance": var,
                                    "index": i, "x_t": fl(x_t), "raw": fl(raw), "mean": fl(mean),
                                    "log_variance": fl(logvar), "eps": fl(eps), "x0": fl(x0)})

    sampling = []
    sch = schedules["linear-1000-to-50"]
    for i in (0, 1, 25, 48, 49):
        x_t = rng.normal(0.0, 1.0, size=D)
        raw = draw_raw(rng, "epsilon")
        z = rng.normal(0.0, 1.0, size=D)
        mean, logvar, _, _ = convert(sch, "epsilon", "fixed-small", i, x_t, raw)
        # DDPM Algorithm 2: x_{t-1} = mu + sigma_t z, with z = 0 at the final step (t = 1)
        x_prev = mean + np.exp(0.5 * logvar) * z if i > 0 else mean
        sampling.append({"schedule": "linear-1000-to-50", "parameterization": "epsilon",
                         "variance": "fixed-small", "index": i, "x_t": fl(x_t), "raw": fl(raw),
                         "z": fl(z), "x_prev": fl(x_prev)})

    out_sched = []
    for n, _, _, _ in specs:
        s = dict(schedules[n])
        for key, val in s.items():
            if isinstance(val, np.ndarray):
                s[key] = fl(val)
        out_sched.append(s)
    doc = {"description": "Golden values from tools/golden.py (DDPM / improved-DDPM, float64)",
           "seed": 12345, "schedules": out_sched, "conversions": conversions, "sampling": sampling}

    def check(x):  # no NaN/inf may reach the JSON
        if isinstance(x, float):
            assert math.isfinite(x), x
        elif isinstance(x, dict):
            [check(v) for v in x.values()]
        elif isinstance(x, list):
            [check(v) for v in x]
    check(doc)

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:  # json writes floats with repr(): shortest exact round-trip
        json.dump(doc, fh, indent=1, allow_nan=False)
        fh.write("\n")

    print(f"wrote {OUT}: {len(out_sched)} schedules, {len(conversions)} conversion cases, "
          f"{len(sampling)} sampling cases")
    for n in ("linear-1000", "cosine-1000", "linear-1000-to-50", "cosine-1000-to-50", "linear-100"):
        s = schedules[n]
        print(f"  {n}: beta[0]={float(s['beta'][0])!r} beta[-1]={float(s['beta'][-1])!r} "
              f"alpha_bar[-1]={float(s['alpha_bar'][-1])!r}")
    print("  linear-1000-to-50 timestep_map[:5] =", schedules["linear-1000-to-50"]["timestep_map"][:5])


if __name__ == "__main__":
    main()
