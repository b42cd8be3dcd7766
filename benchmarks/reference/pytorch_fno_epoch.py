"""Training epochs of the 1D Burgers FNO in plain PyTorch: the reference `physis bench fno` compares against.

The model of Li et al. (2021) for Burgers: grid coordinate appended to the input, pointwise lifting to `width`
channels, 4 Fourier layers (spectral convolution on the lowest `modes` modes with rfft, plus a pointwise 1x1
convolution, GELU between layers), projection width -> 128 -> 1 with GELU. Adam (lr 1e-3, weight decay 1e-4),
StepLR (halving every 50 epochs), mini-batches of `batch`, relative L2 loss averaged over the batch: the same
computation as Physis' OperatorTrainer. The data are smooth random fields of the benchmark's shape (timing only).
Prints one JSON line: {"threads": T, "seconds_per_epoch": ...}.

    python3 pytorch_fno_epoch.py THREADS EPOCHS SAMPLES RESOLUTION MODES WIDTH BATCH
"""
import json
import sys
import time

import torch

threads, epochs, samples, n, modes, width, batch = (int(a) for a in sys.argv[1:8])
torch.set_num_threads(threads)
torch.manual_seed(0)


class SpectralConv1d(torch.nn.Module):
    def __init__(self, channels, modes):
        super().__init__()
        self.modes = modes
        scale = 1 / (channels * channels)
        self.weight = torch.nn.Parameter(scale * torch.rand(channels, channels, modes, dtype=torch.cfloat))

    def forward(self, x):
        spectrum = torch.fft.rfft(x)
        out = torch.zeros(x.shape[0], self.weight.shape[1], x.shape[-1] // 2 + 1, dtype=torch.cfloat)
        out[:, :, :self.modes] = torch.einsum("bix,iox->box", spectrum[:, :, :self.modes], self.weight)
        return torch.fft.irfft(out, n=x.shape[-1])


class Fno1d(torch.nn.Module):
    def __init__(self, modes, width, layers=4):
        super().__init__()
        self.lift = torch.nn.Linear(2, width)
        self.spectral = torch.nn.ModuleList(SpectralConv1d(width, modes) for _ in range(layers))
        self.skip = torch.nn.ModuleList(torch.nn.Conv1d(width, width, 1) for _ in range(layers))
        self.project1 = torch.nn.Linear(width, 128)
        self.project2 = torch.nn.Linear(128, 1)

    def forward(self, u):
        grid = torch.linspace(0, 1, u.shape[-1]).expand(u.shape[0], -1)
        h = self.lift(torch.stack([u, grid], -1)).permute(0, 2, 1)
        for i, (k, w) in enumerate(zip(self.spectral, self.skip)):
            h = k(h) + w(h)
            if i < len(self.spectral) - 1:
                h = torch.nn.functional.gelu(h)
        h = self.project2(torch.nn.functional.gelu(self.project1(h.permute(0, 2, 1))))
        return h.squeeze(-1)


def relative_l2(prediction, truth):
    return (torch.linalg.vector_norm(prediction - truth, dim=1) / torch.linalg.vector_norm(truth, dim=1)).mean()


# Smooth random periodic fields (a few low Fourier modes) as inputs and targets.
k = torch.arange(1, 9, dtype=torch.float32)
x = torch.arange(n, dtype=torch.float32) / n
def fields(count):
    a = torch.randn(count, 8) / k
    return (a[:, :, None] * torch.sin(2 * torch.pi * k[None, :, None] * x[None, None, :])).sum(1)
inputs, targets = fields(samples), fields(samples)

model = Fno1d(modes, width)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=50, gamma=0.5)


def epoch():
    model.train()
    for rows in torch.randperm(samples).split(batch):
        optimizer.zero_grad()
        loss = relative_l2(model(inputs[rows]), targets[rows])
        loss.backward()
        optimizer.step()
    scheduler.step()


epoch()  # warm-up
start = time.perf_counter()
for _ in range(epochs):
    epoch()
elapsed = time.perf_counter() - start
parameters = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
print(json.dumps({"threads": threads, "seconds_per_epoch": elapsed / epochs, "parameters": parameters, "torch": torch.__version__}))
