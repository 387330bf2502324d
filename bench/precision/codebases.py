"""The real TensorFlow 2 code bases of the precision study: pinned PyPI releases, each one project root.

Library code is not the only user: the code bases of style "training" below are (or ship) training code,
the reason beside each: the TF Model Garden (`official/`), TF-Agents' `examples/v2/train_eval.py`
scripts, TF-GNN's runner and its OGBN-MAG training example, Sonnet's MNIST examples, TF Recommenders'
MovieLens example, then batch A (TensorFlowTTS's and TensorFlowASR's trainers, tf2rl's and Acme's agents)
and batch B (research and application code with hand-written training loops).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.corpus import cache_dir, fetch_packages, package_dir_name, pinned_release


@dataclass(frozen=True)
class CodeBase:
    requirement: str  # pinned: `name==version` as `pip download` takes it, or a files.pythonhosted.org URL#sha256=...
    style: str  # "training" (model garden, examples, scripts) or "library"
    exclude: tuple[str, ...] = ()  # path prefixes not unpacked, and why in a comment beside them
    include: tuple[str, ...] = ()  # if set, only paths matching one of these globs are unpacked
    folder: str = ""  # the folder it unpacks to, where the study also holds another release of the project

    @property
    def name(self) -> str:
        """The folder the distribution unpacks to (bench.corpus names it after the archive unless `folder`)."""
        return self.folder or package_dir_name(self.requirement)

    @property
    def release(self) -> str:
        """`name==version`, also for a pinned URL (docs show this, not the URL)."""
        return "==".join(pinned_release(self.requirement))


CODE_BASES = (
    CodeBase("tf-models-official==2.20.0", "training"),
    CodeBase("tf-agents==0.19.0", "training"),
    CodeBase("tensorflow-gnn==1.0.3", "training"),
    CodeBase("dm-sonnet==2.0.2", "training"),
    CodeBase("tensorflow-recommenders==0.7.7", "training"),
    # substrates/ holds machine-made JAX and NumPy rewrites of the TensorFlow code: counting them would
    # triple-count TFP's findings and add no TensorFlow code.
    CodeBase("tensorflow-probability==0.25.0", "library", ("tensorflow_probability/substrates/",)),
    CodeBase("tf-keras==2.21.0", "library"),
    CodeBase("tensorflow-addons==0.23.0", "library"),
    CodeBase("tensorflow-model-optimization==0.8.1", "library"),
    CodeBase("tensorflow-ranking==0.5.5", "library"),
    CodeBase("tensorflow-similarity==0.17.1", "library"),
    CodeBase("gpflow==2.11.2", "library"),
    CodeBase("tensorflow-privacy==0.9.0", "library"),
    CodeBase("neural-structured-learning==1.4.0", "library"),
    CodeBase("tensorflow-federated==0.87.0", "library"),
    CodeBase("larq==0.14.0", "library"),
    CodeBase("keras-cv==0.9.0", "library"),
    # Batch B (issue 10): training-style code bases, i.e. model code with its own training loops and
    # custom `train_step`s written by researchers, not framework authors.
    # OpenNMT-tf: a sequence-to-sequence toolkit whose `Runner`/`Trainer` run hand-written tf.function
    # training and evaluation loops.
    CodeBase("OpenNMT-tf==2.32.0", "training"),
    # tensordiffeq: physics-informed neural network solvers; the fit loops are tf.function training steps.
    CodeBase("tensordiffeq==0.2.0", "training"),
    # python-doctr: OCR models and their training references with both a TensorFlow and a PyTorch backend
    # (the TensorFlow rules must stay quiet on the *_pytorch.py files).
    CodeBase("python-doctr==0.7.0", "training"),
    # m3gnet: a graph-network interatomic potential with its own trainer (tf.function train steps).
    CodeBase("m3gnet==0.2.4", "training"),
    # tflite-model-maker: transfer-learning recipes (train, evaluate, export) for end users.
    CodeBase("tflite-model-maker==0.4.3", "training"),
    # bayesflow: amortized Bayesian inference; trainers with custom tf.function steps.
    CodeBase("bayesflow==1.1.6", "training"),
    CodeBase("onnx-tf==1.10.0", "library"),
    CodeBase("tensorflow-transform==1.21.0", "library"),
    CodeBase("tensorflow-gan==2.1.0", "library"),
    # zfit: model fitting on TensorFlow 2 (tf.function-compiled likelihoods and minimizers).
    CodeBase("zfit==0.28.0", "library"),
    # vegasflow: Monte Carlo integration whose integrands are user tf.functions (the examples run them).
    CodeBase("vegasflow==1.3.0", "training"),
    # transformers: only its TensorFlow model code (Keras models with hand-written generation loops and
    # the TF trainer), not the PyTorch/Flax majority of the package.
    CodeBase("transformers==4.46.3", "library", include=(
        "transformers/models/*/modeling_tf_*.py", "transformers/modeling_tf_*.py", "transformers/tf_utils.py",
        "transformers/generation/tf_*.py", "transformers/keras_callbacks.py", "transformers/training_args_tf.py",
        "transformers/trainer_tf*.py")),
    # Chosen among other TF2 packages that ship training code (measured with this branch's analyzer;
    # tensorlayer 2.2.5, larq-zoo, spektral, gpflux, DeepXDE, mediapipe-model-maker and keras-retinanet
    # had no finding, DeepCell and tf-pwa have no installable release for Python 3.11):
    # ddsp: Magenta's differentiable DSP, with its own distributed `Trainer` and train loops.
    CodeBase("ddsp==3.7.0", "training"),
    # tf2-gnn: Microsoft's graph networks, with a training command line (`tf2_gnn.cli.train`).
    CodeBase("tf2-gnn==2.14.0", "training"),
    # yolov4: a YOLOv4 implementation with its training and inference scripts.
    CodeBase("yolov4==3.2.0", "training"),
    # kgcnn 3 (the last TensorFlow-only major; 4 is Keras 3): graph models and their training helpers.
    CodeBase("kgcnn==3.1.0", "library"),
    # alibi-detect: drift/outlier detectors, trained with its own tf.function training loop.
    CodeBase("alibi-detect==0.12.0", "library"),
    # Batch A (issue 10: more training-style code). Training code: TensorFlowTTS's and TensorFlowASR's
    # models come with their trainers (custom train/eval steps under tf.function, the bin/ scripts);
    # tf2rl's and Acme's agents are training loops (learner steps, replay, the trainers that run them).
    CodeBase("TensorFlowTTS==1.8", "training"),
    CodeBase("TensorFlowASR==1.0.3", "training"),
    # tf2rl 1.1.5 is an sdist whose metadata build fails under `pip download` (its setup.py needs
    # packages it does not declare): the archive itself, pinned by its hash.
    CodeBase("https://files.pythonhosted.org/packages/57/29/79e19932f384bfacbe61d394a112c426d1ebabe7a8d747c53d05ef74ac82/"
             "tf2rl-1.1.5.tar.gz#sha256=5b761796b1a75f9271e3687a178ac3e3820d3e7c852ea0e660ff071f71f0501a", "training"),
    CodeBase("dm-acme==0.4.0", "training"),
    CodeBase("trieste==4.6.1", "library"),
    CodeBase("tf-quant-finance==0.0.1.dev34", "library"),
    CodeBase("tensorflow-graphics==2021.12.3", "library"),
    CodeBase("sionna==0.19.2", "library"),  # the last TensorFlow release (1.0 moved to PyTorch)
    CodeBase("cleverhans==4.0.0", "library"),  # its tf2/ attacks; torch/ and jax/ add no TensorFlow findings
    # Batch C (issue 10), measured with this branch's analyzer. markovflow 0.1.0, phasespace 1.10.4,
    # QKeras 0.9.0 and tf2onnx 1.17.0 had no finding; rasa 3.6.20 (2 findings, both judged false and
    # written up as P33/P34-corpusc) has no release installable on Python 3.11, and stellargraph none at
    # all, so they are not listed.
    # adversarial-robustness-toolbox: attacks, defences and trainers for TensorFlow 2 and PyTorch models.
    CodeBase("adversarial-robustness-toolbox==1.20.1", "library"),
    # alibi: model explanations (TensorFlow and PyTorch backends).
    CodeBase("alibi==0.9.6", "library"),
    # deel-lip: Lipschitz-constrained Keras layers (spectral and Bjorck normalisation in tf.while_loop).
    CodeBase("deel-lip==1.5.0", "library"),
    # Influenciae: influence functions for TensorFlow models (tf.function influence estimators).
    CodeBase("Influenciae==0.3.0", "library"),
    # ludwig 0.4.1: the last TensorFlow 2 release of the declarative deep-learning framework (its Trainer).
    CodeBase("ludwig==0.4.1", "library"),
    # pdfflow: parton distribution functions interpolated in tf.function-compiled code.
    CodeBase("pdfflow==1.2.2", "library"),
    # xplique: attribution methods for TensorFlow models (tf.function-compiled perturbations).
    CodeBase("xplique==2.0.2", "library"),
    # deepchem: chemistry models; KerasModel and the A2C/PPO agents run tf.function training steps
    # (it also ships PyTorch models).
    CodeBase("deepchem==2.8.0", "library"),
    # tf-encrypted: secure multi-party computation protocols built on tf.function graphs.
    CodeBase("tf-encrypted==0.9.1", "library"),
    # tfx: only its examples and project templates, the training modules (`run_fn`, serving signatures)
    # users copy; the pipeline framework itself has no graph code. Measured alongside: Tensorforce 0.6.5,
    # DeepCTR 0.9.4, graph-nets 1.1.0, keras-rl2, tf-explain, tensorflow-hub, tensorflow-compression,
    # tensorflow-model-remediation, edward2 and DGL 2.1's TensorFlow backend had no finding.
    CodeBase("tfx==1.21.0", "training", include=("tfx/examples/*", "tfx/experimental/templates/*")),
    # keras-ocr: CRAFT/CRNN text detection and recognition on TensorFlow 2, with training helpers.
    CodeBase("keras-ocr==0.9.3", "library"),
    # shap: its TensorFlow DeepExplainer traces gradients with tf.function.
    CodeBase("shap==0.51.0", "library"),
    # tensorcircuit: quantum circuit simulation whose TensorFlow backend compiles with tf.function.
    # Measured alongside, no finding: keras-nlp 0.5.2 (its TensorFlow-only release), tf-keras-vis 0.8.7,
    # tensorflow-lattice 2.1.1, tensorflow-constrained-optimization 0.2, tensorflow-mri, ncps, cvnn 2.0,
    # innvestigate 2.1.2, kapre 0.4.1 and SciANN 0.7.0.1.
    CodeBase("tensorcircuit==0.12.0", "library"),
    # Batch E (issue 10), measured with this branch's analyzer. No finding: tensorflow-text 2.21.1,
    # tensorflow-recommenders-addons 0.8.1, StrawberryFields 0.23.0, kymatio 0.3.0, csbdeep 0.8.2,
    # stardist 0.9.2, basic-pitch 0.4.0, keras-tuner 1.4.8, foolbox 3.3.4, umap-learn 0.5.12 (parametric
    # UMAP), waymo-open-dataset-tf-2-12-0 1.6.7, geomstats 2.5.0 (its TensorFlow backend; 2.8 has none),
    # qibo 0.1.16 (0.3 has no TensorFlow backend), megnet 1.3.2, merlin-models 23.12.0, tf2jax 0.3.8,
    # autokeras 1.0.20, deepmatch 0.3.2, n2v 0.3.3, nncf 2.7.0 (its tensorflow/ part), pymanopt 2.2.1,
    # spleeter 2.4.2, tensorflow-model-analysis 0.52.0, tensorflow-quantum 0.7.6, tensorflowjs 4.22.0,
    # tensorly 0.10.0, imagededup 0.3.3, mtcnn 1.0.0, nobuco 0.17.0, onnx2tf 1.29.24, retina-face 0.0.19,
    # scikeras 0.13.0, tensorboard 2.21.0,
    # and, in their TensorFlow parts, pennylane 0.45.1 (its 4 findings are in JAX and PyTorch tests) and
    # horovod 0.28.1 (4 findings, all in its spark/ and torch/ code), so neither is listed.
    # tensorflow-decision-forests: Keras wrappers of Yggdrasil forests; `collect_data_step` and the
    # inference models are tf.functions.
    CodeBase("tensorflow-decision-forests==1.12.0", "library"),
    # tensorflow-io: file formats and streaming datasets (tf.data, tf.function-compiled decoders).
    CodeBase("tensorflow-io==0.37.1", "library"),
    # trax: Google Brain's JAX/TF deep-learning library; its tf.data input pipelines and tf_numpy
    # extensions are TensorFlow 2 code.
    CodeBase("trax==1.4.1", "library"),
    # tensornetwork: tensor network contractions with TensorFlow, JAX, PyTorch and NumPy backends.
    CodeBase("tensornetwork==0.4.6", "library"),
    # hanlp 2.1: multilingual NLP; TensorFlow 2 components (`*_tf.py`) beside its PyTorch ones.
    CodeBase("hanlp==2.1.7", "library"),
    # pyod 1.1.3: outlier detectors, the last release with its TensorFlow 2 Keras models (AutoEncoder,
    # VAE, SO-GAAL) beside the PyTorch AutoEncoder (2.0 moved to PyTorch only).
    CodeBase("pyod==1.1.3", "library"),
    # deepface: face recognition on TensorFlow 2 Keras models (its anti-spoofing models are PyTorch).
    CodeBase("deepface==0.0.103", "library"),
    # dice-ml: counterfactual explanations for TensorFlow 2 and PyTorch models (its feasible-CF VAEs train
    # in PyTorch).
    CodeBase("dice-ml==0.12", "library"),
    # tensorflow-riemopt: Riemannian optimizers and manifolds for TensorFlow 2 (XLA-compiled apply steps).
    CodeBase("tensorflow-riemopt==0.3.1", "library"),
    # jax: only jax2tf (`jax/experimental/jax2tf/`), which lowers JAX functions into tf.function graphs and
    # calls TensorFlow from JAX (call_tf), with its tests; the rest of the package is JAX.
    CodeBase("jax==0.4.30", "library", include=("jax/experimental/jax2tf/*",)),
    # orbax-export: exports JAX models as TensorFlow SavedModels through tf.function serving signatures.
    CodeBase("orbax-export==0.0.8", "library"),
    # tf-transformers: transformer models re-implemented in TensorFlow 2 (tf.function decoding loops).
    CodeBase("tf-transformers==2.0.0", "library"),
    # hls4ml: converts Keras/QKeras (and PyTorch, ONNX) models to FPGA firmware.
    CodeBase("hls4ml==1.3.0", "library"),
    # Batch D (issue 10), measured with this branch's analyzer. No finding: DeepPoseKit 0.3.9, nobrainer 1.2.1,
    # uncertainty-baselines 0.0.7, tfcausalimpact 0.0.19, oodeel 0.4.0, tf-geometric 0.1.7, ktrain 0.41.4,
    # tensorflow-datasets 4.9.10, keras-unet-collection 0.1.13, sleap 1.3.4 (its last TensorFlow release;
    # 1.6 is PyTorch), keras 3.13.0, RLlib of ray 2.9.3, bsuite 0.3.6, merlin-models 23.12.0, voxelmorph
    # 0.3.4, neurite 0.3.4, autokeras 3.0.0, mtcnn 1.0.0, ivis 2.0.11, tabnet 0.1.6, tensortrade 1.0.3, megnet 1.3.2,
    # saliency 0.2.1, onnx2tf 1.29.24, tf2jax 0.3.8, dca 0.3.4, n2v 0.3.3, tf-siren 0.0.5, RLzoo 1.0.4, deeptables 0.2.6,
    # tslearn 0.10.0, bert4keras 0.11.5, vit-keras 0.2.0, nncf 3.4.0, aeon 1.6.0 and tensorflow-quantum
    # 0.7.5; nor the TensorFlow part of three multi-backend packages, whose findings were all in their
    # PyTorch or JAX code: transformers4rec 23.12.0 (`tf/`), model-compression-toolkit 2.6.1 (Keras)
    # and pyhf 0.7.6 (deepface is listed in batch E, PyTorch part included); likewise tensorflow-model-analysis
    # 0.52.0, tensorflowjs 4.22.0, ydata-synthetic 2.0.1 and keras-gym 0.2.17, and the TensorFlow part of
    # gretel-synthetics 0.22.20, sktime 1.2.0 and cornac 3.0.1 (their findings were in PyTorch
    # code); huskarl 0.4, kashgari 2.0.2, cellfinder-core 1.0.0, nbeats-keras 1.8.0, keras-tcn 3.5.7,
    # efficientnet 1.1.1 and segmentation-models 1.0.1 had none either. dopamine-rl 4.1.2
    # is TF1 (`tf.compat.v1`) and JAX code, not measured.
    # deepreg: medical image registration with its own train/predict command lines.
    CodeBase("deepreg==0.1.2", "training"),
    # keras-cv-attention-models: Keras image and language models with their training scripts; its
    # `pytorch_backend/` re-implements Keras layers in PyTorch (no TensorFlow code) and is left out.
    CodeBase("keras-cv-attention-models==1.4.3", "library", ("keras_cv_attention_models/pytorch_backend/",)),
    # madflow: particle-physics matrix elements integrated with vegasflow (tf.function phase space).
    CodeBase("madflow==0.9", "library"),
    # seqio: T5's task and preprocessing library (tf.data pipelines whose map functions are traced).
    CodeBase("seqio==0.0.20", "library"),
    # yolov3-tf2: a YOLOv3 model with its training script (tf.function target transforms, train steps).
    CodeBase("yolov3-tf2==0.5", "training"),
    # tfimm: timm's image models ported to TensorFlow 2, with profiling and conversion tools. It requires
    # Python < 3.11, so `pip download` refuses it here: the wheel itself, pinned by its hash. Its
    # `segment_anything/torch/` is the PyTorch reference model the port is checked against: left out.
    CodeBase("https://files.pythonhosted.org/packages/2b/58/da31a94293d086b353555d36d00eba9cb8c92fa85f161f2a27db9a9488cd/"
             "tfimm-0.2.14-py3-none-any.whl#sha256=2a42876d5c51c128ce870df066a53f5d8361d256ea7c485f8c98808badc5ba3a",
             "library", ("tfimm/architectures/segment_anything/torch/",)),
    # t5: the T5 preprocessors (tf.data map functions); `models/hf_model.py` is the PyTorch model wrapper.
    CodeBase("t5==0.9.4", "library", ("t5/models/hf_model.py",)),
    # tsgm: time-series generative models (GANs, VAEs, diffusion) with tf.function training steps.
    CodeBase("tsgm==0.1.0", "training"),
    # rlds: reinforcement-learning dataset transformations (tf.data, tf.function statistics).
    CodeBase("rlds==0.1.8", "library"),
    # Mava 0.1.3 (id-mava): multi-agent reinforcement learning on Acme and Sonnet, its trainers' tf.function
    # learner steps (MADDPG, MAD4PG, MADQN, MAPPO).
    CodeBase("id-mava==0.1.3", "training"),
    # Session 9 (issue 11, tffalse): TF 2 libraries with their own tf.function code, none of them studied
    # before; 1.4 MB of wheels, 113k lines. DeepXDE's backends for JAX and PyTorch add no TF findings.
    CodeBase("deepxde==1.15.0", "library"),
    CodeBase("Tensorforce==0.6.5", "training"),  # RL agents whose update steps are tf.functions
    CodeBase("tensorlayer==2.2.5", "library"),
    CodeBase("gpflux==0.4.5", "library"),
    CodeBase("tensorflow-compression==2.14.1", "library"),
    CodeBase("spektral==1.3.1", "library"),
    # Session 10 (tfmava): TF 2 code bases not studied before, measured with this branch's analyzer. No
    # finding: recommenders 1.2.1 (its TF 2 SASRec/SSE-PT trainers), tf2-yolov4 0.1.0, tfkan 0.1.1,
    # deepbayes 0.1.0, tf-centernet 1.0.6, tf-siammask 1.0.4, tf-metric-learning 1.0.12, bert-for-tf2
    # 0.14.9, keras-bert 0.89.0, and nvidia-tao-tf2 6.0.0 (a 500-line stub on PyPI).
    # dreamerv2: DreamerV2's world model and actor-critic, trained in tf.function steps (an sdist).
    CodeBase("dreamerv2==2.2.0", "training"),
    # magenta 2.1.4: Magenta's music and image models; TF 1 graph programs (`tensorflow.compat.v1` with
    # `disable_v2_behavior()` in each entry point) beside TF 2 code, the contrast the eager rules need.
    CodeBase("magenta==2.1.4", "training"),
    # tf-gen-models: GANs and their variants as Keras models with custom train steps.
    CodeBase("tf-gen-models==0.0.12", "library"),
    # coremltools: its TensorFlow 2 converter frontend and tests (tf.function models to convert) beside the
    # PyTorch optimization code.
    CodeBase("coremltools==9.0", "library"),
    # lingvo: Google's sequence-model framework (TF 2 `tf.function` input pipelines and layers).
    CodeBase("lingvo==0.14.2", "library"),
    # Session 10 (tfmore): TF 2 code bases not studied before, measured with main after session 10's
    # merges. No finding: calamari-ocr 2.3.1 and tfaip 1.2.6 (Planet AI's TF 2 OCR and its training
    # framework), tensorlayerx 0.5.8, keras-rs 0.4.0, hepstats 0.10.1, zfit-physics 0.9.0, tcav 0.2.2,
    # adabelief-tf 0.2.1 and pinnstf2 0.1.3; deeplabcut 3.0.2's 8 findings are all HYB205 in its PyTorch
    # engine (its TensorFlow engine is `tensorflow.compat.v1` code), so it is not listed.
    # gradient-accumulator: Keras `train_step` overrides that accumulate gradients over steps.
    CodeBase("gradient-accumulator==0.5.2", "library"),
    # ampligraph 2: knowledge-graph embeddings as Keras models with their own train/test/calibrate steps.
    CodeBase("ampligraph==2.2.0", "training"),
    # keras-hub: Keras 3 models; its tokenizers are tf.text/tf.function code on every backend.
    CodeBase("keras-hub==0.32.0", "library"),
    # rasa 3.6: DIET and TED, Keras models with custom train/predict steps (`rasa/utils/tensorflow/`). It
    # requires Python < 3.11, so `pip download` refuses it here: the wheel itself, pinned by its hash.
    CodeBase("https://files.pythonhosted.org/packages/9a/30/daf98d4bdf039258537cbc30fe3704f8671393b119fb4ef797ba56226c7c/"
             "rasa-3.6.20-py3-none-any.whl#sha256=59acb2dfdb83a4e43e84d8ba0c668623406d3f2c15e5e9d12076fc3495d812b3",
             "training"),
)


def precision_dir() -> Path:
    return cache_dir("HYBRIDIZE_PRECISION_DIR", "hybridize-precision")


def ensure_code_bases(root: Path | None = None) -> dict[str, Path]:
    """Download and unpack every code base if needed; code base name -> its project root."""
    src = fetch_packages([c.requirement for c in CODE_BASES], root or precision_dir(),
                         exclude={c.name: c.exclude for c in CODE_BASES},
                         include={c.name: c.include for c in CODE_BASES if c.include},
                         folders={c.requirement: c.folder for c in CODE_BASES if c.folder})
    return {c.name: src / c.name for c in CODE_BASES}


if __name__ == "__main__":
    # `python -m bench.precision.codebases`: download if missing (CI does this up front so that the
    # download time shows separately), print the location and size.
    roots = ensure_code_bases()
    files = [p for root in roots.values() for p in root.rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"{precision_dir()}: {len(roots)} code bases, {len(files)} files, {lines} lines")
