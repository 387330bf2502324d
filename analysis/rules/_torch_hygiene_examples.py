"""The examples of torch_hygiene.py's rules (HYB205's, HYB206's and HYB207's): the code each must leave
alone (`*_VALID`) and the code each must report (`*_INVALID`).

Tests and documentation of the rules, like every rule's `valid` / `invalid`; kept apart because they are
most of the module (every false alarm the precision studies found is one of them,
bench/precision/patterns.md), and the rules' own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

# HYB205 (UnsafeTorchLoad)
UNSAFE_TORCH_LOAD_VALID = (
    Valid("""
        import torch

        state = torch.load("model.pt", weights_only=True)
    """),
    Valid("""
        import torch

        legacy = torch.load("trusted_full_model.pt", weights_only=False)
    """, note="an explicit choice"),
    Valid("""
        import io

        import torch

        def roundtrip(data):
            buffer = io.BytesIO(data)
            return torch.load(buffer)
    """, note="a buffer the program made itself (Lightning's pattern)"),
    Valid("""
        import torch

        def load(path, weights_only=True):
            try:
                return torch.load(path, weights_only=weights_only)
            except TypeError:
                return torch.load(path)  # PyTorch without the argument
    """, note="a fallback next to an explicit choice (timm's pattern)"),
    Valid("""
        import pickle

        def load(path):
            with open(path, "rb") as f:
                return pickle.load(f)
    """, note="not torch.load"),
    Valid("""
        import dill
        import torch

        def load_model(path):
            return torch.load(path, pickle_module=dill)
    """, note="a whole pickled model with a custom unpickler, which torch refuses with weights_only=True "
              "(issue 10 P27-corpusb, alibi-detect)"),
    Valid("""
        import torch

        def load_model(path):
            model = torch.load(path)
            model.eval()
            return model

        class MAML:
            def restore(self, path):
                data: dict = torch.load(path, map_location="cpu")
                self.learner.__dict__ = data["model_state_dict"]
    """, note="whole pickled objects (a module put in eval mode, an object's __dict__), which "
              "weights_only=True cannot load (issue 10 P38-corpusc/P48-fixb, alibi and deepchem)"),
    Valid("""
        from pathlib import Path

        import torch

        _WEIGHTS = Path(__file__).resolve().parent / "dists_models" / "weights.pt"

        def load_weights():
            return torch.load(str(_WEIGHTS))
    """, note="a file shipped inside the package (torchmetrics' DISTS weights)"),
    Valid("""
        import torch

        class Sampler:
            def dumps(self, path):
                torch.save(self.state_dict(), path / "consuming_sampler.pt")

            def loads(self, path):
                self.load_state_dict(torch.load(path / "consuming_sampler.pt"))
    """, note="the file this module's own dumps() writes (TorchRL's replay buffers)"),
    Valid("""
        from pathlib import Path

        import torch

        class RewardModel(torch.nn.Module):
            @classmethod
            def from_pretrained(cls, path):
                filename = Path(path) / "reward_model.pt"
                if filename.exists():
                    return torch.load(filename)
                return cls()

            def save_pretrained(self, path):
                torch.save(self, Path(path) / "reward_model.pt")
    """, note="issue 14 P4-torchp (TorchRL's reward model): the file its own save_pretrained writes, named "
              "through a local"),
    Valid("""
        import torch

        class TimeSeriesDataSet:
            def save(self, fname):
                torch.save(self, fname)

            @classmethod
            def load(cls, fname):
                obj = torch.load(fname)
                assert isinstance(obj, cls)
                return obj
    """, note="issue 14 P7-torchprec (pytorch-forecasting): the class pickles itself whole, so its load reads "
              "a whole object, which weights_only=True refuses"),
    Valid("""
        import os

        import torch

        def estimate_gradients(model, cache_file=None):
            if cache_file is not None and os.path.exists(cache_file):
                return torch.load(cache_file)
            cache = {name: p.grad for name, p in model.named_parameters()}
            if cache_file is not None:
                torch.save(cache, cache_file)
            return cache

        def upgrade(files):
            for file in files:
                checkpoint = torch.load(file)
                checkpoint["version"] = 2
                torch.save(checkpoint, file)
    """, note="issue 14 P8-torchprec (PEFT's LoRA-GA cache, Lightning's upgrade_checkpoint): the same function "
              "writes the file back with torch.save"),
    Valid("""
        import os

        import torch

        META_FILE = "meta.bin"

        def parse_devkit(root):
            torch.save(({}, []), os.path.join(root, META_FILE))

        def load_meta_file(root, file=None):
            if file is None:
                file = META_FILE
            return torch.load(os.path.join(root, file))

        class CIFAR10:
            TRAIN_FILE_NAME = "training.pt"
            TEST_FILE_NAME = "test.pt"

            def convert(self, data, labels):
                torch.save((data, labels), os.path.join(self.folder, self.TRAIN_FILE_NAME))

            def __init__(self, train=True):
                data_file = self.TRAIN_FILE_NAME if train else self.TEST_FILE_NAME
                self.data, self.targets = torch.load(os.path.join(self.folder, data_file))

        class TrialCIFAR10(CIFAR10):
            def prepare_data(self):
                for fname in (self.TRAIN_FILE_NAME, self.TEST_FILE_NAME):
                    path_fname = os.path.join(self.folder, fname)
                    data, targets = torch.load(path_fname)
    """, note="issue 14 P9-torchprec (Avalanche's ImageNet, Lightning Bolts' CIFAR-10): cache files the module "
              "writes, named by module or class constants"),
    Valid("""
        import torch

        class SRGAN(torch.nn.Module):
            def __init__(self, generator_checkpoint=None):
                super().__init__()
                if generator_checkpoint:
                    self.generator = torch.load(generator_checkpoint)
                else:
                    self.generator = torch.nn.Linear(4, 4)

            def forward(self, x):
                return self.generator(x)
    """, note="issue 14 P10-torchprec (Lightning Bolts' SRGAN): a whole pickled module, called in another "
              "method; a state dict is never called"),
    Valid("""
        import torch

        class PyTorchFileReader:
            def __init__(self, config):
                self.torch_model = torch.load(config["PytorchModel"])
                self.state_dict = self.torch_model.state_dict()
    """, note="issue 10 P62-fixd (hls4ml): a whole module kept on an attribute; only a module has "
              "`state_dict()`"),
    Valid("""
        import torch

        class CachedDataLoader:
            def __init__(self, batches, filename):
                self.filename = filename
                self.size = len(batches)
                self.build_cache(batches)

            def build_cache(self, batches):
                with open(self.filename, "wb") as f:
                    for batch in batches:
                        torch.save(batch, f)

            def __iter__(self):
                with open(self.filename, "rb") as f:
                    for _ in range(self.size):
                        yield torch.load(f)
    """, note="issue 10 P52-growb (hanlp): the object's own cache file, written by torch.save when the "
              "object is made"),
    Valid("""
        import os

        import torch

        class SwAV:
            def setup(self, stage):
                self.queue_path = os.path.join(self.log_dir, "queue" + str(self.rank) + ".pth")
                if os.path.isfile(self.queue_path):
                    self.queue = torch.load(self.queue_path)["queue"]

            def on_train_epoch_end(self):
                torch.save({"queue": self.queue}, self.queue_path)
    """, note="issue 14 P1-tfrows (Lightning Bolts' SwAV): the object's own state, saved every epoch and read "
              "back only when it exists"),
    Valid("""
        import torch

        def main():
            # _validate()
            print("run the model")

        def _validate():
            vocab = torch.load("/home/author/flair/item2idx.pt")
            return len(vocab)
    """, note="issue 10 P53-growb (hanlp): a private scratch function nothing calls or names never runs"),
    Valid({"pyproject.toml": """
        [project]
        name = "app"
        dependencies = ["torch>=2.6"]
    """, "app/restore.py": """
        import torch

        state = torch.load("model.pt")
    """}, path="app/restore.py", note="issue 14 P1-torchp (monai, speechbrain): the project requires PyTorch "
                                     ">= 2.6, where weights_only=True is the default"),
    Valid("""
        import torch

        state = torch.load("model.pt")
    """, config={"min-torch-version": "2.6"}, note="the same, configured (`min-torch-version`)"),
    Valid("""
        import torch

        def test_saved_params_is_same(net, data, mock_hub):
            net.fit(*data)
            after = torch.load(mock_hub.saved)
            assert after.keys() == net.module_.state_dict().keys()
    """, path="tests/test_hub.py", note="issue 14 P6-torchp (skorch): a test loads what its fixture saved"),
)


# HYB205 (UnsafeTorchLoad)
UNSAFE_TORCH_LOAD_INVALID = (
    Invalid("""
        import torch

        state = torch.load("model.pt")
    """, lines=(3,)),
    Invalid("""
        import torch

        state = torch.load("model.pt")
    """, lines=(3,), config={"min-torch-version": "2.5"}, note="PyTorch 2.5 still defaults to weights_only=False"),
    Invalid("""
        import torch

        def restore(model, path):
            model.load_state_dict(torch.load(path, map_location="cpu"))
    """, lines=(4,)),
    Invalid("""
        from torch import load

        def restore(path):
            return load(path)
    """, lines=(4,)),
    Invalid("""
        import torch

        def restore(model, path):
            state = torch.load(path)
            model.load_state_dict(state["model"])
            model.eval()
    """, lines=(4,), note="a state dict: `eval()` is called on the model it is loaded into, not on it"),
    Invalid("""
        import os

        import torch

        class StreamingLDA:
            def save_model(self, save_path, save_name):
                torch.save({"muK": self.muK}, os.path.join(save_path, save_name + ".pth"))

            def load_model(self, save_path, save_name):
                d = torch.load(os.path.join(save_path, save_name + ".pth"))
                self.muK = d["muK"]
    """, lines=(10,), note="issue 14 (Avalanche): a load API beside a save API reads files users share"),
    Invalid("""
        import torch

        def export(model, path):
            torch.save(model.state_dict(), path)

        def restore(model, path):
            model.load_state_dict(torch.load(path))
            model(torch.zeros(1))
    """, lines=(7,), note="the model the state dict goes into is called, not the loaded dict; the save "
                          "to the same spelling is in another function"),
    Invalid("""
        import torch

        def main():
            print(_vocab_size())

        def _vocab_size():
            vocab = torch.load("/home/author/flair/item2idx.pt")
            return len(vocab)
    """, lines=(7,), note="the same private helper, called: it runs"),
    Invalid("""
        import torch

        class FeasibleBaseVAE:
            def __init__(self, name):
                self.save_path = "../sample_trained_models/" + name + "-base-gen.pth"

            def train(self, pre_trained=False):
                if pre_trained:
                    self.cf_vae.load_state_dict(torch.load(self.save_path))
                    return
                for epoch in range(self.epochs):
                    self.step()
                torch.save(self.cf_vae.state_dict(), self.save_path)

            def generate_counterfactuals(self, query):
                self.cf_vae.load_state_dict(torch.load(self.save_path))
                return self.cf_vae(query)
    """, lines=(9, 16), note="issue 14 P1-tfrows (dice_ml): the file is saved after training, but loaded "
                             "instead of training (`pre_trained`) and by another method: a pre-trained model "
                             "the repository ships may be there, never written by this object"),
    Invalid("""
        import os

        import torch

        class PyTorchClassifier:
            def save(self, filename, path):
                torch.save(self.model.state_dict(), os.path.join(path, filename) + ".model")

            def __setstate__(self, state):
                full_path = os.path.join(DATA_PATH, state["model_name"])
                self.model.load_state_dict(torch.load(str(full_path) + ".model"))
    """, lines=(11,), note="issue 14 P2-tfrows (ART): the save and the load share an extension, not a file "
                           "name"),
)


# HYB206 (DeprecatedVariable)
DEPRECATED_VARIABLE_VALID = (
    Valid("""
        import torch

        x = torch.ones(3, requires_grad=True)
    """),
    Valid("""
        from tensorflow import Variable

        v = Variable(1.0)
    """, note="tf.Variable is another class"),
    Valid("""
        import torch

        class Variable:
            pass

        v = Variable()
    """, note="a user class named Variable"),
)


# HYB206 (DeprecatedVariable)
DEPRECATED_VARIABLE_INVALID = (
    Invalid("""
        import torch
        from torch.autograd import Variable

        x = Variable(torch.ones(3), requires_grad=True)
    """, lines=(4,)),
    Invalid("""
        import torch

        def wrap(t):
            return torch.autograd.Variable(t)
    """, lines=(4,)),
    Invalid("""
        import torch.autograd as ag

        def step(batch):
            inputs = ag.Variable(batch[0])
            return inputs
    """, lines=(4,)),
)


# HYB207 (ModuleInitWithoutSuper)
MODULE_INIT_WITHOUT_SUPER_VALID = (
    Valid("""
        from torch import nn

        class Head(nn.Module):
            def __init__(self, n):
                super(Head, self).__init__()
                self.fc = nn.Linear(n, 1)
    """),
    Valid("""
        from torch import nn

        class Head(nn.Module):
            def forward(self, x):
                return x
    """, note="no __init__ of its own"),
    Valid("""
        class Config:
            def __init__(self, n):
                self.n = n
    """, note="not a Module"),
    Valid("""
        import torch

        class Base(torch.nn.Module):
            def __init__(self):
                super().__init__()

        class Head(Base):
            def __init__(self, n):
                Base.__init__(self)
                self.n = n
    """, note="Base.__init__(self)"),
    Valid("""
        from torch import nn

        class NormalParamWrapper(nn.Module):
            def __init__(self, operator):
                \"\"\"Removed: use NormalParamExtractor.\"\"\"
                raise RuntimeError("NormalParamWrapper was removed; use NormalParamExtractor")
    """, note="an __init__ that only raises (torchrl's removed class)"),
    Valid("""
        import torch
        from torch import nn

        class StratifiedRaySampler(nn.Module):
            def __init__(self, depth_mode: str = "linear"):
                self.depth_mode = depth_mode

            def sample(self, t0, t1, n):
                ts = torch.linspace(0, 1, n)
                return t0 * (1.0 - ts) + t1 * ts if self.depth_mode == "linear" else t1

        class ImportanceRaySampler(nn.Module):
            def __init__(self, ts: torch.Tensor, weights: torch.Tensor):
                self.ts = ts.clone().detach()
                self.weights = weights.clone().detach()

            def sample(self, n):
                return torch.multinomial(self.weights, n)
    """, note="issue 14 P2-torchp (diffusers' shap-e): no forward, no Module API, no submodule or parameter "
              "stored: nothing needs Module's registries"),
)


# HYB207 (ModuleInitWithoutSuper)
MODULE_INIT_WITHOUT_SUPER_INVALID = (
    Invalid("""
        from torch import nn

        class Head(nn.Module):
            def __init__(self, n):
                self.fc = nn.Linear(n, 1)
    """, lines=(4,)),
    Invalid("""
        import torch

        class Block(torch.nn.Sequential):
            def __init__(self, layers):
                self.layers = layers
    """, lines=(4,)),
    Invalid("""
        import torch.nn as nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()

        class Head(Base):
            def __init__(self, n):
                self.n = n
    """, lines=(8,), note="a subclass of a project Module"),
    Invalid("""
        from torch import nn

        class Sampler(nn.Module):
            def __init__(self, net, depth_mode: str = "linear"):
                self.net = net
                self.depth_mode = depth_mode

            def sample(self, x):
                return self.net(x)
    """, lines=(4,), note="an argument of unknown type stored: a Module there raises at once"),
    Invalid("""
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, n: int):
                self.scale = nn.Parameter(torch.ones(n))

            def sample(self, x):
                return x * self.scale
    """, lines=(5,), note="a parameter stored"),
)
