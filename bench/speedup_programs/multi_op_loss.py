"""Multi-op loss: focal loss + smooth L1 box loss + IoU term, per batch of detections."""
import tensorflow as tf

from _harness import main

BATCHES = [(tf.random.stateless_normal((64, 4), seed=(i, 1)), tf.random.stateless_uniform((64,), seed=(i, 2)) < 0.3,
            tf.random.stateless_uniform((64, 4), seed=(i, 3)), tf.random.stateless_uniform((64, 4), seed=(i, 4)))
           for i in range(40)]


def detection_loss(logits, labels, boxes, targets):
    y = tf.cast(labels, tf.float32)[:, None]
    p = tf.sigmoid(logits)
    pt = y * p + (1.0 - y) * (1.0 - p)
    ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.broadcast_to(y, tf.shape(logits)), logits=logits)
    focal = tf.reduce_mean(0.25 * tf.pow(1.0 - pt, 2.0) * ce)
    diff = tf.abs(boxes - targets)
    smooth_l1 = tf.reduce_mean(tf.where(diff < 1.0, 0.5 * diff * diff, diff - 0.5))
    lo = tf.maximum(boxes[:, :2], targets[:, :2])
    hi = tf.minimum(boxes[:, 2:], targets[:, 2:])
    inter = tf.reduce_prod(tf.maximum(hi - lo, 0.0), axis=1)
    area_b = tf.reduce_prod(tf.abs(boxes[:, 2:] - boxes[:, :2]), axis=1)
    area_t = tf.reduce_prod(tf.abs(targets[:, 2:] - targets[:, :2]), axis=1)
    iou = inter / (area_b + area_t - inter + 1e-6)
    return focal + smooth_l1 + tf.reduce_mean(1.0 - iou)


def run():
    total = tf.constant(0.0)
    for logits, labels, boxes, targets in BATCHES:
        total += detection_loss(logits, labels, boxes, targets)
    return total


if __name__ == "__main__":
    main(run)
