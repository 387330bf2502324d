"""Evaluation over a dataset."""
import tensorflow as tf


def per_class_accuracy(labels, logits, num_classes=10):
    preds = tf.argmax(logits, axis=-1, output_type=tf.int32)
    matrix = tf.math.confusion_matrix(labels, preds, num_classes=num_classes, dtype=tf.float32)
    hits = tf.linalg.diag_part(matrix)
    return hits / tf.maximum(tf.reduce_sum(matrix, axis=1), 1.0)


@tf.function
def smoothed(scores, momentum):
    if tf.reduce_mean(scores) > 0.5:
        best = tf.reduce_max(scores)
    return momentum * scores + (1.0 - momentum) * best


def evaluate(model, dataset):
    totals = []
    for images, labels in dataset:
        predict = tf.function(lambda x: model(x, training=False))  # a new tf.function per batch
        accuracy = per_class_accuracy(labels, predict(images))
        totals.append(smoothed(accuracy, tf.constant(0.9)))
    return tf.reduce_mean(tf.stack(totals), axis=0)
