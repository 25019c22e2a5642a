"""Throughput peer: the MEGC environment and plain DDPG written the way a PyTorch user would (CleanRL style, eager
mode, envs batched on the device, replay on the device), at the bench's sizes.

Measures (1) the batched environment alone (state sampling + latencies, no policy) in env-steps per second and
(2) training iterations per second: each iteration steps every env once and runs one gradient update (critic, actor,
soft targets), as `megc bench`'s training rows do. The algorithm is the plain DDPG of jax_ddpg.py (sigmoid actions
clipped to [1e-3, 1 - 1e-3], compute shares normalised, reward -L_total, noise 0.1, Adam 3e-4, tau 0.005, gamma 0); it
does not converge on this problem, it measures speed. The environment follows docs/MODEL.md (default scenario),
float32, with torch's own RNG.

Usage: python bench/peers/torch_ddpg.py [--env-sizes 4096,65536,1048576,8388608] [--env-repeats 50]
       [--sizes 1x256x2000,4096x4096x2000,65536x65536x500,4096x4096x6000] [--hidden 256] [--quick]
Prints lines that bench/compare.ts parses:
  torch env step n=N: V env-steps/s
  torch DDPG envs=E batch=B hidden=H: R iters/s, S env-steps/s, T samples-trained/s; eval latency L (...) vs FRA F
"""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
OBS, ACT = 7, 7

# docs/MODEL.md defaults.
DIST = {"comp": 100.0, "aigc": 120.0, "ve": 80.0}
P_COMP = P_VE = P_ES = 15.0
B_OFF = B_BACK = 4e8
N0 = 10 ** ((-100 - 30) / 10)
G0, PATH_LOSS_EXPONENT, RICIAN_K = 1e-3, 2.0, 10.0
DATA = {"comp": (1e6, 8e6), "ve": (1e6, 8e6), "aigc": (2e6, 16e6)}
CHI, F_LOCAL, F_ES, XI, ZETA, PSI, GEN_UNIT = 100.0, 1e9, 1e10, 9.97e-14, 5.73, 2.0, 1e9
LINK_DISTANCES = (DIST["comp"], DIST["aigc"], DIST["ve"], DIST["ve"])


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def sample_states(n):
    """(n, 7): h_comp_off, h_aigc_back, h_ve_off, h_ve_back, d_comp, d_ve, d_aigc."""
    los, scatter = math.sqrt(RICIAN_K / (RICIAN_K + 1)), math.sqrt(1 / (2 * (RICIAN_K + 1)))
    normals = torch.randn(n, 4, 2, device=DEVICE)
    fading = (los + scatter * normals[..., 0]) ** 2 + (scatter * normals[..., 1]) ** 2
    mean_gain = torch.tensor([G0 * d ** -PATH_LOSS_EXPONENT for d in LINK_DISTANCES], device=DEVICE)
    low = torch.tensor([DATA[k][0] for k in ("comp", "ve", "aigc")], device=DEVICE)
    high = torch.tensor([DATA[k][1] for k in ("comp", "ve", "aigc")], device=DEVICE)
    return torch.cat([mean_gain * fading, low + (high - low) * torch.rand(n, 3, device=DEVICE)], 1)


def observation(states):
    """Normalised observation: 2 (ln h - ln(mean gain)) for the gains, 2 (d - low) / span - 1 for the sizes."""
    log_mean_gain = torch.tensor([math.log(G0) - PATH_LOSS_EXPONENT * math.log(d) for d in LINK_DISTANCES], device=DEVICE)
    low = torch.tensor([DATA[k][0] for k in ("comp", "ve", "aigc")], device=DEVICE)
    span = torch.tensor([DATA[k][1] - DATA[k][0] for k in ("comp", "ve", "aigc")], device=DEVICE)
    return torch.cat([2 * (torch.log(states[:, :4]) - log_mean_gain), 2 * (states[:, 4:] - low) / span - 1], 1)


def rate(share, power, gain, bandwidth):
    return share * bandwidth * torch.log1p(power * gain / (share * bandwidth * N0)) / math.log(2)


def latencies(states, action):
    """(L_comp, L_aigc, L_ve) for actions with every share > 0 (docs/MODEL.md eqs. 1-15)."""
    h_co, h_ab, h_vo, h_vb, d_comp, d_ve, d_aigc = states.unbind(1)
    a_off, a_back, beta, lam, w_comp, w_aigc, w_ve = action.unbind(1)
    generation = lambda bits, share: (XI * CHI * bits + ZETA) * GEN_UNIT / (share * F_ES)
    local = (1 - lam) * CHI * d_comp / F_LOCAL
    offload = lam * d_comp / rate(a_off, P_COMP, h_co, B_OFF) + lam * CHI * d_comp / (w_comp * F_ES)
    l_comp = torch.maximum(local, offload)
    l_aigc = generation(d_aigc, w_aigc) + d_aigc / rate(a_back, beta * P_ES, h_ab, B_BACK)
    l_ve = d_ve / rate(1 - a_off, P_VE, h_vo, B_OFF) + generation(PSI * d_ve, w_ve) + PSI * d_ve / rate(1 - a_back, (1 - beta) * P_ES, h_vb, B_BACK)
    return l_comp, l_aigc, l_ve


def feasible(action):
    """Clipped sigmoid outputs -> a feasible action: the three compute shares scaled to sum 1."""
    return torch.cat([action[:, :4], action[:, 4:] / action[:, 4:].sum(1, keepdim=True)], 1)


def mlp(sizes, last=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
    return nn.Sequential(*layers, *([last] if last else [])).to(DEVICE)


def train(envs, batch, iterations, hidden, lr=3e-4, tau=0.005, gamma=0.0, noise=0.1, warmup=20):
    torch.manual_seed(0)
    actor, critic = mlp([OBS, hidden, hidden, ACT], nn.Sigmoid()), mlp([OBS + ACT, hidden, hidden, 1])
    actor_target, critic_target = mlp([OBS, hidden, hidden, ACT], nn.Sigmoid()), mlp([OBS + ACT, hidden, hidden, 1])
    actor_target.load_state_dict(actor.state_dict())
    critic_target.load_state_dict(critic.state_dict())
    actor_opt, critic_opt = torch.optim.Adam(actor.parameters(), lr), torch.optim.Adam(critic.parameters(), lr)
    capacity = max(1 << 20, envs * 8)
    r_obs, r_action = torch.zeros(capacity, OBS, device=DEVICE), torch.zeros(capacity, ACT, device=DEVICE)
    r_reward, r_next = torch.zeros(capacity, device=DEVICE), torch.zeros(capacity, OBS, device=DEVICE)
    state = {"write": 0, "filled": 0, "states": sample_states(envs)}

    def step():
        with torch.no_grad():
            states = state["states"]
            obs = observation(states)
            action = (actor(obs) + noise * torch.randn(envs, ACT, device=DEVICE)).clamp(1e-3, 1 - 1e-3)
            reward = -sum(latencies(states, feasible(action)))
            next_states = sample_states(envs)
            rows = (torch.arange(envs, device=DEVICE) + state["write"]) % capacity
            r_obs[rows], r_action[rows], r_reward[rows], r_next[rows] = obs, action, reward, observation(next_states)
            state["write"] = (state["write"] + envs) % capacity
            state["filled"] = min(capacity, state["filled"] + envs)
            state["states"] = next_states
        j = torch.randint(0, state["filled"], (batch,), device=DEVICE)
        b_obs, b_action, b_reward, b_next = r_obs[j], r_action[j], r_reward[j], r_next[j]
        with torch.no_grad():
            y = b_reward + gamma * critic_target(torch.cat([b_next, actor_target(b_next)], 1)).squeeze(1)
        critic_loss = ((critic(torch.cat([b_obs, b_action], 1)).squeeze(1) - y) ** 2).mean()
        critic_opt.zero_grad()
        critic_loss.backward()
        critic_opt.step()
        actor_loss = -critic(torch.cat([b_obs, actor(b_obs)], 1)).mean()
        actor_opt.zero_grad()
        actor_loss.backward()
        actor_opt.step()
        with torch.no_grad():
            for net, target in ((actor, actor_target), (critic, critic_target)):
                for p, t in zip(net.parameters(), target.parameters()):
                    t.mul_(1 - tau).add_(tau * p)

    for _ in range(warmup):
        step()
    sync()
    t = time.perf_counter()
    for _ in range(iterations):
        step()
    sync()
    seconds = time.perf_counter() - t
    with torch.no_grad():
        eval_states = sample_states(65536)
        parts = latencies(eval_states, feasible(actor(observation(eval_states))))
        fra = latencies(eval_states, feasible(torch.full((65536, ACT), 0.5, device=DEVICE)))
    comp, aigc, ve = (x.mean().item() for x in parts)
    print(f"torch DDPG envs={envs} batch={batch} hidden={hidden}: {iterations / seconds:.0f} iters/s, "
          f"{iterations * envs / seconds:.3e} env-steps/s, {iterations * batch / seconds:.3e} samples-trained/s; "
          f"eval latency {comp + aigc + ve:.4f} (comp {comp:.3f} aigc {aigc:.3f} ve {ve:.3f}) "
          f"vs FRA {sum(x.mean().item() for x in fra):.4f}", flush=True)


def env_throughput(n, repeats):
    action = feasible(torch.rand(n, ACT, device=DEVICE).clamp(1e-3, 1 - 1e-3))
    for _ in range(3):
        latencies(sample_states(n), action)
    sync()
    t = time.perf_counter()
    for _ in range(repeats):
        latencies(sample_states(n), action)
    sync()
    print(f"torch env step n={n}: {n * repeats / (time.perf_counter() - t):.3e} env-steps/s", flush=True)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env-sizes", default="4096,65536,1048576,8388608", help="batched env sizes, comma-separated")
    p.add_argument("--env-repeats", type=int, default=50)
    p.add_argument("--sizes", default="1x256x2000,4096x4096x2000,65536x65536x500,4096x4096x6000",
                   help="training runs ENVSxBATCHxITERATIONS,... (the last: a longer run for the final latency)")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--quick", action="store_true", help="env 4096 x 5 and one 256x256x50 training run: a smoke run")
    args = p.parse_args(argv)
    print("device", torch.cuda.get_device_name() if DEVICE.type == "cuda" else "cpu", "torch", torch.__version__, flush=True)
    env_sizes = [4096] if args.quick else [int(n) for n in args.env_sizes.split(",")]
    for n in env_sizes:
        env_throughput(n, 5 if args.quick else args.env_repeats)
    sizes = [(256, 256, 50)] if args.quick else [tuple(int(x) for x in part.lower().split("x")) for part in args.sizes.split(",")]
    for envs, batch, iterations in sizes:
        train(envs, batch, iterations, args.hidden)


if __name__ == "__main__":
    main(sys.argv[1:])
