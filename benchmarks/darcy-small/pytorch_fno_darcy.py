"""neuraloperator's small Darcy example written in plain PyTorch, on Physis' HDF5 files, for benchmarks/darcy-small/run.sh.

The model is the FNO Physis builds for `physis train-operator fno --modes-total 8,8 --width 24 --projection-width 48`:
the input and the file's grid coordinates lifted pointwise to 24 channels, 4 Fourier layers GELU(K v + W v) (no GELU
after the last) and a pointwise projection 24 -> 48 -> 1 with GELU. K keeps the frequencies neuraloperator's
n_modes = (8, 8) keeps: -4 .. 3 along x, 0 .. 4 along y (the rfft axis). Input and output are normalised by one
mean and deviation each, fitted on the training split. Training as neuraloperator's example: AdamW (lr 1e-2, weight
decay 1e-4), CosineAnnealingLR with T_max 30 stepped per epoch, 15 epochs, batches of 64, relative H1 loss with
periodic central differences (spacing 1/n) on the normalised outputs. Test errors are in physical units, means over
samples of the relative L2 and the same H1.

    python3 pytorch_fno_darcy.py THREADS TRAIN_FILE TRAIN TEST TEST_FILE [TEST_FILE ...]

Prints one JSON line: {"parameters": P, "seconds": S, "tests": {name: {"l2": ..., "h1": ...}}}; the held-out split
(the last TEST samples of TRAIN_FILE) is named "test".
"""
import json
import sys
import time

import h5py
import numpy as np
import torch


def read(path):
    """Inputs [N, nx, ny], targets at the last time [N, nx, ny] and the axis coordinates, as float32 tensors."""
    with h5py.File(path, "r") as f:
        inputs = np.asarray(f["input"], dtype=np.float64)
        tensor = np.asarray(f["tensor"], dtype=np.float64)
        targets = tensor[:, -1] if tensor.ndim == inputs.ndim + 1 else tensor
        axes = [np.asarray(f["x-coordinate"], dtype=np.float64), np.asarray(f["y-coordinate"], dtype=np.float64)]
    return inputs, targets, axes


class SpectralConv2d(torch.nn.Module):
    """rfft2, the kept modes times complex [in, out] matrices, zero elsewhere, irfft2."""

    def __init__(self, channels, total_x, total_y):
        super().__init__()
        self.half_x, self.last_y = total_x // 2, total_y // 2 + 1
        scale = 1 / (channels * channels)
        self.weight = torch.nn.Parameter(scale * torch.rand(channels, channels, 2 * self.half_x, self.last_y, dtype=torch.cfloat))

    def forward(self, v):
        nx, ny = v.shape[-2:]
        spectrum = torch.fft.rfft2(v)
        kept = torch.cat([spectrum[:, :, :self.half_x, :self.last_y], spectrum[:, :, nx - self.half_x:, :self.last_y]], dim=2)
        mixed = torch.einsum("bixy,ioxy->boxy", kept, self.weight)
        out = torch.zeros(v.shape[0], self.weight.shape[1], nx, ny // 2 + 1, dtype=torch.cfloat)
        out[:, :, :self.half_x, :self.last_y] = mixed[:, :, :self.half_x]
        out[:, :, nx - self.half_x:, :self.last_y] = mixed[:, :, self.half_x:]
        return torch.fft.irfft2(out, s=(nx, ny))


class Fno2d(torch.nn.Module):
    def __init__(self, width=24, projection=48, layers=4, total_modes=(8, 8)):
        super().__init__()
        self.lift = torch.nn.Conv2d(3, width, 1)
        self.spectral = torch.nn.ModuleList([SpectralConv2d(width, *total_modes) for _ in range(layers)])
        self.skips = torch.nn.ModuleList([torch.nn.Conv2d(width, width, 1) for _ in range(layers)])
        self.project_hidden = torch.nn.Conv2d(width, projection, 1)
        self.project_out = torch.nn.Conv2d(projection, 1, 1)

    def forward(self, a, x, y):
        b, nx, ny = a.shape
        grid = torch.stack(torch.meshgrid(x, y, indexing="ij")).expand(b, 2, nx, ny)
        v = self.lift(torch.cat([a.unsqueeze(1), grid], dim=1))
        for layer, (spectral, skip) in enumerate(zip(self.spectral, self.skips)):
            v = spectral(v) + skip(v)
            if layer < len(self.spectral) - 1:
                v = torch.nn.functional.gelu(v)
        return self.project_out(torch.nn.functional.gelu(self.project_hidden(v))).squeeze(1)


def relative_l2(prediction, truth):
    b = truth.shape[0]
    return (torch.linalg.vector_norm((prediction - truth).reshape(b, -1), dim=1) / torch.linalg.vector_norm(truth.reshape(b, -1), dim=1)).mean()


def relative_h1_periodic(prediction, truth):
    """sqrt(|e|^2 + |D_x e|^2 + |D_y e|^2) over the same of the truth, D central differences wrapped around, spacing 1/n."""
    def squares(v):
        total = v.square().flatten(1).sum(1)
        for axis in (1, 2):
            n = v.shape[axis]
            total = total + ((v.roll(-1, axis) - v.roll(1, axis)) * (n / 2)).square().flatten(1).sum(1)
        return total
    return (squares(prediction - truth) / squares(truth)).sqrt().mean()


def main():
    threads, train_file, train_count, test_count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    inputs, targets, axes = read(train_file)
    train_a, train_u = inputs[:train_count], targets[:train_count]
    a_mean, a_std = train_a.mean(), train_a.std()
    u_mean, u_std = train_u.mean(), train_u.std()
    tests = {"test": (inputs[-test_count:], targets[-test_count:], axes)}
    for path in sys.argv[5:]:
        tests[path] = read(path)

    def tensors(a, u, coordinates):
        return (torch.tensor((a - a_mean) / a_std, dtype=torch.float32), torch.tensor(u, dtype=torch.float32),
                *(torch.tensor(c, dtype=torch.float32) for c in coordinates))

    model = Fno2d()
    parameters = sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)
    a, u, x, y = tensors(train_a, train_u, axes)
    u_normalised = (u - u_mean) / u_std
    start = time.perf_counter()
    for _ in range(15):
        model.train()
        for rows in torch.randperm(train_count).split(64):
            optimizer.zero_grad()
            loss = relative_h1_periodic(model(a[rows], x, y), u_normalised[rows])
            loss.backward()
            optimizer.step()
        scheduler.step()
    seconds = time.perf_counter() - start

    model.eval()
    results = {}
    with torch.no_grad():
        for name, data in tests.items():
            ta, tu, tx, ty = tensors(*data)
            prediction = model(ta, tx, ty) * u_std + u_mean
            results[name] = {"l2": relative_l2(prediction, tu).item(), "h1": relative_h1_periodic(prediction, tu).item()}
    print(json.dumps({"parameters": parameters, "seconds": seconds, "tests": results}))


if __name__ == "__main__":
    main()
