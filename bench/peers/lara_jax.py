"""LARA (docs/RECIPE.md) as a PureJaxRL-style jitted JAX program, to measure time to within 1% of OPT on a CPU.

The recipe of src/train/reference.ts: reward -ln L_total, the normalised observation, sigmoid / softmax action heads
with a share floor, log-share critic action features, exploration noise and learning rates on cosine schedules,
gamma 0 by default, Adam, DDPG order (critic step, then the actor through the updated critic, then soft targets).
Its own RNG (jax.random), float32; no warm-up iterations (the default recipe has none). Training runs in jitted chunks of --eval-every iterations (lax.scan over the
iterations, all envs batched); after each chunk the deterministic actor is scored on the project's evaluation set
(bench/peers/evalset.ts: the states and OPT's float64 mean), outside the training clock.

Usage: python bench/peers/lara_jax.py --evalset DIR/evalset.json [--hidden 128,128] [--envs 1024] [--batch 1024]
       [--updates 4] [--iterations 1500] [--seed 1] [--eval-every 50] [--json FILE]
Prints one line per evaluation and a summary line starting "lara_jax"; --json writes the same as one object.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp

from megc_jax import adam_init, adam_step, latencies, mlp, init_mlp, observation, resolve_scenario, sample_states

OBS, ACT = 7, 7
REPLAY_WIDTH = OBS + ACT + 1 + OBS


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--evalset", required=True, help="evalset.json written by bench/peers/evalset.ts")
    p.add_argument("--hidden", default="128,128", help="hidden widths of actor and critic")
    p.add_argument("--envs", type=int, default=1024, help="environments stepped per iteration")
    p.add_argument("--batch", type=int, default=1024, help="minibatch size")
    p.add_argument("--updates", type=int, default=4, help="gradient updates per iteration")
    p.add_argument("--iterations", type=int, default=1500)
    p.add_argument("--lr-actor", type=float, default=1e-3)
    p.add_argument("--lr-critic", type=float, default=1e-3)
    p.add_argument("--lr-decay", type=float, default=0.1, help="final / initial learning rate (cosine)")
    p.add_argument("--noise-start", type=float, default=0.5)
    p.add_argument("--noise-end", type=float, default=0.05)
    p.add_argument("--gamma", type=float, default=0.0)
    p.add_argument("--tau", type=float, default=0.005)
    p.add_argument("--replay-capacity", type=int, default=1 << 17)
    p.add_argument("--share-floor", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--eval-every", type=int, default=50, help="iterations per jitted chunk and between evaluations")
    p.add_argument("--target-gap", type=float, default=0.01, help="the gap to OPT whose first crossing is timed")
    p.add_argument("--json", help="also write the result as JSON to this file")
    args = p.parse_args(argv)
    args.hidden = [int(w) for w in args.hidden.split(",")]
    for name in ("envs", "batch", "updates", "iterations", "replay_capacity", "eval_every"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.batch > args.replay_capacity or args.envs > args.replay_capacity:
        p.error("--replay-capacity must hold at least one batch and one iteration of envs")
    return args


# ---- LARA's action head and critic features (src/train/features.ts) ----------------------------------------------

def action_head(z, floor, xp=jnp):
    """Pre-activations (n, 7) -> feasible actions: ratios floor + (1 - 2 floor) sigmoid(z), omegas floor + (1 - 3
    floor) softmax(z_4..6). xp: jax.numpy or numpy (float64 evaluation)."""
    ratios = floor + (1 - 2 * floor) * 0.5 * (1 + xp.tanh(0.5 * z[:, :4]))
    e = xp.exp(z[:, 4:] - z[:, 4:].max(axis=1, keepdims=True))
    omegas = floor + (1 - 3 * floor) * e / e.sum(axis=1, keepdims=True)
    return xp.concatenate([ratios, omegas], axis=1)


def critic_features(z, floor):
    """Log-share coordinates of head(z): z_i for the ratios, the centred log of the omegas."""
    log_w = jnp.log(floor + (1 - 3 * floor) * jax.nn.softmax(z[:, 4:], axis=1))
    return jnp.concatenate([z[:, :4], log_w - log_w.mean(axis=1, keepdims=True)], axis=1)


def cosine(start, end, t, total):
    progress = jnp.minimum(1.0, t / max(total - 1, 1)) if total > 1 else 1.0
    return end + (start - end) * 0.5 * (1 + jnp.cos(math.pi * progress))


# ---- training ----------------------------------------------------------------------------------------------------

def make_trainer(args, scenario):
    floor, envs, batch, cap, T = args.share_floor, args.envs, args.batch, args.replay_capacity, args.iterations

    def q_value(critic, obs, features):
        return mlp(critic, jnp.concatenate([obs, features], axis=1))[:, 0]

    def init(key):
        k_actor, k_critic, k_states, key = jax.random.split(key, 4)
        actor = init_mlp(k_actor, [OBS, *args.hidden, ACT])
        critic = init_mlp(k_critic, [OBS + ACT, *args.hidden, 1])
        replay = jnp.zeros((cap, REPLAY_WIDTH))  # rows: obs | critic action features | reward | next obs
        nets = (actor, critic, jax.tree.map(jnp.copy, actor), jax.tree.map(jnp.copy, critic))  # targets start as copies
        return (nets, (adam_init(actor), adam_init(critic)), replay, jnp.int32(0), jnp.int32(0),
                sample_states(k_states, envs, scenario), key)

    def update(nets, opts, replay, filled, key, lr_actor, lr_critic):
        actor, critic, actor_target, critic_target = nets
        sample = replay[jax.random.randint(key, (batch,), 0, filled)]
        obs, features = sample[:, :OBS], sample[:, OBS:OBS + ACT]
        reward, next_obs = sample[:, OBS + ACT], sample[:, OBS + ACT + 1:]
        target = reward
        if args.gamma > 0:
            next_features = critic_features(mlp(actor_target, next_obs), floor)
            target = reward + args.gamma * q_value(critic_target, next_obs, next_features)
        critic_loss, critic_grad = jax.value_and_grad(
            lambda c: jnp.mean((q_value(c, obs, features) - target) ** 2))(critic)
        critic, critic_opt = adam_step(critic, critic_grad, opts[1], lr_critic)
        actor_grad = jax.grad(lambda a: -jnp.mean(q_value(critic, obs, critic_features(mlp(a, obs), floor))))(actor)
        actor, actor_opt = adam_step(actor, actor_grad, opts[0], lr_actor)
        soft = lambda target, online: jax.tree.map(lambda t, p: (1 - args.tau) * t + args.tau * p, target, online)
        return (actor, critic, soft(actor_target, actor), soft(critic_target, critic)), (actor_opt, critic_opt), critic_loss

    def iteration(carry, t):
        nets, opts, replay, write, filled, states, key = carry
        key, k_noise, k_next, k_updates = jax.random.split(key, 4)
        obs = observation(states, scenario)
        sigma = cosine(args.noise_start, args.noise_end, t, T)
        z = mlp(nets[0], obs) + sigma * jax.random.normal(k_noise, (envs, ACT))
        l_comp, l_aigc, l_ve = latencies(states, action_head(z, floor), scenario)
        l_total = l_comp + l_aigc + l_ve
        next_states = sample_states(k_next, envs, scenario)
        rows = jnp.concatenate([obs, critic_features(z, floor), -jnp.log(l_total)[:, None], observation(next_states, scenario)], axis=1)
        if cap % envs == 0:  # the ring's write position is a multiple of envs: one contiguous block
            replay = jax.lax.dynamic_update_slice(replay, rows, (write, 0))
        else:
            replay = replay.at[(write + jnp.arange(envs)) % cap].set(rows)
        write, filled = (write + envs) % cap, jnp.minimum(cap, filled + envs)
        lr_actor = cosine(args.lr_actor, args.lr_actor * args.lr_decay, t, T)
        lr_critic = cosine(args.lr_critic, args.lr_critic * args.lr_decay, t, T)

        def updates(nets_opts):
            def one(no, k):
                nets, opts, loss = update(*no, replay, filled, k, lr_actor, lr_critic)
                return (nets, opts), loss
            (nets, opts), losses = jax.lax.scan(one, nets_opts, jax.random.split(k_updates, args.updates))
            return nets, opts, losses.mean()

        nets, opts, critic_loss = jax.lax.cond(filled >= batch, updates, lambda no: (*no, jnp.float32(jnp.nan)), (nets, opts))
        return (nets, opts, replay, write, filled, next_states, key), (l_total.mean(), critic_loss)

    def chunk(carry, ts):
        return jax.lax.scan(iteration, carry, ts)

    return init, jax.jit(chunk, donate_argnums=0)


def load_evalset(path):
    with open(path) as f:
        meta = json.load(f)
    if meta.get("format") != "megc-evalset":
        sys.exit(f"{path}: not an evaluation set written by bench/peers/evalset.ts")
    states = np.load(os.path.join(os.path.dirname(path), meta["states"]))
    return meta, states


def main(argv):
    args = parse_args(argv)
    meta, eval_states = load_evalset(args.evalset)
    scenario = resolve_scenario(meta["scenario"])
    opt_total = meta["opt"]["total"]
    eval_obs = jnp.asarray(observation(eval_states, scenario, np).astype(np.float32))
    actor_forward = jax.jit(mlp)

    def evaluate(actor):
        """Mean latencies (float64) of the deterministic actor on the evaluation set."""
        z = np.asarray(actor_forward(actor, eval_obs), np.float64)
        parts = latencies(eval_states, action_head(z, args.share_floor, np), scenario, np)
        comp, aigc, ve = (float(p.mean()) for p in parts)
        return {"comp": comp, "aigc": aigc, "ve": ve, "total": comp + aigc + ve}

    init, chunk = make_trainer(args, scenario)
    carry = init(jax.random.PRNGKey(args.seed))
    lengths = [min(args.eval_every, args.iterations - start) for start in range(0, args.iterations, args.eval_every)]
    t0 = time.perf_counter()
    compiled = {n: chunk.lower(carry, jnp.arange(n, dtype=jnp.float32)).compile() for n in set(lengths)}
    compile_seconds = time.perf_counter() - t0

    train_seconds, start, evaluations, reached = 0.0, 0, [], None
    for n in lengths:
        ts = jnp.arange(start, start + n, dtype=jnp.float32)
        t0 = time.perf_counter()
        carry, (train_latency, _) = compiled[n](carry, ts)
        jax.block_until_ready(carry)
        train_seconds += time.perf_counter() - t0
        start += n
        means = evaluate(carry[0][0])
        gap = means["total"] / opt_total - 1
        evaluations.append({"iteration": start, "trainSeconds": train_seconds, "gap": gap, "latency": means})
        print(f"iteration {start}: train {train_seconds:.2f} s, training L_total {float(train_latency[-1]):.4f}, "
              f"eval L_total {means['total']:.4f}, gap {100 * gap:.2f}%", flush=True)
        if reached is None and gap < args.target_gap:
            reached = {"iteration": start, "trainSeconds": train_seconds}

    final = evaluations[-1]
    result = {
        "program": "lara_jax", "jax": jax.__version__, "device": str(jax.devices()[0]),
        "config": {k: v for k, v in vars(args).items() if k not in ("json", "evalset")},
        "evalSlots": int(eval_states.shape[0]), "opt": meta["opt"],
        "compileSeconds": compile_seconds, "trainSeconds": train_seconds,
        "iterationsPerSecond": args.iterations / train_seconds,
        "targetGap": args.target_gap,
        "timeToTarget": reached["trainSeconds"] if reached else None,
        "iterationToTarget": reached["iteration"] if reached else None,
        "finalGap": final["gap"], "finalLatency": final["latency"], "evaluations": evaluations,
    }
    hidden = ",".join(map(str, args.hidden))
    to_target = (f"within {100 * args.target_gap:g}% of OPT at {reached['trainSeconds']:.2f} s (iteration {reached['iteration']})"
                 if reached else f"never within {100 * args.target_gap:g}% of OPT")
    print(f"lara_jax hidden={hidden} envs={args.envs} batch={args.batch} updates={args.updates} "
          f"iterations={args.iterations} seed={args.seed}: train {train_seconds:.2f} s "
          f"({result['iterationsPerSecond']:.1f} it/s), compile {compile_seconds:.1f} s; {to_target}; "
          f"final gap {100 * final['gap']:.2f}% (L_total {final['latency']['total']:.4f} s, OPT {opt_total:.4f} s)", flush=True)
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main(sys.argv[1:])
