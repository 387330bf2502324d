"""A small MNIST trainer written the way real projects drift into tf.function misuse."""
from .model import Classifier
from .data import make_dataset

__all__ = ["Classifier", "make_dataset"]
