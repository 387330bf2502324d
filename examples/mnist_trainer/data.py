"""Input pipeline: MNIST-shaped random images through tf.data."""
import random

import numpy as np
import tensorflow as tf


def augment(image, label):
    # tf.data traces this callback once: the Python random draw is frozen into the graph.
    if random.random() < 0.5:
        image = tf.image.flip_left_right(image)
    noise = np.random.normal(0.0, 0.1)
    return image + noise, label


def make_dataset(n=512, batch_size=32):
    images = tf.random.uniform([n, 28, 28, 1])
    labels = tf.random.uniform([n], maxval=10, dtype=tf.int32)
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.map(augment)
    return ds.batch(batch_size)
