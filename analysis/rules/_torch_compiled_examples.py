"""The examples of torch_compiled.py's rules (HYB201's, HYB202's, HYB203's and HYB204's): the code each must
leave alone (`*_VALID`) and the code each must report (`*_INVALID`).

Tests and documentation of the rules, like every rule's `valid` / `invalid`; kept apart because they are
most of the module (every false alarm the precision studies found is one of them,
bench/precision/patterns.md), and the rules' own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

# HYB201 (GraphBreak)
GRAPH_BREAK_VALID = (
    Valid("""
        import torch

        @torch.compile
        def step(x, scale):
            if x.shape[0] > 2 and scale > 1:
                return x * scale
            return x
    """, note="shapes and Python numbers: Dynamo specialises, no break"),
    Valid("""
        import torch

        @torch.compile
        def step(x):
            y = x + 1
            return torch.from_numpy(y.numpy() * 2)
    """, note="Dynamo traces NumPy on PyTorch 2.13 and 2.14: no break"),
    Valid("""
        import torch

        def step(x):
            if x.sum() > 0:
                return x.item()
            return 0.0
    """, note="not compiled"),
    Valid("""
        import torch

        @torch.compile
        def step(x):
            if not torch.compiler.is_compiling():
                print(x.sum().item())
            return x + 1
    """, note="eager-only branch"),
)


# HYB201 (GraphBreak)
GRAPH_BREAK_INVALID = (
    Invalid("""
        import torch

        @torch.compile
        def step(x):
            if x.sum() > 0:
                return x * 2
            return x
    """, lines=(5,)),
    Invalid("""
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                y = self.fc(x)
                scale = y.abs().max().item()
                return y / scale

        model = torch.compile(Net())
    """, lines=(11,), note="forward of a compiled module"),
    Invalid("""
        import torch

        def clip(x):
            while torch.isnan(x).any():
                x = torch.nan_to_num(x)
            return x * float(x.mean())

        fast_clip = torch.compile(clip, mode="reduce-overhead")
    """, lines=(4, 6)),
    Invalid("""
        import logging

        import torch

        log = logging.getLogger(__name__)

        @torch.compile
        def step(x):
            y = x + 1
            print("y computed")
            log.info("step")
            return y * len(y.tolist())
    """, lines=(10, 11, 12), note="output calls and .tolist()"),
)


# HYB202 (CompileVaryingScalar)
COMPILE_VARYING_SCALAR_VALID = (
    Valid("""
        import torch

        @torch.compile
        def scale(x, step):
            return x * step

        for step in range(10):
            scale(torch.ones(3), step)
    """, note="default dynamic: one recompilation, then dynamic"),
    Valid("""
        import torch

        @torch.compile(dynamic=False)
        def scale(x, step):
            return x * step

        for i in range(10):
            scale(torch.ones(3), 2)
    """, note="the number does not change"),
    Valid("""
        import torch

        @torch.compile(dynamic=False)
        def scale(x, step):
            return x * step

        for step in range(10):
            scale(torch.ones(3), torch.tensor(step))
    """, note="a tensor argument"),
)


# HYB202 (CompileVaryingScalar)
COMPILE_VARYING_SCALAR_INVALID = (
    Invalid("""
        import torch

        @torch.compile(dynamic=False)
        def scale(x, step):
            return x * step

        for step in range(10):
            scale(torch.ones(3), step)
    """, lines=(8,)),
    Invalid("""
        import torch

        def warmup(lr, step):
            return lr * min(1.0, step / 1000)

        fast = torch.compile(warmup, dynamic=False)

        def run(lr):
            step = 0
            while step < 5000:
                fast(lr, step=step)
                step += 1
    """, lines=(11,)),
    Invalid("""
        import torch

        class Trainer:
            @torch.compile(dynamic=False)
            def step(self, x, epoch):
                return x / (1 + epoch)

            def fit(self, x):
                for epoch, _ in enumerate(range(10)):
                    x = self.step(x, epoch)
                return x
    """, lines=(10,)),
)


# HYB203 (CompileInLoop)
COMPILE_IN_LOOP_VALID = (
    Valid("""
        import torch

        def run(model, x, epochs):
            for epoch in range(epochs):
                step = torch.compile(lambda b: model(b) * (0.9 ** epoch))
                x = step(x)
            return x
    """, note="inside a function `epoch` is a closure variable: made dynamic after one recompilation"),
    Valid("""
        import torch

        model = torch.nn.Linear(3, 3)
        x = torch.ones(3)
        for epoch in range(12):
            y = torch.compile(lambda b: model(b) * 2)(x)
    """, note="reads nothing the loop changes: the same code object, cached"),
    Valid("""
        import torch

        x = torch.ones(3)
        for act in (torch.relu, torch.tanh):
            torch.compile(lambda b: act(b))(x)
    """, note="one compilation per listed case"),
)


# HYB203 (CompileInLoop)
COMPILE_IN_LOOP_INVALID = (
    Invalid("""
        import torch

        model = torch.nn.Linear(3, 3)
        x = torch.ones(3)
        for epoch in range(12):
            step = torch.compile(lambda b: model(b) * epoch)
            x = step(x)
    """, lines=(6,)),
    Invalid("""
        import torch

        x = torch.ones(3)
        i = 0
        while i < 12:
            def step(t):
                return t + i
            y = torch.compile(step)(x)
            i += 1
    """, lines=(8,)),
    Invalid("""
        import torch

        scales = [0.5 * k for k in range(12)]
        x = torch.ones(3)
        for s in scales:
            lr = s / 10
            out = torch.compile(lambda t: t * lr, fullgraph=True)(x)
    """, lines=(7,), note="a value computed in the loop body"),
)


# HYB204 (TraceFreezesBranch)
TRACE_FREEZES_BRANCH_VALID = (
    Valid("""
        import torch

        def sign_scale(x):
            return torch.where(x.sum() > 0, x * 2, -x)

        traced = torch.jit.trace(sign_scale, torch.ones(3))
    """, note="the choice is a tensor op"),
    Valid("""
        import torch

        def sign_scale(x):
            if x.sum() > 0:
                return x * 2
            return -x

        scripted = torch.jit.script(sign_scale)
    """, note="torch.jit.script compiles control flow"),
    Valid("""
        import torch

        def pad(x):
            if x.shape[0] < 4:
                return torch.nn.functional.pad(x, (0, 4 - x.shape[0]))
            return x

        traced = torch.jit.trace(pad, torch.ones(3))
    """, note="shape branches are recorded for the example's shape, and shapes are fixed by the trace"),
)


# HYB204 (TraceFreezesBranch)
TRACE_FREEZES_BRANCH_INVALID = (
    Invalid("""
        import torch

        def sign_scale(x):
            if x.sum() > 0:
                return x * 2
            return -x

        traced = torch.jit.trace(sign_scale, torch.ones(3))
    """, lines=(4,)),
    Invalid("""
        import torch
        from torch import nn

        class Gate(nn.Module):
            def __init__(self):
                super().__init__()

            def forward(self, x):
                if torch.any(x < 0):
                    x = x.abs()
                return x

        traced = torch.jit.trace(Gate(), torch.ones(3))
    """, lines=(9,)),
    Invalid("""
        import torch

        def halve(x):
            while x.max() > 1:
                x = x / 2
            return x

        model = torch.jit.trace(halve, (torch.ones(3) * 8,))
    """, lines=(4,)),
)
