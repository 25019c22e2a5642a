"""What the JAX peers share: the MEGC environment of docs/MODEL.md in JAX (scenario defaults, state sampling, LARA's
observation, latencies; float32, its own RNG jax.random rather than the project's Philox draws), and the MLP and Adam."""
import math

import jax
import jax.numpy as jnp

# docs/MODEL.md defaults (scenarios/default.json); a scenario JSON object overrides any of them.
DEFAULT_SCENARIO = {
    "distance": {"comp": 100.0, "aigc": 120.0, "ve": 80.0},
    "power": {"comp": 15.0, "ve": 15.0, "es": 15.0},
    "bandwidth": {"off": 4e8, "back": 4e8},
    "noiseDbmPerHz": -100.0,
    "channel": {"g0": 1e-3, "pathLossExponent": 2.0, "ricianK": 10.0},
    "data": {"comp": [1e6, 8e6], "ve": [1e6, 8e6], "aigc": [2e6, 16e6]},
    "cyclesPerBit": 100.0, "fLocal": 1e9, "fEs": 1e10,
    "xi": 9.97e-14, "zeta": 5.73, "psi": 2.0, "genUnitCycles": 1e9,
    "slotsPerEpisode": 100, "rraFloor": 0.05,
}


def resolve_scenario(overrides=None):
    """DEFAULT_SCENARIO with the keys of `overrides` (a scenario JSON object) replaced, plus N0 in W/Hz."""
    s = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_SCENARIO.items()}
    for key, value in (overrides or {}).items():
        if key not in s:
            raise ValueError(f"scenario: unknown key {key}")
        if isinstance(s[key], dict):
            s[key].update(value)
        else:
            s[key] = value
    s = {k: _floats(v) for k, v in s.items()}
    s["noiseWattsPerHz"] = 10 ** ((s["noiseDbmPerHz"] - 30) / 10)
    return s


def _floats(value):
    """Numbers as Python floats (JSON gives 1e10 as an int, which JAX would not take as float32)."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return float(value)


def channel_distances(s):
    """Distances of the four links in state order: comp uplink, aigc downlink, ve uplink, ve downlink."""
    d = s["distance"]
    return (d["comp"], d["aigc"], d["ve"], d["ve"])


def sample_states(key, n, s):
    """(n, 7) float32 states: h_comp_off, h_aigc_back, h_ve_off, h_ve_back, d_comp, d_ve, d_aigc (MODEL.md)."""
    k_fade, k_data = jax.random.split(key)
    K = s["channel"]["ricianK"]
    los, scatter = math.sqrt(K / (K + 1)), math.sqrt(1 / (2 * (K + 1)))
    n12 = jax.random.normal(k_fade, (n, 4, 2), jnp.float32)
    fading = (los + scatter * n12[..., 0]) ** 2 + (scatter * n12[..., 1]) ** 2
    mean_gain = jnp.array([s["channel"]["g0"] * d ** -s["channel"]["pathLossExponent"] for d in channel_distances(s)], jnp.float32)
    low = jnp.array([s["data"][k][0] for k in ("comp", "ve", "aigc")], jnp.float32)
    high = jnp.array([s["data"][k][1] for k in ("comp", "ve", "aigc")], jnp.float32)
    sizes = low + (high - low) * jax.random.uniform(k_data, (n, 3), jnp.float32)
    return jnp.concatenate([mean_gain * fading, sizes], axis=1)


def observation(states, s, xp=jnp):
    """LARA's normalised observation (src/train/features.ts): 2 (ln h - ln(g0 d^-n)) and 2 (d - low) / span - 1.
    xp: jax.numpy (traced, float32) or numpy (float64, for the evaluation)."""
    exponent, g0 = s["channel"]["pathLossExponent"], s["channel"]["g0"]
    log_mean_gain = xp.asarray([math.log(g0) - exponent * math.log(d) for d in channel_distances(s)], states.dtype)
    low = xp.asarray([s["data"][k][0] for k in ("comp", "ve", "aigc")], states.dtype)
    span = xp.asarray([s["data"][k][1] - s["data"][k][0] for k in ("comp", "ve", "aigc")], states.dtype)
    channels = 2.0 * (xp.log(xp.maximum(states[:, :4], 1e-30)) - log_mean_gain)
    return xp.concatenate([channels, 2.0 * (states[:, 4:] - low) / span - 1.0], axis=1)


def rate(share, power, gain, bandwidth, n0, xp=jnp):
    """Shannon rate share B log2(1 + p h / (share B N0)), bit/s; the share must be > 0."""
    return share * bandwidth * xp.log1p(power * gain / (share * bandwidth * n0)) / math.log(2.0)


def latencies(states, actions, s, xp=jnp):
    """(L_comp, L_aigc, L_ve), each (n,), seconds, for feasible actions with every share > 0 (MODEL.md eqs. 1-15).
    xp: jax.numpy or numpy (float64 evaluation)."""
    h_co, h_ab, h_vo, h_vb = (states[:, k] for k in range(4))
    d_comp, d_ve, d_aigc = states[:, 4], states[:, 5], states[:, 6]
    a_off, a_back, beta, lam, w_comp, w_aigc, w_ve = (actions[:, k] for k in range(7))
    n0, b_off, b_back = s["noiseWattsPerHz"], s["bandwidth"]["off"], s["bandwidth"]["back"]
    chi, f_es, p = s["cyclesPerBit"], s["fEs"], s["power"]

    def generation(bits, share):
        return (s["xi"] * chi * bits + s["zeta"]) * s["genUnitCycles"] / (share * f_es)

    local = (1 - lam) * chi * d_comp / s["fLocal"]
    offload = lam * d_comp / rate(a_off, p["comp"], h_co, b_off, n0, xp) + lam * chi * d_comp / (w_comp * f_es)
    l_comp = xp.maximum(local, offload)
    l_aigc = generation(d_aigc, w_aigc) + d_aigc / rate(a_back, beta * p["es"], h_ab, b_back, n0, xp)
    ve_bits = s["psi"] * d_ve
    l_ve = (d_ve / rate(1 - a_off, p["ve"], h_vo, b_off, n0, xp) + generation(ve_bits, w_ve)
            + ve_bits / rate(1 - a_back, (1 - beta) * p["es"], h_vb, b_back, n0, xp))
    return l_comp, l_aigc, l_ve


# ---- networks and Adam (PyTorch defaults) ----------------------------------------------------------------------------

def init_mlp(key, sizes):
    """PyTorch nn.Linear's default: W (in, out) and b ~ U(-1/sqrt(in), 1/sqrt(in))."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        key, kw, kb = jax.random.split(key, 3)
        bound = 1 / math.sqrt(fan_in)
        params.append((jax.random.uniform(kw, (fan_in, fan_out), jnp.float32, -bound, bound),
                       jax.random.uniform(kb, (fan_out,), jnp.float32, -bound, bound)))
    return params


def mlp(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def adam_init(params):
    return jax.tree.map(jnp.zeros_like, params), jax.tree.map(jnp.zeros_like, params), jnp.zeros((), jnp.int32)


def adam_step(params, grads, state, lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v, step = state
    step = step + 1
    m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    c1, c2 = 1 - b1 ** step.astype(jnp.float32), 1 - b2 ** step.astype(jnp.float32)
    params = jax.tree.map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), params, m, v)
    return params, (m, v, step)
