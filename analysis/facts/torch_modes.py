"""What makes an `nn.Module`'s output depend on train/eval mode, as HYB208 reads it from a model's code.

In PyTorch only dropout-like layers (`nn.Dropout*`, `F.dropout(..., training=self.training)`, stochastic
depth) and normalization with running statistics (`nn.BatchNorm*`, `nn.InstanceNorm*` with
`track_running_stats`) behave differently in training mode
(https://docs.pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.train). A dropout
whose probability is 0 is the identity in both modes, so a model built with its dropout arguments set
to 0 and no running statistics computes the same in either mode.
"""
from __future__ import annotations

# Parts of a constructor keyword's name that set a dropout probability: `dropout=0.`, `attn_dropout`,
# `dropout_rate`, timm's `drop_rate`/`drop_path_rate`, `p_drop`, fairseq/audiocraft's `layer_drop`.
DROPOUT_KEYWORD_PARTS = ("dropout", "drop_rate", "drop_path", "p_drop", "layer_drop")
# Text of a model's code that shows a mode dependence other than dropout: running statistics, or code that
# branches on the mode itself (which may do anything).
NON_DROPOUT_MODE_WORDS = ("BatchNorm", "batch_norm", "InstanceNorm", "instance_norm", "self.training")
