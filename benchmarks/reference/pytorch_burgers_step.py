"""One Adam step of the DeepXDE Burgers setup in plain PyTorch: the reference `physis bench step` compares against.

MLP [2, 20, 20, 20, 1] tanh, Glorot normal, 2540 domain + 80 boundary + 160 initial points, residual
u_t + u u_x - (0.01/pi) u_xx by nested autograd, Dirichlet and initial mean-square terms, Adam lr 1e-3.
Prints one JSON line: {"threads": T, "ms_per_step": ...}.
"""
import json
import math
import sys
import time

import torch

threads, steps = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)

layers = []
widths = [2, 20, 20, 20, 1]
for i in range(len(widths) - 1):
    linear = torch.nn.Linear(widths[i], widths[i + 1])
    torch.nn.init.xavier_normal_(linear.weight)
    torch.nn.init.zeros_(linear.bias)
    layers.append(linear)
    if i < len(widths) - 2:
        layers.append(torch.nn.Tanh())
net = torch.nn.Sequential(*layers)

domain = torch.rand(2540, 2) * torch.tensor([2.0, 1.0]) + torch.tensor([-1.0, 0.0])
boundary = torch.cat([torch.where(torch.rand(80, 1) < 0.5, -1.0, 1.0), torch.rand(80, 1)], 1)
initial_x = torch.rand(160, 1) * 2 - 1
initial = torch.cat([initial_x, torch.zeros(160, 1)], 1)
initial_u = -torch.sin(math.pi * initial_x)
points = torch.cat([domain, boundary, initial]).requires_grad_(True)
nu = 0.01 / math.pi
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)


def step():
    optimizer.zero_grad()
    u = net(points)
    du = torch.autograd.grad(u, points, torch.ones_like(u), create_graph=True)[0]
    u_x, u_t = du[:, 0:1], du[:, 1:2]
    u_xx = torch.autograd.grad(u_x, points, torch.ones_like(u_x), create_graph=True)[0][:, 0:1]
    residual = (u_t + u * u_x - nu * u_xx)[:2540]
    loss = residual.square().mean() + u[2540:2620].square().mean() + (u[2620:] - initial_u).square().mean()
    loss.backward()
    optimizer.step()


for _ in range(20):
    step()
start = time.perf_counter()
for _ in range(steps):
    step()
elapsed = time.perf_counter() - start
print(json.dumps({"threads": threads, "ms_per_step": 1000 * elapsed / steps, "torch": torch.__version__}))
