"""Logging helpers shared by the training and evaluation code."""
import logging

logger = logging.getLogger(__name__)


def log_metrics(step, loss):
    # Called from inside train_step: runs only while TensorFlow traces it.
    logger.info("step %s loss %s", step, loss)


def describe(tensor):
    return f"shape={tensor.shape} mean={tensor.numpy().mean():.3f}"
