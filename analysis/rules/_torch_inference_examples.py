"""The examples of torch_inference.py's rules (HYB208's and HYB209's): the code each must leave alone
(`*_VALID`) and the code each must report (`*_INVALID`).

Tests and documentation of the rules, like every rule's `valid` / `invalid`; kept apart because they are
most of the module (every false alarm the precision studies found is one of them,
bench/precision/patterns.md), and the rules' own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

# Shared parts of the examples: a model with dropout and batch norm, a training step.
_NET = """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Dropout(0.2))

        def forward(self, x):
            return self.body(x)
"""
_LOOP = """
                loss = torch.nn.functional.mse_loss(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
"""

# HYB208 (ModelWithoutEval)
MODEL_WITHOUT_EVAL_VALID = (
    Valid(_NET + """
    def predict(path, x):
        model = Net()
        model.load_state_dict(torch.load(path, weights_only=True))
        model.eval()
        with torch.no_grad():
            return model(x)
    """, note="eval() before the call"),
    Valid(_NET + """
    def predict(path, x):
        model = Net().to("cpu").eval()
        model.load_state_dict(torch.load(path, weights_only=True))
        with torch.inference_mode():
            return model(x)
    """, note="eval() in the construction chain"),
    Valid(_NET + """
    def evaluate(model, x):
        model.eval()
        return model(x)

    def predict(path, x):
        model = Net()
        model.load_state_dict(torch.load(path, weights_only=True))
        with torch.no_grad():
            return evaluate(model, x)
    """, note="handed to a function that may set the mode"),
    Valid("""
        import torch
        from torch import nn

        class Linear(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)

            def forward(self, x):
                return self.fc(x)

        def predict(path, x):
            model = Linear()
            model.load_state_dict(torch.load(path, weights_only=True))
            with torch.no_grad():
                return model(x)
    """, note="no dropout or batch norm: both modes compute the same"),
    Valid(_NET + """
    def fit(path, x, y, optimizer):
        model = Net()
        model.load_state_dict(torch.load(path, weights_only=True))
        model.train()
        with torch.no_grad():
            baseline = model(x)
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        return baseline
    """, note="training mode set on purpose"),
    Valid("""
        import torch
        from torch import nn

        class Encoder(nn.Module):
            def __init__(self, dim, dropout=0.1):
                super().__init__()
                self.fc = nn.Linear(dim, dim)
                self.drop = nn.Dropout(dropout)

            def forward(self, x):
                return self.drop(self.fc(x))

        def test_same_outputs():
            ref = Encoder(16, dropout=0.)
            other = Encoder(16, dropout=0.)
            other.load_state_dict(ref.state_dict())
            ref.eval()
            with torch.no_grad():
                assert torch.allclose(ref(torch.ones(2, 16)), other(torch.ones(2, 16)))
    """, note="built with `dropout=0.` and no batch norm: dropout of 0 is the identity in both modes "
              "(audiocraft 1.0.0's transformer tests, P3-jaxtrue)"),
)


# HYB208 (ModelWithoutEval)
MODEL_WITHOUT_EVAL_INVALID = (
    Invalid(_NET + """
    def predict(path, x):
        model = Net()
        model.load_state_dict(torch.load(path, weights_only=True))
        with torch.no_grad():
            return model(x)
    """, lines=(16,)),
    Invalid(_NET + """
    @torch.no_grad()
    def predict(path, x):
        model = Net().to("cpu")
        model.load_state_dict(torch.load(path, weights_only=True))
        return model(x)
    """, lines=(16,), note="a decorated inference function; `.to()` returns the same model"),
    Invalid("""
        import torch

        model = torch.load("model.pt", weights_only=False)
        with torch.inference_mode():
            print(model(torch.ones(1, 8)))
    """, lines=(5,), note="a whole model loaded in a script"),
    Invalid("""
        import torch
        import torchvision

        net = torchvision.models.resnet18()
        net.load_state_dict(torch.load("resnet18.pt", weights_only=True))
        with torch.no_grad():
            logits = net(torch.zeros(1, 3, 224, 224))
    """, lines=(7,), note="a torchvision model (batch norm)"),
    Invalid("""
        import torch
        from torch import nn

        class Head(nn.Module):
            def __init__(self, dropout=0.1):
                super().__init__()
                self.norm = nn.BatchNorm1d(8)
                self.drop = nn.Dropout(dropout)

            def forward(self, x):
                return self.drop(self.norm(x))

        head = Head(dropout=0.0)
        head.load_state_dict(torch.load("head.pt", weights_only=True))
        with torch.no_grad():
            out = head(torch.ones(4, 8))
    """, lines=(16,), note="dropout off, but batch norm still uses the batch's statistics in training mode"),
)


# HYB209 (DataLoaderWithoutWorkers)
DATA_LOADER_WITHOUT_WORKERS_VALID = (
    Valid("""
        import torch
        from torch.utils.data import DataLoader

        def train(model, dataset, optimizer):
            for x, y in DataLoader(dataset, batch_size=64, num_workers=4):""" + _LOOP,
          note="num_workers given"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def train(model, xs, ys, optimizer):
            data = TensorDataset(xs, ys)
            for x, y in DataLoader(data, batch_size=64, shuffle=True):""" + _LOOP,
          note="tensors already in memory: workers only add overhead"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader

        def evaluate(model, dataset):
            with torch.no_grad():
                return [model(x) for x, _ in DataLoader(dataset, batch_size=256)]
    """, note="not a training script (no backward/step)"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader

        def train(model, dataset, optimizer, **loader_options):
            for x, y in DataLoader(dataset, batch_size=64, **loader_options):""" + _LOOP,
          note="options passed through"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader

        def test_training_step(model, dataset, optimizer):
            for x, y in DataLoader(dataset, batch_size=2):""" + _LOOP,
          path="tests/test_train.py", note="a test"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        def train(model, xs, ys, mask, optimizer):
            if mask is None:
                dataset = TensorDataset(xs, ys)
            else:
                dataset = TensorDataset(xs, ys, mask)
            for x, y, *_ in DataLoader(dataset=dataset, batch_size=64, shuffle=True):""" + _LOOP,
          note="in memory in every branch, passed by keyword (adversarial-robustness-toolbox, P45-fixc)"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader, Dataset

        def fit(model, xs, ys, optimizer):
            class Pairs(Dataset):
                def __init__(self, x, y):
                    self.x = x
                    self.y = y

                def __len__(self):
                    return len(self.x)

                def __getitem__(self, idx):
                    return torch.from_numpy(self.x[idx]), self.y[idx]

            for x, y in DataLoader(dataset=Pairs(xs, ys), batch_size=8, shuffle=True):""" + _LOOP,
          note="a Dataset that only indexes arrays it holds (adversarial-robustness-toolbox, alibi-detect, "
               "P45-fixc)"),
    Valid("""
        import torch
        from torch.utils.data import DataLoader, Dataset

        class Rows(Dataset):
            def __init__(self, x, mean, std):
                self.x, self.mean, self.std = x, mean, std

            def __len__(self):
                return self.x.shape[0]

            def __getitem__(self, idx):
                if torch.is_tensor(idx):
                    idx = idx.tolist()
                sample = (self.x[idx, :] - self.mean) / self.std
                return torch.from_numpy(sample), idx

        def fit(model, x, mean, std, optimizer):
            for x, y in DataLoader(Rows(x, mean, std), batch_size=32, shuffle=True):""" + _LOOP,
          note="the tutorial's `if torch.is_tensor(idx): idx = idx.tolist()` and arithmetic on the indexed row "
               "are still in memory (pyod 1.1.3's PyODDataset, P54-growb)"),
    Valid("""
        import torch

        def fit(model, features, optimizer):
            data = torch.tensor(features).float()
            data = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True)
            for x in data:
                optimizer.zero_grad()
                loss = model(x).sum()
                loss.backward()
                optimizer.step()
    """, note="a tensor is a dataset in memory; the loader rebinding its name is no other binding (dice-ml, "
              "P55-growb)"),
    Valid("""
        import torch
        from torch.utils.data import ConcatDataset, DataLoader

        from torchtune import config

        class Recipe:
            def setup_data(self, cfg_dataset, batch_size):
                if isinstance(cfg_dataset, list):
                    datasets = [config.instantiate(c, self._tokenizer) for c in cfg_dataset]
                    ds = ConcatDataset(datasets=datasets)
                else:
                    ds = config.instantiate(cfg_dataset, tokenizer=self._tokenizer)
                return DataLoader(dataset=ds, batch_size=batch_size, drop_last=True)

            def train(self, model, optimizer):
                for batch in self.setup_data(self.cfg, 4):
                    loss = model(batch).mean()
                    loss.backward()
                    optimizer.step()
    """, note="issue 14 P3-torchp (torchtune's recipes): tokenized text datasets, alone or concatenated; "
              "tokenizing costs little next to a fine-tuning step"),
    Valid("""
        from torch.utils.data import DataLoader

        class TabModel:
            def fit(self, loader, optimizer):
                for x, y in loader:
                    loss = (self.network(x) - y).pow(2).mean()
                    loss.backward()
                    optimizer.step()

            def predict(self, dataset):
                self.network.eval()
                loader = DataLoader(dataset, batch_size=1024, shuffle=False)
                return [self.network(x) for x in loader]
    """, note="issue 14 P5-torchp (pytorch-tabnet): the loader of a predict method (eval mode, no training) "
              "in a module that also trains"),
)


# HYB209 (DataLoaderWithoutWorkers)
DATA_LOADER_WITHOUT_WORKERS_INVALID = (
    Invalid("""
        import torch
        from torch.utils.data import DataLoader

        def train(model, dataset, optimizer):
            for x, y in DataLoader(dataset, batch_size=64, shuffle=True):""" + _LOOP,
            lines=(5,)),
    Invalid("""
        import torch
        import torchvision

        dataset = torchvision.datasets.ImageFolder("data/train")
        loader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)

        def train(model, optimizer):
            for x, y in loader:""" + _LOOP,
            lines=(5,), note="a script-level loader"),
    Invalid("""
        import torch
        from torch.utils import data

        def fit(model, dataset, optimizer, epochs):
            loader = data.DataLoader(dataset, 16, True)
            for _ in range(epochs):
                for x, y in loader:
                    loss = model(x).sub(y).pow(2).mean()
                    loss.backward()
                    optimizer.step()
    """, lines=(5,), note="positional arguments stop before num_workers"),
    Invalid("""
        import torch
        from PIL import Image
        from torch.utils.data import DataLoader, Dataset

        class Images(Dataset):
            def __init__(self, paths, labels):
                self.paths = paths
                self.labels = labels

            def __getitem__(self, idx):
                return torch.as_tensor(Image.open(self.paths[idx])), self.labels[idx]

        def train(model, paths, labels, optimizer):
            for x, y in DataLoader(dataset=Images(paths, labels), batch_size=64):""" + _LOOP,
            lines=(14,), note="a Dataset that opens a file per item: workers would overlap it"),
    Invalid("""
        import torch
        import torchvision
        from torch.utils.data import ConcatDataset, DataLoader, TensorDataset

        def train(model, xs, ys, optimizer):
            data = ConcatDataset([TensorDataset(xs, ys), torchvision.datasets.ImageFolder("extra")])
            for x, y in DataLoader(data, batch_size=64):""" + _LOOP,
            lines=(7,), note="a concatenation with one dataset that reads files"),
    Invalid("""
        from torch.utils.data import DataLoader

        def fit(model, dataset, val_x, optimizer):
            for x, y in DataLoader(dataset, batch_size=64):
                model.train()
                loss = (model(x) - y).pow(2).mean()
                loss.backward()
                optimizer.step()
                model.eval()
                print(model(val_x).mean())
    """, lines=(4,), note="eval mode for validation inside the training loop: still training"),
)
