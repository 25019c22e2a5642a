"""Throughput peer: plain DDPG on the MEGC environment as a PureJaxRL-style jitted JAX program, at the bench's sizes.

The training loop is one jax.jit (lax.scan over iterations, all envs batched, the replay buffer on the device). Each
iteration steps every env once and runs one gradient update (critic, actor, soft targets), as `megc bench`'s training
rows do. The algorithm is DDPG as most people would first write it (sigmoid actions clipped to [1e-3, 1 - 1e-3],
compute shares normalised to sum 1, reward -L_total, Gaussian noise 0.1, Adam 3e-4, tau 0.005, gamma 0): it does not
converge on this problem (docs/RECIPE.md says why); it measures iterations per second. For the recipe that converges
and time to 1% of OPT see lara_jax.py.

Usage: python bench/peers/jax_ddpg.py [--sizes 1x256x2000,4096x4096x2000,65536x65536x500] [--hidden 256]
       [--precision default|highest] [--quick]
Prints one line per size, which bench/compare.ts parses:
  jax DDPG envs=E batch=B hidden=H: compile+run C s; R iters/s, S env-steps/s, T samples-trained/s; eval latency L
"""
import argparse
import sys
import time

import jax
import jax.numpy as jnp

from megc_jax import adam_init, adam_step, init_mlp, latencies, mlp, observation, resolve_scenario, sample_states

OBS, ACT = 7, 7


def parse_sizes(text):
    """"1x256x2000,..." -> [(envs, batch, iterations), ...]."""
    sizes = []
    for part in text.split(","):
        envs, batch, iterations = (int(x) for x in part.lower().split("x"))
        sizes.append((envs, batch, iterations))
    return sizes


def actor(params, obs):
    return jax.nn.sigmoid(mlp(params, obs))


def critic(params, obs, action):
    return mlp(params, jnp.concatenate([obs, action], axis=1))[:, 0]


def feasible(action):
    """Clipped sigmoid outputs -> a feasible action: the three compute shares scaled to sum 1."""
    return jnp.concatenate([action[:, :4], action[:, 4:] / action[:, 4:].sum(axis=1, keepdims=True)], axis=1)


def make_train(scenario, envs, batch, hidden, iterations, lr=3e-4, tau=0.005, gamma=0.0, noise=0.1):
    capacity = max(1 << 20, envs * 8)

    def train(key):
        k_actor, k_critic, k_states, key = jax.random.split(key, 4)
        pa = init_mlp(k_actor, [OBS, hidden, hidden, ACT])
        pc = init_mlp(k_critic, [OBS + ACT, hidden, hidden, 1])
        replay = (jnp.zeros((capacity, OBS)), jnp.zeros((capacity, ACT)), jnp.zeros(capacity), jnp.zeros((capacity, OBS)))
        carry = (pa, pc, pa, pc, adam_init(pa), adam_init(pc), replay, jnp.int32(0), sample_states(k_states, envs, scenario), key)

        def iteration(carry, _):
            pa, pc, pa_target, pc_target, sa, sc, replay, write, states, key = carry
            key, k_noise, k_next, k_batch = jax.random.split(key, 4)
            obs = observation(states, scenario)
            action = jnp.clip(actor(pa, obs) + noise * jax.random.normal(k_noise, (envs, ACT)), 1e-3, 1 - 1e-3)
            l_comp, l_aigc, l_ve = latencies(states, feasible(action), scenario)
            reward = -(l_comp + l_aigc + l_ve)
            next_states = sample_states(k_next, envs, scenario)
            rows = (write + jnp.arange(envs)) % capacity
            replay = tuple(part.at[rows].set(value) for part, value in zip(replay, (obs, action, reward, observation(next_states, scenario))))
            write = write + envs
            j = jax.random.randint(k_batch, (batch,), 0, jnp.minimum(write, capacity))
            b_obs, b_action, b_reward, b_next = (part[j] for part in replay)
            # The target term is computed even at gamma = 0, as a plain DDPG does (XLA keeps 0 * x for floats).
            y = b_reward + gamma * critic(pc_target, b_next, actor(pa_target, b_next))
            critic_grad = jax.grad(lambda p: jnp.mean((critic(p, b_obs, b_action) - y) ** 2))(pc)
            pc, sc = adam_step(pc, critic_grad, sc, lr)
            actor_grad = jax.grad(lambda p: -jnp.mean(critic(pc, b_obs, actor(p, b_obs))))(pa)
            pa, sa = adam_step(pa, actor_grad, sa, lr)
            soft = lambda target, online: jax.tree.map(lambda t, p: (1 - tau) * t + tau * p, target, online)
            pa_target, pc_target = soft(pa_target, pa), soft(pc_target, pc)
            return (pa, pc, pa_target, pc_target, sa, sc, replay, write, next_states, key), reward.mean()

        carry, rewards = jax.lax.scan(iteration, carry, None, iterations)
        return carry[0], rewards

    return jax.jit(train)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="1x256x2000,4096x4096x2000,65536x65536x500", help="ENVSxBATCHxITERATIONS,...")
    p.add_argument("--hidden", type=int, default=256, help="width of both hidden layers")
    p.add_argument("--precision", choices=["default", "highest"], default="default",
                   help="matmul precision (on NVIDIA GPUs default is TF32, highest is fp32)")
    p.add_argument("--quick", action="store_true", help="one small size (64x64x20): a smoke run")
    args = p.parse_args(argv)
    jax.config.update("jax_default_matmul_precision", args.precision)
    scenario = resolve_scenario()
    print("jax", jax.__version__, jax.devices(), f"precision={args.precision}", flush=True)
    for envs, batch, iterations in parse_sizes("64x64x20" if args.quick else args.sizes):
        train = make_train(scenario, envs, batch, args.hidden, iterations)
        t = time.perf_counter()
        jax.block_until_ready(train(jax.random.PRNGKey(0)))
        compile_and_run = time.perf_counter() - t
        t = time.perf_counter()
        pa, rewards = jax.block_until_ready(train(jax.random.PRNGKey(1)))
        seconds = time.perf_counter() - t
        eval_states = sample_states(jax.random.PRNGKey(9), 65536, scenario)
        parts = latencies(eval_states, feasible(actor(pa, observation(eval_states, scenario))), scenario)
        print(f"jax DDPG envs={envs} batch={batch} hidden={args.hidden}: compile+run {compile_and_run:.1f}s; "
              f"{iterations / seconds:.0f} iters/s, {iterations * envs / seconds:.3e} env-steps/s, "
              f"{iterations * batch / seconds:.3e} samples-trained/s; eval latency {float(sum(parts).mean()):.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
