"""The PyTorch reference a user would pick instead: the same networks (layer shapes, BN, LReLU
0.2, tanh/sigmoid outputs, the conditional hwdb label maps), the same LSGAN iteration (one D
step on separate real and fake calls, one G step with the same z; the mixture's simultaneous
update), Adam(2e-4, 0.5), on the CPU. Two ways to write the image-net iteration:

- `authors`: G(z) under no_grad for the D step, then G(z) again for the G step (the authors'
  TF1 code, which runs the generator twice);
- `reuse`: G(z) once, detached for the D step and reused for the G step (the PyTorch DCGAN
  example's way, the same algorithmic work as lsgan_tf).

  .venv/bin/python -m bench.torch_reference --archs=digits,mixture --steps=10   # prints JSON
  .venv/bin/python -m bench.torch_reference --archs=digits --autocast=bfloat16  # torch.autocast around each iteration
  .venv/bin/python -m bench.torch_reference --archs=digits --device=cuda --autocast=float16  # with a GradScaler

Install with `pip install -r requirements-bench.txt` (torch==2.13.0, a CPU build).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Optional

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
    "hwdb": dict(z=1024, classes=3740, label_dim=256, image=(1, 28, 28), batch=64),
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


class ConditionalGenerator(nn.Module):
    """concat[z, Wy] -> FC(128*7*7) BN ReLU -> TCONV(K5,S2,128) BN ReLU -> TCONV(K5,S2,1) sigmoid."""

    def __init__(self, spec):
        super().__init__()
        self.label_map = nn.Embedding(spec["classes"], spec["label_dim"])
        self.fc = nn.Sequential(nn.Linear(spec["z"] + spec["label_dim"], 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU())
        self.body = nn.Sequential(nn.ConvTranspose2d(128, 128, 5, 2, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                  nn.ConvTranspose2d(128, 1, 5, 2, 2, 1), nn.Sigmoid())

    def forward(self, z, labels):
        return self.body(self.fc(torch.cat([z, self.label_map(labels)], 1)).view(-1, 128, 7, 7))


class ConditionalDiscriminator(nn.Module):
    """The label vector concatenated to the image and to every hidden layer, as lsgan_tf's hwdb D."""

    def __init__(self, spec):
        super().__init__()
        k = spec["label_dim"]
        self.label_map = nn.Embedding(spec["classes"], k)
        self.conv1 = nn.Sequential(nn.Conv2d(1 + k, 1 + k, 5, 2, 2), nn.LeakyReLU(0.2))
        self.conv2 = nn.Sequential(nn.Conv2d(1 + 2 * k, 320, 5, 2, 2), nn.BatchNorm2d(320), nn.LeakyReLU(0.2))
        self.fc = nn.Sequential(nn.Linear(320 * 7 * 7 + k, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2))
        self.out = nn.Linear(1024 + k, 1)

    def forward(self, x, labels):
        y = self.label_map(labels)

        def tiled(h):
            return torch.cat([h, y[:, :, None, None].expand(-1, -1, h.shape[2], h.shape[3])], 1)

        h = self.conv2(tiled(self.conv1(tiled(x))))
        h = self.fc(torch.cat([h.flatten(1), y], 1))
        return self.out(torch.cat([h, y], 1))


class Mixture(nn.Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(inputs, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh(), nn.Linear(128, outputs))

    def forward(self, x):
        return self.body(x)


def build(arch):
    """(G, D, z_dim, image shape, batch, number of classes or None) of an architecture."""
    if arch == "mixture":
        return Mixture(256, 2), Mixture(2, 1), 256, (2,), 512, None
    spec = SPECS[arch]
    if arch == "hwdb":
        return ConditionalGenerator(spec), ConditionalDiscriminator(spec), spec["z"], spec["image"], spec["batch"], spec["classes"]
    return Generator(spec), Discriminator(spec), spec["z"], spec["image"], spec["batch"], None


def images_per_second(arch: str, steps: int, iteration_kind: str, device: str = "cpu",
                      autocast: Optional[str] = None) -> float:
    """A full LSGAN (-110) iteration per step, written the `iteration_kind` way (module doc), on
    `device`, under torch.autocast(`autocast`) when given (float16 with a GradScaler, as PyTorch's
    AMP recipe); images/s after 3 warm-up iterations."""
    generator, discriminator, z_dim, shape, batch, classes = build(arch)
    generator, discriminator = generator.to(device), discriminator.to(device)
    d_optimizer = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    g_optimizer = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, *shape, device=device) * 2 - 1
    labels = torch.randint(0, classes, (batch,), device=device) if classes else None
    scaler = torch.amp.GradScaler(device, enabled=autocast == "float16")
    region = ((lambda: torch.autocast(device, dtype=getattr(torch, autocast))) if autocast
              else contextlib.nullcontext)
    conditioned = (lambda *args: args + (labels,)) if classes else (lambda *args: args)
    G = lambda z: generator(*conditioned(z))
    D = lambda x: discriminator(*conditioned(x))
    def d_loss_of(fake):
        return 0.5 * ((D(real) - 1) ** 2).mean() + 0.5 * ((D(fake) + 1) ** 2).mean()

    def step(optimizer, loss):
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    def simultaneous(z):  # the mixture script: both gradients from one forward pass
        fake = G(z)
        d_loss, g_loss = d_loss_of(fake.detach()), 0.5 * (D(fake) ** 2).mean()
        g_grads = torch.autograd.grad(g_loss, list(generator.parameters()))
        step(d_optimizer, d_loss)
        for parameter, grad in zip(generator.parameters(), g_grads):
            parameter.grad = grad
        g_optimizer.step()

    def authors(z):
        with torch.no_grad():
            fake = G(z)
        step(d_optimizer, d_loss_of(fake))
        step(g_optimizer, 0.5 * (D(G(z)) ** 2).mean())

    def reuse(z):
        fake = G(z)
        step(d_optimizer, d_loss_of(fake.detach()))
        step(g_optimizer, 0.5 * (D(fake) ** 2).mean())

    kind = {"authors": authors, "reuse": reuse, "simultaneous": simultaneous}[iteration_kind]

    def iteration():
        with region():
            kind(torch.randn(batch, z_dim, device=device))

    for _ in range(3):
        iteration()
    synchronize = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        iteration()
    synchronize()
    return steps * batch / (time.perf_counter() - started)


def rates(arch: str, steps: int, device: str = "cpu", autocast: Optional[str] = None) -> dict:
    """images/s of the `authors` and `reuse` iterations; the mixture's simultaneous update is
    both (it computes G(z) once), so it is measured once and reported under both names."""
    if arch == "mixture":
        rate = images_per_second(arch, steps, "simultaneous", device, autocast)
        return {"authors": rate, "reuse": rate}
    return {kind: images_per_second(arch, steps, kind, device, autocast) for kind in ("authors", "reuse")}


def _option(name: str, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main() -> None:
    archs = _option("--archs", "digits").split(",")
    steps = int(_option("--steps", 10))
    device, autocast = _option("--device", "cpu"), _option("--autocast", None)
    print(json.dumps({arch: rates(arch, steps, device, autocast) for arch in archs}))


if __name__ == "__main__":
    main()
