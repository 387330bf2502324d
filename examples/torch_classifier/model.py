"""A classifier compiled with torch.compile: a small PyTorch project with real misuse."""
import torch
from torch import nn


class Classifier(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, 64), nn.ReLU(), nn.Linear(64, classes))

    def forward(self, x):
        logits = self.body(x)
        if torch.isnan(logits).any():
            logits = torch.nan_to_num(logits)
        return logits


class Head(nn.Module):
    def __init__(self, classes):
        self.proj = nn.Linear(classes, classes)

    def forward(self, x):
        return self.proj(x)


def build(features, classes):
    return torch.compile(Classifier(features, classes))
