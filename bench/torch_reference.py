"""The PyTorch reference a user would pick instead: the same networks (layer shapes, BN, LReLU
0.2, tanh/sigmoid outputs), the same LSGAN iteration (one D step on separate real and fake
calls, one G step with the same z), Adam(2e-4, 0.5), on the CPU.

  .venv/bin/python bench/torch_reference.py --archs=digits,mixture --steps=10   # prints JSON

Install with `pip install -r requirements-bench.txt` (torch==2.13.0, a CPU build).
"""

from __future__ import annotations

import json
import sys
import time

import torch
from torch import nn

torch.set_num_threads(torch.get_num_threads())

# Per architecture: z, (base h, w, c), hidden deconvs (filters, kernel, stride, output_padding),
# output deconv, output activation, D convs (filters, kernel, bn), D dense units, image shape.
SPECS = {
    "digits": dict(z=100, base=(4, 4, 512), hidden=[(256, 3, 2, 0), (128, 3, 2, 1)], out=(1, 3, 2, 1), act="tanh",
                   convs=[(20, 5, False), (50, 5, True)], dense=[500], image=(1, 28, 28), batch=64),
    "dcgan64": dict(z=100, base=(4, 4, 512), hidden=[(256, 5, 2, 1), (128, 5, 2, 1), (64, 5, 2, 1)], out=(3, 5, 2, 1),
                    act="tanh", convs=[(64, 5, False), (128, 5, True), (256, 5, True), (512, 5, True)], dense=[],
                    image=(3, 64, 64), batch=64),
    "cat128": dict(z=100, base=(8, 8, 512), hidden=[(256, 3, 2, 1), (128, 3, 2, 1), (64, 3, 2, 1)], out=(3, 3, 2, 1),
                   act="tanh", convs=[(64, 5, False), (128, 5, True), (256, 5, True), (512, 5, True)], dense=[],
                   image=(3, 128, 128), batch=64),
    "scene112": dict(z=1024, base=(7, 7, 256), hidden=[(256, 3, 2, 1), (256, 3, 1, 0), (256, 3, 2, 1), (256, 3, 1, 0),
                                                       (128, 3, 2, 1), (64, 3, 2, 1)], out=(3, 3, 1, 0), act="tanh",
                     convs=[(64, 5, False), (128, 5, True), (256, 5, True), (512, 5, True)], dense=[],
                     image=(3, 112, 112), batch=64),
}


class Generator(nn.Module):
    def __init__(self, spec):
        super().__init__()
        h, w, c = spec["base"]
        self.base = (c, h, w)
        self.fc = nn.Sequential(nn.Linear(spec["z"], h * w * c))
        self.fc_bn = nn.Sequential(nn.BatchNorm2d(c, momentum=0.1, eps=1e-5), nn.ReLU())
        layers, channels = [], c
        for filters, kernel, stride, output_padding in spec["hidden"]:
            layers += [nn.ConvTranspose2d(channels, filters, kernel, stride, kernel // 2, output_padding),
                       nn.BatchNorm2d(filters, momentum=0.1, eps=1e-5), nn.ReLU()]
            channels = filters
        filters, kernel, stride, output_padding = spec["out"]
        layers += [nn.ConvTranspose2d(channels, filters, kernel, stride, kernel // 2, output_padding),
                   nn.Tanh() if spec["act"] == "tanh" else nn.Sigmoid()]
        self.body = nn.Sequential(*layers)

    def forward(self, z):
        return self.body(self.fc_bn(self.fc(z).view(-1, *self.base)))


class Discriminator(nn.Module):
    def __init__(self, spec):
        super().__init__()
        layers, channels, size = [], spec["image"][0], spec["image"][1]
        for filters, kernel, bn in spec["convs"]:
            layers.append(nn.Conv2d(channels, filters, kernel, 2, kernel // 2))
            if bn:
                layers.append(nn.BatchNorm2d(filters, momentum=0.1, eps=1e-5))
            layers.append(nn.LeakyReLU(0.2))
            channels, size = filters, (size + 1) // 2
        layers.append(nn.Flatten())
        features = channels * size * size
        for units in spec["dense"]:
            layers += [nn.Linear(features, units), nn.BatchNorm1d(units, momentum=0.1, eps=1e-5), nn.LeakyReLU(0.2)]
            features = units
        layers.append(nn.Linear(features, 1))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


class Mixture(nn.Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(inputs, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh(), nn.Linear(128, outputs))

    def forward(self, x):
        return self.body(x)


def build(arch):
    if arch == "mixture":
        return Mixture(256, 2), Mixture(2, 1), 256, (2,), 512
    spec = SPECS[arch]
    return Generator(spec), Discriminator(spec), spec["z"], spec["image"], spec["batch"]


def images_per_second(arch: str, steps: int) -> float:
    """A full LSGAN (-110) iteration per step; images/s after 3 warm-up iterations."""
    generator, discriminator, z_dim, shape, batch = build(arch)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    g_optimizer = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, *shape) * 2 - 1

    def iteration():
        z = torch.randn(batch, z_dim)
        with torch.no_grad():
            fake = generator(z)
        d_loss = 0.5 * ((discriminator(real) - 1) ** 2).mean() + 0.5 * ((discriminator(fake) + 1) ** 2).mean()
        d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        d_optimizer.step()
        g_loss = 0.5 * (discriminator(generator(z)) ** 2).mean()
        g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        g_optimizer.step()
        return g_loss.item()

    for _ in range(3):
        iteration()
    started = time.perf_counter()
    for _ in range(steps):
        iteration()
    return steps * batch / (time.perf_counter() - started)


def main() -> None:
    archs = sys.argv[sys.argv.index("--archs") + 1].split(",") if "--archs" in sys.argv else ["digits"]
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 10
    print(json.dumps({arch: images_per_second(arch, steps) for arch in archs}))


if __name__ == "__main__":
    main()
