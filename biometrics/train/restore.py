"""Trains the extractor's ridge-restoration network (biometrics/src/extract/restore.rs) on
synthetic prints only, and exports its weights for the Rust inference.

  cargo run --release -p fixtures --example restoration_pairs -- /tmp/restore-pairs
  python3 -m venv /tmp/venv-train && /tmp/venv-train/bin/pip install \
      numpy==2.4.6 pillow==13.0.0 torch==2.15.0
  /tmp/venv-train/bin/python biometrics/train/restore.py /tmp/restore-pairs \\
      biometrics/src/extract/restore.bin biometrics/src/extract/restore_parity.bin

Each pair is an impression (`*_in.pgm`) and its clean ridge map (`*_gt.pgm`): ordinary,
dry-dotted and wet contacts from `fixtures::synth::restoration`. The network (five 'same'
convolutions, 16 channels, 35 px receptive field) learns the ridge probability per pixel with a
binary cross-entropy, on 72 px crops (random scale 0.9-1.25, rotations, flips), 4,000 steps of
32 crops, Adam 2e-3 with cosine decay, seed 16 (an optional fourth argument picks another, for
the members of an ensemble). About 11 minutes on 2 cores. With these pinned versions
(Python 3.11) the run reproduced the embedded weights byte for byte.

The weights are written as little-endian f32, layer by layer: weight [out][in][ky][kx], then
bias. The parity file holds a 48x40 crop of the first dry-dotted pair (z-scored) and the
network's output on it, so the Rust test can check that its inference is this network's.
"""
import glob, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image

STEPS, BATCH, CROP = 4000, 32, 72


def zscore(a):
    """As the extractor normalises: zero mean, unit variance, dark ridges positive."""
    a = a.astype(np.float32)
    return (a.mean() - a) / max(a.std(), 1.0)


class Net(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.l = nn.ModuleList([
            nn.Conv2d(1, c, 5, padding=2), nn.Conv2d(c, c, 5, padding=4, dilation=2),
            nn.Conv2d(c, c, 5, padding=6, dilation=3), nn.Conv2d(c, c, 5, padding=4, dilation=2),
            nn.Conv2d(c, 1, 3, padding=1)])

    def forward(self, x):
        for layer in self.l[:-1]:
            x = F.relu(layer(x))
        return self.l[-1](x)


def load(folder):
    inputs = sorted(glob.glob(folder + '/*_in.pgm'))
    xs = [zscore(np.array(Image.open(f))) for f in inputs]
    ys = [np.array(Image.open(f.replace('_in', '_gt'))).astype(np.float32) / 255 for f in inputs]
    return xs, ys, inputs


def batch(xs, ys, rng):
    bx, by = [], []
    while len(bx) < BATCH:
        k = rng.integers(len(xs))
        x, y = xs[k], ys[k]
        side = int(round(CROP / rng.uniform(0.9, 1.25)))
        r, c = rng.integers(0, x.shape[0] - side), rng.integers(0, x.shape[1] - side)
        cx, cy = x[r:r + side, c:c + side], y[r:r + side, c:c + side]
        if cy.mean() < 0.05 and rng.uniform() < 0.8:
            continue  # mostly crops with finger in them
        t = rng.integers(4)
        cx, cy = np.rot90(cx, t), np.rot90(cy, t)
        if rng.uniform() < 0.5:
            cx, cy = cx[:, ::-1], cy[:, ::-1]
        resize = lambda a: F.interpolate(torch.tensor(np.ascontiguousarray(a))[None, None],
                                         size=(CROP, CROP), mode='bilinear',
                                         align_corners=False)[0]
        bx.append(resize(cx))
        by.append(resize(cy))
    return torch.stack(bx), torch.stack(by)


def train(xs, ys, seed):
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, STEPS)
    start, running = time.time(), 0.0
    for step in range(STEPS):
        x, y = batch(xs, ys, rng)
        # The border of a crop sees zero padding; it is left out of the loss.
        loss = F.binary_cross_entropy_with_logits(net(x)[..., 8:-8, 8:-8], y[..., 8:-8, 8:-8])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running = 0.98 * running + 0.02 * loss.item() if step else loss.item()
        if step % 100 == 0:
            print(step, round(running, 4), round(time.time() - start, 1), flush=True)
    return net


def export(net, weights_path, parity_path, dotted_input):
    net.eval()
    parts = []
    for layer in net.l:
        parts += [layer.weight.detach().numpy().ravel(), layer.bias.detach().numpy().ravel()]
    np.concatenate(parts).astype('<f4').tofile(weights_path)
    crop = np.ascontiguousarray(dotted_input[200:248, 150:190])
    with torch.no_grad():
        p = torch.sigmoid(net(torch.tensor(crop)[None, None]))[0, 0].numpy()
    np.concatenate([crop.ravel(), p.ravel()]).astype('<f4').tofile(parity_path)
    print('parameters', sum(p.size for p in parts))


if __name__ == '__main__':
    folder, weights_path, parity_path = sys.argv[1:4]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    xs, ys, names = load(folder)
    net = train(xs, ys, seed)
    first_dotted = next(i for i, n in enumerate(names) if n.endswith('_d_in.pgm'))
    export(net, weights_path, parity_path, xs[first_dotted])
